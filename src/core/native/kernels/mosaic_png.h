/*
 * A map drawn from a mosaic window (compose.h) and written as a paletted PNG (quantize_png.h) in one pass: the
 * window and the map exist only in memory this call frees, never as JavaScript buffers, so a WMS GetMap from a
 * cache leaves V8 nothing to collect but the PNG itself.
 */
#ifndef KERNELS_MOSAIC_PNG_H
#define KERNELS_MOSAIC_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "compose.h"
#include "png.h"
#include "quantize.h"
#include "resample_filters.h"

/* How the map's `width`×`height` pixels come from the window. */
typedef struct {
  /* Crop (same resolution): map pixel (i, j) is window pixel (x + i, y + j), transparent white outside it, as
   * MapProxy crops. Else resample: Pillow's EXTENT transform of the window (resample.h) to `extent`, `method`. */
  int crop;
  int x, y;
  double extent[4];
  resample_method_t method;
} mosaic_map_t;

/*
 * The map of `width`×`height` from the window of `m`, quantized and written as MapProxy's paletted PNG: *png is
 * malloc'd (the caller frees it), *len its length. Returns 0, or -1 with a message in `err`.
 */
int mosaic_png(const compose_mosaic_t *m, int width, int height, const mosaic_map_t *map, const qz_options_t *opts,
               uint8_t **png, size_t *len, char err[PNG_ERROR_SIZE]);

#endif
