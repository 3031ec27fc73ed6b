/*
 * Pillow's transform filters at one source position, shared by the EXTENT resample and the mesh warp, so both
 * give what MapProxy's ImageTransformer gives (Pillow 9.4, Geometry.c and Image.transform):
 *
 * - Positions are continuous source pixel coordinates (pixel i spans [i, i+1)). A position outside
 *   [0, width) × [0, height) samples nothing: the destination pixel is transparent black.
 * - Nearest takes pixel (trunc x, trunc y) of the straight RGBA image.
 * - Bilinear and bicubic work on a premultiplied copy (Pillow converts RGBA to RGBa first, rounded to 8 bits),
 *   per channel in doubles, with taps clamped to the edge, and truncate the result to 8 bits (bicubic clamps to
 *   0..255 first); the result is converted back to straight alpha with Pillow's integer division.
 * - Pillow's bicubic is the cubic convolution with a = -1 (p2 = v3 - v1), not the a = -0.5 of its resize.
 *   The formulas are evaluated in Pillow's order (Horner per row, then across rows), so flat areas stay exact.
 */
#ifndef KERNELS_RESAMPLE_FILTERS_H
#define KERNELS_RESAMPLE_FILTERS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pixels.h"

typedef enum { RESAMPLE_NEAREST = 0, RESAMPLE_BILINEAR = 1, RESAMPLE_BICUBIC = 2 } resample_method_t;

/* An RGBA8 image, rows without padding. */
typedef struct {
  const uint8_t *rgba;
  int width;
  int height;
} rf_image_t;

/* Pillow's MULDIV255: a·b/255 rounded, exact for 8-bit operands. */
static inline uint32_t rf_muldiv255(uint32_t a, uint32_t b) {
  uint32_t t = a * b + 128;
  return ((t >> 8) + t) >> 8;
}

/* RGBA → RGBa of `n` pixels (Pillow's rgbA2rgba). */
static inline void rf_premultiply(uint8_t *out, const uint8_t *in, size_t n) {
  for (size_t i = 0; i < n; i++, in += 4, out += 4) {
    uint32_t a = in[3];
    out[0] = (uint8_t)rf_muldiv255(in[0], a);
    out[1] = (uint8_t)rf_muldiv255(in[1], a);
    out[2] = (uint8_t)rf_muldiv255(in[2], a);
    out[3] = (uint8_t)a;
  }
}

/* RGBa → RGBA in place (Pillow's rgba2rgbA): colour·255/alpha, truncated and clipped; alpha 0 and 255 untouched. */
static inline void rf_unpremultiply(uint8_t *px) {
  uint32_t a = px[3];
  if (a == 0 || a == 255) return;
  for (int c = 0; c < 3; c++) {
    uint32_t v = (255u * px[c]) / a;
    px[c] = (uint8_t)(v > 255 ? 255 : v);
  }
}

/* Pillow's COORD: truncation toward zero, and -1 for any negative position. */
static inline int rf_coord(double v) {
  return v < 0.0 ? -1 : (int)v;
}

static inline int rf_clip(int v, int n) {
  return v < 0 ? 0 : v < n ? v : n - 1;
}

static inline int rf_inside(const rf_image_t *im, double x, double y) {
  return x >= 0.0 && x < (double)im->width && y >= 0.0 && y < (double)im->height;
}

/* Nearest neighbour of the straight image; returns 0 (and writes nothing) outside the source. */
static inline int rf_nearest(const rf_image_t *im, double x, double y, uint8_t *out) {
  int xi = rf_coord(x), yi = rf_coord(y);
  if (xi < 0 || xi >= im->width || yi < 0 || yi >= im->height) return 0;
  memcpy(out, im->rgba + ((size_t)yi * im->width + xi) * 4, 4);
  return 1;
}

/* The cubic of Pillow's transform through v1..v4 at d in [0, 1). */
static inline double rf_cubic(double v1, double v2, double v3, double v4, double d) {
  double p1 = v2;
  double p2 = -v1 + v3;
  double p3 = 2 * (v1 - v2) + v3 - v4;
  double p4 = -v1 + v2 - v3 + v4;
  return p1 + d * (p2 + d * (p3 + d * p4));
}

static inline uint8_t rf_bicubic_byte(double v) {
  return v <= 0.0 ? 0 : v >= 255.0 ? 255 : (uint8_t)v;
}

