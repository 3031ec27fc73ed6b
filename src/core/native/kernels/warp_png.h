/*
 * A reprojected map drawn from a mosaic window (compose.h) through a warp (warp.h) and written as a paletted PNG
 * (quantize_png.h) in one pass: the map (and the window, unless it is read a row at a time) lives in the calling
 * thread's scratch (thread_scratch.h), never as JavaScript buffers, so a reprojected WMS GetMap from a cache leaves
 * V8 nothing to collect but the PNG.
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
 * Whether warp_mosaic needs room for the window drawn whole (ww × wh RGBA pixels): all but the separable bicubic,
 * which reads the window a row at a time as it samples it (warp_axes_bicubic_rows).
 */
int warp_mosaic_needs_window(const warp_sampling_t *s);

/*
 * Writes every pixel of `dst` (dw × dh) from the window of `m` by `s`, as warp_fill of the composed window;
 * `window` is room for that window when warp_mosaic_needs_window, else unused. Returns 0, or -1 when out of memory.
 */
int warp_mosaic(const compose_mosaic_t *m, uint8_t *window, uint8_t *dst, int dw, int dh, const warp_sampling_t *s);

/*
 * The `width`×`height` map sampled from the window of `m` by `s` (whose positions the caller checked against
 * width × height: warp_check_quads, warp_check_points, one x per column and one y per row), quantized and
 * written as MapProxy's paletted PNG: the bytes of warp_fill then qz_png_pixels. *png is malloc'd (the caller
 * frees it), *len its length. Returns 0, or -1 with a message in `err`.
 */
int warp_png(const compose_mosaic_t *m, int width, int height, const warp_sampling_t *s, const qz_options_t *opts,
             uint8_t **png, size_t *len, char err[PNG_ERROR_SIZE]);

#endif
