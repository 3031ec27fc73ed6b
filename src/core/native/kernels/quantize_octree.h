/*
 * Pillow's FASTOCTREE quantizer (Image.quantize(colors, Image.FASTOCTREE), MapProxy's default), written anew
 * from the algorithm so that it gives Pillow 9.4's palette and indices for the same pixels:
 *
 *   - a fine colour cube (RGB: 16×16×16 cells; RGBA: 8×16×8×8) and a coarse one (4×4×4, or 4×4×4×4) count
 *     the pixels and sum their channels;
 *   - the palette is every coarse cell that still has pixels once the most used fine cells are taken out,
 *     followed by those fine cells (most used first, ties in cell order), `colors` entries in all; a cell's
 *     colour is the truncated mean of its pixels (computed in single precision, as Pillow does);
 *   - a pixel takes the entry of its fine cell when that cell is in the palette, else the entry of its
 *     coarse cell (index 0 when that coarse cell is not in the palette either).
 *
 * Entries past the cells that have pixels are (0,0,0,0), as in Pillow's palette.
 */
#ifndef KERNELS_QUANTIZE_OCTREE_H
#define KERNELS_QUANTIZE_OCTREE_H

#include <stddef.h>
#include <stdint.h>

#include "quantize_source.h"

/* Work memory for one quantization at a time; reused from tile to tile. */
typedef struct qz_octree_scratch qz_octree_scratch_t;

qz_octree_scratch_t *qz_octree_scratch_new(void);
void qz_octree_scratch_free(qz_octree_scratch_t *s);

/*
 * Quantizes the pixels `src` reads (quantize_source.h: a rectangle in place, settled as they are read) to `colors`
 * (1..256) entries. `with_alpha` selects the RGBA cube (Pillow quantizing an RGBA image); without it alpha is
 * ignored and every entry is opaque (an RGB image). Writes `colors` RGBA entries to `palette` and one index per
 * pixel of the rectangle (row-major) to `indices`. Returns 0, or -1 for bad arguments.
 */
int qz_octree(qz_octree_scratch_t *s, const qz_source_t *src, unsigned colors, int with_alpha, uint8_t *palette,
              uint8_t *indices);

#endif
