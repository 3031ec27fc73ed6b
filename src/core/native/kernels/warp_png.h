/*
 * A reprojected map drawn from a mosaic window (compose.h) through a warp (warp.h) and written as a paletted PNG
 * (quantize_png.h) in one pass: the window and the map live in the calling thread's scratch (thread_scratch.h),
 * never as JavaScript buffers, so a reprojected WMS GetMap from a cache leaves V8 nothing to collect but the PNG.
 */
#ifndef KERNELS_WARP_PNG_H
#define KERNELS_WARP_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "compose.h"
#include "png.h"
#include "quantize.h"
#include "warp.h"

/*
 * The `width`×`height` map sampled from the window of `m` by `s` (whose positions the caller checked against
 * width × height: warp_check_quads, warp_check_points, one x per column and one y per row), quantized and
 * written as MapProxy's paletted PNG: the bytes of warp_fill then qz_png_pixels. *png is malloc'd (the caller
 * frees it), *len its length. Returns 0, or -1 with a message in `err`.
 */
int warp_png(const compose_mosaic_t *m, int width, int height, const warp_sampling_t *s, const qz_options_t *opts,
             uint8_t **png, size_t *len, char err[PNG_ERROR_SIZE]);

#endif
