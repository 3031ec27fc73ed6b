#include "mosaic_png.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quantize_png.h"
#include "resample.h"
#include "thread_scratch.h"

/* MapProxy's crop canvas: a transparent image of the default background, white. */
static const uint8_t OUTSIDE[4] = {255, 255, 255, 0};

static int inside_window(const compose_mosaic_t *m, int x, int y, int width, int height) {
  return x >= 0 && y >= 0 && (long)x + width <= m->ww && (long)y + height <= m->wh;
}

static void compose_all(const compose_mosaic_t *m, uint8_t *window) {
  compose_window(m->tiles, m->cols, m->rows, m->tw, m->th, m->wx, m->wy, m->ww, m->wh, m->background, window);
}

/* The crop of the window (composed into `window` unless the crop lies inside it) at (x, y) into `out`. */
static void crop(const compose_mosaic_t *m, int x, int y, int width, int height, uint8_t *window, uint8_t *out) {
  if (inside_window(m, x, y, width, height)) {
    /* The same pixels as composing the window and cutting them out, without the window. */
    compose_window(m->tiles, m->cols, m->rows, m->tw, m->th, m->wx + x, m->wy + y, width, height, m->background, out);
    return;
  }
  compose_all(m, window);
  for (size_t i = 0; i < (size_t)width * height; i++) memcpy(out + i * 4, OUTSIDE, 4);
  long x0 = x > 0 ? x : 0, y0 = y > 0 ? y : 0;
  long x1 = (long)x + width < m->ww ? (long)x + width : m->ww, y1 = (long)y + height < m->wh ? (long)y + height : m->wh;
  for (long wy = y0; x1 > x0 && wy < y1; wy++)
    memcpy(out + ((size_t)(wy - y) * width + (size_t)(x0 - x)) * 4, window + ((size_t)wy * m->ww + x0) * 4, (size_t)(x1 - x0) * 4);
}

int mosaic_png(const compose_mosaic_t *m, int width, int height, const mosaic_map_t *map, const qz_options_t *opts,
               uint8_t **png, size_t *len, char err[PNG_ERROR_SIZE]) {
  *png = NULL;
  *len = 0;
  if (check_map_size(width, height, err)) return -1;
  size_t map_bytes = (size_t)width * height * 4;
  /* Bicubic (MapProxy's default) reads the window a row at a time as it samples it: the window is never drawn
   * whole, so its pixels stay in the cache between composing and filtering and need no memory of their own. */
  int by_rows = !map->crop && map->method == RESAMPLE_BICUBIC;
  int need_window = !by_rows && (!map->crop || !inside_window(m, map->x, map->y, width, height));
  uint8_t *pixels = thread_scratch(map_bytes + (need_window ? (size_t)m->ww * m->wh * 4 : 0));
  if (!pixels) {
    snprintf(err, PNG_ERROR_SIZE, "out of memory");
    return -1;
  }
  uint8_t *window = pixels + map_bytes;
  if (map->crop) {
    crop(m, map->x, map->y, width, height, window, pixels);
  } else {
    rf_rows_t rows = {compose_mosaic_row, (void *)m, m->ww, m->wh};
    rf_image_t src = {window, m->ww, m->wh};
    if (!by_rows) compose_all(m, window);
    if (by_rows ? resample_extent_bicubic_rows(&rows, pixels, width, height, map->extent)
                : resample_extent(&src, pixels, width, height, map->extent, map->method)) {
      thread_scratch_trim();
      snprintf(err, PNG_ERROR_SIZE, "out of memory");
      return -1;
    }
  }
  int rc = qz_png_pixels(pixels, width, height, opts, png, len, err);
  thread_scratch_trim();
  qz_thread_trim();
  return rc;
}
