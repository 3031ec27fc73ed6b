/* PNG encoding: filtered RGB/RGBA rows for the truecolour writer, packed index rows for the palette writer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "png.h"
#include "simd.h"

/* The byte Paeth predicts from left (a), above (b) and upper-left (c), without branches. */
static inline int paeth(int a, int b, int c) {
  int pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c);
  int pred = pb <= pc ? b : c;
  return (pa <= pb && pa <= pc) ? a : pred;
}

/* |signed byte|: the distance from zero the heuristic sums (a residue of 255 is -1, small). */
static inline unsigned mag(uint8_t v) { return (unsigned)abs((int8_t)v); }

/*
 * The sums of residue magnitudes of all five filters for `cur` over `prev` (a zero row for the first), in one pass.
 * Encoding has no chain from byte to byte (every input is known), so this loop vectorizes.
 */
TARGET_CLONES
static void filter_sums(const uint8_t *restrict cur, const uint8_t *restrict prev, size_t n, size_t bpp, uint64_t sums[5]) {
  uint64_t s[5] = {0, 0, 0, 0, 0};
  for (size_t i = 0; i < bpp && i < n; i++) {
    s[0] += mag(cur[i]), s[1] += mag(cur[i]), s[2] += mag((uint8_t)(cur[i] - prev[i]));
    s[3] += mag((uint8_t)(cur[i] - (prev[i] >> 1))), s[4] += mag((uint8_t)(cur[i] - prev[i]));
  }
  /* Row sums fit 32 bits per block of 2^24 bytes (at most 128 each): vector lanes stay 32-bit. */
  for (size_t start = bpp; start < n; start += 1u << 24) {
    size_t end = n - start > (1u << 24) ? start + (1u << 24) : n;
    uint32_t t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0;
    for (size_t i = start; i < end; i++) {
      int x = cur[i], a = cur[i - bpp], b = prev[i], c = prev[i - bpp];
      t0 += mag((uint8_t)x);
      t1 += mag((uint8_t)(x - a));
      t2 += mag((uint8_t)(x - b));
      t3 += mag((uint8_t)(x - ((a + b) >> 1)));
      t4 += mag((uint8_t)(x - paeth(a, b, c)));
    }
    s[0] += t0, s[1] += t1, s[2] += t2, s[3] += t3, s[4] += t4;
  }
  memcpy(sums, s, sizeof s);
}

