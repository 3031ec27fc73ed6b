import { NORTH_FIRST_EPSG_CODES } from './axis-order-data.js';
import { canonicalSRSCode, epsgNumber } from './epsg.js';
import { iauNumber, loadIauDefinition, UnsupportedIauCrs } from './iau.js';

let northFirst: Set<number> | null = null;

/** Expands the packed code list once; a Set keeps the per-request lookup O(1). */
function northFirstCodes(): Set<number> {
  if (northFirst) return northFirst;
  const codes = new Set<number>();
  for (const part of NORTH_FIRST_EPSG_CODES.split(',')) {
    const [from, to] = part.split('-').map(Number);
    for (let c = from!; c <= (to ?? from!); c++) codes.add(c);
  }
  northFirst = codes;
  return codes;
}

/**
 * WMS 1.3.0 / WMTS axis order: true when the CRS lists northing (latitude) first, as PROJ defines it for the EPSG
 * or IAU code. CRS:84 is lon/lat by definition; the web mercator aliases are easting first.
 */
export function isAxisOrderNE(code: string): boolean {
  const canonical = canonicalSRSCode(code);
  if (code.toUpperCase() === 'CRS:84') return false;
  const iau = iauNumber(canonical);
  if (iau !== null) {
    const def = loadIauDefinition(iau);
    return def !== null && !(def instanceof UnsupportedIauCrs) && def.northFirst;
  }
  const num = epsgNumber(canonical);
  if (num === null) return false;
  return northFirstCodes().has(num);
}
