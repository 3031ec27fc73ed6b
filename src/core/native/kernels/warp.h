/* The fill of a reprojection mesh (MapProxy's ImageTransformer._transform: Pillow's MESH transform). */
#ifndef KERNELS_WARP_H
#define KERNELS_WARP_H

#include <stddef.h>
#include <stdint.h>

#include "resample_filters.h"

/* Doubles per quad: the box x0, y0, x1, y1 (destination pixels), then the source positions of its corners
 * NW (x0, y0), SW (x0, y1), SE (x1, y1), NE (x1, y0), as Pillow's QUAD data. */
#define WARP_QUAD_DOUBLES 12
/* Doubles per exactly mapped pixel: destination x, y, then its source position (NaN: not mapped). */
#define WARP_POINT_DOUBLES 4

/*
 * Clears `dst` (dw × dh) and fills each quad, every pixel centre mapped into the source by the bilinear
 * interpolation of the quad's corners (Pillow's quad_transform), then each exactly mapped pixel. Pixels mapped
 * outside the source, not mapped, or in no quad are transparent black. Boxes must lie inside dst and points on
 * it (the caller checks). Returns 0, or -1 when out of memory.
 */
int warp_mesh(const rf_image_t *src, uint8_t *dst, int dw, int dh, const double *quads, size_t nquads,
              const double *points, size_t npoints, resample_method_t method);

/* Index of the first quad whose box is not integral and inside dw × dh, or of the first point not on it; -1 if none. */
long warp_check_quads(const double *quads, size_t nquads, int dw, int dh);
long warp_check_points(const double *points, size_t npoints, int dw, int dh);

/*
 * How a reprojected map samples its source: one source x per destination column and one y per row when `xs` is
 * set (a separable transform, warp_axes.h), else a mesh of quads and exact points (warp_mesh).
 */
typedef struct {
  const double *xs, *ys;
  const double *quads, *points;
  size_t nquads, npoints;
  resample_method_t method;
} warp_sampling_t;

/* Writes every pixel of `dst` (dw × dh) from `src` by `s`, whose sizes the caller checked. Returns 0, or -1 when out of memory. */
int warp_fill(const rf_image_t *src, uint8_t *dst, int dw, int dh, const warp_sampling_t *s);

#endif
