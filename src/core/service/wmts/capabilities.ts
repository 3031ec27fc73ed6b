import type { TileGrid } from '../../geo/grid.js';
import { pyFloat as f } from '../../util/py-format.js';
import type { ServiceMetadata } from '../service-metadata.js';
import { tileExtension } from '../tile/published-tile.js';
import { escapeXml as x } from '../xml-escape.js';
import { wmtsDimensionElements } from './dimension-elements.js';
import type { WmtsLayerSet } from './layers.js';
import { legendHref } from './legend-urls.js';
import type { InspireMetadata } from '../../config/inspire-md.js';
import { inspireExtendedCapabilities, inspireNamespaces, inspireSchemaLocation } from '../inspire-metadata.js';

/** TileMatrix identifiers are the zero-padded level ('00', '01', …). */
export const matrixId = (level: number): string => String(level).padStart(2, '0');

/** OGC scale denominator of a resolution (0.28 mm pixels), rounded to 10 decimals as MapProxy does. */
export function scaleDenominator(res: number, metersPerUnit: number): number {
  return Number(((res / 0.00028) * metersPerUnit).toFixed(10));
}

function tileMatrixSet(grid: TileGrid): string[] {
  const out = ['    <TileMatrixSet>', `      <ows:Identifier>${x(grid.name)}</ows:Identifier>`, `      <ows:SupportedCRS>${x(grid.srs.code)}</ows:SupportedCRS>`];
  for (let level = 0; level < grid.levels; level++) {
    const b = grid.tileBBox(grid.originTile(level, 'nw'));
    const topLeft = grid.srs.isAxisOrderNE ? [b[3], b[0]] : [b[0], b[3]];
    const [nx, ny] = grid.gridSize(level);
    out.push(
      '      <TileMatrix>',
      `        <ows:Identifier>${matrixId(level)}</ows:Identifier>`,
      `        <ScaleDenominator>${f(scaleDenominator(grid.resolutions[level]!, grid.srs.metersPerUnit))}</ScaleDenominator>`,
      `        <TopLeftCorner>${f(topLeft[0]!)} ${f(topLeft[1]!)}</TopLeftCorner>`,
      `        <TileWidth>${grid.tileSize[0]}</TileWidth>`,
      `        <TileHeight>${grid.tileSize[1]}</TileHeight>`,
      `        <MatrixWidth>${nx}</MatrixWidth>`,
      `        <MatrixHeight>${ny}</MatrixHeight>`,
      '      </TileMatrix>',
    );
  }
  out.push('    </TileMatrixSet>');
  return out;
}

function operation(name: string, url: string): string[] {
  return [
    `    <ows:Operation name="${name}">`,
    '      <ows:DCP>',
    '        <ows:HTTP>',
    `          <ows:Get xlink:href="${x(url)}?">`,
    '            <ows:Constraint name="GetEncoding">',
    '              <ows:AllowedValues>',
    '                <ows:Value>KVP</ows:Value>',
    '              </ows:AllowedValues>',
    '            </ows:Constraint>',
    '          </ows:Get>',
    '        </ows:HTTP>',
    '      </ows:DCP>',
    '    </ows:Operation>',
  ];
}

export interface WmtsCapabilitiesInput {
  md: ServiceMetadata;
  /** KVP: the endpoint ('http://host/service'); REST: the service root ('http://host/wmts'). */
  url: string;
  layers: WmtsLayerSet;
  /** REST template for ResourceURL; undefined renders the KVP document with OperationsMetadata. */
  restfulTemplate?: string;
  /** `featureinfo_formats`: InfoFormat of queryable layers (and, REST, a FeatureInfo ResourceURL per suffix). */
  infoFormats?: readonly { mimetype: string; suffix: string }[];
  /** `restful_featureinfo_template`, for the FeatureInfo ResourceURLs. */
  restfulFeatureinfoTemplate?: string;
  /** LegendURL templates by layer name, of this flavour (`wmts_kvp_legendurl` or `wmts_rest_legendurl`). */
  legendUrls?: ReadonlyMap<string, string>;
  /**
   * `inspire_md` (our extension; MapProxy writes it into WMS only): INSPIRE's ExtendedCapabilities for OWS 1.1
   * services, the last child of ows:OperationsMetadata, which only the KVP document has.
   */
  inspireMd?: InspireMetadata;
}

