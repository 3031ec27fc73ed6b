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

/*
 * Bilinear and bicubic are the separable transform (warp_axes.c) at the EXTENT's positions, computed as Pillow
 * does (a0·xin + a1·yin + a2 with the cross term zero): one two-pass implementation for both.
 */
static int extent_filtered(const rf_image_t *src, uint8_t *dst, int dw, int dh, const double extent[4], double xs, double ys,
                           resample_method_t method) {
  double *pos = malloc(sizeof(double) * ((size_t)dw + (size_t)dh));
  if (!pos) return -1;
  double *px = pos, *py = pos + dw;
  for (int i = 0; i < dw; i++) px[i] = xs * (i + 0.5) + extent[0];
  for (int j = 0; j < dh; j++) py[j] = ys * (j + 0.5) + extent[1];
  int rc = warp_axes(src, dst, dw, dh, px, py, method);
  free(pos);
  return rc;
}

int resample_extent(const rf_image_t *src, uint8_t *dst, int dw, int dh, const double extent[4], resample_method_t method) {
  double xs = (extent[2] - extent[0]) / dw, ys = (extent[3] - extent[1]) / dh;
  if (method == RESAMPLE_NEAREST) return extent_nearest(src, dst, dw, dh, extent[0], extent[1], xs, ys);
  return extent_filtered(src, dst, dw, dh, extent, xs, ys, method);
}
