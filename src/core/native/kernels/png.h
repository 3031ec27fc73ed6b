/*
 * PNG scanline kernels: what lies between zlib and pixels. Decoding: unfiltering (in place), Adam7
 * de-interlacing and expansion of every colour type and bit depth to RGBA8 or to palette indices. Encoding:
 * adaptive per-row filtering of RGB/RGBA rows and packing of palette indices into 1/2/4/8-bit rows.
 *
 * The data handed in comes from the network or a cache file: every function checks the header and every
 * length against the sizes it computes itself, and reports a problem as a message in `err` (never reads or
 * writes out of bounds). Inflating and deflating stay with the caller (Node's zlib).
 */
#ifndef KERNELS_PNG_H
#define KERNELS_PNG_H

#include <stddef.h>
#include <stdint.h>

#define PNG_ERROR_SIZE 160

/*
 * The largest image decoded, in pixels: Pillow's decompression-bomb limit (2 × MAX_IMAGE_PIXELS), above which
 * MapProxy refuses an image too.
 */
#define PNG_MAX_PIXELS 178956970ull

typedef struct {
  uint32_t width;
  uint32_t height;
  uint8_t depth;      /* bits per sample: 1, 2, 4, 8 or 16 */
  uint8_t color_type; /* 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA */
  uint8_t interlace;  /* 0 none, 1 Adam7 */
} png_header_t;

/* How pixels become RGBA: the 256-entry table of palette/low-depth grey images, or the tRNS colour key. */
typedef struct {
  uint8_t table[256 * 4]; /* RGBA per index (palette) or grey level (grey, depth <= 8) */
  int has_key;            /* grey or RGB image with a tRNS colour key */
  uint16_t key[3];        /* the key's samples at the image's depth (grey: key[0]) */
} png_colors_t;

/* 0 when the header describes an image we decode (valid depth/colour pair, size within PNG_MAX_PIXELS), else -1. */
int png_check_header(const png_header_t *h, char err[PNG_ERROR_SIZE]);

/* Bytes of the inflated image data (every pass's rows with their filter bytes) of a checked header. */
uint64_t png_data_size(const png_header_t *h);

/*
 * The colours from PLTE and tRNS (either may be NULL with length 0). Refuses a palette image without PLTE, a PLTE
 * that is not whole entries or has more than 256, a tRNS longer than the palette or of the wrong length for
 * grey/RGB. Indices beyond the palette are opaque black (what libpng's zero-filled palette gives).
 */
int png_colors(const png_header_t *h, const uint8_t *plte, size_t plte_len, const uint8_t *trns, size_t trns_len,
               png_colors_t *out, char err[PNG_ERROR_SIZE]);

/*
 * Undoes the row filters of every pass in place. `data` holds png_data_size(h) bytes or more; afterwards each row
 * keeps its (now meaningless) filter byte in front, so the rows of a non-interlaced image are read in place at
 * y * (1 + row bytes) + 1. Refuses an unknown filter type.
 */
int png_unfilter(uint8_t *data, size_t length, const png_header_t *h, char err[PNG_ERROR_SIZE]);

/*
 * Whether every row of unfiltered, non-interlaced data (filter bytes aside) is the same as the first: a tile of one
 * colour, or of vertical stripes, whose pixels one row holds. 0 for interlaced or short data.
 */
int png_rows_repeat(const uint8_t *data, size_t length, const png_header_t *h);

/* Bytes of one row of `width` pixels of this header's format, without the filter byte. */
uint64_t png_row_bytes(const png_header_t *h, uint32_t width);

/* Unfiltered data to RGBA8 (out: width * height * 4 bytes); 16-bit samples keep their high byte, like libpng's strip. */
int png_expand_rgba(const uint8_t *data, size_t length, const png_header_t *h, const png_colors_t *colors, uint8_t *out,
                    size_t out_len, char err[PNG_ERROR_SIZE]);

/* Unfiltered data of a palette image to one index byte per pixel (out: width * height bytes). */
int png_expand_indices(const uint8_t *data, size_t length, const png_header_t *h, uint8_t *out, size_t out_len,
                       char err[PNG_ERROR_SIZE]);

/*
 * Encoding: RGBA8 pixels (width * height * 4) to filtered PNG rows of `channels` (3: alpha dropped, 4) bytes per
 * pixel, each row preceded by the filter type that gives the smallest sum of absolute (signed) bytes, the
 * heuristic of libpng and Pillow. out: height * (1 + width * channels) bytes.
 */
int png_filter_rgba(const uint8_t *rgba, size_t rgba_len, uint32_t width, uint32_t height, int channels, uint8_t *out,
                    size_t out_len, char err[PNG_ERROR_SIZE]);

/*
 * Encoding palette tiles: the `w` × `h` rectangle at (x0, y0) of an index image (img_w × img_h) as PNG rows of
 * `depth`-bit samples with filter type 0, most significant bits first, pixels outside the image set to `fill`.
 * out: h * (1 + ceil(w * depth / 8)) bytes.
 */
int png_pack_indices(const uint8_t *indices, size_t indices_len, uint32_t img_w, uint32_t img_h, int64_t x0, int64_t y0,
                     uint32_t w, uint32_t h, uint8_t fill, int depth, uint8_t *out, size_t out_len,
                     char err[PNG_ERROR_SIZE]);

/*
 * The largest index in [x0, x1) × [y0, y1) of an index image and the number of horizontal neighbours that
 * differ (how well run-length compression will do). An empty rectangle gives 0 and 0.
 */
int png_index_stats(const uint8_t *indices, size_t indices_len, uint32_t img_w, uint32_t img_h, uint32_t x0, uint32_t y0,
                    uint32_t x1, uint32_t y1, uint32_t *max_index, uint64_t *changes, char err[PNG_ERROR_SIZE]);

#endif
