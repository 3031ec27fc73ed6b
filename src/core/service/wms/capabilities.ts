import type { BBox, Size } from '../../geo/bbox.js';
import type { TileLayer } from '../../layer/tile-layer.js';
import type { WmsLayer } from '../../layer/wms-layer.js';
import { pyFloat } from '../../util/py-format.js';
import type { ServiceMetadata } from '../service-metadata.js';
import { escapeXml as x } from '../xml-escape.js';
import { wmsDimensionElements } from './dimension-elements.js';
import { layerLLBBox, layerSrsBBoxes, type SrsExtent } from './layer-bboxes.js';
import { legendGraphicRequestXml, legendStyleXml } from './legend-capabilities.js';
import type { WmsVersion } from './version.js';
import { wmscDoctypeSubset, wmscVendorCapabilities } from './wmsc-tilesets.js';
import type { InspireMetadata } from '../../config/inspire-md.js';
import { inspireExtendedCapabilities, inspireNamespaces, inspireSchemaLocation } from '../inspire-metadata.js';

/** Everything a WMS capabilities document is rendered from. */
export interface WmsCapabilitiesInput {
  version: WmsVersion;
  md: ServiceMetadata;
  /** The KVP endpoint the client used, e.g. 'http://host/service' ('?' is appended). */
  url: string;
  rootLayer: WmsLayer;
  imageFormats: readonly string[];
  infoFormats: readonly string[];
  srs: readonly string[];
  srsExtents: readonly SrsExtent[];
  maxOutputPixels: number;
  /** LegendURL sizes of the layers that announce a legend (absent: none announced). */
  legendSizes?: ReadonlyMap<WmsLayer, Size>;
  /** WMS-C TileSets of a `tiled=true` 1.1.x request (see wmsc-tilesets.ts); absent or empty: none. */
  tileSets?: readonly TileLayer[];
  /** `inspire_md`: INSPIRE extended capabilities in 1.3.0. */
  inspireMd?: InspireMetadata;
}

export const WMS_CAPABILITIES_MIMETYPE: Record<WmsVersion, string> = {
  '1.0.0': 'text/xml',
  '1.1.0': 'application/vnd.ogc.wms_xml',
  '1.1.1': 'application/vnd.ogc.wms_xml',
  '1.3.0': 'text/xml',
};

/** INFO_FORMAT mime types of `featureinfo_types` (xml is GML before 1.3.0). */
export function infoFormatMimeType(version: WmsVersion, type: string): string {
  switch (type) {
    case 'text':
      return 'text/plain';
    case 'html':
      return 'text/html';
    case 'xml':
      return version === '1.3.0' ? 'text/xml' : 'application/vnd.ogc.gml';
    case 'json':
      return 'application/json';
    default:
      return 'text/plain';
  }
}

const f = pyFloat;
/** limit_llbbox returns Python's int ±180 when it clamps the longitude; keep that spelling. */
function llText(ll: BBox): [string, string, string, string] {
  return [ll[0] === -180 ? '-180' : f(ll[0]), f(ll[1]), ll[2] === 180 ? '180' : f(ll[2]), f(ll[3])];
}

const res2scale = (res: number) => res / 0.00028;
const diagonal = (res: number) => Math.sqrt(2 * res * res);

function indent(lines: string[], n: number): string[] {
  const pad = ' '.repeat(n);
  return lines.map((l) => pad + l);
}

const XLINK = 'xmlns:xlink="http://www.w3.org/1999/xlink"';

function contactXml(md: ServiceMetadata): string[] {
  const c = md.contact;
  if (!c) return [];
  const v = (s: string | undefined) => x(s ?? '');
  return [
    '<ContactInformation>',
    '  <ContactPersonPrimary>',
    `    <ContactPerson>${v(c.person)}</ContactPerson>`,
    `    <ContactOrganization>${v(c.organization)}</ContactOrganization>`,
    '  </ContactPersonPrimary>',
    `  <ContactPosition>${v(c.position)}</ContactPosition>`,
    '  <ContactAddress>',
    `    <AddressType>${v(c.address_type ?? 'postal')}</AddressType>`,
    `    <Address>${v(c.address)}</Address>`,
    `    <City>${v(c.city)}</City>`,
    `    <StateOrProvince>${v(c.state)}</StateOrProvince>`,
    `    <PostCode>${v(c.postcode)}</PostCode>`,
    `    <Country>${v(c.country)}</Country>`,
    '  </ContactAddress>',
    `  <ContactVoiceTelephone>${v(c.phone)}</ContactVoiceTelephone>`,
    `  <ContactFacsimileTelephone>${v(c.fax)}</ContactFacsimileTelephone>`,
    `  <ContactElectronicMailAddress>${v(c.email)}</ContactElectronicMailAddress>`,
    '</ContactInformation>',
  ];
}

