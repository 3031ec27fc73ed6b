import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { canonicalIauCode, iauNumber } from './iau.js';

/** The web mercator codes MapProxy treats as one and the same CRS. */
const WEBMERCATOR_CODES: readonly string[] = ['EPSG:900913', 'EPSG:3857', 'EPSG:102100', 'EPSG:102113'];

/**
 * Normalises a configured or requested code: `4326`, `'4326'` → `EPSG:4326`; anything with an authority is
 * upper-cased (`crs:84` → `CRS:84`), as MapProxy's `_clean_srs_code`.
 */
export function normalizeSRSCode(code: string | number): string {
  const s = String(code).trim();
  if (s.includes(':')) return s.toUpperCase();
  return 'EPSG:' + s;
}

/**
 * The code whose definition is used and which decides equality: web mercator aliases → EPSG:3857,
 * CRS:84 → EPSG:4326 (axis order is kept apart, see axis-order.ts), `IAU:30100` → `IAU_2015:30100`.
 */
export function canonicalSRSCode(code: string | number): string {
  const n = normalizeSRSCode(code);
  if (WEBMERCATOR_CODES.includes(n)) return 'EPSG:3857';
  if (n === 'CRS:84' || n === 'OGC:CRS84') return 'EPSG:4326';
  const iau = iauNumber(n);
  if (iau !== null) return canonicalIauCode(iau);
  return n;
}

/** The EPSG number of `EPSG:nnnn` codes, else null (other authorities). */
export function epsgNumber(code: string): number | null {
  const m = /^EPSG:(\d+)$/i.exec(code.trim());
  return m ? Number(m[1]) : null;
}

export interface EpsgEntry {
  readonly code: string;
  readonly name: string;
  readonly kind: string;
  readonly proj4: string;
  readonly unit?: string;
}

const require = createRequire(import.meta.url);

/**
 * Reads one EPSG definition from epsg-index's per-code files (`s/<code>.json`), so that the 8 MB `all.json` is
 * never parsed. Returns null for codes epsg-index does not know or that have no proj4 form.
 */
export function loadEpsgEntry(num: number): EpsgEntry | null {
  let file: string;
  try {
    file = require.resolve(`epsg-index/s/${num}.json`);
  } catch {
    return null;
  }
  let raw: { code: string; name: string; kind: string; proj4?: string; unit?: string };
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  if (!raw.proj4) return null;
  return { code: raw.code, name: raw.name, kind: raw.kind, proj4: raw.proj4, unit: raw.unit };
}
