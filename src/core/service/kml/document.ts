import type { BBox } from '../../geo/bbox.js';
import type { TileCoord } from '../../geo/grid.js';
import { escapeXml as x } from '../xml-escape.js';
import { pyFixed as f } from './py-fixed.js';
import type { KmlTile } from './super-overlay.js';

export const KML_MIME_TYPE = 'application/vnd.google-earth.kml+xml';

export interface KmlDocumentInput {
  /** The layer as written in the request URL (document and link names). */
  name: string;
  /** Base URL of the service, without trailing '/'. */
  url: string;
  /** URL parts after /kml/: [layer, EPSGnnnn or grid name]. */
  namePath: readonly string[];
  /** Extension of the tile images. */
  ext: string;
  /** Tile width in pixels; drives the level-of-detail thresholds. */
  tileSize: number;
  region: BBox;
  subtiles: readonly KmlTile[];
}

/** Python's str() of a coord tuple, e.g. '(0, 1, 1)', as MapProxy names the overlays. */
const coordName = (c: TileCoord) => `(${c[0]}, ${c[1]}, ${c[2]})`;

function box(b: BBox, indent: string): string {
  return `${indent}<north>${f(b[3])}</north><south>${f(b[1])}</south>
${indent}<east>${f(b[2])}</east><west>${f(b[0])}</west>`;
}

/** A sub tile's Region: its box and level of detail (maxLod -1: no upper limit), optionally with a fade extent. */
function subtileRegion(b: BBox, minLod: number, maxLod: number, fade?: number): string {
  const fadeLines = fade === undefined ? '' : `
          <minFadeExtent>${fade}</minFadeExtent>
          <maxFadeExtent>${fade}</maxFadeExtent>`;
  return `<Region>
        <LatLonAltBox>
${box(b, '          ')}
        </LatLonAltBox>
        <Lod>
          <minLodPixels>${minLod}</minLodPixels>
          <maxLodPixels>${maxLod}</maxLodPixels>${fadeLines}
        </Lod>
      </Region>`;
}

/**
 * A KML 2.2 super-overlay document laid out like MapProxy's: the tile's Region, one
 * NetworkLink per sub tile (loaded when the region reaches half a tile on screen), then one
 * GroundOverlay per sub tile with its image (faded out above three tiles' size).
 */
export function renderKmlDocument(d: KmlDocumentInput): string {
  const minLod = Math.trunc(d.tileSize / 2);
  const maxLod = d.tileSize * 3;
  const base = `${d.url}/kml/${d.namePath.join('/')}`;
  const href = (c: TileCoord, ext: string) => x(`${base}/${c[2]}/${c[0]}/${c[1]}.${ext}`);
  const out: string[] = [];
  out.push(`<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2">
  <Document>
    <name>${x(d.name)}</name>
    <Region>
      <LatLonAltBox>
${box(d.region, '        ')}
      </LatLonAltBox>
    </Region>
    `);
  for (const t of d.subtiles) {
    out.push(`<NetworkLink>
      <name>${x(d.name)} - ${coordName(t.coord)}</name>
      ${subtileRegion(t.wgsBBox, minLod, -1)}
      <Link>
        <href>${href(t.coord, 'kml')}</href>
        <viewRefreshMode>onRegion</viewRefreshMode>
        <viewFormat/>
      </Link>
    </NetworkLink>
    `);
  }
  for (const t of d.subtiles) {
    out.push(`<GroundOverlay>
      <name>${coordName(t.coord)}</name>
      ${subtileRegion(t.wgsBBox, minLod, maxLod, 8)}
      <drawOrder>${t.coord[2]}</drawOrder>
      <Icon>
        <href>${href(t.coord, d.ext)}</href>
      </Icon>
      <LatLonBox>
${box(t.wgsBBox, '        ')}
      </LatLonBox>
    </GroundOverlay>
    `);
  }
  out.push(`</Document>
</kml>
`);
  return out.join('');
}
