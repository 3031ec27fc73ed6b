#include "resample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "simd.h"

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

/* One axis of the filters: per destination position, whether it is inside, its first tap and fraction. */
typedef struct {
  int *first; /* index of tap 0 before clamping (floor(p − 0.5) − 1 for bicubic) */
  double *frac;
  uint8_t *valid;
} axis_t;

static int axis_new(axis_t *a, int n, double origin, double step, int size, int taps) {
  a->first = malloc(sizeof(int) * (size_t)n);
  a->frac = malloc(sizeof(double) * (size_t)n);
  a->valid = malloc((size_t)n);
  if (!a->first || !a->frac || !a->valid) return -1;
  for (int i = 0; i < n; i++) {
    /* Pillow: a0·xin + a1·yin + a2 with the cross term zero. */
    double p = step * (i + 0.5) + origin;
    a->valid[i] = p >= 0.0 && p < (double)size;
    if (!a->valid[i]) {
      a->first[i] = 0;
      a->frac[i] = 0;
      continue;
    }
    double u = p - 0.5;
    int f = (int)floor(u);
    a->frac[i] = u - f;
    a->first[i] = taps == 4 ? f - 1 : f;
  }
  return 0;
}

static void axis_free(axis_t *a) {
  free(a->first);
  free(a->frac);
  free(a->valid);
}

/* One premultiplied source row through the horizontal cubic: one vector (4 channels) per destination column. */
TARGET_CLONES
static void cubic_row(const uint8_t *row, int sw, const axis_t *X, int dw, rf_v4 *out) {
  for (int i = 0; i < dw; i++) {
    if (!X->valid[i]) continue;
    int f = X->first[i];
    const uint8_t *a = row + rf_clip(f, sw) * 4, *b = row + rf_clip(f + 1, sw) * 4;
    const uint8_t *c = row + rf_clip(f + 2, sw) * 4, *e = row + rf_clip(f + 3, sw) * 4;
    /* Equal taps: Pillow's cubic gives the value itself, exactly. */
    out[i] = rf_same4(a, b, c, e) ? rf_load(a) : rf_cubic(rf_load(a), rf_load(b), rf_load(c), rf_load(e), X->frac[i]);
  }
}

/* Four horizontally filtered rows through the vertical cubic into one destination row. */
TARGET_CLONES
static void cubic_column(const rf_v4 *const *rows, const axis_t *X, int dw, double d, uint8_t *out) {
  for (int i = 0; i < dw; i++, out += 4) {
    if (!X->valid[i]) {
      memset(out, 0, 4);
      continue;
    }
    rf_v4 a = rows[0][i], b = rows[1][i], c = rows[2][i], e = rows[3][i];
    rf_v4i same = (a == b) & (a == c) & (a == e);
    /* Equal rows (flat areas): the cubic gives the value itself, exactly. */
    rf_store(same[0] & same[1] & same[2] & same[3] ? a : rf_cubic(a, b, c, e, d), out);
    rf_unpremultiply(out);
  }
}

/*
 * Bilinear per destination pixel, in Pillow's order (each tap row along x, then across the rows): map images are
 * mostly flat, and four equal taps are copied without arithmetic (Pillow's formula is exact there too).
 */
TARGET_CLONES
static void bilinear_row(const uint8_t *r0, const uint8_t *r1, int sw, const axis_t *X, int dw, double dy, uint8_t *out) {
  for (int i = 0; i < dw; i++, out += 4) {
    if (!X->valid[i]) {
      memset(out, 0, 4);
      continue;
    }
    int c0 = rf_clip(X->first[i], sw) * 4, c1 = rf_clip(X->first[i] + 1, sw) * 4;
    if (rf_same4(r0 + c0, r0 + c1, r1 + c0, r1 + c1)) {
      memcpy(out, r0 + c0, 4);
    } else {
      double dx = X->frac[i];
      rf_store(rf_lerp(rf_lerp(rf_load(r0 + c0), rf_load(r0 + c1), dx), rf_lerp(rf_load(r1 + c0), rf_load(r1 + c1), dx), dy), out);
    }
    rf_unpremultiply(out);
  }
}