/* The residues of filter `f` for `cur` over `prev` into `dst`. */
static void filter_row(int f, const uint8_t *restrict cur, const uint8_t *restrict prev, size_t n, size_t bpp,
                       uint8_t *restrict dst) {
  for (size_t i = 0; i < n; i++) {
    int a = i >= bpp ? cur[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
    int pred = f == 0 ? 0 : f == 1 ? a : f == 2 ? b : f == 3 ? (a + b) >> 1 : paeth(a, b, c);
    dst[i] = (uint8_t)(cur[i] - pred);
  }
}

int png_filter_rgba(const uint8_t *rgba, size_t rgba_len, uint32_t width, uint32_t height, int channels, uint8_t *out,
                    size_t out_len, char err[PNG_ERROR_SIZE]) {
  if (channels != 3 && channels != 4) {
    snprintf(err, PNG_ERROR_SIZE, "PNG filter: %d channels, expected 3 or 4", channels);
    return -1;
  }
  if (width == 0 || height == 0 || (uint64_t)width * height > PNG_MAX_PIXELS) {
    snprintf(err, PNG_ERROR_SIZE, "PNG filter: size %ux%u is not valid", width, height);
    return -1;
  }
  size_t n = (size_t)width * (size_t)channels;
  if ((uint64_t)width * height * 4 != rgba_len || (uint64_t)height * (n + 1) != out_len) {
    snprintf(err, PNG_ERROR_SIZE, "PNG filter: buffers of %zu and %zu bytes for %ux%u pixels", rgba_len, out_len, width,
             height);
    return -1;
  }
  /* Two rows of samples without alpha when it is dropped (current and previous), and the zero row above the first. */
  uint8_t *scratch = calloc(3, n);
  if (!scratch) {
    snprintf(err, PNG_ERROR_SIZE, "PNG filter: out of memory");
    return -1;
  }
  const uint8_t *prev = scratch + 2 * n;
  for (uint32_t y = 0; y < height; y++) {
    const uint8_t *src = rgba + (size_t)y * width * 4;
    const uint8_t *cur = src;
    if (channels == 3) {
      uint8_t *rgb = scratch + (y & 1) * n;
      for (size_t x = 0; x < width; x++) memcpy(rgb + x * 3, src + x * 4, 3);
      cur = rgb;
    }
    uint64_t sums[5];
    filter_sums(cur, prev, n, (size_t)channels, sums);
    int best = 0; /* ties go to the lower type, None first */
    for (int f = 1; f < 5; f++)
      if (sums[f] < sums[best]) best = f;
    uint8_t *dst = out + (size_t)y * (n + 1);
    dst[0] = (uint8_t)best;
    filter_row(best, cur, prev, n, (size_t)channels, dst + 1);
    prev = cur;
  }
  free(scratch);
  return 0;
}

/*
 * One row of `n` indices inside the image packed at `depth` (1, 2 or 4) bits: a byte from each `8 / depth` indices,
 * the first in the high bits, with constant shifts so the loop vectorizes (a paletted tile's rows are this path).
 */
#define PACK_BYTES(per, depth)                                                                     \
  for (; j < full; j++) {                                                                         \
    unsigned byte = 0;                                                                            \
    for (unsigned k = 0; k < (per); k++) byte |= (src[j * (per) + k] & mask) << (8 - (depth) * (k + 1)); \
    dst[j] = (uint8_t)byte;                                                                       \
  }
TARGET_CLONES
static void pack_row(uint8_t *restrict dst, const uint8_t *restrict src, uint32_t n, int depth) {
  unsigned per = 8 / (unsigned)depth, mask = (1u << depth) - 1;
  size_t full = n / per, j = 0;
  if (depth == 4) PACK_BYTES(2, 4)
  else if (depth == 2) PACK_BYTES(4, 2)
  else PACK_BYTES(8, 1)
  if (j * per < n) {
    unsigned byte = 0;
    for (unsigned k = 0; j * per + k < n; k++) byte |= (src[j * per + k] & mask) << (8 - depth * (k + 1));
    dst[j] = (uint8_t)byte;
  }
}

int png_pack_indices(const uint8_t *indices, size_t indices_len, uint32_t img_w, uint32_t img_h, int64_t x0, int64_t y0,
                     uint32_t w, uint32_t h, uint8_t fill, int depth, uint8_t *out, size_t out_len,
                     char err[PNG_ERROR_SIZE]) {
  if (depth != 1 && depth != 2 && depth != 4 && depth != 8) {
    snprintf(err, PNG_ERROR_SIZE, "PNG pack: bit depth %d is not 1, 2, 4 or 8", depth);
    return -1;
  }
  if ((uint64_t)img_w * img_h != indices_len) {
    snprintf(err, PNG_ERROR_SIZE, "PNG pack: %zu indices for a %ux%u image", indices_len, img_w, img_h);
    return -1;
  }
  if (w == 0 || h == 0 || (uint64_t)w * h > PNG_MAX_PIXELS) {
    snprintf(err, PNG_ERROR_SIZE, "PNG pack: size %ux%u is not valid", w, h);
    return -1;
  }
  size_t stride = ((size_t)w * (size_t)depth + 7) / 8;
  if ((uint64_t)h * (stride + 1) != out_len) {
    snprintf(err, PNG_ERROR_SIZE, "PNG pack: output of %zu bytes for %ux%u pixels at depth %d", out_len, w, h, depth);
    return -1;
  }
  if (depth < 8 && fill >> depth) {
    snprintf(err, PNG_ERROR_SIZE, "PNG pack: fill index %u does not fit %d bits", fill, depth);
    return -1;
  }
  /* The columns of the rectangle that lie in the image: [cx0, cx1) in rectangle coordinates. */
  int64_t cx0 = x0 < 0 ? -x0 : 0, cx1 = (int64_t)img_w - x0;
  if (cx1 > (int64_t)w) cx1 = w;
  if (cx0 > (int64_t)w) cx0 = w;
  unsigned per = 8 / (unsigned)depth, mask = (1u << depth) - 1;
  for (uint32_t ty = 0; ty < h; ty++) {
    uint8_t *row = out + (size_t)ty * (stride + 1);
    row[0] = 0;
    uint8_t *dst = row + 1;
    int64_t y = y0 + ty;
    const uint8_t *src = y >= 0 && y < (int64_t)img_h && cx1 > cx0 ? indices + (size_t)y * img_w + (x0 + cx0) : NULL;
    if (depth == 8) {
      if (!src) {
        memset(dst, fill, w);
        continue;
      }
      memset(dst, fill, (size_t)cx0);
      memcpy(dst + cx0, src, (size_t)(cx1 - cx0));
      memset(dst + cx1, fill, (size_t)(w - cx1));
      continue;
    }
    if (src && cx0 == 0 && cx1 == (int64_t)w) {
      pack_row(dst, src, w, depth);
      continue;
    }
    memset(dst, 0, stride);
    for (uint32_t x = 0; x < w; x++) {
      unsigned v = (src && x >= cx0 && x < cx1 ? src[x - cx0] : fill) & mask;
      /* Indices above the depth cannot occur (the caller chose the depth from the largest): masked all the same. */
      dst[x / per] |= (uint8_t)(v << (8 - depth - (x % per) * depth));
    }
  }
  return 0;
}

TARGET_CLONES
static void row_stats(const uint8_t *restrict row, size_t n, unsigned *max, uint64_t *changes) {
  unsigned m = *max;
  uint64_t ch = 0;
  for (size_t i = 0; i < n; i++) {
    if (row[i] > m) m = row[i];
    ch += i > 0 && row[i] != row[i - 1];
  }
  *max = m;
  *changes += ch;
}

int png_index_stats(const uint8_t *indices, size_t indices_len, uint32_t img_w, uint32_t img_h, uint32_t x0, uint32_t y0,
                    uint32_t x1, uint32_t y1, uint32_t *max_index, uint64_t *changes, char err[PNG_ERROR_SIZE]) {
  if ((uint64_t)img_w * img_h != indices_len || x1 > img_w || y1 > img_h) {
    snprintf(err, PNG_ERROR_SIZE, "PNG index stats: rectangle to %u,%u of a %ux%u image of %zu indices", x1, y1, img_w,
             img_h, indices_len);
    return -1;
  }
  unsigned m = 0;
  *changes = 0;
  if (x0 < x1)
    for (uint32_t y = y0; y < y1; y++) row_stats(indices + (size_t)y * img_w + x0, x1 - x0, &m, changes);
  *max_index = m;
  return 0;
}
