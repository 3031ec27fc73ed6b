import type { TileCoord } from '../../geo/grid.js';
import { RequestError } from '../request-error.js';

/** A parsed `/kml/...` path. `coord` is x, y, z as the client addressed them (sw origin, no profile shift). */
export type KmlRequest =
  | { kind: 'document'; layer: string; spec?: string; coord: TileCoord }
  | { kind: 'tile'; layer: string; spec?: string; coord: TileCoord; format: string };

/** `/kml/<layer>[/<spec>][/]`: the entry document, i.e. the tile 0/0/0. */
const INIT_RE = /^\/kml\/([^/]+)(\/([^/]+))?\/?$/;
/** `/kml/<layer>[/<spec>]/<z>/<x>/<y>.<ext>`; like MapProxy's pattern it is not anchored at the end. */
const TILE_RE = /^\/kml\/([^/]+)\/(([^/]+)\/)?(-?\d+)\/(-?\d+)\/(-?\d+)\.(\w+)/;

/** Parses a KML path; `.kml` tiles are super-overlay documents, any other extension a tile image. */
export function parseKmlPath(path: string): KmlRequest {
  const init = INIT_RE.exec(path);
  if (init) return { kind: 'document', layer: init[1]!, ...(init[3] !== undefined ? { spec: init[3] } : {}), coord: [0, 0, 0] };
  const m = TILE_RE.exec(path);
  if (!m) throw new RequestError(`invalid request (${path})`);
  const spec = m[3] !== undefined ? { spec: m[3] } : {};
  const coord: TileCoord = [Number(m[5]), Number(m[6]), Number(m[4])];
  const format = m[7]!;
  if (format === 'kml') return { kind: 'document', layer: m[1]!, ...spec, coord };
  return { kind: 'tile', layer: m[1]!, ...spec, coord, format };
}
