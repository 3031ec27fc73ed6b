/**
 * OGC CRS URIs (`http://www.opengis.net/def/crs/AUTH/VERSION/CODE`) and our `AUTH:CODE` SRS codes, both ways, as
 * MapProxy 7's SRS.to_ogc_url and ogc_crs_url_to_auth_code: the OGC API service writes them, its sources read them.
 */
export const CRS_URI_PREFIX = 'http://www.opengis.net/def/crs/';
export const CRS84_URI = `${CRS_URI_PREFIX}OGC/1.3/CRS84`;

/** `AUTH:CODE` of an OGC CRS URI (IAU keeps its version in the authority: `IAU_2015:30100`); null for anything else. */
export function crsUriToCode(uri: string): string | null {
  if (!uri.startsWith(CRS_URI_PREFIX)) return null;
  const parts = uri.slice(CRS_URI_PREFIX.length).split('/');
  if (parts.length !== 3 || parts.some((p) => p === '')) return null;
  const [auth, version, code] = parts as [string, string, string];
  return auth === 'IAU' ? `IAU_${version}:${code}` : `${auth}:${code}`;
}

/** The OGC CRS URI of an SRS code: OGC codes at version 1.3 (CRS:84 is OGC's CRS84), IAU codes at their own, others at 0. */
export function ogcCrsUri(code: string): string {
  const c = code.toUpperCase();
  if (c === 'CRS:84' || c === 'OGC:CRS84' || c === 'OGC:84') return CRS84_URI;
  const [auth, num] = c.split(':') as [string, string];
  if (auth === 'OGC') return `${CRS_URI_PREFIX}OGC/1.3/${num}`;
  if (auth.startsWith('IAU_')) return `${CRS_URI_PREFIX}IAU/${auth.slice(4)}/${num}`;
  return `${CRS_URI_PREFIX}${auth}/0/${num}`;
}
