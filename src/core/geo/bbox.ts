/** Axis-aligned extents and pixel sizes, always minx, miny, maxx, maxy in the SRS's x/y (east/north) order. */
export type BBox = readonly [minx: number, miny: number, maxx: number, maxy: number];
export type Size = readonly [width: number, height: number];
export type Point = readonly [x: number, y: number];

export const bboxWidth = (b: BBox): number => b[2] - b[0];
export const bboxHeight = (b: BBox): number => b[3] - b[1];

export function bboxIntersects(a: BBox, b: BBox): boolean {
  return a[0] < b[2] && a[2] > b[0] && a[1] < b[3] && a[3] > b[1];
}

export function bboxContains(outer: BBox, inner: BBox): boolean {
  return outer[0] <= inner[0] && outer[1] <= inner[1] && outer[2] >= inner[2] && outer[3] >= inner[3];
}

export function bboxIntersection(a: BBox, b: BBox): BBox | null {
  if (!bboxIntersects(a, b)) return null;
  return [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])];
}

export function bboxUnion(a: BBox, b: BBox): BBox {
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
}

/** Equality with a tolerance relative to the bbox size, as MapProxy's bbox_equals. */
export function bboxEquals(a: BBox, b: BBox, relTolerance = 1e-6): boolean {
  const tx = Math.abs(bboxWidth(a)) * relTolerance;
  const ty = Math.abs(bboxHeight(a)) * relTolerance;
  return (
    Math.abs(a[0] - b[0]) <= tx && Math.abs(a[2] - b[2]) <= tx && Math.abs(a[1] - b[1]) <= ty && Math.abs(a[3] - b[3]) <= ty
  );
}
