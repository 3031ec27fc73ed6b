/* The sub-images of a PNG: one for a plain image, seven Adam7 passes for an interlaced one (empty ones skipped). */
#ifndef KERNELS_PNG_PASSES_H
#define KERNELS_PNG_PASSES_H

#include "png.h"

typedef struct {
  uint32_t x0, y0, dx, dy; /* pixel (i, j) of the pass is pixel (x0 + i*dx, y0 + j*dy) of the image */
  uint32_t width, height;  /* 0 when the pass is empty (it then has no rows, not even filter bytes) */
} png_pass_t;

static const uint8_t PNG_ADAM7[7][4] = {
  {0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2},
};

static inline int png_pass_count(const png_header_t *h) { return h->interlace ? 7 : 1; }

static inline png_pass_t png_pass(const png_header_t *h, int pass) {
  png_pass_t p = {0, 0, 1, 1, h->width, h->height};
  if (!h->interlace) return p;
  p.x0 = PNG_ADAM7[pass][0];
  p.y0 = PNG_ADAM7[pass][1];
  p.dx = PNG_ADAM7[pass][2];
  p.dy = PNG_ADAM7[pass][3];
  p.width = h->width > p.x0 ? (h->width - p.x0 + p.dx - 1) / p.dx : 0;
  p.height = h->height > p.y0 ? (h->height - p.y0 + p.dy - 1) / p.dy : 0;
  if (!p.width || !p.height) p.width = p.height = 0;
  return p;
}

static inline int png_channels(uint8_t color_type) {
  switch (color_type) {
    case 0: case 3: return 1;
    case 4: return 2;
    case 2: return 3;
    case 6: return 4;
    default: return 0;
  }
}

#endif
