/* Pillow's EXTENT transform (MapProxy's ImageTransformer._transform_simple) on RGBA8 images. */
#ifndef KERNELS_RESAMPLE_H
#define KERNELS_RESAMPLE_H

#include <stdint.h>

#include "resample_filters.h"
#include "warp_axes.h"

/*
 * Writes every pixel of `dst` (dw × dh): destination pixel (i, j) samples the source at
 * (x0 + (i + 0.5)·(x1 − x0)/dw, y0 + (j + 0.5)·(y1 − y0)/dh) in source pixel coordinates, `extent` being
 * {x0, y0, x1, y1}; pixels sampling outside the source become transparent black. Returns 0, or -1 when out of
 * memory (dst then undefined).
 */
int resample_extent(const rf_image_t *src, uint8_t *dst, int dw, int dh, const double extent[4], resample_method_t method);

/* resample_extent with RESAMPLE_BICUBIC of a source read by rows (warp_axes.h): the same pixels. */
int resample_extent_bicubic_rows(const rf_rows_t *src, uint8_t *dst, int dw, int dh, const double extent[4]);

#endif
