#include "quantize_octree.h"

#include <stdlib.h>
#include <string.h>

#include "simd.h"

/* Bits per channel (r, g, b, a) of the fine and the coarse cube, without and with alpha (Pillow's choice). */
static const unsigned FINE_BITS[2][4] = {{4, 4, 4, 0}, {3, 4, 3, 3}};
static const unsigned COARSE_BITS[2][4] = {{2, 2, 2, 0}, {2, 2, 2, 2}};
#define FINE_CELLS_MAX (1u << 13)
#define COARSE_CELLS_MAX (1u << 8)

typedef struct {
  uint32_t count;
  uint64_t sum[4];
} cell_t;

struct qz_octree_scratch {
  cell_t fine[FINE_CELLS_MAX];
  cell_t coarse[COARSE_CELLS_MAX];
  /* The coarse cell that holds each fine cell, per mode. */
  uint16_t parent[2][FINE_CELLS_MAX];
  /* Fine cells by falling count (only the first `colors` are used), coarse cells likewise. */
  uint16_t fine_order[FINE_CELLS_MAX];
  uint16_t coarse_order[COARSE_CELLS_MAX];
  uint64_t keys[FINE_CELLS_MAX];
  /* The palette as cells: copies, since the coarse cells change while the palette is chosen. */
  cell_t entries[256];
  uint32_t coarse_lookup[COARSE_CELLS_MAX];
  uint32_t fine_lookup[FINE_CELLS_MAX];
};

typedef struct {
  unsigned bits[4];
  unsigned shift[4]; /* position of each channel's bits in a cell number */
  unsigned cells;
} cube_t;

static cube_t cube_of(const unsigned bits[4]) {
  cube_t c;
  for (int k = 0; k < 4; k++) c.bits[k] = bits[k];
  c.shift[3] = 0;
  c.shift[2] = bits[3];
  c.shift[1] = bits[2] + bits[3];
  c.shift[0] = bits[1] + bits[2] + bits[3];
  c.cells = 1u << (bits[0] + bits[1] + bits[2] + bits[3]);
  return c;
}

static inline unsigned cell_of(const cube_t *c, const uint8_t *p) {
  unsigned cell = 0;
  for (int k = 0; k < 4; k++) cell |= ((unsigned)p[k] >> (8 - c->bits[k])) << c->shift[k];
  return cell;
}

qz_octree_scratch_t *qz_octree_scratch_new(void) {
  qz_octree_scratch_t *s = malloc(sizeof *s);
  if (!s) return NULL;
  for (int mode = 0; mode < 2; mode++) {
    cube_t fine = cube_of(FINE_BITS[mode]), coarse = cube_of(COARSE_BITS[mode]);
    for (unsigned f = 0; f < fine.cells; f++) {
      unsigned c = 0;
      for (int k = 0; k < 4; k++) {
        unsigned v = (f >> fine.shift[k]) & ((1u << fine.bits[k]) - 1);
        c |= (v >> (fine.bits[k] - coarse.bits[k])) << coarse.shift[k];
      }
      s->parent[mode][f] = (uint16_t)c;
    }
  }
  return s;
}

void qz_octree_scratch_free(qz_octree_scratch_t *s) { free(s); }

static inline uint8_t clip8(int v) { return v <= 0 ? 0 : v < 256 ? (uint8_t)v : 255; }

/* A cell's colour: the mean of its pixels, truncated, in single precision like Pillow (the exact bits matter). */
static void cell_mean(const cell_t *c, uint8_t out[4]) {
  if (c->count == 0) {
    memset(out, 0, 4);
    return;
  }
  float n = (float)c->count;
  for (int k = 0; k < 4; k++) out[k] = clip8((int)((float)c->sum[k] / n));
}

static unsigned used_cells(const cell_t *cells, unsigned n) {
  unsigned used = 0;
  for (unsigned i = 0; i < n; i++) used += cells[i].count > 0;
  return used;
}

