/*
 * The pixels a quantizer reads, as MapProxy hands them to Pillow (quantize.h), taken where they lie instead of
 * copied out first: a rectangle of an RGBA8 image read row by row in place, the part outside the image read as
 * transparent white, each pixel settled (flattened onto the background, or a fully transparent one given the
 * colour of the first) as it is read. Maps are mostly runs of one colour, so pixels are read and settled a run at
 * a time: copying, flattening and unifying a 256² tile cost as much as quantizing it.
 */
#ifndef KERNELS_QUANTIZE_SOURCE_H
#define KERNELS_QUANTIZE_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef enum {
  QZ_AS_IS,             /* pixels as they are */
  QZ_FLATTEN,           /* pasted onto the opaque background, rounding to nearest (an opaque target) */
  QZ_UNIFY_TRANSPARENT, /* every fully transparent pixel takes the colour of the first one (Pillow quantizing RGBA) */
} qz_settle_t;

typedef struct {
  const uint8_t *rgba; /* the image's first row */
  size_t pitch;        /* bytes from one row to the next */
  int width, height;   /* the image: nothing outside it is read */
  int x, y, w, h;      /* the rectangle read, in image coordinates (w, h >= 1); may leave the image */
  qz_settle_t settle;
  uint8_t background[3]; /* QZ_FLATTEN's */
} qz_source_t;

/* A pixel as one value, r | g << 8 | b << 16 | a << 24, whatever the machine's byte order. */
static inline uint32_t qz_word(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* What lies outside the image: transparent white (MapProxy pastes a crop on such a canvas). */
#define QZ_OUTSIDE 0x00ffffffu

/* The colour fully transparent pixels take under QZ_UNIFY_TRANSPARENT, once the first is seen. */
typedef struct {
  uint32_t first_transparent;
  int seen;
} qz_settle_state_t;

/* A pixel rounded onto an opaque background: (c * a + bg * (255 - a) + 127) / 255 per channel. */
static inline uint32_t qz_flatten_word(uint32_t v, const uint8_t background[3]) {
  uint32_t a = v >> 24, rest = 255 - a, out = 0xff000000u;
  for (int k = 0; k < 3; k++) out |= (((v >> (8 * k) & 0xff) * a + background[k] * rest + 127) / 255) << (8 * k);
  return out;
}

static inline uint32_t qz_settle_word(const qz_source_t *s, qz_settle_state_t *st, uint32_t v) {
  if (s->settle == QZ_FLATTEN) return v >> 24 == 255 ? v : qz_flatten_word(v, s->background);
  if (s->settle == QZ_UNIFY_TRANSPARENT && v >> 24 == 0) {
    if (!st->seen) st->first_transparent = v, st->seen = 1;
    return st->first_transparent;
  }
  return v;
}

/* The end of the run of pixels equal to row[i]: the first j in (i, n] whose pixel differs, n when none does. */
static inline size_t qz_run_end(const uint8_t *row, size_t i, size_t n) {
  uint32_t v, w;
  memcpy(&v, row + i * 4, 4);
  uint8_t two[8];
  memcpy(two, &v, 4);
  memcpy(two + 4, &v, 4);
  uint64_t vv, a, b, c, d;
  memcpy(&vv, two, 8);
  size_t j = i + 1;
  /* Eight pixels per step while they all match: four 64-bit compares instead of eight byte-wise words. */
  for (; j + 8 <= n; j += 8) {
    const uint8_t *p = row + j * 4;
    memcpy(&a, p, 8), memcpy(&b, p + 8, 8), memcpy(&c, p + 16, 8), memcpy(&d, p + 24, 8);
    if ((a ^ vv) | (b ^ vv) | (c ^ vv) | (d ^ vv)) break;
  }
  while (j < n && (memcpy(&w, row + j * 4, 4), w == v)) j++;
  return j;
}

/* Called for each run: `len` pixels of settled colour `word` from index `pos` of the rectangle (row-major). */
typedef void (*qz_run_fn)(void *context, uint32_t word, size_t pos, size_t len);

/*
 * Every pixel of the rectangle, settled, in rectangle order (which decides the first transparent colour), as runs.
 * Inlined into each caller with its `visit` a constant, so the call per run compiles to the visitor's code.
 */
static inline __attribute__((always_inline)) void qz_for_runs(const qz_source_t *s, qz_run_fn visit, void *context) {
  qz_settle_state_t st = {0, 0};
  /* The columns of the rectangle inside the image: [x0, x1) in rectangle coordinates. */
  int x0 = s->x < 0 ? -s->x : 0, x1 = s->x + s->w > s->width ? s->width - s->x : s->w;
  if (x0 > s->w) x0 = s->w;
  size_t pos = 0, w = (size_t)s->w;
  for (int ty = 0; ty < s->h; ty++) {
    int y = s->y + ty;
    if (y < 0 || y >= s->height || x0 >= x1) {
      visit(context, qz_settle_word(s, &st, QZ_OUTSIDE), pos, w);
      pos += w;
      continue;
    }
    if (x0 > 0) visit(context, qz_settle_word(s, &st, QZ_OUTSIDE), pos, (size_t)x0);
    const uint8_t *row = s->rgba + (size_t)y * s->pitch + ((size_t)s->x + (size_t)x0) * 4;
    size_t n = (size_t)(x1 - x0), start = pos + (size_t)x0;
    if (y + 2 < s->height)
      for (size_t b = 0; b < n * 4; b += 64) __builtin_prefetch(row + 2 * s->pitch + b);
    for (size_t i = 0; i < n;) {
      size_t j = qz_run_end(row, i, n);
      visit(context, qz_settle_word(s, &st, qz_word(row + i * 4)), start + i, j - i);
      i = j;
    }
    if ((size_t)x1 < w) visit(context, qz_settle_word(s, &st, QZ_OUTSIDE), start + n, w - (size_t)x1);
    pos += w;
  }
}

#endif
