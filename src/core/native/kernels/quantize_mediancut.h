/*
 * Pillow's median cut (Image.convert('P', palette=ADAPTIVE, colors=n), MapProxy's `quantizer: mediancut`),
 * written anew from the algorithm so that it gives Pillow 9.4's palette and indices for the same RGB pixels:
 *
 *   - the distinct colours are counted, at full precision or, past 65536 of them, with each channel shifted
 *     right by the fewest bits that bring them down to 65536;
 *   - starting from one box holding them all, the box with the most pixels is split (boxes of a single colour
 *     are set aside) until there are `colors` boxes: along the axis with the largest luminance-weighted range
 *     (77 r, 150 g, 29 b), the upper part taking the colours from the top down until it holds more than half
 *     the pixels (and every colour equal to the last one taken);
 *   - the entries are the boxes in tree order (upper part first), each the rounded mean of its pixels;
 *   - a pixel takes its box's entry unless another entry near that one (within twice the distance) is
 *     strictly closer to it.
 *
 * Alpha is ignored: every entry is opaque.
 */
#ifndef KERNELS_QUANTIZE_MEDIANCUT_H
#define KERNELS_QUANTIZE_MEDIANCUT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Quantizes `n` pixels (RGBA8, alpha ignored) to at most `colors` (1..256) entries: writes the entries (RGBA,
 * opaque) to `palette` (room for `colors`) and one index per pixel to `indices`. Returns the number of
 * entries, or -1 for bad arguments or when memory runs out.
 */
int qz_mediancut(const uint8_t *rgba, size_t n, unsigned colors, uint8_t *palette, uint8_t *indices);

#endif
