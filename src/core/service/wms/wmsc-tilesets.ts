import type { TileLayer } from '../../layer/tile-layer.js';
import { pyFloat as f } from '../../util/py-format.js';
import { TileServiceGrid } from '../tile/service-grid.js';
import { escapeXml as x } from '../xml-escape.js';

/**
 * WMS-C (the OSGeo "WMS Tiling Client Recommendation"): a tiled WMS 1.1.x GetCapabilities (`tiled=true`)
 * announces, per cached layer and grid, the tile sets a client may ask for with exact-tile GetMap requests.
 * One TileSet per layer and SRS: MapProxy keys them by `<layer>_<SRS without colon>`, so of two grids of one
 * layer in the same SRS the later one is announced, at the place of the first.
 */
export function wmscTileSets(tileLayers: readonly TileLayer[]): TileLayer[] {
  const bySrs = new Map<string, TileLayer>();
  for (const layer of tileLayers) bySrs.set(`${layer.name}_${layer.grid.srs.code.replace(':', '').toUpperCase()}`, layer);
  return [...bySrs.values()];
}

/**
 * The internal DTD subset MapProxy puts into the 1.1.x DOCTYPE: it declares VendorSpecificCapabilities
 * with TileSets when there are any, else as empty.
 */
export function wmscDoctypeSubset(tileSets: readonly TileLayer[]): string[] {
  if (tileSets.length === 0) return [' <!ELEMENT VendorSpecificCapabilities EMPTY>'];
  return [
    ' <!ELEMENT VendorSpecificCapabilities (TileSet*) >',
    ' <!ELEMENT TileSet (SRS, BoundingBox?, Resolutions, Width, Height, Format, Layers*, Styles*) >',
    ' <!ELEMENT Resolutions (#PCDATA) >',
    ' <!ELEMENT Width (#PCDATA) >',
    ' <!ELEMENT Height (#PCDATA) >',
    ' <!ELEMENT Layers (#PCDATA) >',
    ' <!ELEMENT Styles (#PCDATA) >',
  ];
}

/**
 * `<VendorSpecificCapabilities>` with one TileSet per tile set, as MapProxy's 1.1.x templates write it: the
 * resolutions are those a tile service publishes (the first level of the global profiles is left out), the
 * bounding box is the tile layer's extent in the grid's SRS. WMS 1.1.0 names the SRS as TMS does
 * (`OSGEO:41001` for the global mercator profile), 1.1.1 by its code.
 */
export function wmscVendorCapabilities(tileSets: readonly TileLayer[], version: string): string[] {
  if (tileSets.length === 0) return [];
  const out = ['<VendorSpecificCapabilities>'];
  for (const layer of tileSets) {
    const grid = new TileServiceGrid(layer.grid);
    const srs = version === '1.1.0' ? grid.srsName : layer.grid.srs.code;
    const b = layer.extent.bboxFor(layer.grid.srs);
    out.push(
      '  <TileSet>',
      `    <SRS>${x(srs)}</SRS>`,
      `    <BoundingBox SRS="${x(srs)}" minx="${f(b[0])}" miny="${f(b[1])}" maxx="${f(b[2])}" maxy="${f(b[3])}" />`,
      `    <Resolutions>${grid.tileSets.map(([, res]) => `${f(res)} `).join('')}</Resolutions>`,
      `    <Width>${layer.grid.tileSize[0]}</Width>`,
      `    <Height>${layer.grid.tileSize[1]}</Height>`,
      `    <Format>${x(layer.format.mimeType)}</Format>`,
      `    <Layers>${x(layer.name)}</Layers>`,
      '    <Styles></Styles>',
      '  </TileSet>',
    );
  }
  out.push('</VendorSpecificCapabilities>');
  return out;
}
