/*
 * A meta tile from the source's PNG to its tiles' PNGs in one call: the image data inflated into the calling
 * thread's scratch (thread_scratch.h), unfiltered and expanded one tile's band of rows at a time (inflate.h's
 * png_rows_t), then each tile cut, quantized and written as MapProxy's paletted PNG (quantize_png.h's
 * qz_png_tile). What decoding to a JavaScript buffer and quantizing it in a second job gave, byte for byte, with
 * the decoded meta tile never a JavaScript buffer for the garbage collector and one hand-off to the pool instead
 * of two.
 * Plain C: any thread may call it.
 */
#ifndef KERNELS_META_TILES_H
#define KERNELS_META_TILES_H

#include <stddef.h>
#include <stdint.h>

#include "png.h"
#include "quantize.h"

typedef struct {
  const uint8_t *compressed; /* the IDAT chunks' data in one piece */
  size_t compressed_len;
  png_header_t header;
  png_colors_t colors; /* from PLTE and tRNS (png_colors) */
} meta_png_t;

/*
 * Called once from the thread running meta_tiles_png when the asked tiles are written (their pngs[i] and lens[i]
 * filled), before the others are: the caller may hand those to whoever waits for them while the rest is written.
 */
typedef void (*meta_early_fn)(void *context, const size_t *asked, size_t n_asked, uint8_t *const *pngs, const size_t *lens);

typedef struct {
  const size_t *indices; /* rects written first, in this order: distinct, each < n */
  size_t n;
  meta_early_fn ready; /* may be NULL: then nobody is told, the order alone changes */
  void *context;
} meta_asked_t;

/*
 * The `n` rects of the decoded PNG quantized and written as paletted PNGs into pngs[i], lens[i] (malloc'd; the
 * caller frees every non-NULL one, also after a failure). Returns 1 when done; 0 when the image data stream does
 * not inflate whole to the size the header calls for (nothing written: the caller decodes it the usual way, which
 * says why or, like Pillow, accepts a stream cut off after the last row); -1 with a message in `err`.
 *
 * With `asked` (may be NULL), the asked rects are written first and `asked->ready` called, then the others. The
 * whole image data is inflated (its checksum checked) and every row's filter checked before any tile is written,
 * so a damaged PNG hands out no tile. The bytes of every tile are the same in any order (each tile is quantized on
 * its own).
 */
int meta_tiles_png(const meta_png_t *png, const qz_rect_t *rects, size_t n, const meta_asked_t *asked,
                   const qz_options_t *opts, uint8_t **pngs, size_t *lens, char err[PNG_ERROR_SIZE]);

#endif
