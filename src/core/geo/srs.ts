import proj4 from 'proj4';
import type { BBox, Point } from './bbox.js';
import { isAxisOrderNE } from './axis-order.js';
import { ensureDatumGrids } from './datum-grids.js';
import { datumOperationsFor, type DatumOperation } from './datum-operations.js';
import { DatumPivot, type PivotCRS } from './datum-pivot.js';
import { envelopeOfValidPart } from './valid-envelope.js';
import { unwrapRing } from './wrap.js';
import { canonicalSRSCode, epsgNumber, loadEpsgEntry, normalizeSRSCode } from './epsg.js';
import { iauNumber, loadIauDefinition, UnsupportedIauCrs } from './iau.js';
import { planetocentricLatitude, planetographicLatitude } from './planetocentric.js';

export { isAxisOrderNE } from './axis-order.js';

/** Metres per degree on the web mercator sphere: what MapProxy uses to turn degrees into scale denominators. */
export const METERS_PER_DEGREE = (6378137 * 2 * Math.PI) / 360;

/**
 * Metres per degree of a lat/lon CRS: the web mercator constant on the Earth (what MapProxy's resolution
 * checks and scales use for every Earth CRS), a degree of the body's equator elsewhere (MapProxy 7's deg_to_m
 * with the body's semi-major axis).
 */
export function metersPerDegreeOf(srs: SRS): number {
  return srs.body === 'Earth' ? METERS_PER_DEGREE : (srs.semiMajorMeters * 2 * Math.PI) / 360;
}

/** Latitude limit of the web mercator square (±20037508.342789244 m). */
export const MERCATOR_MAX_LAT = 85.0511287798;
const MERCATOR_MAX = 20037508.342789244;

export class UnknownSRSError extends Error {
  constructor(readonly code: string, detail?: string) {
    super(`unknown SRS ${code}${detail ? ` (${detail})` : ''}`);
    this.name = 'UnknownSRSError';
  }
}

export class TransformationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransformationError';
  }
}

export interface SRS {
  /** As configured/requested, upper-case: 'EPSG:4326', 'CRS:84', 'EPSG:900913'. */
  readonly code: string;
  readonly isLatLong: boolean;
  /** WMS 1.3.0 axis order lat/lon (or northing/easting). */
  readonly isAxisOrderNE: boolean;
  /** 1 for metres, 111319.4907932736 for degrees. */
  readonly metersPerUnit: number;
  /** The proj4 definition used for transformations. */
  readonly definition: string;
  /** The celestial body the CRS is on: `Earth` for EPSG codes, `Moon`, `Mars`, … for IAU codes. */
  readonly body: string;
  /** The semi-major axis of the body's ellipsoid or sphere, in metres (degrees → metres on that body). */
  readonly semiMajorMeters: number;
  /**
   * The geographic CRS of the body (MapProxy's get_geographic_srs): EPSG:4326 for the Earth, the IAU
   * sphere or ellipsoid a planetary CRS is based on. Layer extents are merged and described in it.
   */
  readonly geographic: SRS;
  /** EPSG:900913/3857/102100/102113 are equal; CRS:84 equals EPSG:4326. */
  equals(other: SRS): boolean;
  /** Transforms points (x/y = east/north order); throws TransformationError instead of returning NaN. */
  transformTo(other: SRS, points: readonly Point[]): Point[];
  /**
   * Transforms a bbox through `withPoints` points along its edges (default 16), clamping latitudes for mercator.
   * Where part of the bbox does not transform (outside a projection's domain), the envelope of the part that
   * does; TransformationError when no part does.
   */
  transformBBoxTo(other: SRS, bbox: BBox, withPoints?: number): BBox;
}

type Converter = { forward(p: number[]): number[] };
type Projection = InstanceType<typeof proj4.Proj>;

const WEBMERCATOR_DEF =
  '+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +wktext +no_defs';
const WGS84_DEF = '+proj=longlat +datum=WGS84 +no_defs';

