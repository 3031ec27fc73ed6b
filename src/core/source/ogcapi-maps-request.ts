import type { BBox, Size } from '../geo/bbox.js';
import type { SRS } from '../geo/srs.js';
import { OrderedParams } from './params.js';
import { completeUrl } from './wms-request.js';

/** The exact decimal value of a finite double: its digits and the power of ten of the last one. */
function exactDecimal(n: number): { digits: string; exp10: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(n));
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exp2 = (biased === 0 ? 1 : biased) - 1075;
  // m·2^e is m·2^e·1 for e ≥ 0, and m·5^-e / 10^-e below
  return exp2 >= 0 ? { digits: (mantissa << BigInt(exp2)).toString(), exp10: 0 } : { digits: (mantissa * 5n ** BigInt(-exp2)).toString(), exp10: exp2 };
}

/**
 * Python's `'%.17g' % n`: 17 significant digits, correctly rounded (ties to even, on the double's exact value, where
 * JavaScript's toFixed/toPrecision round ties up), trailing zeros dropped, exponent form outside 1e-4 … 1e17.
 */
export function pyG17(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const { digits, exp10 } = exactDecimal(n);
  const sign = n < 0 ? '-' : '';
  const trimmed = digits.replace(/^0+/, '');
  // the power of ten of the first significant digit
  let exp = trimmed.length - 1 + exp10;
  let sig: string;
  if (trimmed.length <= 17) sig = trimmed.padEnd(17, '0');
  else {
    let head = BigInt(trimmed.slice(0, 17));
    const rest = trimmed.slice(17);
    const half = '5'.padEnd(rest.length, '0');
    if (rest > half || (rest === half && head % 2n === 1n)) head += 1n;
    sig = head.toString();
    if (sig.length > 17) {
      sig = sig.slice(0, 17);
      exp += 1;
    }
  }
  const strip = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exp < -4 || exp >= 17) {
    return `${sign}${strip(`${sig[0]}.${sig.slice(1)}`)}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}${strip(`0.${'0'.repeat(-exp - 1)}${sig}`)}`;
  return `${sign}${strip(`${sig.slice(0, exp + 1)}.${sig.slice(exp + 1)}`)}`;
}

/** What an `ogcapimaps` source asks of one map. */
export interface OgcApiMapParams {
  bbox: BBox;
  size: Size;
  srs: SRS;
}

/** How the source speaks to one server: CRS URIs per SRS code, transparency, background. */
export interface OgcApiMapSettings {
  /** The CRS URI of every SRS code the server offers (normalized codes: EPSG:4326 stands for CRS84). */
  readonly crsUris: ReadonlyMap<string, string>;
  /** More than one SRS is offered: crs is always sent, even for CRS84. */
  readonly severalSrs: boolean;
  readonly transparent: boolean;
  readonly bgcolor?: readonly number[];
}

/**
 * The OGC API – Maps request MapProxy 7's ogcapimaps source sends: `bbox` (north first for lat/lon CRS other
 * than EPSG:4326, which the server reads as CRS84), `bbox-crs` and `crs` as CRS URIs (left out for EPSG:4326,
 * the default, when it is the only CRS), `width`, `height`, `transparent=true`, `bgcolor=0xRRGGBB` (0xAARRGGBB).
 */
export function ogcApiMapUrl(mapUrl: string, q: OgcApiMapParams, s: OgcApiMapSettings, crsUri: string): string {
  const p = new OrderedParams();
  const b = q.bbox;
  const isWgs84 = q.srs.code === 'EPSG:4326';
  const ordered = !isWgs84 && q.srs.isAxisOrderNE ? [b[1], b[0], b[3], b[2]] : [...b];
  p.set('bbox', ordered.map(pyG17).join(','));
  if (!isWgs84) p.set('bbox-crs', crsUri);
  if (!isWgs84 || s.severalSrs) p.set('crs', crsUri);
  p.set('width', String(q.size[0]));
  p.set('height', String(q.size[1]));
  if (s.transparent) p.set('transparent', 'true');
  const c = s.bgcolor;
  if (c) {
    const hex = (v: number) => v.toString(16).toUpperCase().padStart(2, '0');
    p.set('bgcolor', c.length === 4 ? `0x${hex(c[3]!)}${hex(c[0]!)}${hex(c[1]!)}${hex(c[2]!)}` : `0x${hex(c[0]!)}${hex(c[1]!)}${hex(c[2]!)}`);
  }
  return completeUrl(mapUrl, p.toQueryString());
}
