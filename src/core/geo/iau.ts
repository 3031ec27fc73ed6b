import table from './data/iau-crs.json' with { type: 'json' };

/**
 * PROJ's IAU_2015 coordinate reference systems of other planets, moons and small bodies (data/iau-crs.json,
 * written from proj.db by scripts/generate-iau-crs.py), which MapProxy 7 serves and consumes for planetary
 * maps. `IAU_2015:30100` is the Moon's sphere in longitude/latitude, `IAU_2015:30110` its equirectangular
 * projection; the code is the body's number times 100 plus the kind of CRS.
 */
export interface IauDefinition {
  /** `IAU_2015:30110`, the code PROJ and MapProxy name it by. */
  readonly code: string;
  readonly name: string;
  /** The celestial body, as proj.db names it: `Moon`, `Mars`, `Earth`. */
  readonly body: string;
  /** The proj4 definition, with the body's sphere radius (+R) or ellipsoid (+a/+b). */
  readonly proj4: string;
  /** The first axis points north (lat/lon, as every geographic IAU CRS), as PROJ defines the CRS. */
  readonly northFirst: boolean;
  /**
   * The east-west coordinate grows westwards: planetographic longitudes of bodies that turn prograde (axes
   * `NW`, projected `WN`). PROJ's strings leave the direction out, and proj4js honours +axis only on request.
   */
  readonly westPositive: boolean;
  /**
   * Latitudes from the body's centre, not the ellipsoid's normal (the IAU's `…02` CRS): PROJ writes no PROJ
   * string for them, the definition is the ellipsoid's and planetocentric.ts converts the latitudes.
   */
  readonly planetocentric: boolean;
  /** The geographic CRS this one is based on (itself for a geographic one): MapProxy's get_geographic_srs. */
  readonly geographicCode: string;
}

/** An IAU code that names a CRS this module cannot define, and why. */
export class UnsupportedIauCrs {
  constructor(readonly code: string, readonly reason: string) {}
}

interface TableGeographic {
  readonly name: string;
  readonly body: string;
  readonly axes: string;
  readonly proj4: string;
  readonly planetocentric?: boolean;
}
interface TableConversion { readonly name: string; readonly proj4: string }
type TableProjected = readonly [base: number, conversion: number, axes: string];
interface Table {
  readonly authority: string;
  readonly geographic: Readonly<Record<string, TableGeographic>>;
  readonly conversions: readonly TableConversion[];
  readonly projected: Readonly<Record<string, TableProjected>>;
}

const TABLE = table as unknown as Table;
const AUTHORITY = TABLE.authority;

/**
 * The IAU_2015 number of `IAU_2015:nnnnn`, or of `IAU:nnnnn` (PROJ reads the unversioned authority as its
 * latest version, which is 2015 in every PROJ to date); null for other codes.
 */
export function iauNumber(code: string): number | null {
  const m = /^IAU(?:_(\d+))?:(\d+)$/i.exec(code.trim());
  if (!m) return null;
  if (m[1] !== undefined && `IAU_${m[1]}` !== AUTHORITY) return null;
  return Number(m[2]);
}

/** `IAU_2015:nnnnn` for the codes iauNumber reads. */
export function canonicalIauCode(num: number): string {
  return `${AUTHORITY}:${num}`;
}

/**
 * The definition of an IAU CRS; null for a number proj.db does not know; UnsupportedIauCrs for orthographic maps of
 * an ellipsoid.
 */
export function loadIauDefinition(num: number): IauDefinition | UnsupportedIauCrs | null {
  const code = canonicalIauCode(num);
  const g = TABLE.geographic[String(num)];
  if (g) {
    return {
      code, name: g.name, body: g.body, proj4: g.proj4, northFirst: g.axes[0] === 'N', westPositive: g.axes.includes('W'),
      planetocentric: g.planetocentric === true, geographicCode: code,
    };
  }
  const p = TABLE.projected[String(num)];
  if (!p) return null;
  const [baseNum, conversion, axes] = p;
  const base = TABLE.geographic[String(baseNum)]!;
  const conv = TABLE.conversions[conversion]!;
  const name = `${base.name} / ${conv.name}`;
  const ellipsoid = base.proj4.match(/\+(R|a|b)=\S+/g)!.join(' ');
  if (/\+proj=ortho\b/.test(conv.proj4) && !ellipsoid.startsWith('+R=')) {
    // PROJ (7.2 on) projects orthographically on the ellipsoid; proj4js knows the spherical formula only, which
    // would be off by the body's flattening
    return new UnsupportedIauCrs(code, `${name}: the orthographic projection on an ellipsoid is not supported`);
  }
  // proj4js reads +proj=tmerc as the extended (ellipsoidal only) transverse mercator and refuses a sphere:
  // +approx selects its classic series, exact on a sphere as PROJ's spherical formula is
  const sphereTmerc = /\+proj=tmerc\b/.test(conv.proj4) && ellipsoid.startsWith('+R=');
  const proj4 = `${conv.proj4} ${ellipsoid}${sphereTmerc ? ' +approx' : ''} +no_defs`;
  // a projection of planetocentric coordinates projects the ellipsoid's (planetographic) latitudes, as PROJ does
  return {
    code, name, body: base.body, proj4, northFirst: axes[0] === 'N', westPositive: axes.includes('W'),
    planetocentric: false, geographicCode: canonicalIauCode(baseNum),
  };
}