class ProjSRS implements SRS, PivotCRS {
  readonly code: string;
  readonly canonicalCode: string;
  readonly isLatLong: boolean;
  readonly isAxisOrderNE: boolean;
  readonly metersPerUnit: number;
  readonly definition: string;
  readonly plainDefinition: string;
  readonly geographicDefinition: string;
  readonly centralMeridian: number;
  readonly body: string;
  readonly semiMajorMeters: number;
  private readonly geographicCode: string;
  /** x is a west-positive coordinate (planetographic longitudes); proj4js computes east-positive ones. */
  private readonly westPositive: boolean;
  /** y is a planetocentric latitude; proj4js computes with planetographic ones. */
  private readonly planetocentric: boolean;
  /**
   * PROJ's operations from this CRS's datum to WGS 84 when its definition ties it to a grid (the grid where it
   * reaches, Helmert transformations and a ballpark elsewhere), else null.
   */
  readonly operations: readonly DatumOperation[] | null;
  /** Mandatory datum grids of a CRS without an operation table that are not installed. */
  readonly missingGrids: readonly string[];
  private readonly proj: Projection | null;
  private readonly converters = new Map<string, Converter>();

  constructor(code: string, canonicalCode: string, definition: string, world: World = EARTH) {
    this.code = code;
    this.canonicalCode = canonicalCode;
    this.body = world.body;
    this.geographicCode = world.geographicCode;
    this.westPositive = world.westPositive;
    this.planetocentric = world.planetocentric;
    const num = epsgNumber(canonicalCode);
    this.operations = num === null ? null : datumOperationsFor(num);
    // With an operation table the grid is one operation among several, applied by us, not by proj4js.
    this.definition = this.operations ? withoutDatum(definition) : definition;
    this.missingGrids = this.operations ? [] : ensureDatumGrids(definition);
    this.isLatLong = /\+proj=(longlat|latlong|lonlat|latlon)\b/.test(definition);
    this.isAxisOrderNE = isAxisOrderNE(code);
    // proj4 would log and yield NaN for a projection whose mandatory grid is absent; keep it unbuilt instead.
    this.proj = this.missingGrids.length ? null : new proj4.Proj(this.definition);
    const ellipsoid = this.proj ? `+a=${this.proj.a} +b=${this.proj.b}` : '';
    this.plainDefinition = `${withoutDatum(this.definition).replace(/\s*\+(ellps|a|b|rf|R)=\S*/g, '')} ${ellipsoid}`;
    this.geographicDefinition = `+proj=longlat ${ellipsoid} +no_defs`;
    this.centralMeridian = (((this.proj as { long0?: number } | null)?.long0 ?? 0) * 180) / Math.PI;
    this.semiMajorMeters = this.proj?.a ?? 6378137;
    this.metersPerUnit = this.isLatLong ? METERS_PER_DEGREE : ((this.proj as { to_meter?: number } | null)?.to_meter ?? toMeterOf(definition));
  }

  equals(other: SRS): boolean {
    if (other === this) return true;
    return other instanceof ProjSRS && other.canonicalCode === this.canonicalCode;
  }

  get geographic(): SRS {
    return getSRS(this.geographicCode);
  }

  private converter(other: ProjSRS): Converter {
    let c = this.converters.get(other.canonicalCode);
    if (!c) {
      if (other.body !== this.body) {
        // PROJ has no operation between bodies ("Source and target ellipsoid do not belong to the same
        // celestial body"); proj4js would happily map Moon degrees onto the Earth.
        throw new TransformationError(
          `cannot transform ${this.code} → ${other.code}: ${this.code} is a CRS of the ${this.body}, ` +
            `${other.code} of the ${other.body}`,
        );
      }
      for (const s of [this, other]) {
        if (s.missingGrids.length) {
          throw new TransformationError(
            `cannot transform ${this.code} → ${other.code}: ${s.code} needs the datum grid ` +
              `${s.missingGrids.join(', ')}, which is not installed (looked in $PROJ_DATA, $PROJ_LIB, /usr/share/proj)`,
          );
        }
      }
      c = this.operations || other.operations
        ? new DatumPivot(this, other)
        : (proj4(this.proj!, other.proj!) as unknown as Converter);
      this.converters.set(other.canonicalCode, c);
    }
    return c;
  }

  /** Transforms without throwing on points outside the projection's domain (they come back non-finite). */
  private transformLenient(other: ProjSRS, points: readonly Point[]): Point[] {
    const c = this.converter(other);
    const inSign = this.westPositive ? -1 : 1;
    const outSign = other.westPositive ? -1 : 1;
    const inLat = this.planetocentric ? (lat: number) => planetographicLatitude(lat, this.proj!.a, this.proj!.b) : (lat: number) => lat;
    const outLat = other.planetocentric ? (lat: number) => planetocentricLatitude(lat, other.proj!.a, other.proj!.b) : (lat: number) => lat;
    return points.map((p) => {
      let r: number[];
      try {
        r = c.forward([inSign * p[0], inLat(p[1])]);
      } catch {
        return [NaN, NaN] as const;
      }
      return [outSign * r[0]!, outLat(r[1]!)] as const;
    });
  }