function keywordsXml(lists: ServiceMetadata['keyword_list'] | undefined, tag: string, wrapper: string): string[] {
  if (!lists || lists.length === 0) return [];
  const out = [`<${wrapper}>`];
  for (const list of lists) {
    const voc = list.vocabulary ? ` vocabulary="${x(list.vocabulary)}"` : '';
    for (const k of list.keywords ?? []) out.push(`  <${tag}${voc}>${x(String(k))}</${tag}>`);
  }
  out.push(`</${wrapper}>`);
  return out;
}

/** Renders GetCapabilities for WMS 1.0.0, 1.1.0, 1.1.1 or 1.3.0 with the structure of MapProxy's templates. */
export function wmsCapabilities(input: WmsCapabilitiesInput): string {
  switch (input.version) {
    case '1.0.0':
      return caps100(input);
    case '1.1.0':
    case '1.1.1':
      return caps11x(input);
    case '1.3.0':
      return caps130(input);
  }
}

function serviceOnlineResource(input: WmsCapabilitiesInput): string {
  return input.md.online_resource ?? input.url;
}

function caps100(input: WmsCapabilitiesInput): string {
  const { md } = input;
  const get = `<Get onlineResource="${x(input.url)}?"/>`;
  const fmt100 = (m: string) => {
    const sub = m.split('/')[1]?.toUpperCase();
    return sub && ['PNG', 'TIFF', 'GIF', 'JPEG'].includes(sub) ? sub : null;
  };
  const info100 = (m: string) => (m === 'application/vnd.ogc.gml' || m === 'text/xml' ? 'GML.1' : 'MIME');
  const dcp = ['<DCPType>', '  <HTTP>', `    ${get}`, '  </HTTP>', '</DCPType>'];
  const lines = [
    '<?xml version="1.0"?>',
    '<!DOCTYPE WMT_MS_Capabilities SYSTEM "http://schemas.opengis.net/wms/1.0.0/WMS_MS_Capabilities.dtd"',
    ' [',
    ' <!ELEMENT VendorSpecificCapabilities EMPTY>',
    ' ]>  <!-- end of DOCTYPE declaration -->',
    '<WMT_MS_Capabilities version="1.0.0">',
    '<Service>',
    '  <Name>OGC:WMS</Name>',
    `  <Title>${x(md.title ?? '')}</Title>`,
    `  <Abstract>${x(md.abstract ?? '')}</Abstract>`,
    `  <OnlineResource>${x(serviceOnlineResource(input))}</OnlineResource>`,
    `  <Fees>${x(md.fees ?? 'none')}</Fees>`,
    `  <AccessConstraints>${x(md.access_constraints ?? 'none')}</AccessConstraints>`,
    '</Service>',
    '<Capability>',
    '  <Request>',
    '    <Capabilities>',
    '      <Format>',
    '        <WMS_XML/>',
    '      </Format>',
    ...indent(dcp, 6),
    '    </Capabilities>',
    '    <Map>',
    '      <Format>',
    ...[...new Set(input.imageFormats.map(fmt100).filter((n): n is string => n !== null))].map((n) => `        <${n}/>`),
    '      </Format>',
    ...indent(dcp, 6),
    '    </Map>',
    '    <FeatureInfo>',
    '      <Format>',
    ...input.infoFormats.map((m) => `        <${info100(m)}/>`),
    '      </Format>',
    ...indent(dcp, 6),
    '    </FeatureInfo>',
    '  </Request>',
    '  <Exception>',
    '    <Format>',
    '      <INIMAGE/>',
    '      <BLANK/>',
    '      <WMS_XML/>',
    '    </Format>',
    '  </Exception>',
    ...indent(layer1xx(input, input.rootLayer, true), 2),
    '</Capability>',
    '</WMT_MS_Capabilities>',
  ];
  return lines.join('\n');
}

function metadataType111(type: string | undefined): string | null {
  if (type === 'ISO19115:2003') return 'TC211';
  if (type === 'FGDC:1998') return 'FGDC';
  return null;
}

