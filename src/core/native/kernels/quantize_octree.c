#include "quantize_octree.h"

#include <stdlib.h>
#include <string.h>

#include "quantize_source.h"
#include "simd.h"

/* Bits per channel (r, g, b, a) of the fine and the coarse cube, without and with alpha (Pillow's choice). */
static const unsigned FINE_BITS[2][4] = {{4, 4, 4, 0}, {3, 4, 3, 3}};
static const unsigned COARSE_BITS[2][4] = {{2, 2, 2, 0}, {2, 2, 2, 2}};
#define FINE_CELLS_MAX (1u << 13)
#define COARSE_CELLS_MAX (1u << 8)
/* A run as the histogram keeps it: its fine cell (13 bits) above its length (19 bits). */
#define RUN_LENGTH_BITS 19
#define RUN_LENGTH_MAX ((1u << RUN_LENGTH_BITS) - 1)
/* Runs kept per quantization: a 256² tile's worst case (every pixel its own run). */
#define RUNS_MAX (1u << 16)

typedef struct {
  uint32_t count;
  uint64_t sum[4];
} cell_t;

struct qz_octree_scratch {
  /* Zero but for the cells of the last quantization, which `touched` lists: a tile has pixels in few of them. */
  cell_t fine[FINE_CELLS_MAX];
  uint16_t touched[FINE_CELLS_MAX];
  unsigned n_touched;
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
  /*
   * The histogram's runs in rectangle order, so that the indices are painted without reading the pixels again,
   * unless there were more than RUNS_MAX or one longer than RUN_LENGTH_MAX (`all_runs` 0: the pixels are read again).
   */
  uint32_t runs[RUNS_MAX];
  size_t n_runs;
  int all_runs;
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
  memset(s->fine, 0, sizeof s->fine);
  s->n_touched = 0;
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

/* The key that sorts cells by falling count, equal counts in cell order. */
static inline uint64_t order_key(const cell_t *cells, unsigned i) {
  return ((uint64_t)(UINT32_MAX - cells[i].count) << 16) | i;
}

/*
 * Cell numbers by falling count, equal counts in cell order (what Pillow's qsort, glibc's stable merge sort,
 * gives), cells without pixels last in cell order. Returns how many cells have pixels.
 */
static unsigned order_cells(const cell_t *cells, unsigned n, uint64_t *keys, uint16_t *order) {
  unsigned used = 0;
  for (unsigned i = 0; i < n; i++)
    if (cells[i].count) keys[used++] = order_key(cells, i);
  qsort(keys, used, sizeof *keys, ascending);
  for (unsigned i = 0; i < used; i++) order[i] = (uint16_t)(keys[i] & 0xffff);
  unsigned k = used;
  for (unsigned i = 0; i < n; i++)
    if (!cells[i].count) order[k++] = (uint16_t)i;
  return used;
}

/* order_cells for the `n` fine cells that have pixels, listed in any order: the first `n` of the same order. */
static void order_touched(const cell_t *cells, const uint16_t *touched, unsigned n, uint64_t *keys, uint16_t *order) {
  for (unsigned i = 0; i < n; i++) keys[i] = order_key(cells, touched[i]);
  qsort(keys, n, sizeof *keys, ascending);
  for (unsigned i = 0; i < n; i++) order[i] = (uint16_t)(keys[i] & 0xffff);
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

/* The fine cell of a pixel word, with the cube's bits as constants (the generic cell_of, unrolled). */
static inline unsigned fine_cell(uint32_t v, int with_alpha) {
  if (with_alpha) return ((v >> 5) & 7) << 10 | ((v >> 12) & 15) << 6 | ((v >> 21) & 7) << 3 | v >> 29;
  return ((v >> 4) & 15) << 8 | ((v >> 12) & 15) << 4 | ((v >> 20) & 15);
}

typedef struct {
  qz_octree_scratch_t *s;
  int with_alpha;
} count_t;

static inline __attribute__((always_inline)) void count_run(count_t *h, uint32_t v, size_t len, int with_alpha) {
  unsigned f = fine_cell(v, with_alpha);
  cell_t *c = &h->s->fine[f];
  if (!c->count) h->s->touched[h->s->n_touched++] = (uint16_t)f;
  if (h->s->n_runs < RUNS_MAX && len <= RUN_LENGTH_MAX) h->s->runs[h->s->n_runs++] = f << RUN_LENGTH_BITS | (uint32_t)len;
  else h->s->all_runs = 0;
  c->count += (uint32_t)len;
  for (int k = 0; k < 4; k++) c->sum[k] += (uint64_t)(v >> (8 * k) & 0xff) * len;
}
static inline __attribute__((always_inline)) void count_rgb(void *h, uint32_t v, size_t pos, size_t len) { (void)pos, count_run(h, v, len, 0); }
static inline __attribute__((always_inline)) void count_rgba(void *h, uint32_t v, size_t pos, size_t len) { (void)pos, count_run(h, v, len, 1); }

/* The fine cells' counts and sums, and the list of the cells that have pixels. */
TARGET_CLONES
static void histogram(qz_octree_scratch_t *s, int with_alpha, const qz_source_t *src) {
  count_t h = {s, with_alpha};
  s->n_runs = 0;
  s->all_runs = 1;
  if (with_alpha) qz_for_runs(src, count_rgba, &h);
  else qz_for_runs(src, count_rgb, &h);
}

typedef struct {
  const uint32_t *lookup;
  uint8_t *indices;
} paint_t;

static inline void fill(uint8_t *out, uint8_t index, size_t len) {
  if (len <= 16)
    for (size_t i = 0; i < len; i++) out[i] = index;
  else
    memset(out, index, len);
}
static inline __attribute__((always_inline)) void paint_run(paint_t *m, uint32_t v, size_t pos, size_t len, int with_alpha) {
  fill(m->indices + pos, (uint8_t)m->lookup[fine_cell(v, with_alpha)], len);
}
static inline __attribute__((always_inline)) void paint_rgb(void *m, uint32_t v, size_t pos, size_t len) { paint_run(m, v, pos, len, 0); }
static inline __attribute__((always_inline)) void paint_rgba(void *m, uint32_t v, size_t pos, size_t len) { paint_run(m, v, pos, len, 1); }

/* The indices from the histogram's runs. */
TARGET_CLONES
static void paint_runs(const uint32_t *runs, size_t n, const uint32_t *lookup, uint8_t *indices) {
  for (size_t r = 0; r < n; r++) {
    size_t len = runs[r] & RUN_LENGTH_MAX;
    fill(indices, (uint8_t)lookup[runs[r] >> RUN_LENGTH_BITS], len);
    indices += len;
  }
}

/* The indices from the pixels read again. */
TARGET_CLONES
static void map_pixels(const uint32_t *lookup, int with_alpha, const qz_source_t *src, uint8_t *indices) {
  paint_t m = {lookup, indices};
  if (with_alpha) qz_for_runs(src, paint_rgba, &m);
  else qz_for_runs(src, paint_rgb, &m);
}

int qz_octree(qz_octree_scratch_t *s, const qz_source_t *src, unsigned colors, int with_alpha, uint8_t *palette,
              uint8_t *indices) {
  if (!s || colors < 1 || colors > 256 || src->w < 1 || src->h < 1 || (uint64_t)src->w * (uint64_t)src->h > INT32_MAX)
    return -1;
  const int mode = with_alpha ? 1 : 0;
  const cube_t fc = cube_of(FINE_BITS[mode]), cc = cube_of(COARSE_BITS[mode]);

  for (unsigned i = 0; i < s->n_touched; i++) s->fine[s->touched[i]] = (cell_t){0};
  s->n_touched = 0;
  memset(s->coarse, 0, cc.cells * sizeof(cell_t));
  histogram(s, with_alpha != 0, src);
  for (unsigned i = 0; i < s->n_touched; i++) {
    const cell_t *from = &s->fine[s->touched[i]];
    cell_t *dst = &s->coarse[s->parent[mode][s->touched[i]]];
    dst->count += from->count;
    for (int k = 0; k < 4; k++) dst->sum[k] += from->sum[k];
  }

  unsigned n_coarse = used_cells(s->coarse, cc.cells);
  if (n_coarse > colors) n_coarse = colors;
  unsigned n_fine = colors - n_coarse;

  /* The fine cells with pixels by falling count; past them the palette's fine entries are empty cells. */
  const unsigned n_used = s->n_touched;
  order_touched(s->fine, s->touched, n_used, s->keys, s->fine_order);

  /* The most used fine cells leave their coarse cells; a coarse cell left empty frees a place for one more. */
  subtract(s->coarse, &cc, s->fine, s->fine_order, 0, n_fine < n_used ? n_fine : n_used);
  for (unsigned used; n_coarse > (used = used_cells(s->coarse, cc.cells));) {
    unsigned done = n_fine;
    n_coarse = used;
    n_fine = colors - n_coarse;
    if (done < n_used) subtract(s->coarse, &cc, s->fine, s->fine_order, done, n_fine < n_used ? n_fine : n_used);
  }

  order_cells(s->coarse, cc.cells, s->keys, s->coarse_order);
  for (unsigned i = 0; i < n_coarse; i++) s->entries[i] = s->coarse[s->coarse_order[i]];
  for (unsigned i = 0; i < n_fine; i++) s->entries[n_coarse + i] = i < n_used ? s->fine[s->fine_order[i]] : (cell_t){0};

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
  /* Only the cells with pixels are looked up. */
  for (unsigned i = 0; i < n_used; i++) s->fine_lookup[s->touched[i]] = s->coarse_lookup[s->parent[mode][s->touched[i]]];
  for (unsigned i = n_coarse + n_fine; i-- > n_coarse;) {
    uint8_t mean[4];
    cell_mean(&s->entries[i], mean);
    s->fine_lookup[cell_of(&fc, mean)] = i;
  }

  if (s->all_runs) paint_runs(s->runs, s->n_runs, s->fine_lookup, indices);
  else map_pixels(s->fine_lookup, with_alpha != 0, src, indices);
  for (unsigned i = 0; i < colors; i++) {
    cell_mean(&s->entries[i], palette + i * 4);
    if (!with_alpha) palette[i * 4 + 3] = 255;
  }
  return 0;
}
