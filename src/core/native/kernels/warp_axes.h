/*
 * Separable transforms: every destination column samples one source x, every destination row one source y
 * (Pillow's EXTENT transform, and a reprojection between two cylindrical projections such as EPSG:4326 and
 * EPSG:3857, where longitude maps to x alone and latitude to y alone).
 */
#ifndef KERNELS_WARP_AXES_H
#define KERNELS_WARP_AXES_H

#include <stdint.h>

#include "resample_filters.h"

/*
 * Writes every pixel of `dst` (dw × dh ≥ 1): pixel (i, j) is the filter of `src` at (xs[i], ys[j]), continuous
 * source pixel coordinates of the pixel's centre, exactly as the mesh warp or the EXTENT resample samples one
 * position (resample_filters.h); a position outside the source or not finite leaves the pixel transparent black.
 * `xs` holds dw values and `ys` dh (the caller checks). Bicubic filters each source row once for all destination
 * rows that use it. Returns 0, or -1 when out of memory (dst then undefined).
 */
int warp_axes(const rf_image_t *src, uint8_t *dst, int dw, int dh, const double *xs, const double *ys, resample_method_t method);

/*
 * A source image read a row at a time, for sources that are never drawn whole (a mosaic of tiles composed as it
 * is sampled): `read` writes the straight RGBA pixels [x0, x1) of row y (0 ≤ x0 < x1 ≤ width, 0 ≤ y < height)
 * to `out`.
 */
typedef struct {
  void (*read)(void *ctx, int y, int x0, int x1, uint8_t *out);
  void *ctx;
  int width, height;
} rf_rows_t;

/*
 * warp_axes with RESAMPLE_BICUBIC of a source read by rows: the same pixels, but each source row the taps reach
 * is read once, into room for one row, instead of the whole source existing in memory.
 */
int warp_axes_bicubic_rows(const rf_rows_t *src, uint8_t *dst, int dw, int dh, const double *xs, const double *ys);

#endif