/** The WMTS 1.0.0 capabilities document, in KVP or RESTful flavour. */
export function wmtsCapabilities(input: WmtsCapabilitiesInput): string {
  const { md, url } = input;
  const restful = input.restfulTemplate !== undefined;
  const inspire = restful ? undefined : input.inspireMd;
  const out = [
    '<?xml version="1.0"?>',
    '<Capabilities xmlns="http://www.opengis.net/wmts/1.0" xmlns:ows="http://www.opengis.net/ows/1.1" ' +
      'xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
      `xmlns:gml="http://www.opengis.net/gml" ${inspire ? inspireNamespaces('ows11') : ''}xsi:schemaLocation="http://www.opengis.net/wmts/1.0 ` +
      `http://schemas.opengis.net/wmts/1.0/wmtsGetCapabilities_response.xsd${inspire ? inspireSchemaLocation('ows11') : ''}" version="1.0.0">`,
    '  <ows:ServiceIdentification>',
    `    <ows:Title>${x(md.title ?? '')}</ows:Title>`,
    `    <ows:Abstract>${x(md.abstract ?? '')}</ows:Abstract>`,
  ];
  if (md.keyword_list && md.keyword_list.length > 0) {
    out.push('    <ows:Keywords>');
    for (const list of md.keyword_list) {
      const voc = list.vocabulary ? ` vocabulary="${x(list.vocabulary)}"` : '';
      for (const k of list.keywords ?? []) out.push(`      <ows:Keyword${voc}>${x(String(k))}</ows:Keyword>`);
    }
    out.push('    </ows:Keywords>');
  }
  out.push(
    '    <ows:ServiceType>OGC WMTS</ows:ServiceType>',
    '    <ows:ServiceTypeVersion>1.0.0</ows:ServiceTypeVersion>',
    `    <ows:Fees>${x(md.fees ?? 'none')}</ows:Fees>`,
    `    <ows:AccessConstraints>${x(md.access_constraints ?? 'none')}</ows:AccessConstraints>`,
    '  </ows:ServiceIdentification>',
  );
  const c = md.contact;
  if (c) {
    const v = (s: string | undefined) => x(s ?? '');
    out.push(
      '  <ows:ServiceProvider>',
      `    <ows:ProviderName>${v(c.organization)}</ows:ProviderName>`,
      `    <ows:ProviderSite xlink:href="${v(md.online_resource)}"/>`,
      '    <ows:ServiceContact>',
      `      <ows:IndividualName>${v(c.person)}</ows:IndividualName>`,
      `      <ows:PositionName>${v(c.position)}</ows:PositionName>`,
      '      <ows:ContactInfo>',
      '        <ows:Phone>',
      `          <ows:Voice>${v(c.phone)}</ows:Voice>`,
      `          <ows:Facsimile>${v(c.fax)}</ows:Facsimile>`,
      '        </ows:Phone>',
      '        <ows:Address>',
      `          <ows:DeliveryPoint>${v(c.address)}</ows:DeliveryPoint>`,
      `          <ows:City>${v(c.city)}</ows:City>`,
      `          <ows:PostalCode>${v(c.postcode)}</ows:PostalCode>`,
      `          <ows:Country>${v(c.country)}</ows:Country>`,
      `          <ows:ElectronicMailAddress>${v(c.email)}</ows:ElectronicMailAddress>`,
      '        </ows:Address>',
      '      </ows:ContactInfo>',
      '    </ows:ServiceContact>',
      '  </ows:ServiceProvider>',
    );
  }
  if (!restful) {
    out.push('  <ows:OperationsMetadata>', ...operation('GetCapabilities', url), ...operation('GetTile', url), ...operation('GetFeatureInfo', url));
    if (inspire) out.push(...inspireExtendedCapabilities(inspire).map((l) => `    ${l}`));
    out.push('  </ows:OperationsMetadata>');
  }
  out.push('  <Contents>');
  for (const wl of input.layers.layers.values()) {
    const ll = wl.first.extent.llbbox;
    const ext = tileExtension(wl.first.format);
    out.push(
      '    <Layer>',
      `      <ows:Title>${x(wl.first.title)}</ows:Title>`,
      '      <ows:Abstract></ows:Abstract>',
      '      <ows:WGS84BoundingBox>',
      `        <ows:LowerCorner>${f(ll[0])} ${f(ll[1])}</ows:LowerCorner>`,
      `        <ows:UpperCorner>${f(ll[2])} ${f(ll[3])}</ows:UpperCorner>`,
      '      </ows:WGS84BoundingBox>',
      `      <ows:Identifier>${x(wl.name)}</ows:Identifier>`,
      '      <Style>',
      '        <ows:Identifier>default</ows:Identifier>',
    );
    const legend = input.legendUrls?.get(wl.name);
    if (legend) {
      const base = url.replace(restful ? /\/wmts$/ : /\/service$/, '');
      out.push('        <LegendURL', '          format="image/png"', `          xlink:href="${legendHref(legend, base, wl.name)}"`, '        />');
    }
    out.push(
      '      </Style>',
      `      <Format>image/${x(ext)}</Format>`,
    );
    const queryable = (wl.first.infoSources?.length ?? 0) > 0;
    if (queryable) for (const fi of input.infoFormats ?? []) out.push(`      <InfoFormat>${x(fi.mimetype)}</InfoFormat>`);
    out.push(...wmtsDimensionElements(wl.first.dimensions, input.restfulTemplate));
    for (const setName of wl.byMatrixSet.keys()) {
      out.push('      <TileMatrixSetLink>', `        <TileMatrixSet>${x(setName)}</TileMatrixSet>`, '      </TileMatrixSetLink>');
    }
    if (restful) {
      const template = input.restfulTemplate!.replace('{Format}', ext).replace('{Layer}', wl.name);
      out.push(`      <ResourceURL format="image/${x(ext)}" resourceType="tile"`, `        template="${x(url + template)}"/>`);
      if (queryable && input.restfulFeatureinfoTemplate) {
        for (const fi of input.infoFormats ?? []) {
          const fiTemplate = input.restfulFeatureinfoTemplate.replaceAll('{InfoFormat}', fi.suffix).replaceAll('{Layer}', wl.name);
          out.push(`      <ResourceURL format="${x(fi.mimetype)}" resourceType="FeatureInfo" template="${x(url + fiTemplate)}"/>`);
        }
      }
    }
    out.push('    </Layer>');
  }
  for (const grid of input.layers.matrixSets.values()) out.push(...tileMatrixSet(grid));
  out.push('  </Contents>');
  if (restful) out.push(`  <ServiceMetadataURL xlink:href="${x(url)}/1.0.0/WMTSCapabilities.xml"/>`);
  out.push('</Capabilities>');
  return out.join('\n');
}
