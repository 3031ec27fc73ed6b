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


/*
 * Forced inline: inside the AVX2 clone of a hot loop (simd.h) GCC otherwise keeps these as calls to the
 * baseline-compiled copy, passing every vector through memory (twice as slow for bicubic).
 */
#define RF_INLINE static inline __attribute__((always_inline))

/* The largest image side the kernels accept: far above any map, small enough that no size product overflows. */
#define IMAGE_MAX_SIDE 65535

typedef enum { RESAMPLE_NEAREST = 0, RESAMPLE_BILINEAR = 1, RESAMPLE_BICUBIC = 2 } resample_method_t;

/* An RGBA8 image, rows without padding. */
typedef struct {
  const uint8_t *rgba;
  int width;
  int height;
} rf_image_t;

/* Pillow's MULDIV255: a·b/255 rounded, exact for 8-bit operands. */
RF_INLINE uint32_t rf_muldiv255(uint32_t a, uint32_t b) {
  uint32_t t = a * b + 128;
  return ((t >> 8) + t) >> 8;
}

/* RGBA → RGBa of `n` pixels (Pillow's rgbA2rgba). */
RF_INLINE void rf_premultiply(uint8_t *out, const uint8_t *in, size_t n) {
  for (size_t i = 0; i < n; i++, in += 4, out += 4) {
    uint32_t a = in[3];
    out[0] = (uint8_t)rf_muldiv255(in[0], a);
    out[1] = (uint8_t)rf_muldiv255(in[1], a);
    out[2] = (uint8_t)rf_muldiv255(in[2], a);
    out[3] = (uint8_t)a;
  }
}

/* RGBa → RGBA in place (Pillow's rgba2rgbA): colour·255/alpha, truncated and clipped; alpha 0 and 255 untouched. */
RF_INLINE void rf_unpremultiply(uint8_t *px) {
  uint32_t a = px[3];
  if (a == 0 || a == 255) return;
  for (int c = 0; c < 3; c++) {
    uint32_t v = (255u * px[c]) / a;
    px[c] = (uint8_t)(v > 255 ? 255 : v);
  }
}

/* Pillow's COORD: truncation toward zero, and -1 for any negative position. */
RF_INLINE int rf_coord(double v) {
  return v < 0.0 ? -1 : (int)v;
}

RF_INLINE int rf_clip(int v, int n) {
  return v < 0 ? 0 : v < n ? v : n - 1;
}

RF_INLINE int rf_inside(const rf_image_t *im, double x, double y) {
  return x >= 0.0 && x < (double)im->width && y >= 0.0 && y < (double)im->height;
}

/* Nearest neighbour of the straight image; returns 0 (and writes nothing) outside the source. */
RF_INLINE int rf_nearest(const rf_image_t *im, double x, double y, uint8_t *out) {
  /* Tested as doubles first: converting a huge or NaN position to int is undefined. Same pixels as Pillow's
   * COORD test, which maps (-1, 0) to -1. */
  if (!rf_inside(im, x, y)) return 0;
  memcpy(out, im->rgba + ((size_t)rf_coord(y) * im->width + rf_coord(x)) * 4, 4);
  return 1;
}

/*
 * The four channels of a pixel side by side as doubles (GCC/Clang vector extensions: one AVX2 register, two NEON
 * ones). Each lane computes exactly what Pillow computes for its band, in the same order.
 */
#if defined(__GNUC__) && !defined(__clang__)
/* The vectors never cross a non-inlined call boundary between differently compiled code: the ABI note is moot. */
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
typedef double rf_v4 __attribute__((vector_size(32)));
typedef int64_t rf_v4i __attribute__((vector_size(32)));
typedef int32_t rf_i32x4 __attribute__((vector_size(16)));
typedef uint8_t rf_u8x4 __attribute__((vector_size(4)));

/*
 * A pixel's bytes as four doubles, lane k = byte k. One 32-bit load broadcast and shifted per lane: compilers
 * make that a few vector instructions, where a byte-vector conversion becomes scalar extractions.
 */
RF_INLINE rf_v4 rf_load(const uint8_t *px) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  const rf_i32x4 shift = {24, 16, 8, 0};
#else
  const rf_i32x4 shift = {0, 8, 16, 24};