  transformTo(other: SRS, points: readonly Point[]): Point[] {
    if (this.equals(other)) return points.map((p) => [p[0], p[1]] as const);
    const out = this.transformLenient(asProjSRS(other), points);
    for (let i = 0; i < out.length; i++) {
      const q = out[i]!;
      if (!Number.isFinite(q[0]) || !Number.isFinite(q[1])) {
        const p = points[i]!;
        throw new TransformationError(`cannot transform point (${p[0]}, ${p[1]}) from ${this.code} to ${other.code}`);
      }
    }
    return out;
  }

  transformBBoxTo(other: SRS, bbox: BBox, withPoints = 16): BBox {
    if (this.equals(other)) return bbox;
    const target = asProjSRS(other);
    const toMercator = target.canonicalCode === 'EPSG:3857';
    let src = bbox;
    if (toMercator && this.isLatLong) {
      // Web mercator is undefined at the poles: clamp so that a world bbox maps onto the mercator square.
      const clampLat = (v: number) => Math.max(-MERCATOR_MAX_LAT, Math.min(MERCATOR_MAX_LAT, v));
      src = [bbox[0], clampLat(bbox[1]), bbox[2], clampLat(bbox[3])];
    } else if (this.canonicalCode === 'EPSG:3857') {
      // Nor does web mercator reach beyond its square: northings past it would be read as the polar caps.
      const clampY = (v: number) => Math.max(-MERCATOR_MAX, Math.min(MERCATOR_MAX, v));
      src = [bbox[0], clampY(bbox[1]), bbox[2], clampY(bbox[3])];
    }
    let pts = this.transformLenient(target, generateEnvelopePoints(src, withPoints));
    const allFinite = pts.every(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    // Only a bbox reaching past its own world's edge crosses the antimeridian; inside it, a jump between two
    // edge points is a long edge (a world bbox through four corners), not a wrap.
    const width = target.wrapWidth;
    const ownWidth = this.wrapWidth;
    const crosses = ownWidth !== null && (src[0] < -ownWidth / 2 - 1e-9 || src[2] > ownWidth / 2 + 1e-9);
    if (allFinite && crosses && width !== null) pts = unwrapRing(pts, width) ?? pts;
    // Where some edge points fail (the bbox leaves a projection's domain), the envelope of the others would
    // silently shrink: take the envelope of the whole part that transforms instead.
    let result = allFinite ? calculateBBox(pts) : envelopeOfValidPart(src, (p) => this.transformLenient(target, p));
    if (!result) {
      throw new TransformationError(`cannot transform bbox ${bbox.join(',')} from ${this.code} to ${other.code}`);
    }
    if (toMercator && this.canonicalCode === 'EPSG:4326') {
      // MapProxy snaps world-edge bboxes to the exact mercator square (WMS extents rely on it); a bbox that
      // reaches past ±180° keeps its unwrapped edge.
      const [minx, miny, maxx, maxy] = result;
      const atEdge = (v: number, edge: number) => Math.abs(v - edge) < 1e-9;
      result = [
        atEdge(bbox[0], -180) ? -MERCATOR_MAX : minx,
        bbox[1] <= -85.06 ? -MERCATOR_MAX : miny,
        atEdge(bbox[2], 180) ? MERCATOR_MAX : maxx,
        bbox[3] >= 85.06 ? MERCATOR_MAX : maxy,
      ];
    }
    return result;
  }

  /** The x period of SRSs whose x wraps around the earth (degrees of longitude, the mercator square's width). */
  get wrapWidth(): number | null {
    if (this.isLatLong) return 360;
    return this.canonicalCode === 'EPSG:3857' ? 2 * MERCATOR_MAX : null;
  }

  toString(): string {
    return `SRS(${this.code})`;
  }
}

function asProjSRS(srs: SRS): ProjSRS {
  if (srs instanceof ProjSRS) return srs;
  return getSRS(srs.code) as ProjSRS;
}

/** The definition without datum parameters: what remains is the projection and the ellipsoid. */
function withoutDatum(definition: string): string {
  // Some epsg-index grid names are quoted and hold spaces: +nadgrids="National 84 (02.07.01).gsb".
  return definition.replace(/\s*\+(nadgrids|towgs84|datum)=("[^"]*"|\S*)/g, '');
}

function toMeterOf(definition: string): number {
  const m = /\+to_meter=(\S+)/.exec(definition);
  return m ? Number(m[1]) : 1;
}

/**
 * Which world a CRS belongs to, the geographic CRS of that world, whether its x grows westwards and whether its
 * latitudes are planetocentric.
 */
interface World {
  readonly body: string;
  readonly geographicCode: string;
  readonly westPositive: boolean;
  readonly planetocentric: boolean;
}

const EARTH: World = { body: 'Earth', geographicCode: 'EPSG:4326', westPositive: false, planetocentric: false };

// SRS objects are immutable, so one instance per code is shared by everyone (MapProxy caches them per thread).
const cache = new Map<string, SRS>();

/**
 * The SRS for a code (`EPSG:4326`, `4326`, `CRS:84`, `EPSG:900913`, `IAU_2015:30100`, …); cached; throws
 * UnknownSRSError.
 */
export function getSRS(code: string | number): SRS {
  const normalized = normalizeSRSCode(code);
  let srs = cache.get(normalized);
  if (srs) return srs;
  const canonical = canonicalSRSCode(normalized);
  let definition: string;
  let world = EARTH;
  const iau = iauNumber(canonical);
  if (canonical === 'EPSG:3857') definition = WEBMERCATOR_DEF;
  else if (canonical === 'EPSG:4326') definition = WGS84_DEF;
  else if (iau !== null) {
    const def = loadIauDefinition(iau);
    if (!def) throw new UnknownSRSError(normalized, 'not an IAU_2015 code of PROJ');
    if (def instanceof UnsupportedIauCrs) throw new UnknownSRSError(normalized, def.reason);
    definition = def.proj4;
    world = def;
  } else {
    const num = epsgNumber(canonical);
    if (num === null) throw new UnknownSRSError(normalized, 'only EPSG, IAU_2015 and CRS:84 codes are supported');
    const entry = loadEpsgEntry(num);
    if (!entry) throw new UnknownSRSError(normalized);
    definition = entry.proj4.replace(/\s*\+type=crs\b/, '');
  }
  srs = new ProjSRS(normalized, canonical, definition, world);
  cache.set(normalized, srs);
  return srs;
}

/**
 * Points along the edges of a bbox, counter-clockwise from the lower-left corner; `n` is the total wanted
 * (rounded up to a multiple of four), as MapProxy's generate_envelope_points.
 */
export function generateEnvelopePoints(bbox: BBox, n: number): Point[] {
  let [minx, miny, maxx, maxy] = bbox;
  const steps = (n <= 4 ? 0 : Math.ceil((n - 4) / 4)) + 1;
  const width = maxx - minx;
  const height = maxy - miny;
  [minx, maxx] = [Math.min(minx, maxx), Math.max(minx, maxx)];
  [miny, maxy] = [Math.min(miny, maxy), Math.max(miny, maxy)];
  const xstep = width / steps;
  const ystep = height / steps;
  const pts: Point[] = [];
  for (let i = 0; i <= steps; i++) pts.push([minx + i * xstep, miny]);
  for (let i = 1; i < steps; i++) pts.push([maxx, miny + i * ystep]);
  for (let i = steps; i >= 0; i--) pts.push([minx + i * xstep, maxy]);
  for (let i = steps - 1; i > 0; i--) pts.push([minx, miny + i * ystep]);
  return pts;
}

/** The bbox of the finite points, or null when there are none (every point failed to transform). */
export function calculateBBox(points: readonly Point[]): BBox | null {
  let minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
  for (const [x, y] of points) {
    if (Number.isFinite(x)) {
      minx = Math.min(minx, x);
      maxx = Math.max(maxx, x);
    }
    if (Number.isFinite(y)) {
      miny = Math.min(miny, y);
      maxy = Math.max(maxy, y);
    }
  }
  if (minx === Infinity || miny === Infinity) return null;
  return [minx, miny, maxx, maxy];
}

/**
 * A function mapping map coordinates inside `srcBBox` to pixel positions in an image of `dstBBox` (image
 * coordinates, row 0 at the top), as MapProxy's make_lin_transf.
 */
export function makeLinTransf(srcBBox: BBox, dstBBox: BBox): (p: Point) => Point {
  const sx = (dstBBox[2] - dstBBox[0]) / (srcBBox[2] - srcBBox[0]);
  const sy = (dstBBox[3] - dstBBox[1]) / (srcBBox[3] - srcBBox[1]);
  return (p) => [dstBBox[0] + (p[0] - srcBBox[0]) * sx, dstBBox[1] + (srcBBox[3] - p[1]) * sy];
}
