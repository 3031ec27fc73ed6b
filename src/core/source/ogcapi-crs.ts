/** The code a source looks tilesets and maps up by: CRS84 is EPSG:4326, EPSG:900913 is EPSG:3857 (normalize_srs_code). */
export function normalizeSrsCode(code: string): string {
  const c = code.toUpperCase();
  if (c === 'OGC:CRS84' || c === 'CRS:84') return 'EPSG:4326';
  if (c === 'EPSG:900913') return 'EPSG:3857';
  return code;
}
