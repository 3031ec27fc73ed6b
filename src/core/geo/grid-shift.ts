/**
 * NTv2 horizontal grid shifts (PROJ's hgridshift) on grids as proj4js parses them. proj4js applies grids
 * itself, but logs a line for every point outside a grid and knows no other operation to fall back to; here
 * a point outside is an answer (`false`), so the caller can choose PROJ's next operation for it.
 */

/** One NTv2 sub-grid as proj4.nadgrid returns it: radians, longitudes positive west, shifts per node. */
export interface SubGrid {
  /** South-east corner: [longitude (positive west), latitude]. */
  readonly ll: readonly [number, number];
  /** Node spacing: [longitude, latitude]. */
  readonly del: readonly [number, number];
  /** Nodes per row and per column. */
  readonly lim: readonly [number, number];
  /** [longitude shift (positive west), latitude shift] per node, rows from the south, columns from the east. */
  readonly cvs: readonly (readonly [number, number])[];
}

export interface ShiftGrid {
  readonly name: string;
  readonly subgrids: readonly SubGrid[];
}

const D2R = Math.PI / 180;
const R2D = 180 / Math.PI;

/** The most detailed sub-grid holding the point (positive-west radians), as PROJ prefers child grids. */
function subgridAt(grids: readonly ShiftGrid[], pw: number, lat: number): SubGrid | null {
  for (const grid of grids) {
    let best: SubGrid | null = null;
    for (const g of grid.subgrids) {
      // PROJ's tolerance: a point on the edge, give or take float noise, is inside.
      const eps = (Math.abs(g.del[0]) + Math.abs(g.del[1])) / 10000;
      if (pw < g.ll[0] - eps || lat < g.ll[1] - eps) continue;
      if (pw > g.ll[0] + (g.lim[0] - 1) * g.del[0] + eps || lat > g.ll[1] + (g.lim[1] - 1) * g.del[1] + eps) continue;
      if (!best || g.del[0] < best.del[0]) best = g;
    }
    // Grids of one operation are tried in order; the first that holds the point is used.
    if (best) return best;
  }
  return null;
}

/** Bilinear shift at a point inside `g` (clamped onto the last cell at the north and west edges). */
function shiftAt(g: SubGrid, pw: number, lat: number, out: [number, number]): void {
  const fx = Math.min(Math.max((pw - g.ll[0]) / g.del[0], 0), g.lim[0] - 1);
  const fy = Math.min(Math.max((lat - g.ll[1]) / g.del[1], 0), g.lim[1] - 1);
  const ix = Math.min(Math.floor(fx), g.lim[0] - 2);
  const iy = Math.min(Math.floor(fy), g.lim[1] - 2);
  const tx = fx - ix;
  const ty = fy - iy;
  const i00 = iy * g.lim[0] + ix;
  const i01 = i00 + g.lim[0];
  const a = g.cvs[i00]!, b = g.cvs[i00 + 1]!, c = g.cvs[i01]!, d = g.cvs[i01 + 1]!;
  out[0] = (1 - tx) * (1 - ty) * a[0] + tx * (1 - ty) * b[0] + (1 - tx) * ty * c[0] + tx * ty * d[0];
  out[1] = (1 - tx) * (1 - ty) * a[1] + tx * (1 - ty) * b[1] + (1 - tx) * ty * c[1] + tx * ty * d[1];
}

/**
 * Shifts lon/lat degrees (in place) from the grid's source datum to its target datum, or back with
 * `inverse` (solved by iteration, as PROJ does). Returns false, leaving the point alone, outside the grids.
 */
export function applyGridShift(grids: readonly ShiftGrid[], p: [number, number], inverse: boolean): boolean {
  const pw = -p[0] * D2R;
  const lat = p[1] * D2R;
  const g = subgridAt(grids, pw, lat);
  if (!g) return false;
  const s: [number, number] = [0, 0];
  shiftAt(g, pw, lat, s);
  if (!inverse) {
    p[0] = -(pw + s[0]) * R2D;
    p[1] = (lat + s[1]) * R2D;
    return true;
  }
  // Find the point whose forward shift lands on p: start one shift back, then correct by the residual.
  let x = pw - s[0];
  let y = lat - s[1];
  for (let i = 0; i < 10; i++) {
    const h = subgridAt(grids, x, y);
    if (!h) break; // at the grid edge: keep the approximation so far, as PROJ does
    shiftAt(h, x, y, s);
    const dx = pw - (x + s[0]);
    const dy = lat - (y + s[1]);
    x += dx;
    y += dy;
    if (dx * dx + dy * dy < 1e-24) break;
  }
  p[0] = -x * R2D;
  p[1] = y * R2D;
  return true;
}
