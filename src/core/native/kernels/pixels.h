/* Whole-image pixel tests and fills on RGBA8 images (4 bytes per pixel, rows without padding). */
#ifndef KERNELS_PIXELS_H
#define KERNELS_PIXELS_H

#include <stddef.h>
#include <stdint.h>

/* 1 when some pixel's alpha is below 255. */
int px_has_transparency(const uint8_t *rgba, size_t pixels);
/* 1 when every pixel equals the first (n >= 1). */
int px_single_color(const uint8_t *rgba, size_t pixels);

#endif
