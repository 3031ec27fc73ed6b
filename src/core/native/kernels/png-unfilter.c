/* PNG decoding, first step: the header's geometry and undoing the row filters (PNG spec, section 9). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "png-passes.h"
#include "png.h"
#include "simd.h"

int png_check_header(const png_header_t *h, char err[PNG_ERROR_SIZE]) {
  int ok_depth;
  switch (h->color_type) {
    case 0: ok_depth = h->depth == 1 || h->depth == 2 || h->depth == 4 || h->depth == 8 || h->depth == 16; break;
    case 3: ok_depth = h->depth == 1 || h->depth == 2 || h->depth == 4 || h->depth == 8; break;
    case 2: case 4: case 6: ok_depth = h->depth == 8 || h->depth == 16; break;
    default:
      snprintf(err, PNG_ERROR_SIZE, "PNG colour type %u is not valid", h->color_type);
      return -1;
  }
  if (!ok_depth) {
    snprintf(err, PNG_ERROR_SIZE, "PNG bit depth %u is not valid for colour type %u", h->depth, h->color_type);
    return -1;
  }
  if (h->interlace > 1) {
    snprintf(err, PNG_ERROR_SIZE, "PNG interlace method %u is not valid", h->interlace);
    return -1;
  }
  if (h->width == 0 || h->height == 0 || h->width > 0x7fffffffu || h->height > 0x7fffffffu) {
    snprintf(err, PNG_ERROR_SIZE, "PNG size %ux%u is not valid", h->width, h->height);
    return -1;
  }
  if ((uint64_t)h->width * h->height > PNG_MAX_PIXELS) {
    snprintf(err, PNG_ERROR_SIZE, "PNG size %ux%u is above the limit of %llu pixels", h->width, h->height,
             (unsigned long long)PNG_MAX_PIXELS);
    return -1;
  }
  return 0;
}

uint64_t png_row_bytes(const png_header_t *h, uint32_t width) {
  return ((uint64_t)width * (uint64_t)(png_channels(h->color_type) * h->depth) + 7) / 8;
}

uint64_t png_data_size(const png_header_t *h) {
  uint64_t total = 0;
  for (int p = 0; p < png_pass_count(h); p++) {
    png_pass_t pass = png_pass(h, p);
    if (pass.width) total += (uint64_t)pass.height * (1 + png_row_bytes(h, pass.width));
  }
  return total;
}

/*
 * Sub, Average and Paeth chain each byte to the one `bpp` before it: with `bpp` a constant (the callers below), the
 * lanes of a pixel unroll into independent chains the CPU runs side by side, and the Paeth choice compiles to
 * conditional moves instead of unpredictable branches. A row is whole pixels: n is a multiple of bpp (bpp is 1
 * below 8 bits per pixel, else the pixel's size).
 */
static inline void sub_row(uint8_t *restrict row, size_t n, size_t bpp) {
  for (size_t i = bpp; i < n; i += bpp)
    for (size_t k = 0; k < bpp; k++) row[i + k] = (uint8_t)(row[i + k] + row[i + k - bpp]);
}

static inline void avg_row(uint8_t *restrict row, const uint8_t *restrict prev, size_t n, size_t bpp) {
  for (size_t i = 0; i < bpp && i < n; i++) row[i] = (uint8_t)(row[i] + (prev[i] >> 1));
  for (size_t i = bpp; i < n; i += bpp)
    for (size_t k = 0; k < bpp; k++) row[i + k] = (uint8_t)(row[i + k] + ((row[i + k - bpp] + prev[i + k]) >> 1));
}

static inline void paeth_row(uint8_t *restrict row, const uint8_t *restrict prev, size_t n, size_t bpp) {
  for (size_t i = 0; i < bpp && i < n; i++) row[i] = (uint8_t)(row[i] + prev[i]);
  for (size_t i = bpp; i < n; i += bpp)
    for (size_t k = 0; k < bpp; k++) {
      int a = row[i + k - bpp], b = prev[i + k], c = prev[i + k - bpp];
      int pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c);
      int pred = pb <= pc ? b : c;
      pred = (pa <= pb && pa <= pc) ? a : pred;
      row[i + k] = (uint8_t)(row[i + k] + pred);
    }
}

