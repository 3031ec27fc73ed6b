#include "composite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simd.h"

/* Pillow's SHIFTFORDIV255 on a value that already carries its rounding term. */
static inline uint32_t div255_rounded(uint32_t v) {
  return ((v >> 8) + v) >> 8;
}

#define ALPHA_PRECISION 7

/* Image.alpha_composite of one straight RGBA pixel over another (AlphaComposite.c, integer version). */
static inline void alpha_composite_px(uint8_t *d, const uint8_t *s, uint32_t sa) {
  if (sa == 0) return;
  uint32_t blend = d[3] * (255 - sa);
  uint32_t outa255 = sa * 255 + blend;
  uint32_t coef1 = sa * 255 * 255 * (1u << ALPHA_PRECISION) / outa255;
  uint32_t coef2 = 255 * (1u << ALPHA_PRECISION) - coef1;
  for (int k = 0; k < 3; k++) {
    uint32_t t = s[k] * coef1 + d[k] * coef2;
    d[k] = (uint8_t)(div255_rounded(t + (0x80u << ALPHA_PRECISION)) >> ALPHA_PRECISION);
  }
  d[3] = (uint8_t)div255_rounded(outa255 + 0x80);
}

TARGET_CLONES
static void composite_rgba(uint8_t *canvas, size_t cpitch, const uint8_t *layer, size_t lpitch, int w, int h, uint32_t factor) {
  for (int y = 0; y < h; y++) {
    uint8_t *d = canvas + y * cpitch;
    const uint8_t *s = layer + y * lpitch;
    for (int x = 0; x < w; x++, d += 4, s += 4) {
      uint32_t sa = s[3];
      if (sa == 0) continue;
      /* ImageChops.multiply of the alpha band with a constant: a·c/255, truncated. */
      if (factor != 255) sa = sa * factor / 255;
      if (sa == 255) {
        memcpy(d, s, 3);
        d[3] = 255;
      } else {
        alpha_composite_px(d, s, sa);
      }
    }
  }
}

/* Image.blend(canvas, layer as RGB, opacity): per channel in single precision, truncated (Blend.c). */
TARGET_CLONES
static void blend_rgb(uint8_t *canvas, size_t cpitch, const uint8_t *layer, size_t lpitch, int w, int h, float alpha) {
  for (int y = 0; y < h; y++) {
    uint8_t *d = canvas + y * cpitch;
    const uint8_t *s = layer + y * lpitch;
    for (int x = 0; x < w; x++, d += 4, s += 4)
      for (int k = 0; k < 3; k++) d[k] = (uint8_t)((float)d[k] + alpha * (float)((int)s[k] - (int)d[k]));
  }
}

/* canvas.paste(layer, (0, 0), layer): the layer's alpha as mask, BLEND with rounding division (Paste.c). */
TARGET_CLONES
static void paste_masked(uint8_t *canvas, size_t cpitch, const uint8_t *layer, size_t lpitch, int w, int h) {
  for (int y = 0; y < h; y++) {
    uint8_t *d = canvas + y * cpitch;
    const uint8_t *s = layer + y * lpitch;
    for (int x = 0; x < w; x++, d += 4, s += 4) {
      uint32_t a = s[3];
      if (a == 0) continue;
      if (a == 255) {
        memcpy(d, s, 3);
        continue;
      }
      for (int k = 0; k < 3; k++) d[k] = (uint8_t)div255_rounded(d[k] * (255 - a) + s[k] * a + 128);
    }
  }
}

void composite_over(uint8_t *canvas, int cw, int ch, const rf_image_t *layer, double opacity, int canvas_opaque) {
  if (!(opacity > 0)) opacity = 0;
  if (opacity > 1) opacity = 1;
  int w = cw < layer->width ? cw : layer->width;
  int h = ch < layer->height ? ch : layer->height;
  size_t cp = (size_t)cw * 4, lp = (size_t)layer->width * 4;
  if (!canvas_opaque) composite_rgba(canvas, cp, layer->rgba, lp, w, h, (uint32_t)(255 * opacity));
  else if (opacity < 1) blend_rgb(canvas, cp, layer->rgba, lp, w, h, (float)opacity);
  else paste_masked(canvas, cp, layer->rgba, lp, w, h);
}
