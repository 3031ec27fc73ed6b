#include "inflate.h"

#include <libdeflate.h>
#include <stdio.h>

/*
 * One decompressor per thread (the JS thread and each pool thread), made on first use: a few kilobytes each, never
 * freed (threads live as long as the process).
 */
static _Thread_local struct libdeflate_decompressor *thread_decompressor;

int zlib_inflate_exact(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len) {
  if (!in || !out) return -1;
  if (!thread_decompressor && !(thread_decompressor = libdeflate_alloc_decompressor())) return -1;
  /*
   * Without a pointer for the size inflated, libdeflate succeeds only for a stream that ends exactly at out_len
   * with its Adler-32 checksum matching; a longer one stops at out_len (INSUFFICIENT_SPACE), a shorter one is
   * SHORT_OUTPUT. It reads no byte past in_len and writes none past out_len.
   */
  return libdeflate_zlib_decompress(thread_decompressor, in, in_len, out, out_len, NULL) == LIBDEFLATE_SUCCESS ? 0 : -1;
}

int png_inflate_rgba(const uint8_t *in, size_t in_len, const png_header_t *h, const png_colors_t *colors, uint8_t *data,
                     size_t data_len, uint8_t *out, size_t out_len, char err[PNG_ERROR_SIZE]) {
  if (png_check_header(h, err)) return -1;
  uint64_t size = png_data_size(h);
  if (size != data_len || (uint64_t)h->width * h->height * 4 != out_len) {
    snprintf(err, PNG_ERROR_SIZE, "PNG decode: work memory of %zu and %zu bytes for a %ux%u image", data_len, out_len,
             h->width, h->height);
    return -1;
  }
  if (zlib_inflate_exact(in, in_len, data, data_len)) return 0;
  if (png_unfilter(data, data_len, h, err)) return -1;
  return png_expand_rgba(data, data_len, h, colors, out, out_len, err) ? -1 : 1;
}

int png_rows_inflate(png_rows_t *rows, const uint8_t *in, size_t in_len, char err[PNG_ERROR_SIZE]) {
  const png_header_t *h = rows->h;
  if (png_check_header(h, err)) return -1;
  if (png_data_size(h) != rows->data_len || !rows->window || rows->window_rows < 1 ||
      rows->window_rows > h->height || (h->interlace && rows->window_rows != h->height)) {
    snprintf(err, PNG_ERROR_SIZE, "PNG decode: work memory of %zu bytes and %u rows for a %ux%u image",
             rows->data_len, rows->window_rows, h->width, h->height);
    return -1;
  }
  if (zlib_inflate_exact(in, in_len, rows->data, rows->data_len)) return 0;
  rows->unfiltered = rows->window_y0 = rows->window_y1 = 0;
  if (h->interlace) return 1; /* checked as it is decoded whole, before any row is used */
  size_t stride = (size_t)png_row_bytes(h, h->width) + 1;
  for (uint32_t y = 0; y < h->height; y++) {
    if (rows->data[(size_t)y * stride] <= 4) continue;
    /* the whole image through the unfilter, for its message (it stops at this row, before changing any other) */
    if (!png_unfilter(rows->data, rows->data_len, h, err))
      snprintf(err, PNG_ERROR_SIZE, "PNG row %u has an unknown filter type %u", y, rows->data[(size_t)y * stride]);
    return -1;
  }
  return 1;
}

/* The header of `height` rows of a non-interlaced image: what png_unfilter and png_expand_rgba take for a band. */
static png_header_t band(const png_header_t *h, uint32_t height) {
  png_header_t b = *h;
  b.height = height;
  return b;
}

int png_rows_window(png_rows_t *rows, int64_t y0, int64_t y1, char err[PNG_ERROR_SIZE]) {
  const png_header_t *h = rows->h;
  if (y0 < 0) y0 = 0;
  if (y1 > (int64_t)h->height) y1 = h->height;
  if (y0 >= y1) return 0;
  if (y1 - y0 > (int64_t)rows->window_rows) {
    snprintf(err, PNG_ERROR_SIZE, "PNG decode: rows %lld to %lld in a window of %u", (long long)y0, (long long)y1,
             rows->window_rows);
    return -1;
  }
  if (rows->window_y0 <= y0 && y1 <= rows->window_y1) return 0;
  size_t pitch = (size_t)h->width * 4;
  if (h->interlace) {
    if (png_unfilter(rows->data, rows->data_len, h, err) ||
        png_expand_rgba(rows->data, rows->data_len, h, rows->colors, rows->window, pitch * h->height, err))
      return -1;
    rows->unfiltered = rows->window_y1 = h->height;
    rows->window_y0 = 0;
    return 0;
  }
  size_t stride = (size_t)png_row_bytes(h, h->width) + 1;
  uint32_t end = (uint32_t)y0 + rows->window_rows;
  if (end > h->height) end = h->height;
  if (rows->unfiltered < end) {
    /* From the last row done (its filter byte set to None, so it stays as it is and serves as the row above). */
    uint32_t from = rows->unfiltered ? rows->unfiltered - 1 : 0;
    if (rows->unfiltered) rows->data[(size_t)from * stride] = 0;
    png_header_t b = band(h, end - from);
    if (png_unfilter(rows->data + (size_t)from * stride, (size_t)b.height * stride, &b, err)) return -1;
    rows->unfiltered = end;
  }
  png_header_t b = band(h, end - (uint32_t)y0);
  rows->window_y0 = rows->window_y1 = 0; /* empty until it is filled */
  if (png_expand_rgba(rows->data + (size_t)y0 * stride, (size_t)b.height * stride, &b, rows->colors, rows->window,
                      (size_t)b.height * pitch, err))
    return -1;
  rows->window_y0 = (uint32_t)y0;
  rows->window_y1 = end;
  return 0;
}