/* The three chained filters for one bpp, a constant in each expansion. */
#define CHAINED(name, bpp)                                                                                       \
  static void name(uint8_t filter, uint8_t *restrict row, const uint8_t *restrict prev, size_t n) {         \
    if (filter == 1) sub_row(row, n, bpp);                                                                   \
    else if (filter == 3) avg_row(row, prev, n, bpp);                                                        \
    else paeth_row(row, prev, n, bpp);                                                                       \
  }
CHAINED(chained1, 1)
CHAINED(chained2, 2)
CHAINED(chained3, 3)
CHAINED(chained4, 4)
CHAINED(chained6, 6)
CHAINED(chained8, 8)

/* One filtered row in place: `row` (n bytes after its filter byte) over the unfiltered `prev` (NULL for the first). */
TARGET_CLONES
static int unfilter_row(uint8_t filter, uint8_t *restrict row, const uint8_t *restrict prev, size_t n, size_t bpp) {
  if (filter > 4) return -1;
  if (filter == 0) return 0;
  if (filter == 2) {
    if (prev)
      for (size_t i = 0; i < n; i++) row[i] = (uint8_t)(row[i] + prev[i]);
    return 0;
  }
  if (!prev) {
    /* Above and upper-left are 0: Average adds half the left byte, Paeth predicts the left byte (as Sub does). */
    if (filter == 3)
      for (size_t i = bpp; i < n; i++) row[i] = (uint8_t)(row[i] + (row[i - bpp] >> 1));
    else
      for (size_t i = bpp; i < n; i++) row[i] = (uint8_t)(row[i] + row[i - bpp]);
    return 0;
  }
  switch (bpp) {
    case 1: chained1(filter, row, prev, n); break;
    case 2: chained2(filter, row, prev, n); break;
    case 3: chained3(filter, row, prev, n); break;
    case 4: chained4(filter, row, prev, n); break;
    case 6: chained6(filter, row, prev, n); break;
    default: chained8(filter, row, prev, n); break;
  }
  return 0;
}

int png_unfilter(uint8_t *data, size_t length, const png_header_t *h, char err[PNG_ERROR_SIZE]) {
  if (png_check_header(h, err)) return -1;
  uint64_t need = png_data_size(h);
  if (need > length) {
    snprintf(err, PNG_ERROR_SIZE, "PNG image data is truncated: %zu of %llu bytes", length, (unsigned long long)need);
    return -1;
  }
  /* Bytes per complete pixel, at least 1: the distance the Sub, Average and Paeth filters look back. */
  size_t bpp = (size_t)(png_channels(h->color_type) * h->depth + 7) / 8;
  size_t pos = 0;
  for (int p = 0; p < png_pass_count(h); p++) {
    png_pass_t pass = png_pass(h, p);
    if (!pass.width) continue;
    size_t n = (size_t)png_row_bytes(h, pass.width);
    const uint8_t *prev = NULL;
    for (uint32_t y = 0; y < pass.height; y++, pos += n + 1) {
      uint8_t *row = data + pos + 1;
      if (unfilter_row(data[pos], row, prev, n, bpp)) {
        snprintf(err, PNG_ERROR_SIZE, "PNG row %u%s has an unknown filter type %u", y, h->interlace ? " of an Adam7 pass" : "",
                 data[pos]);
        return -1;
      }
      prev = row;
    }
  }
  return 0;
}

int png_rows_repeat(const uint8_t *data, size_t length, const png_header_t *h) {
  char err[PNG_ERROR_SIZE];
  if (h->interlace || png_check_header(h, err) || png_data_size(h) > length) return 0;
  size_t stride = 1 + (size_t)png_row_bytes(h, h->width);
  for (uint32_t y = 1; y < h->height; y++)
    if (memcmp(data + (size_t)y * stride + 1, data + (size_t)(y - 1) * stride + 1, stride - 1)) return 0;
  return 1;
}
