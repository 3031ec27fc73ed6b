#include "resample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "warp_axes.h"

/*
 * Nearest as Pillow's ImagingScaleAffine: positions accumulated from the first pixel centre (so they drift
 * exactly as there), truncated; a row or column outside the source stays transparent.
 */
static int extent_nearest(const rf_image_t *src, uint8_t *dst, int dw, int dh, double x0, double y0, double xs, double ys) {
  int *cols = malloc(sizeof(int) * (size_t)dw);
  if (!cols) return -1;
  double xo = x0 + xs * 0.5;
  for (int i = 0; i < dw; i++, xo += xs) cols[i] = xo >= 0.0 && xo < (double)src->width ? (int)xo : -1;
  const uint32_t zero = 0;
  double yo = y0 + ys * 0.5;
  for (int j = 0; j < dh; j++, yo += ys) {
    uint8_t *out = dst + (size_t)j * dw * 4;
    if (!(yo >= 0.0 && yo < (double)src->height)) {
      memset(out, 0, (size_t)dw * 4);
      continue;
    }
    const uint8_t *in = src->rgba + (size_t)(int)yo * src->width * 4;
    for (int i = 0; i < dw; i++) memcpy(out + (size_t)i * 4, cols[i] >= 0 ? in + (size_t)cols[i] * 4 : (const uint8_t *)&zero, 4);
  }
  free(cols);
  return 0;
}

/* The EXTENT's sample positions (Pillow's a0·xin + a1·yin + a2 with the cross term zero): dw for x, then dh for y. */
static double *extent_positions(int dw, int dh, const double extent[4]) {
  double *pos = malloc(sizeof(double) * ((size_t)dw + (size_t)dh));
  if (!pos) return NULL;
  double xs = (extent[2] - extent[0]) / dw, ys = (extent[3] - extent[1]) / dh;
  for (int i = 0; i < dw; i++) pos[i] = xs * (i + 0.5) + extent[0];
  for (int j = 0; j < dh; j++) pos[dw + j] = ys * (j + 0.5) + extent[1];
  return pos;
}

/* Bilinear and bicubic are the separable transform (warp_axes.c) at the EXTENT's positions: one two-pass implementation for both. */
int resample_extent(const rf_image_t *src, uint8_t *dst, int dw, int dh, const double extent[4], resample_method_t method) {
  double xs = (extent[2] - extent[0]) / dw, ys = (extent[3] - extent[1]) / dh;
  if (method == RESAMPLE_NEAREST) return extent_nearest(src, dst, dw, dh, extent[0], extent[1], xs, ys);
  double *pos = extent_positions(dw, dh, extent);
  if (!pos) return -1;
  int rc = warp_axes(src, dst, dw, dh, pos, pos + dw, method);
  free(pos);
  return rc;
}

int resample_extent_bicubic_rows(const rf_rows_t *src, uint8_t *dst, int dw, int dh, const double extent[4]) {
  double *pos = extent_positions(dw, dh, extent);
  if (!pos) return -1;
  int rc = warp_axes_bicubic_rows(src, dst, dw, dh, pos, pos + dw);
  free(pos);
  return rc;
}
