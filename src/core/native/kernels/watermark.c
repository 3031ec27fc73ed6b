#include "watermark.h"

#include "simd.h"

/* Pillow's BLEND macro: in1 + (in2 - in1)·mask/255 with its rounding (Paste.c). */
static inline uint8_t blend(int mask, int in1, int in2) {
  int tmp = (in2 - in1) * mask + 128;
  return (uint8_t)(in1 + (((tmp >> 8) + tmp) >> 8));
}

TARGET_CLONES
void watermark_blend(uint8_t *rgba, const uint8_t *coverage, size_t pixels, const uint8_t color[3], uint8_t opacity,
                     int blend_alpha) {
  for (size_t i = 0; i < pixels; i++) {
    if (!coverage[i]) continue;
    /* the layer's alpha where the glyphs cover the pixel; its colour is the full text colour (fill_mask_L) */
    int a = blend(coverage[i], 0, opacity);
    if (!a) continue;
    uint8_t *p = rgba + i * 4;
    p[0] = blend(a, p[0], color[0]);
    p[1] = blend(a, p[1], color[1]);
    p[2] = blend(a, p[2], color[2]);
    if (blend_alpha) p[3] = blend(a, p[3], a);
  }
}
