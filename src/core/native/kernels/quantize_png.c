#include "quantize_png.h"

#include <stdio.h>
#include <stdlib.h>

#include "png-indexed.h"
#include "resample_filters.h"

static _Thread_local qz_work_t *thread_work;
static _Thread_local png_deflater_t *thread_deflater;
static _Thread_local uint8_t *thread_indices;
static _Thread_local size_t thread_indices_capacity;

/* What a thread keeps after a job beyond its fixed state: one 512×512 image's worth, a meta tile's tile. */
#define KEEP_BYTES (1 << 20)

int check_map_size(int width, int height, char err[PNG_ERROR_SIZE]) {
  if (width >= 1 && height >= 1 && width <= IMAGE_MAX_SIDE && height <= IMAGE_MAX_SIDE &&
      (uint64_t)width * (uint64_t)height <= PNG_MAX_PIXELS)
    return 0;
  snprintf(err, PNG_ERROR_SIZE, "a map of %dx%d pixels", width, height);
  return -1;
}

qz_work_t *qz_thread_work(void) {
  if (!thread_work) thread_work = qz_work_new();
  return thread_work;
}

void qz_thread_trim(void) {
  if (thread_work) qz_work_trim(thread_work, KEEP_BYTES);
  if (thread_deflater) png_deflater_trim(thread_deflater, KEEP_BYTES);
  if (thread_indices_capacity > KEEP_BYTES) {
    free(thread_indices);
    thread_indices = NULL;
    thread_indices_capacity = 0;
  }
}

/* The thread's deflater and room for `n` indices, or -1 with a message. */
static int ready(size_t n, char err[PNG_ERROR_SIZE]) {
  if (!thread_deflater) thread_deflater = png_deflater_new();
  if (!thread_deflater || !qz_thread_work()) {
    snprintf(err, PNG_ERROR_SIZE, "out of memory");
    return -1;
  }
  if (n > thread_indices_capacity) {
    uint8_t *bigger = realloc(thread_indices, n);
    if (!bigger) {
      snprintf(err, PNG_ERROR_SIZE, "out of memory");
      return -1;
    }
    thread_indices = bigger;
    thread_indices_capacity = n;
  }
  return 0;
}

static int write_png(int entries, uint32_t w, uint32_t h, const uint8_t palette[1024], uint8_t **png, size_t *len,
                 char err[PNG_ERROR_SIZE]) {
  if (entries < 0) {
    snprintf(err, PNG_ERROR_SIZE, "out of memory");
    return -1;
  }
  return png_write_indexed(thread_deflater, thread_indices, (size_t)w * h, w, h, palette, (unsigned)entries, png, len, err);
}

int qz_png_tile(const uint8_t *rgba, int width, int height, qz_rect_t rect, const qz_options_t *opts, uint8_t **png,
                size_t *len, char err[PNG_ERROR_SIZE]) {
  *png = NULL;
  *len = 0;
  if (rect.width < 1 || rect.height < 1) {
    snprintf(err, PNG_ERROR_SIZE, "a %dx%d tile", rect.width, rect.height);
    return -1;
  }
  if (ready((size_t)rect.width * (size_t)rect.height, err)) return -1;
  uint8_t palette[1024];
  int entries = qz_tile(thread_work, rgba, width, height, rect, opts, palette, thread_indices);
  return write_png(entries, (uint32_t)rect.width, (uint32_t)rect.height, palette, png, len, err);
}

int qz_png_tiles(const uint8_t *rgba, int width, int height, const qz_rect_t *rects, size_t n, const qz_options_t *opts,
                 uint8_t **pngs, size_t *lens, char err[PNG_ERROR_SIZE]) {
  for (size_t i = 0; i < n; i++) {
    char why[PNG_ERROR_SIZE];
    if (qz_png_tile(rgba, width, height, rects[i], opts, &pngs[i], &lens[i], why)) {
      snprintf(err, PNG_ERROR_SIZE, "tile %zu: %.120s", i, why);
      return -1;
    }
  }
  return 0;
}

int qz_png_pixels(uint8_t *rgba, int width, int height, const qz_options_t *opts, uint8_t **png, size_t *len,
                  char err[PNG_ERROR_SIZE]) {
  *png = NULL;
  *len = 0;
  if (width < 1 || height < 1) {
    snprintf(err, PNG_ERROR_SIZE, "a %dx%d image", width, height);
    return -1;
  }
  size_t n = (size_t)width * (size_t)height;
  if (ready(n, err)) return -1;
  uint8_t palette[1024];
  int entries = qz_pixels(thread_work, rgba, n, opts, palette, thread_indices);
  return write_png(entries, (uint32_t)width, (uint32_t)height, palette, png, len, err);
}