static int ascending(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/*
 * Cell numbers by falling count, equal counts in cell order (what Pillow's qsort, glibc's stable merge sort,
 * gives), cells without pixels last in cell order. Returns how many cells have pixels.
 */
static unsigned order_cells(const cell_t *cells, unsigned n, uint64_t *keys, uint16_t *order) {
  unsigned used = 0;
  for (unsigned i = 0; i < n; i++)
    if (cells[i].count) keys[used++] = ((uint64_t)(UINT32_MAX - cells[i].count) << 16) | i;
  qsort(keys, used, sizeof *keys, ascending);
  for (unsigned i = 0; i < used; i++) order[i] = (uint16_t)(keys[i] & 0xffff);
  unsigned k = used;
  for (unsigned i = 0; i < n; i++)
    if (!cells[i].count) order[k++] = (uint16_t)i;
  return used;
}

/* Takes fine cells [from, to) of the palette out of the coarse cell that holds their mean colour. */
static void subtract(cell_t *coarse, const cube_t *cc, const cell_t *fine, const uint16_t *order, unsigned from, unsigned to) {
  for (unsigned i = from; i < to; i++) {
    const cell_t *f = &fine[order[i]];
    if (f->count == 0) continue;
    uint8_t mean[4];
    cell_mean(f, mean);
    cell_t *c = &coarse[cell_of(cc, mean)];
    c->count -= f->count;
    for (int k = 0; k < 4; k++) c->sum[k] -= f->sum[k];
  }
}

/* A pixel as one word, r | g << 8 | b << 16 | a << 24, whatever the machine's byte order. */
static inline uint32_t word_of(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The fine cell of a pixel word, with the cube's bits as constants (the generic cell_of, unrolled). */
static inline unsigned fine_cell(uint32_t v, int with_alpha) {
  if (with_alpha) return ((v >> 5) & 7) << 10 | ((v >> 12) & 15) << 6 | ((v >> 21) & 7) << 3 | v >> 29;
  return ((v >> 4) & 15) << 8 | ((v >> 12) & 15) << 4 | ((v >> 20) & 15);
}

/* Length of the run of pixels equal to pixel i (maps are mostly runs: one cell update per run). */
static inline size_t run_length(const uint8_t *rgba, size_t i, size_t n) {
  uint32_t v, w;
  memcpy(&v, rgba + i * 4, 4);
  size_t j = i + 1;
  while (j < n && (memcpy(&w, rgba + j * 4, 4), w == v)) j++;
  return j - i;
}

TARGET_CLONES
static void histogram(cell_t *fine, int with_alpha, const uint8_t *rgba, size_t n) {
  for (size_t i = 0; i < n;) {
    const uint8_t *p = rgba + i * 4;
    size_t run = run_length(rgba, i, n);
    cell_t *c = &fine[fine_cell(word_of(p), with_alpha)];
    c->count += (uint32_t)run;
    for (int k = 0; k < 4; k++) c->sum[k] += (uint64_t)p[k] * run;
    i += run;
  }
}

TARGET_CLONES
static void map_pixels(const uint32_t *lookup, int with_alpha, const uint8_t *rgba, size_t n, uint8_t *indices) {
  for (size_t i = 0; i < n;) {
    size_t run = run_length(rgba, i, n);
    memset(indices + i, (uint8_t)lookup[fine_cell(word_of(rgba + i * 4), with_alpha)], run);
    i += run;
  }
}

int qz_octree(qz_octree_scratch_t *s, const uint8_t *rgba, size_t n, unsigned colors, int with_alpha, uint8_t *palette,
              uint8_t *indices) {
  if (!s || colors < 1 || colors > 256 || n > (size_t)INT32_MAX) return -1;
  const int mode = with_alpha ? 1 : 0;
  const cube_t fc = cube_of(FINE_BITS[mode]), cc = cube_of(COARSE_BITS[mode]);

  memset(s->fine, 0, fc.cells * sizeof(cell_t));
  memset(s->coarse, 0, cc.cells * sizeof(cell_t));
  histogram(s->fine, with_alpha != 0, rgba, n);
  for (unsigned f = 0; f < fc.cells; f++) {
    const cell_t *src = &s->fine[f];
    if (!src->count) continue;
    cell_t *dst = &s->coarse[s->parent[mode][f]];
    dst->count += src->count;
    for (int k = 0; k < 4; k++) dst->sum[k] += src->sum[k];
  }

  unsigned n_coarse = used_cells(s->coarse, cc.cells);
  if (n_coarse > colors) n_coarse = colors;
  unsigned n_fine = colors - n_coarse;

  order_cells(s->fine, fc.cells, s->keys, s->fine_order);

  /* The most used fine cells leave their coarse cells; a coarse cell left empty frees a place for one more. */
  subtract(s->coarse, &cc, s->fine, s->fine_order, 0, n_fine);
  for (unsigned used; n_coarse > (used = used_cells(s->coarse, cc.cells));) {
    unsigned done = n_fine;
    n_coarse = used;
    n_fine = colors - n_coarse;
    subtract(s->coarse, &cc, s->fine, s->fine_order, done, n_fine);
  }

  order_cells(s->coarse, cc.cells, s->keys, s->coarse_order);
  for (unsigned i = 0; i < n_coarse; i++) s->entries[i] = s->coarse[s->coarse_order[i]];
  for (unsigned i = 0; i < n_fine; i++) s->entries[n_coarse + i] = s->fine[s->fine_order[i]];

  /*
   * The lookup: every coarse cell names its entry (0 when it has none), every fine cell inherits its coarse
   * cell's, then the fine entries claim the cell of their mean colour. Written from the last entry to the
   * first, so the first entry wins where two means share a cell (the unused (0,0,0,0) entries do).
   */
  memset(s->coarse_lookup, 0, cc.cells * sizeof(uint32_t));
  for (unsigned i = n_coarse; i-- > 0;) {
    uint8_t mean[4];
    cell_mean(&s->entries[i], mean);
    s->coarse_lookup[cell_of(&cc, mean)] = i;
  }
  for (unsigned f = 0; f < fc.cells; f++) s->fine_lookup[f] = s->coarse_lookup[s->parent[mode][f]];
  for (unsigned i = n_coarse + n_fine; i-- > n_coarse;) {
    uint8_t mean[4];
    cell_mean(&s->entries[i], mean);
    s->fine_lookup[cell_of(&fc, mean)] = i;
  }

  map_pixels(s->fine_lookup, with_alpha != 0, rgba, n, indices);
  for (unsigned i = 0; i < colors; i++) {
    cell_mean(&s->entries[i], palette + i * 4);
    if (!with_alpha) palette[i * 4 + 3] = 255;
  }
  return 0;
}
