/* Watermark text blended onto tiles as MapProxy (Pillow) does it. */
#ifndef KERNELS_WATERMARK_H
#define KERNELS_WATERMARK_H

#include <stddef.h>
#include <stdint.h>

/*
 * Blends `color` onto the RGBA image (w × h, in place) through `coverage` (one byte per pixel: how much of the
 * pixel the text's glyphs cover), as MapProxy's WatermarkImage: Pillow draws the text with alpha `opacity` into
 * an empty RGBA layer (alpha = coverage·opacity/255) and pastes the layer onto the tile with its own alpha as
 * the mask, which blends every band, alpha included (an opaque tile becomes slightly transparent under the
 * text). With `blend_alpha` 0 the tile's alpha is left as it is (MapProxy converts RGB tiles back to RGB).
 */
void watermark_blend(uint8_t *rgba, const uint8_t *coverage, size_t pixels, const uint8_t color[3], uint8_t opacity,
                     int blend_alpha);

#endif
