/*
 * Whole-buffer inflate of a zlib stream in C: the image data of an upstream PNG or a cache file, whose inflated size
 * the PNG header fixes, inflated straight into the kernels' own memory. Done from JavaScript, a 1088² meta tile's
 * 3.5 MB of rows became a JS buffer per decode and one more hand-off to the pool; in C the decoder inflates,
 * unfilters and expands in one job (png.c's pngInflateToRgba).
 *
 * The inflating is libdeflate's (Debian's libdeflate-dev; the writer, png-indexed.c, keeps Node's zlib so its files
 * stay those of the JavaScript writer). Measured on the bench upstream's 1088² meta tiles (3.5 MB of rows each):
 * 0.5 ms against 1.2 ms with Node's zlib (Chromium's, with its SIMD inflate) and 3.2 ms with Debian's zlib. Once the
 * rest of a meta tile's work had become native, inflating was 20 % of a seeding run's CPU.
 *
 * It only takes the common case: a complete stream with a good checksum that inflates to exactly the size expected.
 * Everything else (a cut-off stream, a corrupt one, one with more data than the header declares) is refused
 * without a message, and the caller asks Node's zlib module, which says what is wrong or, like Pillow, accepts a
 * stream cut off after the last row (png-decode.ts). The input is hostile: no byte is read past `in_len` and none
 * written past `out_len`.
 */
#ifndef KERNELS_INFLATE_H
#define KERNELS_INFLATE_H

#include <stddef.h>
#include <stdint.h>

#include "png.h"

/* Deflate's largest expansion is about 1032:1: a stream of n bytes inflates to less than n * INFLATE_MAX_RATIO + 1. */
#define INFLATE_MAX_RATIO 1033u

/* 0 when the zlib stream in `in` inflates to exactly `out_len` bytes in `out`; -1 otherwise (out is then undefined). */
int zlib_inflate_exact(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len);

/*
 * Whether `in_len` bytes of stream could inflate to `out_len`: when not, a huge declared image over a few bytes of
 * data, nothing of its size is allocated (zlib's module refuses it).
 */
static inline int inflate_could_fill(size_t in_len, uint64_t out_len) { return out_len / INFLATE_MAX_RATIO <= in_len; }

/*
 * A PNG's image data stream (its IDAT chunks' bytes in one piece) inflated into `data` (exactly png_data_size(h)
 * bytes of the caller's work memory), unfiltered there and expanded to RGBA8 in `out` (width * height * 4 bytes):
 * what both the RGBA decoder (png.c) and the meta tile job (meta_tiles.c) do. Returns 1 when done; 0 when the
 * stream does not inflate whole to that size (`out` untouched: the caller asks zlib's module why); -1 with a
 * message in `err` for a bad header, wrong buffer sizes or rows that do not unfilter.
 */
int png_inflate_rgba(const uint8_t *in, size_t in_len, const png_header_t *h, const png_colors_t *colors, uint8_t *data,
                     size_t data_len, uint8_t *out, size_t out_len, char err[PNG_ERROR_SIZE]);

/*
 * A PNG's rows decoded as they are needed, into a window of a few rows: the image data inflated whole (its checksum
 * checked) and every row's filter type checked first, so a damaged stream is refused before any row is used; then
 * rows unfiltered in place (in order: each needs the one above) as far as asked, and expanded to RGBA8 into the
 * window. A meta tile's tiles are cut from one band of rows at a time, so the window holds a tile's rows, not the
 * whole image: for a 1088² meta tile of 256² tiles that is 1.1 MB of work memory per pool thread instead of
 * 4.7 MB. An Adam7 image (its passes cover every row) needs a window of its whole height and is decoded whole at
 * the first ask.
 */
typedef struct {
  const png_header_t *h;
  const png_colors_t *colors;
  uint8_t *data; /* png_data_size(h) bytes: the inflated stream, unfiltered in place row by row */
  size_t data_len;
  uint8_t *window;       /* window_rows * width * 4 bytes of RGBA8: image rows window_y0 .. window_y1 - 1 */
  uint32_t window_rows;  /* 1 .. height; height for an Adam7 image */
  uint32_t window_y0, window_y1;
  uint32_t unfiltered; /* rows 0 .. unfiltered - 1 are unfiltered */
} png_rows_t;

/*
 * Inflates `in` into rows->data and checks every row's filter type (h, colors, data, data_len, window and
 * window_rows set by the caller; the window starts empty here). 1 when every row may be decoded; 0 when the stream
 * does not inflate whole to that size; -1 with the message png_unfilter gives for the first bad row, or for a
 * window too small.
 */
int png_rows_inflate(png_rows_t *rows, const uint8_t *in, size_t in_len, char err[PNG_ERROR_SIZE]);

/*
 * Image rows [y0, y1) (clamped to the image; at most window_rows of them) in the window: unfiltered and expanded
 * unless the window already holds them, the window then starting at y0. 0, or -1 with a message.
 */
int png_rows_window(png_rows_t *rows, int64_t y0, int64_t y1, char err[PNG_ERROR_SIZE]);

#endif
