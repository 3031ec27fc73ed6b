/* The quantize options argument, shared by the kernels that write paletted PNGs (quantize.c, mosaic_png.c). */
#ifndef KERNELS_QUANTIZE_ARGS_H
#define KERNELS_QUANTIZE_ARGS_H

#include <node_api.h>

#include "quantize.h"

/*
 * An Int32Array [colors 1..256, method (0 fastoctree, 1 mediancut), alpha (0/1), background r, g, b 0..255].
 * Returns 0, or -1 after throwing a RangeError that names what is wrong.
 */
int arg_qz_options(napi_env env, napi_value v, qz_options_t *out);

#endif
