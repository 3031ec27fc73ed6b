#include "warp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simd.h"
#include "warp_axes.h"
#include "warp_flat.h"

RF_INLINE int sample(const rf_image_t *im, double x, double y, resample_method_t method, uint8_t *out) {
  switch (method) {
    case RESAMPLE_NEAREST: return rf_nearest(im, x, y, out);
    case RESAMPLE_BILINEAR: return rf_bilinear(im, x, y, out);
    default: return rf_bicubic(im, x, y, out);
  }
}

/* Where the bicubic taps of source pixels are known flat (warp_flat.h): a map over `r`, or none. */
typedef struct {
  const uint8_t *map;
  rf_rect_t r;
} flat_blocks_t;

/*
 * Whether the samples of a run from position (x0, y0) to (x1, y1) all take one colour, the first tap of the first
 * then in (*tx, *ty). A quad's positions along a row are affine, so the run's positions lie on that segment and
 * their taps between those of its ends; widened by one tap each way against the rounding of the positions in
 * between, those must lie in one rectangle of flat blocks, which share one colour (warp_flat.h). Conservative: a
 * run it rejects is drawn pixel by pixel, to the same bytes.
 */
RF_INLINE int flat_segment(const flat_blocks_t *flat, double x0, double y0, double x1, double y1, int *tx, int *ty) {
  const rf_rect_t r = flat->r;
  double u0 = x0 - 0.5, v0 = y0 - 0.5, u1 = x1 - 0.5, v1 = y1 - 0.5;
  /* As doubles first (NaN fails): the taps then convert safely, and lie inside the map after widening. */
  if (!(fmin(u0, u1) >= r.x0 + 1 && fmax(u0, u1) < r.x1 - 2 && fmin(v0, v1) >= r.y0 + 1 && fmax(v0, v1) < r.y1 - 2)) return 0;
  int ax = (int)floor(u0), ay = (int)floor(v0), bx = (int)floor(u1), by = (int)floor(v1);
  int xmin = (ax < bx ? ax : bx) - 1 - r.x0, xmax = (ax < bx ? bx : ax) + 1 - r.x0;
  int ymin = (ay < by ? ay : by) - 1 - r.y0, ymax = (ay < by ? by : ay) + 1 - r.y0;
  size_t fw = (size_t)(r.x1 - r.x0);
  /* Each row of the rectangle: the runs of flat pixels (warp_flat.h) from its left edge reach its right edge. */
  for (int y = ymin; y <= ymax; y++) {
    const uint8_t *row = flat->map + (size_t)y * fw;
    for (int x = xmin; x <= xmax; x += WARP_FLAT_RUN_MAX) {
      int need = xmax - x + 1 < WARP_FLAT_RUN_MAX ? xmax - x + 1 : WARP_FLAT_RUN_MAX;
      if (row[x] < need) return 0;
    }
  }
  *tx = ax;
  *ty = ay;
  return 1;
}