#endif
  uint32_t w;
  memcpy(&w, px, 4);
  rf_i32x4 v = {(int32_t)w, (int32_t)w, (int32_t)w, (int32_t)w};
  return __builtin_convertvector((v >> shift) & 0xff, rf_v4);
}

/*
 * The operations on vectors are macros (GNU statement expressions), not functions: a function taking 32-byte
 * vectors by value makes GCC print an ABI note in every build, and these are always inlined anyway.
 */

/* The cubic of Pillow's transform through v1..v4 at d in [0, 1) (a = -1), per lane, in Pillow's order. */
#define rf_cubic(v1, v2, v3, v4, d)                               \
  ({                                                              \
    rf_v4 v1_ = (v1), v2_ = (v2), v3_ = (v3), v4_ = (v4);         \
    double d_ = (d);                                              \
    rf_v4 p2_ = -v1_ + v3_;                                       \
    rf_v4 p3_ = 2.0 * (v1_ - v2_) + v3_ - v4_;                    \
    rf_v4 p4_ = -v1_ + v2_ - v3_ + v4_;                           \
    v2_ + d_ * (p2_ + d_ * (p3_ + d_ * p4_));                     \
  })

/* Pillow's linear step a + (b − a)·d, per lane. */
#define rf_lerp(a, b, d)              \
  ({                                  \
    rf_v4 a_ = (a), b_ = (b);         \
    a_ + (b_ - a_) * (d);             \
  })

/* Bytes as Pillow stores a filter result: clamped to 0..255 (bicubic overshoots), truncated toward zero. */
#define rf_store(v, out)                                                                        \
  do {                                                                                          \
    const rf_v4 top_ = {255.0, 255.0, 255.0, 255.0};                                            \
    rf_v4 v_ = (v);                                                                             \
    rf_v4i positive_ = v_ > 0.0;    /* lanes at or below 0 become 0 */                          \
    rf_v4i below_ = v_ < 255.0;     /* lanes at or above 255 become 255 */                      \
    rf_v4i bits_ = (rf_v4i)v_ & positive_;                                                      \
    rf_v4 clamped_ = (rf_v4)((bits_ & below_) | ((rf_v4i)top_ & ~below_));                     \
    rf_u8x4 b_ = __builtin_convertvector(__builtin_convertvector(clamped_, rf_i32x4), rf_u8x4); \
    memcpy((out), &b_, 4);                                                                      \
  } while (0)

RF_INLINE uint32_t rf_word(const uint8_t *px) {
  uint32_t w;
  memcpy(&w, px, 4);
  return w;
}

RF_INLINE int rf_same4(const uint8_t *a, const uint8_t *b, const uint8_t *c, const uint8_t *d) {
  uint32_t wa = rf_word(a);
  return wa == rf_word(b) && wa == rf_word(c) && wa == rf_word(d);
}

/*
 * Bilinear of a premultiplied image (RGBa); writes straight RGBA. Returns 0 outside the source.
 * Four equal taps are copied without arithmetic: Pillow's formula is exact there too.
 */
RF_INLINE int rf_bilinear(const rf_image_t *pm, double xin, double yin, uint8_t *out) {
  if (!rf_inside(pm, xin, yin)) return 0;
  xin -= 0.5;
  yin -= 0.5;
  int x = (int)floor(xin), y = (int)floor(yin);
  double dx = xin - x, dy = yin - y;
  const int w = pm->width;
  const uint8_t *r0 = pm->rgba + (size_t)rf_clip(y, pm->height) * w * 4;
  const uint8_t *r1 = pm->rgba + (size_t)rf_clip(y + 1, pm->height) * w * 4;
  int c0 = rf_clip(x, w) * 4, c1 = rf_clip(x + 1, w) * 4;
  if (rf_same4(r0 + c0, r0 + c1, r1 + c0, r1 + c1)) {
    memcpy(out, r0 + c0, 4);
  } else {
    rf_v4 v1 = rf_lerp(rf_load(r0 + c0), rf_load(r0 + c1), dx);
    rf_v4 v2 = rf_lerp(rf_load(r1 + c0), rf_load(r1 + c1), dx);
    rf_store(rf_lerp(v1, v2, dy), out);
  }
  rf_unpremultiply(out);
  return 1;
}

