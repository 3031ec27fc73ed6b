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

/* One filtered row in place: `row` (n bytes after its filter byte) over the unfiltered `prev` (NULL for the first). */
TARGET_CLONES
static int unfilter_row(uint8_t filter, uint8_t *restrict row, const uint8_t *restrict prev, size_t n, size_t bpp) {
  switch (filter) {
    case 0:
      return 0;
    case 1:
      for (size_t i = bpp; i < n; i++) row[i] = (uint8_t)(row[i] + row[i - bpp]);
      return 0;
    case 2:
      if (prev)
        for (size_t i = 0; i < n; i++) row[i] = (uint8_t)(row[i] + prev[i]);
      return 0;
    case 3:
      if (!prev) {
        for (size_t i = bpp; i < n; i++) row[i] = (uint8_t)(row[i] + (row[i - bpp] >> 1));
        return 0;
      }
      for (size_t i = 0; i < bpp && i < n; i++) row[i] = (uint8_t)(row[i] + (prev[i] >> 1));
      for (size_t i = bpp; i < n; i++) row[i] = (uint8_t)(row[i] + ((row[i - bpp] + prev[i]) >> 1));
      return 0;
    case 4:
      if (!prev) { /* above and upper-left are 0: the predictor is the left byte, as for Sub */
        for (size_t i = bpp; i < n; i++) row[i] = (uint8_t)(row[i] + row[i - bpp]);
        return 0;
      }
      for (size_t i = 0; i < bpp && i < n; i++) row[i] = (uint8_t)(row[i] + prev[i]);
      for (size_t i = bpp; i < n; i++) {
        int a = row[i - bpp], b = prev[i], c = prev[i - bpp];
        int pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c);
        int pred = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
        row[i] = (uint8_t)(row[i] + pred);
      }
      return 0;
    default:
      return -1;
  }
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