/*
 * Bilinear of a premultiplied image (RGBa); writes straight RGBA. Returns 0 outside the source.
 * Four equal taps are copied without arithmetic: Pillow's formula is exact there too.
 */
static inline int rf_bilinear(const rf_image_t *pm, double xin, double yin, uint8_t *out) {
  if (!rf_inside(pm, xin, yin)) return 0;
  xin -= 0.5;
  yin -= 0.5;
  int x = (int)floor(xin), y = (int)floor(yin);
  double dx = xin - x, dy = yin - y;
  const int w = pm->width;
  const uint8_t *r0 = pm->rgba + (size_t)rf_clip(y, pm->height) * w * 4;
  const uint8_t *r1 = pm->rgba + (size_t)rf_clip(y + 1, pm->height) * w * 4;
  int c0 = rf_clip(x, w) * 4, c1 = rf_clip(x + 1, w) * 4;
  uint32_t a, b, c, d;
  memcpy(&a, r0 + c0, 4);
  memcpy(&b, r0 + c1, 4);
  memcpy(&c, r1 + c0, 4);
  memcpy(&d, r1 + c1, 4);
  if (a == b && a == c && a == d) {
    memcpy(out, &a, 4);
  } else {
    for (int k = 0; k < 4; k++) {
      double v1 = r0[c0 + k] + (r0[c1 + k] - r0[c0 + k]) * dx;
      double v2 = r1[c0 + k] + (r1[c1 + k] - r1[c0 + k]) * dx;
      out[k] = (uint8_t)(v1 + (v2 - v1) * dy);
    }
  }
  rf_unpremultiply(out);
  return 1;
}

/* Bicubic (Pillow's a = -1) of a premultiplied image; writes straight RGBA. Returns 0 outside the source. */
static inline int rf_bicubic(const rf_image_t *pm, double xin, double yin, uint8_t *out) {
  if (!rf_inside(pm, xin, yin)) return 0;
  xin -= 0.5;
  yin -= 0.5;
  int x = (int)floor(xin), y = (int)floor(yin);
  double dx = xin - x, dy = yin - y;
  const int w = pm->width, h = pm->height;
  int cx[4];
  const uint8_t *rows[4];
  for (int k = 0; k < 4; k++) {
    cx[k] = rf_clip(x - 1 + k, w) * 4;
    rows[k] = pm->rgba + (size_t)rf_clip(y - 1 + k, h) * w * 4;
  }
  /* Flat neighbourhoods (most of a map) need no arithmetic: Pillow's cubic of equal values is that value. */
  uint32_t first, diff = 0;
  memcpy(&first, rows[0] + cx[0], 4);
  for (int j = 0; j < 4; j++) {
    for (int i = 0; i < 4; i++) {
      uint32_t v;
      memcpy(&v, rows[j] + cx[i], 4);
      diff |= v ^ first;
    }
  }
  if (!diff) {
    memcpy(out, &first, 4);
  } else {
    /* Channels innermost, so the four run side by side in one vector. */
    double v[4][4];
    for (int j = 0; j < 4; j++) {
      const uint8_t *r = rows[j];
      for (int k = 0; k < 4; k++) v[j][k] = rf_cubic(r[cx[0] + k], r[cx[1] + k], r[cx[2] + k], r[cx[3] + k], dx);
    }
    for (int k = 0; k < 4; k++) out[k] = rf_bicubic_byte(rf_cubic(v[0][k], v[1][k], v[2][k], v[3][k], dy));
  }
  rf_unpremultiply(out);
  return 1;
}

/*
 * The image bilinear and bicubic sample: `src` itself when it is opaque (premultiplying changes nothing), else a
 * premultiplied copy in *owned (free it). Returns -1 when out of memory.
 */
static inline int rf_premultiplied_source(const rf_image_t *src, rf_image_t *pm, uint8_t **owned) {
  size_t n = (size_t)src->width * src->height;
  *owned = NULL;
  *pm = *src;
  if (!px_has_transparency(src->rgba, n)) return 0;
  uint8_t *copy = malloc(n * 4);
  if (!copy) return -1;
  rf_premultiply(copy, src->rgba, n);
  pm->rgba = copy;
  *owned = copy;
  return 0;
}

#endif
