#include "meta_tiles.h"

#include <stdio.h>
#include <stdlib.h>

#include "inflate.h"
#include "quantize_png.h"
#include "thread_scratch.h"

/*
 * Inflates and checks the image into the thread's work memory (rows ready to be decoded as needed): 1, 0 (not
 * taken) or -1 as meta_tiles_png.
 */
static int decode(const meta_png_t *png, png_rows_t *rows, char err[PNG_ERROR_SIZE]) {
  const png_header_t *h = &png->header;
  if (png_check_header(h, err)) return -1;
  uint64_t data_len = png_data_size(h), rgba_len = (uint64_t)h->width * h->height * 4;
  if (!inflate_could_fill(png->compressed_len, data_len)) return 0;
  if (data_len + rgba_len + h->height > SIZE_MAX) {
    snprintf(err, PNG_ERROR_SIZE, "a %ux%u image is too big for this machine", h->width, h->height);
    return -1;
  }
  /* The thread's scratch (thread_scratch.h): a fresh 6 to 10 MB per meta tile cost a page fault per 4 KiB. */
  uint8_t *memory = thread_scratch((size_t)(data_len + rgba_len + h->height));
  if (!memory) {
    snprintf(err, PNG_ERROR_SIZE, "out of memory");
    return -1;
  }
  *rows = (png_rows_t){.h = h, .colors = &png->colors, .data = memory, .data_len = (size_t)data_len,
                       .out = memory + data_len, .out_len = (size_t)rgba_len, .expanded = memory + data_len + rgba_len};
  return png_rows_inflate(rows, png->compressed, png->compressed_len, err);
}

/* The asked indices are distinct and in range: 0, or -1 with a message. */
static int check_asked(const meta_asked_t *asked, size_t n, uint8_t *seen, char err[PNG_ERROR_SIZE]) {
  if (asked->n > n || (asked->n && !asked->indices)) {
    snprintf(err, PNG_ERROR_SIZE, "%zu tiles asked of %zu", asked->n, n);
    return -1;
  }
  for (size_t k = 0; k < asked->n; k++) {
    size_t i = asked->indices[k];
    if (i >= n || seen[i]) {
      snprintf(err, PNG_ERROR_SIZE, "asked tile %zu is not one of the %zu or asked twice", i, n);
      return -1;
    }
    seen[i] = 1;
  }
  return 0;
}

/* Tile i, from the rows it covers (decoded now if not yet). */
static int write_tile(png_rows_t *rows, const qz_rect_t *rects, size_t i, const qz_options_t *opts, uint8_t **pngs,
                      size_t *lens, char err[PNG_ERROR_SIZE]) {
  const png_header_t *h = rows->h;
  char why[PNG_ERROR_SIZE];
  if (png_rows_ready(rows, rects[i].y, (int64_t)rects[i].y + rects[i].height, err)) return -1;
  if (!qz_png_tile(rows->out, (int)h->width, (int)h->height, rects[i], opts, &pngs[i], &lens[i], why)) return 0;
  snprintf(err, PNG_ERROR_SIZE, "tile %zu: %.120s", i, why);
  return -1;
}

/*
 * The asked tiles from their rows only, then (after telling) the others, once every row is decoded; 0 or -1 with a
 * message.
 */
static int write_tiles(png_rows_t *rows, const qz_rect_t *rects, size_t n, const meta_asked_t *asked,
                       const uint8_t *seen, const qz_options_t *opts, uint8_t **pngs, size_t *lens,
                       char err[PNG_ERROR_SIZE]) {
  size_t n_asked = asked ? asked->n : 0;
  for (size_t k = 0; k < n_asked; k++)
    if (write_tile(rows, rects, asked->indices[k], opts, pngs, lens, err)) return -1;
  if (n_asked && asked->ready) asked->ready(asked->context, asked->indices, n_asked, pngs, lens);
  if (png_rows_ready(rows, 0, rows->h->height, err)) return -1;
  for (size_t i = 0; i < n; i++)
    if (!(seen && seen[i]) && write_tile(rows, rects, i, opts, pngs, lens, err)) return -1;
  return 0;
}

int meta_tiles_png(const meta_png_t *png, const qz_rect_t *rects, size_t n, const meta_asked_t *asked,
                   const qz_options_t *opts, uint8_t **pngs, size_t *lens, char err[PNG_ERROR_SIZE]) {
  const png_header_t *h = &png->header;
  /* qz_tile works in int coordinates. */
  if (h->width > INT32_MAX || h->height > INT32_MAX) {
    snprintf(err, PNG_ERROR_SIZE, "a %ux%u image", h->width, h->height);
    return -1;
  }
  uint8_t *seen = NULL;
  if (asked && asked->n) {
    seen = calloc(n ? n : 1, 1);
    if (!seen) {
      snprintf(err, PNG_ERROR_SIZE, "out of memory");
      return -1;
    }
    if (check_asked(asked, n, seen, err)) {
      free(seen);
      return -1;
    }
  }
  png_rows_t rows;
  int status = decode(png, &rows, err);
  if (status == 1 && write_tiles(&rows, rects, n, asked, seen, opts, pngs, lens, err)) status = -1;
  free(seen);
  thread_scratch_trim();
  qz_thread_trim();
  return status;
}
