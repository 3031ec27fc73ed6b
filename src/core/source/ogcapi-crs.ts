import type { SRS } from '../geo/srs.js';

const CRS_PREFIX = 'http://www.opengis.net/def/crs/';

/**
 * `AUTH:CODE` of an OGC CRS URI `http://www.opengis.net/def/crs/AUTH/VERSION/CODE` (IAU keeps its version:
 * `IAU_2015:30100`), as MapProxy 7's ogc_crs_url_to_auth_code; null for anything else.
 */
export function crsUriToCode(uri: string): string | null {
  if (!uri.startsWith(CRS_PREFIX)) return null;
  const parts = uri.slice(CRS_PREFIX.length).split('/');
  if (parts.length !== 3 || parts.some((p) => p === '')) return null;
  const [auth, version, code] = parts as [string, string, string];
  return auth === 'IAU' ? `IAU_${version}:${code}` : `${auth}:${code}`;
}

/** The code a source looks tilesets and maps up by: CRS84 is EPSG:4326, EPSG:900913 is EPSG:3857 (normalize_srs_code). */
export function normalizeSrsCode(code: string): string {
  const c = code.toUpperCase();
  if (c === 'OGC:CRS84' || c === 'CRS:84') return 'EPSG:4326';
  if (c === 'EPSG:900913') return 'EPSG:3857';
  return code;
}

/** The OGC CRS URI of an SRS (SRS.to_ogc_url): OGC codes at version 1.3, IAU codes at their own version, others at 0. */
export function srsToCrsUri(srs: SRS): string {
  const code = srs.code.toUpperCase();
  if (code === 'CRS:84') return `${CRS_PREFIX}OGC/1.3/CRS84`;
  const [auth, num] = srs.code.split(':') as [string, string];
  if (auth.toUpperCase() === 'OGC') return `${CRS_PREFIX}OGC/1.3/${num === '84' ? 'CRS84' : num}`;
  if (auth.toUpperCase().startsWith('IAU_')) return `${CRS_PREFIX}IAU/${auth.slice(4)}/${num}`;
  return `${CRS_PREFIX}${auth}/0/${num}`;
}