/* Bicubic (Pillow's a = -1) of a premultiplied image; writes straight RGBA. Returns 0 outside the source. */
RF_INLINE int rf_bicubic(const rf_image_t *pm, double xin, double yin, uint8_t *out) {
  if (!rf_inside(pm, xin, yin)) return 0;
  xin -= 0.5;
  yin -= 0.5;
  int x = (int)floor(xin), y = (int)floor(yin);
  double dx = xin - x, dy = yin - y;
  const int w = pm->width, h = pm->height;
  const size_t pitch = (size_t)w * 4;
  int c0, c1, c2, c3;
  const uint8_t *rows[4];
  if (x >= 1 && x + 2 < w && y >= 1 && y + 2 < h) {
    /* All 16 taps inside (nearly every pixel): no clamping. */
    c0 = (x - 1) * 4, c1 = c0 + 4, c2 = c0 + 8, c3 = c0 + 12;
    rows[0] = pm->rgba + (size_t)(y - 1) * pitch;
    rows[1] = rows[0] + pitch, rows[2] = rows[1] + pitch, rows[3] = rows[2] + pitch;
  } else {
    c0 = rf_clip(x - 1, w) * 4, c1 = rf_clip(x, w) * 4, c2 = rf_clip(x + 1, w) * 4, c3 = rf_clip(x + 2, w) * 4;
    for (int k = 0; k < 4; k++) rows[k] = pm->rgba + (size_t)rf_clip(y - 1 + k, h) * pitch;
  }
  uint32_t diff = 0;
  uint32_t first = rf_word(rows[0] + c0);
  for (int k = 0; k < 4; k++)
    diff |= (rf_word(rows[k] + c0) ^ first) | (rf_word(rows[k] + c1) ^ first) | (rf_word(rows[k] + c2) ^ first) | (rf_word(rows[k] + c3) ^ first);
  int flat = diff == 0;
  /* Flat neighbourhoods (most of a map) need no arithmetic: Pillow's cubic of equal values is that value. */
  if (flat) {
    memcpy(out, rows[0] + c0, 4);
  } else {
    rf_v4 v[4];
    for (int k = 0; k < 4; k++) {
      const uint8_t *r = rows[k];
      v[k] = rf_cubic(rf_load(r + c0), rf_load(r + c1), rf_load(r + c2), rf_load(r + c3), dx);
    }
    rf_store(rf_cubic(v[0], v[1], v[2], v[3], dy), out);
  }
  rf_unpremultiply(out);
  return 1;
}

/* A rectangle of source pixels, [x0, x1) × [y0, y1). */
typedef struct {
  int x0, y0, x1, y1;
} rf_rect_t;

/*
 * The image bilinear and bicubic sample, where they may read only inside `taps` (clamped to the image): `src`
 * itself when those pixels are opaque (premultiplying changes nothing), else a premultiplied copy in *owned (free
 * it) of which only that rectangle is written. A map often samples a small part of a large source: only that
 * part is tested and converted. Returns -1 when out of memory.
 */
RF_INLINE int rf_premultiplied_source(const rf_image_t *src, rf_rect_t taps, rf_image_t *pm, uint8_t **owned) {
  *owned = NULL;
  *pm = *src;
  int x0 = taps.x0 < 0 ? 0 : taps.x0, y0 = taps.y0 < 0 ? 0 : taps.y0;
  int x1 = taps.x1 > src->width ? src->width : taps.x1, y1 = taps.y1 > src->height ? src->height : taps.y1;
  if (x1 <= x0 || y1 <= y0) return 0;
  size_t pitch = (size_t)src->width * 4, n = (size_t)(x1 - x0);
  /* AND of the alpha bytes a row at a time (vectorizes), stopping at the first row with transparency. */
  uint8_t all = 255;
  for (int y = y0; y < y1 && all == 255; y++) {
    const uint8_t *row = src->rgba + y * pitch + (size_t)x0 * 4;
    for (size_t i = 0; i < n; i++) all &= row[i * 4 + 3];
  }
  if (all == 255) return 0;
  uint8_t *copy = malloc(pitch * src->height);
  if (!copy) return -1;
  for (int y = y0; y < y1; y++) rf_premultiply(copy + y * pitch + (size_t)x0 * 4, src->rgba + y * pitch + (size_t)x0 * 4, n);
  pm->rgba = copy;
  *owned = copy;
  return 0;
}

#endif
