/* Layers drawn over a canvas as MapProxy's LayerMerger does with Pillow (merge.py). */
#ifndef KERNELS_COMPOSITE_H
#define KERNELS_COMPOSITE_H

#include <stdint.h>

#include "resample_filters.h"

/*
 * Draws `layer` over `canvas` in place, top-left aligned, cut to the smaller of both, with the layer's alpha
 * scaled by `opacity` (0..1). A transparent canvas (RGBA in MapProxy) gets Pillow's alpha_composite of the layer
 * whose alpha was multiplied by int(255·opacity)/255. An opaque canvas (RGB) gets, below full opacity,
 * Image.blend with the layer's colours, which ignores the layer's alpha as MapProxy does, and otherwise a paste
 * through the layer's alpha; it stays opaque.
 */
void composite_over(uint8_t *canvas, int cw, int ch, const rf_image_t *layer, double opacity, int canvas_opaque);

#endif