TARGET_CLONES
static void fill_quad(const rf_image_t *im, const flat_blocks_t *flat, uint8_t *dst, int dw, const double *q, resample_method_t method) {
  int bx0 = (int)q[0], by0 = (int)q[1], bx1 = (int)q[2], by1 = (int)q[3];
  /* Pillow's QUAD coefficients, computed in its order. */
  double nwx = q[4], nwy = q[5], swx = q[6], swy = q[7], sex = q[8], sey = q[9], nex = q[10], ney = q[11];
  double As = 1.0 / (bx1 - bx0), At = 1.0 / (by1 - by0);
  double a0 = nwx, a1 = (nex - nwx) * As, a2 = (swx - nwx) * At, a3 = (sex - swx - nex + nwx) * As * At;
  double a4 = nwy, a5 = (ney - nwy) * As, a6 = (swy - nwy) * At, a7 = (sey - swy - ney + nwy) * As * At;
  /* Locals, not loads through the pointers: the stores to `out` (bytes) could alias them for the compiler. */
  const rf_image_t img = *im;
  const uint8_t *map = flat->map;
  const int fx0 = flat->r.x0, fy0 = flat->r.y0;
  const unsigned fw = (unsigned)(flat->r.x1 - fx0), fh = (unsigned)(flat->r.y1 - fy0);
  const double width = img.width, height = img.height;
  enum { CHUNK = 16 };
  double sxs[CHUNK], sys[CHUNK];
  int32_t txs[CHUNK], tys[CHUNK], ins[CHUNK]; /* ins: -1 inside the source, 0 outside */
#define QUAD_X(xin) (a0 + a1 * (xin) + a2 * yin + a3 * (xin) * yin)
#define QUAD_Y(xin) (a4 + a5 * (xin) + a6 * yin + a7 * (xin) * yin)
  for (int y = by0; y < by1; y++) {
    double yin = (y - by0) + 0.5;
    for (int c0 = bx0; c0 < bx1; c0 += CHUNK) {
      int n = bx1 - c0 < CHUNK ? bx1 - c0 : CHUNK;
      uint8_t *out = dst + ((size_t)y * dw + c0) * 4;
      int tx, ty;
      double first = (c0 - bx0) + 0.5, last = (c0 + n - 1 - bx0) + 0.5;
      if (map && flat_segment(flat, QUAD_X(first), QUAD_Y(first), QUAD_X(last), QUAD_Y(last), &tx, &ty)) {
        /* Every pixel of the run samples one flat area: its colour, converted once. */
        uint8_t colour[4];
        memcpy(colour, img.rgba + ((size_t)ty * img.width + tx) * 4, 4);
        rf_unpremultiply(colour);
        for (int k = 0; k < n; k++) memcpy(out + (size_t)k * 4, colour, 4);
        continue;
      }
      /* Positions of the run at once (vectorized), then the samples. */
      for (int k = 0; k < n; k++) {
        double xin = (c0 + k - bx0) + 0.5;
        sxs[k] = QUAD_X(xin);
        sys[k] = QUAD_Y(xin);
      }
      /* Inside the source, and the first tap's column and row, floor(p − 0.5): four at a time. Converted only
       * inside (elsewhere p could overflow an int); floor as truncation less one below it. */
      for (int k = n; k < ((n + 3) & ~3); k++) sxs[k] = sys[k] = NAN;
      for (int k = 0; k < n; k += 4) {
        rf_v4 px, py;
        memcpy(&px, sxs + k, sizeof px);
        memcpy(&py, sys + k, sizeof py);
        rf_v4i in = (px >= 0.0) & (px < width) & (py >= 0.0) & (py < height);
        const rf_v4 half = {0.5, 0.5, 0.5, 0.5};
        rf_v4 u = (rf_v4)(((rf_v4i)px & in) | ((rf_v4i)half & ~in)) - 0.5;
        rf_v4 v = (rf_v4)(((rf_v4i)py & in) | ((rf_v4i)half & ~in)) - 0.5;
        rf_i32x4 tu = __builtin_convertvector(u, rf_i32x4), tv = __builtin_convertvector(v, rf_i32x4);
        tu += __builtin_convertvector(u < __builtin_convertvector(tu, rf_v4), rf_i32x4);
        tv += __builtin_convertvector(v < __builtin_convertvector(tv, rf_v4), rf_i32x4);
        rf_i32x4 in32 = __builtin_convertvector(in, rf_i32x4);
        memcpy(txs + k, &tu, sizeof tu);
        memcpy(tys + k, &tv, sizeof tv);
        memcpy(ins + k, &in32, sizeof in32);
      }
      for (int k = 0; k < n; k++, out += 4) {
        int tx = txs[k], ty = tys[k];
        unsigned fx = (unsigned)(tx - fx0), fy = (unsigned)(ty - fy0);
        if (map && ins[k] && fx < fw && fy < fh && map[(size_t)fy * fw + fx]) {
          /* A flat block is a copy of its colour: one read instead of sixteen taps compared. */
          memcpy(out, img.rgba + ((size_t)ty * img.width + tx) * 4, 4);
          rf_unpremultiply(out);
        } else if (!sample(&img, sxs[k], sys[k], method, out)) {
          memset(out, 0, 4);
        }
      }
    }
  }
#undef QUAD_X
#undef QUAD_Y
}

long warp_check_quads(const double *quads, size_t nquads, int dw, int dh) {
  for (size_t i = 0; i < nquads; i++) {
    const double *q = quads + i * WARP_QUAD_DOUBLES;
    for (int k = 0; k < 4; k++)
      if (floor(q[k]) != q[k]) return (long)i;
    if (!(q[0] >= 0 && q[0] < q[2] && q[2] <= dw && q[1] >= 0 && q[1] < q[3] && q[3] <= dh)) return (long)i;
    /* Corners may be anything finite; a non-finite corner makes positions NaN, which sample nothing. */
  }
  return -1;
}

