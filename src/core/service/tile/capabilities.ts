import type { ServiceMetadata } from '../service-metadata.js';
import { pyFloat as f } from '../../util/py-format.js';
import { escapeXml as x } from '../xml-escape.js';
import { tileExtension, tileMimeType } from './published-tile.js';
import type { PublishedTileLayer } from './layer-index.js';

/** `/tms`: the services root resource linking the 1.0.0 TileMapService. */
export function tmsRootResource(md: ServiceMetadata, url: string): string {
  const href = url.endsWith('/') ? url : `${url}/`;
  return `<?xml version="1.0"?>
    <Services>
    <TileMapService title="${x(md.title ?? '')}" version="1.0.0"
        href="${x(href)}1.0.0/" />
</Services>`;
}

/** `/tms/1.0.0`: every published (layer, grid) pair. */
export function tmsCapabilities(md: ServiceMetadata, url: string, layers: readonly PublishedTileLayer[]): string {
  const base = url.replace(/\/+$/, '');
  const maps = layers.map(
    (l) => `        <TileMap title="${x(l.layer.title)}"
                 srs="${x(l.grid.srsName)}"
                 profile="${l.grid.profile}"
                 href="${x(base)}/${x(l.namePath.join('/'))}" />`,
  );
  return `<?xml version="1.0"?>
    <TileMapService version="1.0.0">
    <Title>${x(md.title ?? '')}</Title>
    <Abstract>${x(md.abstract ?? '')}</Abstract>
    <TileMaps>
${maps.join('\n')}
    </TileMaps>
</TileMapService>`;
}

/**
 * `/tms/1.0.0/<layer>/<spec>`: one TileMap with its published tile sets. BoundingBox is the layer's
 * extent in the grid's SRS and Origin its lower-left corner, as MapProxy 7 writes them (1.15 wrote
 * the bbox of the first level's tiles, which is larger than the data when the grid is not tile-aligned).
 */
export function tmsTileMap(url: string, l: PublishedTileLayer): string {
  const b = l.layer.extent.bboxFor(l.layer.grid.srs);
  const [tw, th] = l.layer.grid.tileSize;
  const sets = l.grid.tileSets.map(
    ([order, res]) => `    <TileSet href="${x(url)}/${order}" units-per-pixel="${f(res)}" order="${order}" />`,
  );
  return `<?xml version="1.0"?>
 <TileMap version="1.0.0">
  <Title>${x(l.layer.title)}</Title>
  <Abstract></Abstract>
  <SRS>${x(l.grid.srsName)}</SRS>
  <BoundingBox minx="${f(b[0])}" miny="${f(b[1])}" maxx="${f(b[2])}" maxy="${f(b[3])}" />
  <Origin x="${f(b[0])}" y="${f(b[1])}" />
  <TileFormat width="${tw}" height="${th}" mime-type="${x(tileMimeType(l.layer.format))}" extension="${x(tileExtension(l.layer.format))}" />
  <TileSets profile="${l.grid.profile}">
${sets.join('\n')}
  </TileSets>
</TileMap>`;
}
