/*
 * The quantize arguments and results shared by the kernels that write paletted PNGs (quantize.c, mosaic_png.c,
 * meta_tiles_js.c), implemented in quantize.c.
 */
#ifndef KERNELS_QUANTIZE_ARGS_H
#define KERNELS_QUANTIZE_ARGS_H

#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

#include "quantize.h"

/*
 * An Int32Array [colors 1..256, method (0 fastoctree, 1 mediancut), alpha (0/1), background r, g, b 0..255].
 * Returns 0, or -1 after throwing a RangeError that names what is wrong.
 */
int arg_qz_options(napi_env env, napi_value v, qz_options_t *out);

/*
 * An Int32Array of x, y, width, height per tile, at least one tile, sides 1..65536, positions within ±2^28:
 * *rects malloc'd (the caller frees it), *n tiles, *pixels their pixels together. 0, or -1 with a RangeError thrown.
 */
int arg_qz_rects(napi_env env, napi_value v, qz_rect_t **rects, size_t *n, size_t *pixels);

/* `n` PNG files as a JS array of Buffers (copies); NULL with an exception pending when that fails. */
napi_value qz_png_list(napi_env env, uint8_t *const *pngs, const size_t *lens, size_t n);

#endif
