/*
 * Runs the quantizer outside Node on random images, rectangles and options, for AddressSanitizer/UBSan or
 * valgrind: every buffer is allocated at its exact size, and the results are checked (every index names an
 * entry, palettes have the promised length, the same call gives the same result).
 * Build and run: gcc -std=gnu11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
 *   src/core/native/kernels/quantize_tile.c src/core/native/kernels/quantize_octree.c \
 *   src/core/native/kernels/quantize_mediancut.c src/core/native/kernels/quantize-harness.c -o /tmp/qz-harness
 *   && /tmp/qz-harness [cases=300] [seed=1]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quantize.h"

static uint32_t state;
static uint32_t rnd(void) {
  state = state * 1664525u + 1013904223u;
  return state >> 8;
}

/* Images with few colours, many colours, runs, partial and no alpha: the shapes the quantizers branch on. */
static void fill(uint8_t *rgba, size_t n) {
  unsigned kind = rnd() % 4, palette = 1 + rnd() % 300;
  for (size_t i = 0; i < n; i++) {
    uint8_t *p = rgba + i * 4;
    uint32_t v = kind == 0 ? rnd() : kind == 1 ? (rnd() % palette) * 2654435761u : kind == 2 ? (uint32_t)(i / 7) * 40503u : (uint32_t)i;
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    unsigned a = rnd() % 4;
    p[3] = a == 0 ? 0 : a == 1 ? (uint8_t)(v >> 24) : 255;
  }
}

/* The rect copied out, transparent white outside the image (what qz_tile reads in place). */
static uint8_t *cut_copy(const uint8_t *rgba, int width, int height, qz_rect_t r) {
  uint8_t *out = malloc((size_t)r.width * r.height * 4);
  for (int ty = 0; ty < r.height; ty++)
    for (int tx = 0; tx < r.width; tx++) {
      int x = r.x + tx, y = r.y + ty;
      static const uint8_t outside[4] = {255, 255, 255, 0};
      const uint8_t *p = x >= 0 && y >= 0 && x < width && y < height ? rgba + ((size_t)y * width + x) * 4 : outside;
      memcpy(out + ((size_t)ty * r.width + tx) * 4, p, 4);
    }
  return out;
}

int main(int argc, char **argv) {
  int cases = argc > 1 ? atoi(argv[1]) : 300;
  state = argc > 2 ? (uint32_t)atoi(argv[2]) : 1;
  qz_work_t *w = qz_work_new();
  if (!w) return 2;
  for (int c = 0; c < cases; c++) {
    int width = 1 + rnd() % 300, height = 1 + rnd() % 300;
    if (c % 50 == 49) width = height = 400; /* more than 65536 colours: the median cut's coarser counting */
    size_t n = (size_t)width * height;
    uint8_t *rgba = malloc(n * 4);
    fill(rgba, n);
    qz_rect_t r = {(int)(rnd() % (width + 40)) - 20, (int)(rnd() % (height + 40)) - 20, 1 + rnd() % 280, 1 + rnd() % 280};
    if (c % 50 == 49) r = (qz_rect_t){0, 0, width, height};
    qz_options_t o = {1 + rnd() % 256, rnd() % 2 ? QZ_MEDIANCUT : QZ_FASTOCTREE, (int)(rnd() % 2), {rnd() & 255, rnd() & 255, rnd() & 255}};
    size_t tn = (size_t)r.width * r.height;
    uint8_t *indices = malloc(tn), *again = malloc(tn), palette[1024], palette2[1024];
    int entries = qz_tile(w, rgba, width, height, r, &o, palette, indices);
    int entries2 = qz_tile(w, rgba, width, height, r, &o, palette2, again);
    if (entries < 1 || entries > 256) {
      fprintf(stderr, "case %d: %d entries\n", c, entries);
      return 1;
    }
    if (entries != entries2 || memcmp(indices, again, tn) || memcmp(palette, palette2, (size_t)entries * 4)) {
      fprintf(stderr, "case %d: a second run differs\n", c);
      return 1;
    }
    /* Quantizing a copy of the rect (qz_pixels) gives what reading it in place does. */
    uint8_t *copy = cut_copy(rgba, width, height, r), palette3[1024];
    int entries3 = qz_pixels(w, copy, tn, &o, palette3, again);
    if (entries3 != entries || memcmp(indices, again, tn) || memcmp(palette, palette3, (size_t)entries * 4)) {
      fprintf(stderr, "case %d: the rect read in place differs from its copy\n", c);
      return 1;
    }
    free(copy);
    int expected = o.method == QZ_FASTOCTREE ? (int)o.colors : o.alpha ? 256 : -1;
    if (expected > 0 && entries != expected) {
      fprintf(stderr, "case %d: %d entries, expected %d\n", c, entries, expected);
      return 1;
    }
    for (size_t i = 0; i < tn; i++) {
      if (indices[i] >= entries) {
        fprintf(stderr, "case %d: index %d of %d entries\n", c, indices[i], entries);
        return 1;
      }
      if (!o.alpha && palette[indices[i] * 4 + 3] != 255) {
        fprintf(stderr, "case %d: an opaque target got a translucent pixel\n", c);
        return 1;
      }
    }
    free(rgba);
    free(indices);
    free(again);
  }
  /* Arguments a caller must never pass are refused, not read. */
  uint8_t px[4] = {0}, pal[1024], idx[1];
  qz_options_t bad = {0, QZ_FASTOCTREE, 1, {0, 0, 0}};
  if (qz_tile(w, px, 1, 1, (qz_rect_t){0, 0, 1, 1}, &bad, pal, idx) != -1) return 1;
  if (qz_tile(w, px, 1, 1, (qz_rect_t){0, 0, 0, 1}, &(qz_options_t){8, QZ_MEDIANCUT, 0, {0, 0, 0}}, pal, idx) != -1) return 1;
  qz_work_free(w);
  printf("quantize harness: %d cases clean\n", cases);
  return 0;
}
