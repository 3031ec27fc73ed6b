import type { BBox, Size } from './bbox.js';

/**
 * Where the part of `bbox` inside `inner` lies in an image of `size` showing `bbox` (MapProxy's
 * bbox_position_in_image): the sub image's size, its top-left offset and its bbox.
 */
export function bboxPositionInImage(bbox: BBox, size: Size, inner: BBox): { size: Size; offset: [number, number]; bbox: BBox } {
  const toPxX = (x: number) => ((x - bbox[0]) / (bbox[2] - bbox[0])) * size[0];
  const toPxY = (y: number) => size[1] - ((y - bbox[1]) / (bbox[3] - bbox[1])) * size[1];
  const offsets = [0, size[1], size[0], 0];
  const sub = [...bbox];
  if (inner[0] > bbox[0]) [sub[0], offsets[0]] = [inner[0], Math.trunc(toPxX(inner[0]))];
  if (inner[1] > bbox[1]) [sub[1], offsets[1]] = [inner[1], Math.trunc(toPxY(inner[1]))];
  if (inner[2] < bbox[2]) [sub[2], offsets[2]] = [inner[2], Math.trunc(toPxX(inner[2]))];
  if (inner[3] < bbox[3]) [sub[3], offsets[3]] = [inner[3], Math.trunc(toPxY(inner[3]))];
  return {
    size: [Math.abs(offsets[2] - offsets[0]), Math.abs(offsets[1] - offsets[3])],
    offset: [offsets[0], offsets[3]],
    bbox: [sub[0], sub[1], sub[2], sub[3]],
  };
}
