#include "warp_png.h"

#include <stdio.h>

#include "quantize_png.h"
#include "resample_filters.h"
#include "thread_scratch.h"
#include "warp_axes.h"

int warp_mosaic_needs_window(const warp_sampling_t *s) { return !(s->xs && s->method == RESAMPLE_BICUBIC); }

int warp_mosaic(const compose_mosaic_t *m, uint8_t *window, uint8_t *dst, int dw, int dh, const warp_sampling_t *s) {
  if (!warp_mosaic_needs_window(s)) {
    /* Each source row composed, premultiplied and filtered while in cache; the window needs no memory. */
    rf_rows_t rows = {compose_mosaic_row, (void *)m, m->ww, m->wh};
    return warp_axes_bicubic_rows(&rows, dst, dw, dh, s->xs, s->ys);
  }
  compose_window(m->tiles, m->cols, m->rows, m->tw, m->th, m->wx, m->wy, m->ww, m->wh, m->background, window);
  rf_image_t src = {window, m->ww, m->wh};
  return warp_fill(&src, dst, dw, dh, s);
}

int warp_png(const compose_mosaic_t *m, int width, int height, const warp_sampling_t *s, const qz_options_t *opts,
             uint8_t **png, size_t *len, char err[PNG_ERROR_SIZE]) {
  *png = NULL;
  *len = 0;
  if (check_map_size(width, height, err)) return -1;
  if (m->ww < 1 || m->wh < 1 || m->ww > IMAGE_MAX_SIDE || m->wh > IMAGE_MAX_SIDE) {
    snprintf(err, PNG_ERROR_SIZE, "a window of %dx%d pixels", m->ww, m->wh);
    return -1;
  }
  /* Both below 2^34 bytes (sides up to IMAGE_MAX_SIDE): their sum fits a 64-bit size_t; a 32-bit one is checked. */
  uint64_t map_bytes = (uint64_t)width * (uint64_t)height * 4;
  uint64_t window_bytes = warp_mosaic_needs_window(s) ? (uint64_t)m->ww * (uint64_t)m->wh * 4 : 0;
  uint8_t *pixels = map_bytes + window_bytes <= SIZE_MAX ? thread_scratch((size_t)(map_bytes + window_bytes)) : NULL;
  if (!pixels) {
    snprintf(err, PNG_ERROR_SIZE, "out of memory");
    return -1;
  }
  int rc = warp_mosaic(m, pixels + map_bytes, pixels, width, height, s);
  if (rc) snprintf(err, PNG_ERROR_SIZE, "out of memory");
  else rc = qz_png_pixels(pixels, width, height, opts, png, len, err);
  thread_scratch_trim();
  qz_thread_trim();
  return rc;
}
