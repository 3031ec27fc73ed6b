/*
 * MapProxy's quantize() (mapproxy/image/__init__.py) for paletted PNG tiles, one tile at a time as MapProxy's
 * TileSplitter crops them from a meta tile:
 *
 *   - the tile is cut from the image; what lies outside is transparent white (MapProxy's create_image canvas);
 *   - an opaque target (no alpha kept) is flattened onto the background colour first;
 *   - fastoctree (the default): Pillow's FASTOCTREE on the RGBA pixels (alpha kept; every fully transparent
 *     pixel takes the colour of the first one, as Pillow does) or on the RGB pixels;
 *   - mediancut: Pillow's median cut of the RGB pixels to `colors` entries; with alpha kept, to `colors - 1`
 *     entries, and every pixel with alpha <= 128 takes index 255, the one transparent entry.
 *
 * The palettes are Pillow's: `colors` entries for fastoctree (the unused ones (0,0,0,0)), the boxes for
 * mediancut (256 entries, unused (0,0,0) and 255 transparent, when alpha is kept).
 */
#ifndef KERNELS_QUANTIZE_H
#define KERNELS_QUANTIZE_H

#include <stddef.h>
#include <stdint.h>

typedef enum { QZ_FASTOCTREE = 0, QZ_MEDIANCUT = 1 } qz_method_t;

typedef struct {
  unsigned colors; /* 1..256 */
  qz_method_t method;
  int alpha;             /* the target keeps transparency (MapProxy's image_opts.transparent) */
  uint8_t background[3]; /* what an opaque target flattens transparency onto */
} qz_options_t;

typedef struct {
  int x, y;          /* may lie outside the image */
  int width, height; /* >= 1 */
} qz_rect_t;

/* Work memory reused from tile to tile (one per thread). */
typedef struct qz_work qz_work_t;
qz_work_t *qz_work_new(void);
void qz_work_free(qz_work_t *w);
/* Frees the tile buffer when it is larger than `max_bytes` (after a large image), keeping the rest. */
void qz_work_trim(qz_work_t *w, size_t max_bytes);

/*
 * Quantizes the `rect` of the `width`×`height` RGBA image: writes up to 256 RGBA entries to `palette` (room for
 * 256) and rect.width × rect.height indices. Returns the number of entries, or -1 (bad arguments, no memory).
 */
int qz_tile(qz_work_t *w, const uint8_t *rgba, int width, int height, qz_rect_t rect, const qz_options_t *opts,
            uint8_t *palette, uint8_t *indices);

/*
 * qz_tile of `n` RGBA pixels that the caller gives up (the median cut flattens them where they lie, saving the copy
 * qz_tile makes of its rect; FASTOCTREE reads them as they are). Same palette, indices and return value.
 */
int qz_pixels(qz_work_t *w, uint8_t *rgba, size_t n, const qz_options_t *opts, uint8_t *palette, uint8_t *indices);

/* Pastes RGBA pixels onto an opaque `background` in place, rounding to nearest (as libvips' flatten does). */
void qz_flatten(uint8_t *rgba, size_t pixels, const uint8_t background[3]);

#endif
