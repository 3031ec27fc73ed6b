/* The PNG arguments shared by the kernels that decode PNGs for JavaScript (png.c, meta_tiles_js.c). */
#ifndef KERNELS_PNG_ARGS_H
#define KERNELS_PNG_ARGS_H

#include <node_api.h>

#include "png.h"

/*
 * A header as a Uint32Array [width, height, depth, colourType, interlace], checked by png_check_header. Returns 0,
 * or -1 with a JS error thrown.
 */
int arg_png_header(napi_env env, napi_value v, png_header_t *h);

/* The colours of PLTE and tRNS (two Uint8Arrays, empty when the chunk is absent), copied. 0, or -1 with an error thrown. */
int arg_png_colors(napi_env env, const png_header_t *h, napi_value plte, napi_value trns, png_colors_t *out);

#endif
