/* Where a bicubic sample needs no arithmetic: source pixels whose 4×4 taps are all one colour. */
#ifndef KERNELS_WARP_FLAT_H
#define KERNELS_WARP_FLAT_H

#include <stdint.h>

#include "resample_filters.h"

/*
 * One byte per pixel of `r` (row-major, r's width per row; r must lie inside the image): non-zero where the block
 * of the pixel's bicubic taps — columns x − 1 … x + 2, rows y − 1 … y + 2 — lies inside the image and holds one
 * RGBA value, and then how many such pixels start there along the row (capped at WARP_FLAT_RUN_MAX), so a row of
 * a rectangle is tested with one read. Pillow's cubic of equal values is that value, so such a sample is a copy;
 * flat blocks that overlap share their colour, so samples whose blocks all lie in one rectangle of flat pixels
 * are all that colour. Maps are mostly flat areas, and testing a block once per source pixel (vectorized) costs
 * less than testing it per destination pixel. Returns the map (free() it), or NULL when `r` is empty or out of
 * memory.
 */
#define WARP_FLAT_RUN_MAX 255

uint8_t *warp_flat_blocks(const rf_image_t *im, rf_rect_t r);

#endif
