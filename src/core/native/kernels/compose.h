/* A window of a mosaic of decoded tiles as one RGBA image (MapProxy's TileMerger, limited to what a map samples). */
#ifndef KERNELS_COMPOSE_H
#define KERNELS_COMPOSE_H

#include <stddef.h>
#include <stdint.h>

typedef enum { COMPOSE_NONE = 0, COMPOSE_RGBA = 1, COMPOSE_PALETTED = 2 } compose_kind_t;

/*
 * One tile: RGBA pixels, or palette indices (pixel (x, y) at y·pitch + first + x; pitch 0 when every row is the
 * same) and 256 RGBA palette words.
 */
typedef struct {
  compose_kind_t kind;
  int width, height, pitch, first;
  const uint8_t *pixels;
  const uint8_t *palette;
} compose_tile_t;

/* Ints of the geometry per tile passed from JavaScript: kind, width, height, pitch, first. */
#define COMPOSE_TILE_INTS 5
/* Ints before the tiles: window x, y, width, height; tile width, height; cols, rows; background (RGBA bytes). */
#define COMPOSE_HEADER_INTS 9

/* A window of a mosaic: what compose_window draws, as one value a kernel job can own. */
typedef struct {
  int cols, rows, tw, th, wx, wy, ww, wh;
  uint8_t background[4];
  compose_tile_t tiles[]; /* cols × rows, row-major */
} compose_mosaic_t;

/*
 * Writes every pixel of `out` (ww × wh), the window at (wx, wy) of the mosaic of cols × rows tiles of tw × th
 * (row-major, top row first). Missing tiles, the parts of smaller tiles, and the window outside the mosaic get
 * `background` (RGBA; MapProxy's TileMerger canvas: transparent for a transparent cache, else its colour).
 * Tiles must have been checked with compose_check_tile.
 */
void compose_window(const compose_tile_t *tiles, int cols, int rows, int tw, int th, int wx, int wy, int ww, int wh,
                    const uint8_t background[4], uint8_t *out);

/*
 * The window's pixels in a new buffer of ww × wh RGBA (malloc: the caller frees it), or NULL when out of memory.
 * For kernels that sample a mosaic: the window never becomes a JavaScript buffer, so it is freed as soon as the
 * job is done instead of waiting for V8's garbage collector (which counts such buffers against its heap limit).
 */
uint8_t *compose_mosaic(const compose_mosaic_t *m);

/*
 * Pixels [x0, x1) of row y of the window of `mosaic` (a compose_mosaic_t) into `out`: the window read a row at a
 * time by kernels that sample it without drawing it whole (warp_axes.h's rf_rows_t).
 */
void compose_mosaic_row(void *mosaic, int y, int x0, int x1, uint8_t *out);

/* NULL when the tile's buffers hold every pixel its geometry names, else what is wrong. */
const char *compose_check_tile(const compose_tile_t *t, size_t pixels_length, size_t palette_length);

#endif
