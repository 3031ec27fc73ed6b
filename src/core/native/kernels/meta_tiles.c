#include "meta_tiles.h"

#include <stdio.h>
#include <stdlib.h>

#include "inflate.h"
#include "quantize_png.h"
#include "thread_scratch.h"

/* The most image rows one rect covers (at least 1): the window a tile is cut from (inflate.h's png_rows_t). */
static uint32_t window_rows(const png_header_t *h, const qz_rect_t *rects, size_t n) {
  if (h->interlace) return h->height;
  int64_t most = 1;
  for (size_t i = 0; i < n; i++) {
    int64_t y0 = rects[i].y < 0 ? 0 : rects[i].y, y1 = (int64_t)rects[i].y + rects[i].height;
    if (y1 > (int64_t)h->height) y1 = h->height;
    if (y1 - y0 > most) most = y1 - y0;
  }
  return (uint32_t)most;
}

/*
 * Inflates and checks the image into the thread's work memory (rows ready to be decoded a window at a time): 1, 0
 * (not taken) or -1 as meta_tiles_png.
 */
static int decode(const meta_png_t *png, const qz_rect_t *rects, size_t n, png_rows_t *rows,
                  char err[PNG_ERROR_SIZE]) {
  const png_header_t *h = &png->header;
  if (png_check_header(h, err)) return -1;
  uint32_t window = window_rows(h, rects, n);
  uint64_t data_len = png_data_size(h), window_len = (uint64_t)h->width * window * 4;
  if (!inflate_could_fill(png->compressed_len, data_len)) return 0;
  if (data_len + window_len > SIZE_MAX) {
    snprintf(err, PNG_ERROR_SIZE, "a %ux%u image is too big for this machine", h->width, h->height);
    return -1;
  }
  /* The thread's scratch (thread_scratch.h): a fresh 6 to 10 MB per meta tile cost a page fault per 4 KiB. */
  uint8_t *memory = thread_scratch((size_t)(data_len + window_len));
  if (!memory) {
    snprintf(err, PNG_ERROR_SIZE, "out of memory");
    return -1;
  }
  *rows = (png_rows_t){.h = h, .colors = &png->colors, .data = memory, .data_len = (size_t)data_len,
                       .window = memory + data_len, .window_rows = window};
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

/*
 * Tile i, from the window of rows it covers (decoded now unless the window holds them): the rect moved into the
 * window's rows, and one that misses the image's rows (all transparent) kept clear of the window.
 */
static int write_tile(png_rows_t *rows, const qz_rect_t *rects, size_t i, const qz_options_t *opts, uint8_t **pngs,
                      size_t *lens, char err[PNG_ERROR_SIZE]) {
  const png_header_t *h = rows->h;
  qz_rect_t rect = rects[i];
  int64_t y0 = rect.y < 0 ? 0 : rect.y, y1 = (int64_t)rect.y + rect.height;
  if (y1 > (int64_t)h->height) y1 = h->height;
  if (png_rows_window(rows, y0 < y1 ? y0 : 0, y0 < y1 ? y1 : 1, err)) return -1;
  int window_height = (int)(rows->window_y1 - rows->window_y0);
  if (y0 < y1)
    rect.y = (int)(rect.y - (int64_t)rows->window_y0); /* rect.y < 0 only with the window at row 0 */
  else if (rect.y > 0)
    rect.y = window_height; /* below the image: below the window */
  char why[PNG_ERROR_SIZE];
  if (!qz_png_tile(rows->window, (int)h->width, window_height, rect, opts, &pngs[i], &lens[i], why)) return 0;
  snprintf(err, PNG_ERROR_SIZE, "tile %zu: %.120s", i, why);
  return -1;
}

/* A tile to write and its rect's first row: ordered by row, the tiles of one band of rows share one window. */
typedef struct {
  int y;
  size_t i;
} tile_row_t;

static int by_row(const void *a, const void *b) {
  const tile_row_t *p = a, *q = b;
  if (p->y != q->y) return p->y < q->y ? -1 : 1;
  return (p->i > q->i) - (p->i < q->i);
}

/*
 * The asked tiles first, then (after telling) the others, band by band of rows; 0 or -1 with a message.
 */
static int write_tiles(png_rows_t *rows, const qz_rect_t *rects, size_t n, const meta_asked_t *asked,
                       const uint8_t *seen, const qz_options_t *opts, uint8_t **pngs, size_t *lens,
                       char err[PNG_ERROR_SIZE]) {
  size_t n_asked = asked ? asked->n : 0;
  for (size_t k = 0; k < n_asked; k++)
    if (write_tile(rows, rects, asked->indices[k], opts, pngs, lens, err)) return -1;
  if (n_asked && asked->ready) asked->ready(asked->context, asked->indices, n_asked, pngs, lens);
  tile_row_t *order = malloc((n ? n : 1) * sizeof *order);
  size_t m = 0;
  if (!order) {
    snprintf(err, PNG_ERROR_SIZE, "out of memory");
    return -1;
  }
  for (size_t i = 0; i < n; i++)
    if (!(seen && seen[i])) order[m++] = (tile_row_t){.y = rects[i].y, .i = i};
  qsort(order, m, sizeof *order, by_row);
  int status = 0;
  for (size_t k = 0; k < m && !status; k++) status = write_tile(rows, rects, order[k].i, opts, pngs, lens, err);
  free(order);
  return status;
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
  int status = decode(png, rects, n, &rows, err);
  if (status == 1 && write_tiles(&rows, rects, n, asked, seen, opts, pngs, lens, err)) status = -1;
  free(seen);
  thread_scratch_trim();
  qz_thread_trim();
  return status;
}
