import type { Origin, TileCoord } from '../../geo/grid.js';
import { RequestError } from '../request-error.js';

export type TileServiceRequest =
  | { kind: 'root' }
  | { kind: 'capabilities'; layer?: string; spec?: string }
  | { kind: 'tile'; layer: string; spec?: string; coord: TileCoord; format: string };

const TILE_RE = /^(\/[^/]+)\/((1\.0\.0)\/)?([^/]+)\/(([^/]+)\/)?(-?\d+)\/(-?\d+)\/(-?\d+)\.(\w+)/;
const CAPABILITIES_RE = /^.*\/1\.0\.0\/?(\/([^/]+))?(\/([^/]+))?$/;
const ROOT_RE = /^\/tms\/?$/;

function parseTile(path: string, prefix: string): TileServiceRequest {
  const m = TILE_RE.exec(path);
  if (!m || m[1] !== prefix) throw new RequestError(`invalid request (${path})`);
  return {
    kind: 'tile',
    layer: m[4]!,
    ...(m[6] !== undefined ? { spec: m[6] } : {}),
    coord: [Number(m[8]), Number(m[9]), Number(m[7])],
    format: m[10]!,
  };
}

/** `/tms[/1.0.0[/<layer>[/<spec>]]]` documents or `/tms/1.0.0/<layer>[/<spec>]/<z>/<x>/<y>.<ext>`. */
export function parseTmsPath(path: string): TileServiceRequest {
  const cap = CAPABILITIES_RE.exec(path);
  if (cap) {
    return { kind: 'capabilities', ...(cap[2] !== undefined ? { layer: cap[2] } : {}), ...(cap[4] !== undefined ? { spec: cap[4] } : {}) };
  }
  if (ROOT_RE.test(path)) return { kind: 'root' };
  return parseTile(path, '/tms');
}

/** `/tiles/<layer>[/<spec>]/<z>/<x>/<y>.<ext>` (an optional '1.0.0/' is accepted as MapProxy does). */
export function parseTilesPath(path: string): TileServiceRequest {
  return parseTile(path, '/tiles');
}

/** `?origin=` of /tiles; anything but sw/nw is ignored. */
export function parseOriginParam(value: string | undefined): Origin | null {
  return value === 'sw' || value === 'nw' ? value : null;
}
