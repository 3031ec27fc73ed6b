#include "meta_tiles.h"

#include <stdio.h>
#include <stdlib.h>

#include "inflate.h"
#include "quantize_png.h"
#include "thread_scratch.h"

/* Decodes into the thread's work memory: 1 with *rgba set, 0 (not taken) or -1 as meta_tiles_png. */
static int decode(const meta_png_t *png, uint8_t **rgba, char err[PNG_ERROR_SIZE]) {
  const png_header_t *h = &png->header;
  if (png_check_header(h, err)) return -1;
  uint64_t data_len = png_data_size(h), rgba_len = (uint64_t)h->width * h->height * 4;
  if (!inflate_could_fill(png->compressed_len, data_len)) return 0;
  if (data_len + rgba_len > SIZE_MAX) {
    snprintf(err, PNG_ERROR_SIZE, "a %ux%u image is too big for this machine", h->width, h->height);
    return -1;
  }
  /* The thread's scratch (thread_scratch.h): a fresh 6 to 10 MB per meta tile cost a page fault per 4 KiB. */
  uint8_t *memory = thread_scratch((size_t)(data_len + rgba_len));
  if (!memory) {
    snprintf(err, PNG_ERROR_SIZE, "out of memory");
    return -1;
  }
  *rgba = memory + data_len;
  return png_inflate_rgba(png->compressed, png->compressed_len, h, &png->colors, memory, (size_t)data_len, *rgba,
                          (size_t)rgba_len, err);
}

int meta_tiles_png(const meta_png_t *png, const qz_rect_t *rects, size_t n, const qz_options_t *opts, uint8_t **pngs,
                   size_t *lens, char err[PNG_ERROR_SIZE]) {
  const png_header_t *h = &png->header;
  /* qz_tile works in int coordinates. */
  if (h->width > INT32_MAX || h->height > INT32_MAX) {
    snprintf(err, PNG_ERROR_SIZE, "a %ux%u image", h->width, h->height);
    return -1;
  }
  uint8_t *rgba = NULL;
  int status = decode(png, &rgba, err);
  if (status == 1 && qz_png_tiles(rgba, (int)h->width, (int)h->height, rects, n, opts, pngs, lens, err)) status = -1;
  thread_scratch_trim();
  qz_thread_trim();
  return status;
}
