/**
 * Planetocentric latitudes (the angle at the body's centre, as the IAU's `…02` CRS count them) and planetographic
 * ones (the angle of the ellipsoid's normal, what proj4js computes with) on an ellipsoid of semi-axes a and b:
 * tan φg = (a/b)² tan φc. PROJ converts the same way (+proj=geoc); on a sphere the two are one.
 */
export function planetographicLatitude(planetocentricDeg: number, a: number, b: number): number {
  return convert(planetocentricDeg, (a * a) / (b * b));
}

export function planetocentricLatitude(planetographicDeg: number, a: number, b: number): number {
  return convert(planetographicDeg, (b * b) / (a * a));
}

function convert(latDeg: number, factor: number): number {
  // the poles and the equator are the same in both; tan() would turn ±90° into a huge finite number anyway
  if (Math.abs(latDeg) >= 90 || latDeg === 0) return latDeg;
  return (Math.atan(Math.tan((latDeg * Math.PI) / 180) * factor) * 180) / Math.PI;
}