/** A layer of the 1.0.0/1.1.x documents (they differ in SRS lists, Abstract and MetadataURL). */
function layer1xx(input: WmsCapabilitiesInput, layer: WmsLayer, isRoot: boolean): string[] {
  const v = input.version;
  const out = [`<Layer${layer.queryable ? ' queryable="1"' : ''}>`];
  if (layer.name) out.push(`  <Name>${x(layer.name)}</Name>`);
  out.push(`  <Title>${x(layer.title)}</Title>`);
  if (v === '1.1.1' && layer.md?.abstract !== undefined) out.push(`  <Abstract>${x(String(layer.md.abstract))}</Abstract>`);
  if (v === '1.0.0') out.push(`  <SRS>${input.srs.map((s) => `${x(s)} `).join('')}</SRS>`);
  else if (isRoot) {
    if (v === '1.1.1') out.push(...input.srs.map((s) => `  <SRS>${x(s)}</SRS>`));
    else out.push(`  <SRS>${input.srs.map((s) => `${x(s)} `).join('')}</SRS>`);
  }
  const ll = llText(layerLLBBox(layer, input.srsExtents));
  out.push(`  <LatLonBoundingBox minx="${ll[0]}" miny="${ll[1]}" maxx="${ll[2]}" maxy="${ll[3]}" />`);
  for (const [code, b] of layerSrsBBoxes(layer, input.srsExtents, input.srs, false)) {
    out.push(`  <BoundingBox SRS="${x(code)}" minx="${f(b[0])}" miny="${f(b[1])}" maxx="${f(b[2])}" maxy="${f(b[3])}" />`);
  }
  out.push(...indent(wmsDimensionElements(v, layer.dimensions), 2));
  if (v === '1.1.1') {
    for (const m of layer.md?.metadata ?? []) {
      const type = metadataType111(m.type);
      if (!type) continue;
      out.push(`  <MetadataURL type="${x(type)}">`);
      if (m.format) out.push(`    <Format>${x(m.format)}</Format>`);
      out.push(`    <OnlineResource ${XLINK} xlink:href="${x(m.url)}"/>`, '  </MetadataURL>');
    }
  }
  out.push(...indent(legendStyleXml(input, layer), 2));
  const rr = layer.resRange;
  if (rr && (rr.minRes || rr.maxRes)) {
    // ScaleHint carries diagonal resolutions: min from the finest (max_res), max from the coarsest (min_res).
    const min = rr.maxRes ? ` min="${f(diagonal(rr.maxRes))}"` : '';
    const max = rr.minRes ? ` max="${f(diagonal(rr.minRes))}"` : '';
    out.push(`  <ScaleHint${min}${max} />`);
  }
  for (const child of layer.children) out.push(...indent(layer1xx(input, child, false), 2));
  out.push('</Layer>');
  return out;
}

function caps11x(input: WmsCapabilitiesInput): string {
  const { md, version } = input;
  const dtd = version === '1.1.1' ? '1.1.1/WMS_MS_Capabilities.dtd' : '1.1.0/capabilities_1_1_0.dtd';
  const dcp = [
    '<DCPType>',
    '  <HTTP>',
    `    <Get><OnlineResource ${XLINK} xlink:href="${x(input.url)}?"/></Get>`,
    '  </HTTP>',
    '</DCPType>',
  ];
  const lines = [
    '<?xml version="1.0"?>',
    `<!DOCTYPE WMT_MS_Capabilities SYSTEM "http://schemas.opengis.net/wms/${dtd}"`,
    ' [',
    ...wmscDoctypeSubset(input.tileSets ?? []),
    ' ]>  <!-- end of DOCTYPE declaration -->',
    `<WMT_MS_Capabilities version="${version}">`,
    '<Service>',
    '  <Name>OGC:WMS</Name>',
    `  <Title>${x(md.title ?? '')}</Title>`,
    `  <Abstract>${x(md.abstract ?? '')}</Abstract>`,
    `  <OnlineResource ${XLINK} xlink:href="${x(serviceOnlineResource(input))}"/>`,
    ...indent(contactXml(md), 2),
    `  <Fees>${x(md.fees ?? 'none')}</Fees>`,
    `  <AccessConstraints>${x(md.access_constraints ?? 'none')}</AccessConstraints>`,
    '</Service>',
    '<Capability>',
    '  <Request>',
    '    <GetCapabilities>',
    '      <Format>application/vnd.ogc.wms_xml</Format>',
    ...indent(dcp, 6),
    '    </GetCapabilities>',
    '    <GetMap>',
    ...input.imageFormats.map((m) => `      <Format>${x(m)}</Format>`),
    ...indent(dcp, 6),
    '    </GetMap>',
    '    <GetFeatureInfo>',
    ...input.infoFormats.map((m) => `      <Format>${x(m)}</Format>`),
    ...indent(dcp, 6),
    '    </GetFeatureInfo>',
    ...(version === '1.1.1' ? legendGraphicRequestXml(input, 'GetLegendGraphic', dcp) : []),
    '  </Request>',
    '  <Exception>',
    '    <Format>application/vnd.ogc.se_xml</Format>',
    '    <Format>application/vnd.ogc.se_inimage</Format>',
    '    <Format>application/vnd.ogc.se_blank</Format>',
    '  </Exception>',
    ...indent(wmscVendorCapabilities(input.tileSets ?? [], version), 2),
    ...indent(layer1xx(input, input.rootLayer, true), 2),
    '</Capability>',
    '</WMT_MS_Capabilities>',
  ];
  return lines.join('\n');
}

