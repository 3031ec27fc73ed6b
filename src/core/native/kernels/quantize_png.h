/*
 * Quantizing (quantize.h) and writing paletted PNGs (png-indexed.h) with work memory each thread keeps from call to
 * call: the octree scratch (~0.5 MB), the deflate state and the index rows cost more to allocate than a 256×256
 * tile costs to quantize and compress. Plain C: any thread (the JS thread, a libuv pool thread) may call these,
 * each gets its own memory.
 */
#ifndef KERNELS_QUANTIZE_PNG_H
#define KERNELS_QUANTIZE_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "png.h"
#include "quantize.h"

/* The calling thread's quantizer memory, made on first use; NULL when out of memory. */
qz_work_t *qz_thread_work(void);

/*
 * The `rect` of the `width`×`height` RGBA image quantized as qz_tile does and written as MapProxy's paletted PNG:
 * *png is malloc'd (the caller frees it), *len its length. Returns 0, or -1 with a message in `err`.
 */
int qz_png_tile(const uint8_t *rgba, int width, int height, qz_rect_t rect, const qz_options_t *opts, uint8_t **png,
                size_t *len, char err[PNG_ERROR_SIZE]);

/*
 * qz_png_tile for each of `n` rects of one image: pngs[i] and lens[i] (malloc'd; the caller frees every non-NULL
 * one, also after a failure). Returns 0, or -1 with a message in `err` naming the tile.
 */
int qz_png_tiles(const uint8_t *rgba, int width, int height, const qz_rect_t *rects, size_t n, const qz_options_t *opts,
                 uint8_t **pngs, size_t *lens, char err[PNG_ERROR_SIZE]);

/* qz_png_tile of a whole `width`×`height` image the caller gives up (quantized where it lies: qz_pixels). */
int qz_png_pixels(uint8_t *rgba, int width, int height, const qz_options_t *opts, uint8_t **png, size_t *len,
                  char err[PNG_ERROR_SIZE]);

/*
 * Whether a `width`×`height` map can be drawn whole and written (sides 1..IMAGE_MAX_SIDE, at most PNG_MAX_PIXELS):
 * 0, or -1 with a message in `err`. What the kernels that draw a map and hand back its PNG check first
 * (mosaic_png.h, warp_png.h).
 */
int check_map_size(int width, int height, char err[PNG_ERROR_SIZE]);

/* At the end of a job: frees what a big image left in the calling thread's memory, keeping the rest. */
void qz_thread_trim(void);

#endif
