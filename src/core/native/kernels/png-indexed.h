/*
 * A paletted PNG written whole in C: MapProxy's quantized tiles as Pillow saves them (img_to_buf with
 * compress_type RLE): filter type 0 on every row, the smallest bit depth (1, 2, 4, 8) that holds the highest
 * index used, PLTE up to that entry, tRNS up to the last entry that is not opaque, IDAT deflated by zlib at
 * level 6 with the Z_RLE strategy (window 15, memLevel 8: Node's zlib defaults, so the bytes are those of
 * png-encode.ts's writer).
 *
 * zlib is Node's own: the addon calls the deflate symbols the node binary exports, so nothing is linked in.
 * A png_deflater_t keeps one deflate state from tile to tile (deflateReset), which allocating per tile would cost
 * more than compressing a 256×256 tile with Z_RLE.
 */
#ifndef KERNELS_PNG_INDEXED_H
#define KERNELS_PNG_INDEXED_H

#include <stddef.h>
#include <stdint.h>

#include "png.h"

typedef struct png_deflater png_deflater_t;
png_deflater_t *png_deflater_new(void);
void png_deflater_free(png_deflater_t *d);
/* Frees the row and stream buffers larger than `max_bytes`, keeping the deflate state. */
void png_deflater_trim(png_deflater_t *d, size_t max_bytes);

/*
 * The `w` × `h` indices (one byte each, rows top to bottom) with `palette` (`entries` RGBA entries, 1..256) as a
 * PNG file: *out is malloc'd (the caller frees it), *out_len its length. Indices above the last entry are an
 * error. Returns 0, or -1 with a message in `err`.
 */
int png_write_indexed(png_deflater_t *d, const uint8_t *indices, size_t indices_len, uint32_t w, uint32_t h,
                      const uint8_t *palette, unsigned entries, uint8_t **out, size_t *out_len,
                      char err[PNG_ERROR_SIZE]);

#endif
