import { getSRS, isAxisOrderNE, type SRS } from '../../geo/srs.js';
import { CRS84_URI, crsUriToCode, ogcCrsUri } from '../../geo/ogc-crs-uri.js';
import { OgcApiError } from './errors.js';

/**
 * The CRS a tile matrix set or tileset advertises for a grid: CRS84 for EPSG:4326 grids (their tiles are in
 * longitude/latitude order) and EPSG:3857 for the old EPSG:900913 code, as MapProxy 7.
 */
export function gridCrsUri(srs: SRS): string {
  if (srs.code === 'EPSG:4326') return CRS84_URI;
  if (srs.code === 'EPSG:900913') return ogcCrsUri('EPSG:3857');
  return ogcCrsUri(srs.code);
}

/** An SRS code from an OGC CRS URI, a safe CURIE `[EPSG:4326]` or a plain `EPSG:4326`; OGC:CRS84 is our CRS:84. */
export function srsCodeOf(value: string): string | null {
  let code: string;
  if (value.startsWith('http://') || value.startsWith('https://')) {
    const uri = crsUriToCode(value.replace(/^https:/, 'http:'));
    if (!uri) return null;
    code = uri;
  } else if (value.startsWith('[') && value.endsWith(']')) code = value.slice(1, -1);
  else code = value;
  code = code.toUpperCase();
  if (code === 'OGC:CRS84' || code === 'OGC:84') return 'CRS:84';
  return code;
}

/** The SRS of a `crs`, `bbox-crs`, `center-crs` or `subset-crs` parameter; a 400 names the parameter. */
export function parseCrs(value: string, param: string): SRS {
  const code = srsCodeOf(value);
  if (code) {
    try {
      return getSRS(code);
    } catch {
      // answered below
    }
  }
  throw OgcApiError.invalidParameter(`${param} is not a valid CRS`);
}

/**
 * The CRS a bbox, center or subset and a collection's extent are given in by default: CRS84 on the Earth, the
 * geographic CRS of its body for a layer on another world (MapProxy 7's get_geographic_srs).
 */
export function defaultCoordinateCrs(extentSrs: SRS): SRS {
  const geographic = extentSrs.geographic;
  return geographic.code === 'EPSG:4326' ? getSRS('CRS:84') : geographic;
}

/** Whether coordinates in this CRS are given north first (EPSG:4326 and other lat/lon CRS). */
export function northFirst(srs: SRS): boolean {
  return srs.code !== 'CRS:84' && isAxisOrderNE(srs.code);
}