function caps130(input: WmsCapabilitiesInput): string {
  const { md } = input;
  const maxSide = input.maxOutputPixels > 0 ? Math.trunc(Math.sqrt(input.maxOutputPixels)) : 0;
  const dcp = ['<DCPType>', '  <HTTP>', `    <Get><OnlineResource xlink:href="${x(input.url)}?"/></Get>`, '  </HTTP>', '</DCPType>'];
  const lines = [
    '<?xml version="1.0" ?>',
    '<WMS_Capabilities xmlns="http://www.opengis.net/wms" xmlns:sld="http://www.opengis.net/sld" ' +
      'xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
      `${input.inspireMd ? inspireNamespaces('wms') : ''}version="1.3.0" ` +
      'xsi:schemaLocation="http://www.opengis.net/wms http://schemas.opengis.net/wms/1.3.0/capabilities_1_3_0.xsd ' +
      `http://www.opengis.net/sld http://schemas.opengis.net/sld/1.1.0/sld_capabilities.xsd${input.inspireMd ? inspireSchemaLocation('wms') : ''}">`,
    '<Service>',
    '  <Name>WMS</Name>',
    `  <Title>${x(md.title ?? '')}</Title>`,
    `  <Abstract>${x(md.abstract ?? '')}</Abstract>`,
    ...indent(keywordsXml(md.keyword_list, 'Keyword', 'KeywordList'), 2),
    `  <OnlineResource ${XLINK} xlink:href="${x(serviceOnlineResource(input))}"/>`,
    ...indent(contactXml(md), 2),
    `  <Fees>${x(md.fees ?? 'none')}</Fees>`,
    `  <AccessConstraints>${x(md.access_constraints ?? 'none')}</AccessConstraints>`,
    ...(maxSide > 0 ? [`  <MaxWidth>${maxSide}</MaxWidth>`, `  <MaxHeight>${maxSide}</MaxHeight>`] : []),
    '</Service>',
    '<Capability>',
    '  <Request>',
    '    <GetCapabilities>',
    '      <Format>text/xml</Format>',
    ...indent(dcp, 6),
    '    </GetCapabilities>',
    '    <GetMap>',
    ...input.imageFormats.map((m) => `      <Format>${x(m)}</Format>`),
    ...indent(dcp, 6),
    '    </GetMap>',
    '    <GetFeatureInfo>',
    ...input.infoFormats.map((m) => `      <Format>${x(m)}</Format>`),
    ...indent(dcp, 6),
    '    </GetFeatureInfo>',
    ...legendGraphicRequestXml(input, 'sld:GetLegendGraphic', dcp),
    '  </Request>',
    '  <Exception>',
    '    <Format>XML</Format>',
    '    <Format>INIMAGE</Format>',
    '    <Format>BLANK</Format>',
    '  </Exception>',
    ...(input.inspireMd ? indent(inspireExtendedCapabilities(input.inspireMd), 2) : []),
    ...indent(layer130(input, input.rootLayer, true), 2),
    '</Capability>',
    '</WMS_Capabilities>',
  ];
  return lines.join('\n');
}

