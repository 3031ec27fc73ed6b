import proj4 from 'proj4';
import type { BBox } from './bbox.js';
import type { DatumOperation } from './datum-operations.js';
import { applyChosen, pseudoArea, type Candidate } from './operation-choice.js';

/** One CRS as the pivot sees it. */
export interface PivotCRS {
  /** The full proj4 definition (datum included): used when the CRS has no operation table. */
  readonly definition: string;
  /** The projection on the bare ellipsoid, without datum: coordinates ↔ its own lon/lat. */
  readonly plainDefinition: string;
  /** Lon/lat on the same ellipsoid, without datum. */
  readonly geographicDefinition: string;
  /** The central meridian (degrees): PROJ brings every longitude within 180° of it before projecting. */
  readonly centralMeridian: number;
  /** PROJ's operations from its datum to WGS 84, or null: proj4js' datum handling is PROJ's. */
  readonly operations: readonly DatumOperation[] | null;
}

type Conv = { forward(p: number[]): number[] };

const WGS84_LONLAT = '+proj=longlat +datum=WGS84 +no_defs';

function run(c: Conv, x: number, y: number): [number, number] | null {
  let r: number[] | undefined;
  try {
    r = c.forward([x, y]);
  } catch {
    return null;
  }
  return r && Number.isFinite(r[0]) && Number.isFinite(r[1]) ? [r[0]!, r[1]!] : null;
}

const WORLD: BBox = [-Infinity, -Infinity, Infinity, Infinity];

/**
 * An area of use (lon/lat on the CRS's own datum) as envelopes in its coordinates, from 21 points per edge
 * as PROJ computes them; the whole world matches everything.
 */
function envelopesIn(toCrs: Conv, [w, s, e, n]: BBox): BBox[] {
  if (w <= -180 && e >= 180 && s <= -90 && n >= 90) return [WORLD];
  const parts: BBox[] = w <= e ? [[w, s, e, n]] : [[w, s, 180, n], [-180, s, e, n]];
  const out: BBox[] = [];
  for (const [pw, ps, pe, pn] of parts) {
    let minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
    for (let j = 0; j <= 20; j++) {
      const lon = pw + ((pe - pw) * j) / 20;
      const lat = ps + ((pn - ps) * j) / 20;
      for (const [x, y] of [[lon, ps], [lon, pn], [pw, lat], [pe, lat]] as const) {
        const r = run(toCrs, x, y);
        if (!r) continue;
        minx = Math.min(minx, r[0]);
        miny = Math.min(miny, r[1]);
        maxx = Math.max(maxx, r[0]);
        maxy = Math.max(maxy, r[1]);
      }
    }
    if (minx <= maxx) out.push([minx, miny, maxx, maxy]);
  }
  return out;
}

/**
 * Transforms between two CRSs through WGS 84 lon/lat, choosing per point the datum operation PROJ would
 * choose on each side that has an operation table: the grid where it reaches, a Helmert transformation or
 * the ballpark elsewhere. Areas of use are tested in the source coordinates, as PROJ tests them.
 */
export class DatumPivot {
  private readonly srcToLonLat: Conv;
  private readonly lonLatToDst: Conv;
  private readonly srcCands: readonly Candidate[] | null;
  private readonly dstCands: readonly Candidate[] | null;
  private readonly dstCentralMeridian: number;

  constructor(src: PivotCRS, dst: PivotCRS) {
    this.srcToLonLat = src.operations
      ? proj4(src.plainDefinition, src.geographicDefinition)
      : proj4(src.definition, WGS84_LONLAT);
    this.lonLatToDst = dst.operations
      ? proj4(dst.geographicDefinition, dst.plainDefinition)
      : proj4(WGS84_LONLAT, dst.definition);
    this.dstCentralMeridian = dst.centralMeridian;
    // An area given in lon/lat is placed in the source coordinates through the source's own lon/lat.
    const areaToSrc = proj4(src.geographicDefinition, src.plainDefinition);
    const candidates = (ops: readonly DatumOperation[] | null): Candidate[] | null =>
      ops && ops.map((op) => ({ op, envelopes: envelopesIn(areaToSrc, op.area), pseudoArea: pseudoArea(op.area) }));
    this.srcCands = candidates(src.operations);
    this.dstCands = candidates(dst.operations);
  }

  /** One point; NaN where no operation transforms it (outside a projection's domain, or no operation left). */
  forward(p: readonly number[]): number[] {
    const x = p[0]!, y = p[1]!;
    const first = run(this.srcToLonLat, x, y);
    if (!first) return [NaN, NaN];
    let wgs: [number, number] = first;
    if (this.srcCands) {
      const ok = applyChosen(this.srcCands, x, y, (op) => {
        const q: [number, number] = [first[0], first[1]];
        if (!op.toWgs84(q)) return false;
        wgs = q;
        return true;
      });
      if (!ok) return [NaN, NaN];
    }
    let lonlat = wgs;
    if (this.dstCands) {
      const ok = applyChosen(this.dstCands, x, y, (op) => {
        const q: [number, number] = [wgs[0], wgs[1]];
        if (!op.fromWgs84(q)) return false;
        lonlat = q;
        return true;
      });
      if (!ok) return [NaN, NaN];
    }
    // Some proj4js projections (nzmg) take longitudes as given; PROJ wraps them around the central meridian.
    const lon0 = this.dstCentralMeridian;
    let lon = lonlat[0];
    if (lon - lon0 > 180) lon -= 360;
    else if (lon - lon0 < -180) lon += 360;
    return run(this.lonLatToDst, lon, lonlat[1]) ?? [NaN, NaN];
  }
}