static int extent_bilinear(const rf_image_t *pm, uint8_t *dst, int dw, int dh, double x0, double y0, double xs, double ys) {
  axis_t X = {0}, Y = {0};
  int rc = -1;
  if (axis_new(&X, dw, x0, xs, pm->width, 2) || axis_new(&Y, dh, y0, ys, pm->height, 2)) goto done;
  size_t pitch = (size_t)pm->width * 4;
  for (int j = 0; j < dh; j++) {
    uint8_t *out = dst + (size_t)j * dw * 4;
    if (!Y.valid[j]) {
      memset(out, 0, (size_t)dw * 4);
      continue;
    }
    const uint8_t *r0 = pm->rgba + rf_clip(Y.first[j], pm->height) * pitch, *r1 = pm->rgba + rf_clip(Y.first[j] + 1, pm->height) * pitch;
    bilinear_row(r0, r1, pm->width, &X, dw, Y.frac[j], out);
  }
  rc = 0;
done:
  axis_free(&X);
  axis_free(&Y);
  return rc;
}

/*
 * Bicubic in two passes, as Pillow computes it (each tap row filtered horizontally, then the rows combined), but
 * each source row filtered once for all destination rows that use it: the filtered rows live in a ring of four
 * keyed by source row (the four rows of one destination row are consecutive, so they never share a slot).
 */
static int extent_bicubic(const rf_image_t *pm, uint8_t *dst, int dw, int dh, double x0, double y0, double xs, double ys) {
  axis_t X = {0}, Y = {0};
  rf_v4 *ring = NULL;
  int rc = -1;
  if (axis_new(&X, dw, x0, xs, pm->width, 4) || axis_new(&Y, dh, y0, ys, pm->height, 4)) goto done;
  ring = aligned_alloc(sizeof(rf_v4), sizeof(rf_v4) * (size_t)dw * 4);
  if (!ring) goto done;
  int ring_row[4] = {-1, -1, -1, -1};
  const rf_v4 *rows[4];
  for (int j = 0; j < dh; j++) {
    uint8_t *out = dst + (size_t)j * dw * 4;
    if (!Y.valid[j]) {
      memset(out, 0, (size_t)dw * 4);
      continue;
    }
    for (int k = 0; k < 4; k++) {
      int r = rf_clip(Y.first[j] + k, pm->height);
      rf_v4 *buf = ring + (size_t)(r % 4) * dw;
      if (ring_row[r % 4] != r) {
        cubic_row(pm->rgba + (size_t)r * pm->width * 4, pm->width, &X, dw, buf);
        ring_row[r % 4] = r;
      }
      rows[k] = buf;
    }
    cubic_column(rows, &X, dw, Y.frac[j], out);
  }
  rc = 0;
done:
  axis_free(&X);
  axis_free(&Y);
  free(ring);
  return rc;
}

/* The source pixels the taps of an axis reach: [lo, hi), empty when no position is inside. */
static void axis_reach(double origin, double step, int n, int size, int taps, int *lo, int *hi) {
  *lo = size;
  *hi = 0;
  /* Every position visited: cheap next to the filtering, and exact whatever the step's sign. */
  for (int i = 0; i < n; i++) {
    double p = step * (i + 0.5) + origin;
    if (!(p >= 0.0 && p < (double)size)) continue;
    int f = (int)floor(p - 0.5) - (taps == 4 ? 1 : 0);
    int a = rf_clip(f, size), b = rf_clip(f + taps - 1, size) + 1;
    if (a < *lo) *lo = a;
    if (b > *hi) *hi = b;
  }
}

int resample_extent(const rf_image_t *src, uint8_t *dst, int dw, int dh, const double extent[4], resample_method_t method) {
  double xs = (extent[2] - extent[0]) / dw, ys = (extent[3] - extent[1]) / dh;
  if (method == RESAMPLE_NEAREST) return extent_nearest(src, dst, dw, dh, extent[0], extent[1], xs, ys);
  int taps = method == RESAMPLE_BICUBIC ? 4 : 2;
  rf_rect_t reach;
  axis_reach(extent[0], xs, dw, src->width, taps, &reach.x0, &reach.x1);
  axis_reach(extent[1], ys, dh, src->height, taps, &reach.y0, &reach.y1);
  rf_image_t pm;
  uint8_t *owned;
  if (rf_premultiplied_source(src, reach, &pm, &owned)) return -1;
  int rc = taps == 2 ? extent_bilinear(&pm, dst, dw, dh, extent[0], extent[1], xs, ys)
                     : extent_bicubic(&pm, dst, dw, dh, extent[0], extent[1], xs, ys);
  free(owned);
  return rc;
}
