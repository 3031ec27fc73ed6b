#include "quantize.h"

#include <stdlib.h>
#include <string.h>

#include "quantize_mediancut.h"
#include "quantize_octree.h"
#include "simd.h"

struct qz_work {
  qz_octree_scratch_t *octree;
  uint8_t *pixels; /* the tile being quantized by median cut, RGBA (FASTOCTREE reads it in place) */
  size_t capacity; /* pixels it has room for */
};

qz_work_t *qz_work_new(void) {
  qz_work_t *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  w->octree = qz_octree_scratch_new();
  if (!w->octree) {
    free(w);
    return NULL;
  }
  return w;
}

void qz_work_trim(qz_work_t *w, size_t max_bytes) {
  if (w->capacity * 4 <= max_bytes) return;
  free(w->pixels);
  w->pixels = NULL;
  w->capacity = 0;
}

void qz_work_free(qz_work_t *w) {
  if (!w) return;
  qz_octree_scratch_free(w->octree);
  free(w->pixels);
  free(w);
}

/* Branch-free so that it vectorizes: for alpha 255 the sum rounds back to the pixel itself. */
static inline void flatten_run(uint8_t *rgba, size_t pixels, const uint8_t background[3]) {
  for (size_t i = 0; i < pixels; i++) {
    uint8_t *p = rgba + i * 4;
    uint16_t a = p[3], rest = 255 - a;
    for (int k = 0; k < 3; k++) p[k] = (uint8_t)((uint16_t)(p[k] * a + background[k] * rest + 127) / 255);
    p[3] = 255;
  }
}

/* Pixels per block that is skipped when wholly opaque: the maps of opaque caches are, nearly everywhere. */
#define FLATTEN_BLOCK 32

TARGET_CLONES
void qz_flatten(uint8_t *rgba, size_t pixels, const uint8_t background[3]) {
  size_t i = 0;
  for (; i + FLATTEN_BLOCK <= pixels; i += FLATTEN_BLOCK) {
    uint8_t *block = rgba + i * 4;
    uint8_t opaque = 255;
    for (int k = 0; k < FLATTEN_BLOCK; k++) opaque &= block[k * 4 + 3];
    if (opaque != 255) flatten_run(block, FLATTEN_BLOCK, background);
  }
  flatten_run(rgba + i * 4, pixels - i, background);
}

/* The rectangle's pixels, transparent white where it leaves the image (MapProxy pastes the crop on such a canvas). */
static void cut(uint8_t *out, const uint8_t *rgba, int width, int height, qz_rect_t r) {
  static const uint8_t outside[4] = {255, 255, 255, 0};
  for (int ty = 0; ty < r.height; ty++) {
    uint8_t *row = out + (size_t)ty * r.width * 4;
    int y = r.y + ty;
    int x0 = r.x < 0 ? -r.x : 0;                              /* first column inside */
    int x1 = r.x + r.width > width ? width - r.x : r.width; /* past the last column inside */
    if (y < 0 || y >= height || x0 >= x1) {
      for (int tx = 0; tx < r.width; tx++) memcpy(row + tx * 4, outside, 4);
      continue;
    }
    for (int tx = 0; tx < x0; tx++) memcpy(row + tx * 4, outside, 4);
    memcpy(row + (size_t)x0 * 4, rgba + ((size_t)y * width + r.x + x0) * 4, (size_t)(x1 - x0) * 4);
    for (int tx = x1; tx < r.width; tx++) memcpy(row + tx * 4, outside, 4);
  }
}

/* The rect read in place, settled as MapProxy's quantize() takes it: flattened for an opaque target, else unified. */
static qz_source_t source_of(const uint8_t *rgba, size_t pitch, int width, int height, qz_rect_t r, const qz_options_t *o) {
  qz_source_t s = {rgba, pitch, width, height, r.x, r.y, r.width, r.height, o->alpha ? QZ_UNIFY_TRANSPARENT : QZ_FLATTEN,
                   {o->background[0], o->background[1], o->background[2]}};
  return s;
}

/* Pillow's median cut of `n` pixels the caller gives up (flattened or cut already), with MapProxy's alpha handling. */
static int mediancut(uint8_t *px, size_t n, const qz_options_t *o, uint8_t *palette, uint8_t *indices) {
  if (!o->alpha) {
    qz_flatten(px, n, o->background);
    return qz_mediancut(px, n, o->colors, palette, indices);
  }
  /* MapProxy: colors - 1 entries for the RGB pixels, then index 255 (transparent) where alpha <= 128. */
  int entries = qz_mediancut(px, n, o->colors > 1 ? o->colors - 1 : 1, palette, indices);
  if (entries < 0) return -1;
  for (size_t i = 0; i < n; i++)
    if (px[i * 4 + 3] <= 128) indices[i] = 255;
  for (int e = entries; e < 256; e++) {
    static const uint8_t unused[4] = {0, 0, 0, 255};
    memcpy(palette + e * 4, unused, 4);
  }
  palette[255 * 4 + 3] = 0;
  return 256;
}

int qz_tile(qz_work_t *w, const uint8_t *rgba, int width, int height, qz_rect_t rect, const qz_options_t *o,
            uint8_t *palette, uint8_t *indices) {
  if (!w || width < 1 || height < 1 || rect.width < 1 || rect.height < 1 || o->colors < 1 || o->colors > 256) return -1;
  if ((uint64_t)rect.width * (uint64_t)rect.height > (uint64_t)INT32_MAX) return -1;
  /* Coordinates in int arithmetic below: keep sums far from overflow. */
  if (rect.x < -(1 << 28) || rect.y < -(1 << 28) || rect.x > (1 << 28) || rect.y > (1 << 28) || rect.width > (1 << 28) ||
      rect.height > (1 << 28))
    return -1;
  if (o->method == QZ_FASTOCTREE) {
    qz_source_t src = source_of(rgba, (size_t)width * 4, width, height, rect, o);
    return qz_octree(w->octree, &src, o->colors, o->alpha, palette, indices) ? -1 : (int)o->colors;
  }
  size_t n = (size_t)rect.width * rect.height;
  if (n > w->capacity) {
    uint8_t *bigger = realloc(w->pixels, n * 4);
    if (!bigger) return -1;
    w->pixels = bigger;
    w->capacity = n;
  }
  cut(w->pixels, rgba, width, height, rect);
  return mediancut(w->pixels, n, o, palette, indices);
}

int qz_pixels(qz_work_t *w, uint8_t *px, size_t n, const qz_options_t *o, uint8_t *palette, uint8_t *indices) {
  if (!w || n < 1 || n > (size_t)INT32_MAX || o->colors < 1 || o->colors > 256) return -1;
  if (o->method == QZ_FASTOCTREE) {
    qz_source_t src = source_of(px, n * 4, (int)n, 1, (qz_rect_t){0, 0, (int)n, 1}, o);
    return qz_octree(w->octree, &src, o->colors, o->alpha, palette, indices) ? -1 : (int)o->colors;
  }
  return mediancut(px, n, o, palette, indices);
}