long warp_check_points(const double *points, size_t npoints, int dw, int dh) {
  for (size_t i = 0; i < npoints; i++) {
    const double *p = points + i * WARP_POINT_DOUBLES;
    if (floor(p[0]) != p[0] || floor(p[1]) != p[1] || !(p[0] >= 0 && p[0] < dw && p[1] >= 0 && p[1] < dh)) return (long)i;
  }
  return -1;
}

/*
 * The source pixels the samples may touch: every position in a quad interpolates its corners, so the corners'
 * bounding box plus the filter's reach bounds them. The whole image when a position is not finite.
 */
static rf_rect_t reach(const rf_image_t *src, const double *quads, size_t nquads, const double *points, size_t npoints) {
  double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
  for (size_t i = 0; i < nquads; i++)
    for (int k = 4; k < WARP_QUAD_DOUBLES; k += 2) {
      double x = quads[i * WARP_QUAD_DOUBLES + k], y = quads[i * WARP_QUAD_DOUBLES + k + 1];
      x0 = fmin(x0, x), x1 = fmax(x1, x), y0 = fmin(y0, y), y1 = fmax(y1, y);
      if (!isfinite(x) || !isfinite(y)) return (rf_rect_t){0, 0, src->width, src->height};
    }
  for (size_t i = 0; i < npoints; i++) {
    double x = points[i * WARP_POINT_DOUBLES + 2], y = points[i * WARP_POINT_DOUBLES + 3];
    if (!isfinite(x) || !isfinite(y)) continue; /* samples nothing */
    x0 = fmin(x0, x), x1 = fmax(x1, x), y0 = fmin(y0, y), y1 = fmax(y1, y);
  }
  if (!(x0 <= x1 && y0 <= y1)) return (rf_rect_t){0, 0, 0, 0};
  /* Clamped to the image before converting (positions may be huge); taps reach two pixels beyond. */
  double w = src->width, h = src->height;
  return (rf_rect_t){(int)fmax(0, fmin(w, floor(x0) - 2)), (int)fmax(0, fmin(h, floor(y0) - 2)),
                     (int)fmax(0, fmin(w, ceil(x1) + 3)), (int)fmax(0, fmin(h, ceil(y1) + 3))};
}

int warp_mesh(const rf_image_t *src, uint8_t *dst, int dw, int dh, const double *quads, size_t nquads,
              const double *points, size_t npoints, resample_method_t method) {
  memset(dst, 0, (size_t)dw * dh * 4);
  rf_image_t im = *src;
  uint8_t *owned = NULL, *map = NULL;
  flat_blocks_t flat = {0};
  if (method != RESAMPLE_NEAREST) {
    rf_rect_t taps = reach(src, quads, nquads, points, npoints);
    if (rf_premultiplied_source(src, taps, &im, &owned)) return -1;
    /* Worth it while the source pixels it tests are not many more than the destination pixels it saves. */
    double area = (double)(taps.x1 - taps.x0) * (taps.y1 - taps.y0);
    if (method == RESAMPLE_BICUBIC && area <= 4.0 * dw * dh) map = warp_flat_blocks(&im, taps);
    if (map) flat = (flat_blocks_t){map, taps};
  }
  for (size_t i = 0; i < nquads; i++) fill_quad(&im, &flat, dst, dw, quads + i * WARP_QUAD_DOUBLES, method);
  for (size_t i = 0; i < npoints; i++) {
    const double *p = points + i * WARP_POINT_DOUBLES;
    uint8_t *out = dst + ((size_t)p[1] * dw + (size_t)p[0]) * 4;
    if (!sample(&im, p[2], p[3], method, out)) memset(out, 0, 4);
  }
  free(map);
  free(owned);
  return 0;
}

int warp_fill(const rf_image_t *src, uint8_t *dst, int dw, int dh, const warp_sampling_t *s) {
  if (s->xs) return warp_axes(src, dst, dw, dh, s->xs, s->ys, s->method);
  return warp_mesh(src, dst, dw, dh, s->quads, s->nquads, s->points, s->npoints, s->method);
}