function metaTags(tag: string, entries: readonly { url: string; type?: string; format?: string }[] | undefined): string[] {
  const out: string[] = [];
  for (const d of entries ?? []) {
    out.push(`<${tag}${d.type ? ` type="${x(d.type)}"` : ''}>`);
    if (d.format) out.push(`  <Format>${x(d.format)}</Format>`);
    out.push(`  <OnlineResource xlink:href="${x(d.url)}"/>`, `</${tag}>`);
  }
  return out;
}

function layer130(input: WmsCapabilitiesInput, layer: WmsLayer, isRoot: boolean): string[] {
  const md = layer.md ?? {};
  const out = [`<Layer${layer.queryable ? ' queryable="1"' : ''}>`];
  if (layer.name) out.push(`  <Name>${x(layer.name)}</Name>`);
  out.push(`  <Title>${x(layer.title)}</Title>`);
  if (md.abstract) out.push(`  <Abstract>${x(String(md.abstract))}</Abstract>`);
  out.push(...indent(keywordsXml(md.keyword_list as ServiceMetadata['keyword_list'], 'Keyword', 'KeywordList'), 2));
  if (isRoot) out.push(...input.srs.map((s) => `  <CRS>${x(s)}</CRS>`));
  const ll = llText(layerLLBBox(layer, input.srsExtents));
  out.push(
    '  <EX_GeographicBoundingBox>',
    `    <westBoundLongitude>${ll[0]}</westBoundLongitude>`,
    `    <eastBoundLongitude>${ll[2]}</eastBoundLongitude>`,
    `    <southBoundLatitude>${ll[1]}</southBoundLatitude>`,
    `    <northBoundLatitude>${ll[3]}</northBoundLatitude>`,
    '  </EX_GeographicBoundingBox>',
    `  <BoundingBox CRS="CRS:84" minx="${ll[0]}" miny="${ll[1]}" maxx="${ll[2]}" maxy="${ll[3]}" />`,
  );
  for (const [code, b] of layerSrsBBoxes(layer, input.srsExtents, input.srs, true)) {
    out.push(`  <BoundingBox CRS="${x(code)}" minx="${f(b[0])}" miny="${f(b[1])}" maxx="${f(b[2])}" maxy="${f(b[3])}" />`);
  }
  out.push(...indent(wmsDimensionElements('1.3.0', layer.dimensions), 2));
  const attr = md.attribution;
  if (attr) {
    out.push('  <Attribution>');
    if (attr.title) out.push(`    <Title>${x(attr.title)}</Title>`);
    if (attr.url) out.push(`    <OnlineResource xlink:href="${x(attr.url)}"/>`);
    if (attr.logo) {
      const l = attr.logo;
      out.push(`    <LogoURL${l.width ? ` width="${l.width}"` : ''}${l.height ? ` height="${l.height}"` : ''}>`);
      if (l.format) out.push(`      <Format>${x(l.format)}</Format>`);
      if (l.url) out.push(`      <OnlineResource xlink:href="${x(l.url)}"/>`);
      out.push('    </LogoURL>');
    }
    out.push('  </Attribution>');
  }
  if (md.identifier && md.identifier.length > 0) {
    for (const idf of md.identifier) {
      out.push(`  <AuthorityURL name="${x(idf.name ?? '')}">`);
      if (idf.url) out.push(`    <OnlineResource xlink:href="${x(idf.url)}" />`);
      out.push('  </AuthorityURL>');
    }
    for (const idf of md.identifier) out.push(`  <Identifier authority="${x(idf.name ?? '')}">${x(idf.value ?? '')}</Identifier>`);
  }
  out.push(...indent(metaTags('MetadataURL', md.metadata), 2));
  out.push(...indent(metaTags('DataURL', md.data), 2));
  out.push(...indent(metaTags('FeatureListURL', md.feature_list), 2));
  out.push(...indent(legendStyleXml(input, layer), 2));
  const rr = layer.resRange;
  if (rr) {
    if (rr.maxRes) out.push(`  <MinScaleDenominator>${f(res2scale(rr.maxRes))}</MinScaleDenominator>`);
    if (rr.minRes) out.push(`  <MaxScaleDenominator>${f(res2scale(rr.minRes))}</MaxScaleDenominator>`);
  }
  for (const child of layer.children) out.push(...indent(layer130(input, child, false), 2));
  out.push('</Layer>');
  return out;
}
