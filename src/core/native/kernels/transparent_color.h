/* `image.transparent_color` of WMS sources: one colour made transparent (MapProxy's make_transparent). */
#ifndef KERNELS_TRANSPARENT_COLOR_H
#define KERNELS_TRANSPARENT_COLOR_H

#include <stddef.h>
#include <stdint.h>

/*
 * Sets the alpha of every RGBA pixel whose red, green and blue each lie within `tolerance` of `color` to 0, and
 * leaves every other pixel alone: Pillow's per-channel masks multiplied, inverted and multiplied with the old
 * alpha (255 · a / 255 = a). `pixels` pixels of 4 bytes at `rgba`.
 */
void tc_make_transparent(uint8_t *rgba, size_t pixels, const uint8_t color[3], int tolerance);

#endif
