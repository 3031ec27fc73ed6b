#include "warp_axes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "simd.h"

/* One axis: per destination position, whether it is inside the source, its taps (clamped to the edge) and fraction. */
typedef struct {
  int32_t (*taps)[4];
  double *frac;
  uint8_t *valid;
  void *block; /* the one allocation behind the three arrays */
} axis_t;

/*
 * Pillow's filters at a position p inside [0, size): nearest takes trunc(p); bilinear and bicubic split p − 0.5
 * into floor and fraction and take 2 or 4 taps from floor (bicubic from floor − 1), clamped to the image.
 */
static int axis_new(axis_t *a, const double *pos, int n, int size, resample_method_t method) {
  a->block = malloc((size_t)n * (sizeof *a->taps + sizeof *a->frac + 1));
  if (!a->block) return -1;
  a->taps = a->block;
  a->frac = (double *)(a->taps + n);
  a->valid = (uint8_t *)(a->frac + n);
  for (int i = 0; i < n; i++) {
    double p = pos[i];
    /* Tested as a double first: converting a huge or NaN position to int is undefined. */
    a->valid[i] = p >= 0.0 && p < (double)size;
    memset(a->taps[i], 0, sizeof a->taps[i]);
    a->frac[i] = 0;
    if (!a->valid[i]) continue;
    if (method == RESAMPLE_NEAREST) {
      a->taps[i][0] = (int32_t)p;
      continue;
    }
    double u = p - 0.5;
    int f = (int)floor(u);
    a->frac[i] = u - f;
    int first = method == RESAMPLE_BICUBIC ? f - 1 : f, ntaps = method == RESAMPLE_BICUBIC ? 4 : 2;
    for (int k = 0; k < ntaps; k++) a->taps[i][k] = rf_clip(first + k, size);
  }
  return 0;
}

/* The source pixels an axis' taps reach: [lo, hi), empty (lo ≥ hi) when no position is inside. */
static void axis_reach(const axis_t *a, int n, int size, resample_method_t method, int *lo, int *hi) {
  int last = method == RESAMPLE_BICUBIC ? 3 : method == RESAMPLE_BILINEAR ? 1 : 0;
  *lo = size;
  *hi = 0;
  for (int i = 0; i < n; i++) {
    if (!a->valid[i]) continue;
    if (a->taps[i][0] < *lo) *lo = a->taps[i][0];
    if (a->taps[i][last] + 1 > *hi) *hi = a->taps[i][last] + 1;
  }
}

static void axes_nearest(const rf_image_t *src, uint8_t *dst, int dw, int dh, const axis_t *X, const axis_t *Y) {
  const uint32_t zero = 0;
  for (int j = 0; j < dh; j++) {
    uint8_t *out = dst + (size_t)j * dw * 4;
    if (!Y->valid[j]) {
      memset(out, 0, (size_t)dw * 4);
      continue;
    }
    const uint8_t *in = src->rgba + (size_t)Y->taps[j][0] * src->width * 4;
    for (int i = 0; i < dw; i++) memcpy(out + (size_t)i * 4, X->valid[i] ? in + (size_t)X->taps[i][0] * 4 : (const uint8_t *)&zero, 4);
  }
}

/*
 * Bilinear per destination pixel, in Pillow's order (each tap row along x, then across the rows): map images are
 * mostly flat, and four equal taps are copied without arithmetic (Pillow's formula is exact there too).
 */
TARGET_CLONES
static void bilinear_row(const uint8_t *r0, const uint8_t *r1, const axis_t *X, int dw, double dy, uint8_t *out) {
  /* Locals, not loads through X: the byte stores could alias it for the compiler. */
  const int32_t(*taps)[4] = X->taps;
  const double *frac = X->frac;
  const uint8_t *valid = X->valid;
  for (int i = 0; i < dw; i++, out += 4) {
    if (!valid[i]) {
      memset(out, 0, 4);
      continue;
    }
    int c0 = taps[i][0] * 4, c1 = taps[i][1] * 4;
    if (rf_same4(r0 + c0, r0 + c1, r1 + c0, r1 + c1)) {
      memcpy(out, r0 + c0, 4);
    } else {
      double dx = frac[i];
      rf_store(rf_lerp(rf_lerp(rf_load(r0 + c0), rf_load(r0 + c1), dx), rf_lerp(rf_load(r1 + c0), rf_load(r1 + c1), dx), dy), out);
    }
    rf_unpremultiply(out);
  }
}

static void axes_bilinear(const rf_image_t *pm, uint8_t *dst, int dw, int dh, const axis_t *X, const axis_t *Y) {
  size_t pitch = (size_t)pm->width * 4;
  for (int j = 0; j < dh; j++) {
    uint8_t *out = dst + (size_t)j * dw * 4;
    if (!Y->valid[j]) {
      memset(out, 0, (size_t)dw * 4);
      continue;
    }
    bilinear_row(pm->rgba + Y->taps[j][0] * pitch, pm->rgba + Y->taps[j][1] * pitch, X, dw, Y->frac[j], out);
  }
}

/*
 * A source row filtered horizontally: per destination column either the four channels as doubles or, where the
 * four taps are one colour (flat: most of a map), that colour as it is stored and `flat` set. Columns outside the
 * source are flat transparent black, which is what the map gets there.
 */
typedef struct {
  rf_v4 *v;
  uint32_t *word;
  uint8_t *flat;
} filtered_row_t;

/* Eight flags of 1, as eight bytes read in one word (the same in either byte order). */
#define RUN_ONES 0x0101010101010101ull

/* The first k (1..8) bytes of an 8-byte word as it lies in memory. */
static inline uint64_t first_bytes(int k) {
  if (k >= 8) return ~0ull;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  return ~(~0ull >> (8 * k));
#else
  return (1ull << (8 * k)) - 1;
#endif
}

/* Whether the `len` (1..16) flags at p are all 1; p has 16 readable bytes. */
static inline int run_all(const uint8_t *p, int len) {
  uint64_t r0, r1;
  memcpy(&r0, p, 8);
  memcpy(&r1, p + 8, 8);
  if (len <= 8) return (r0 & first_bytes(len)) == (RUN_ONES & first_bytes(len));
  return r0 == RUN_ONES && (r1 & first_bytes(len - 8)) == (RUN_ONES & first_bytes(len - 8));
}

/*
 * One premultiplied source row through the horizontal cubic: `at` is its pixel lo, [lo, hi) the span of source pixels
 * the taps reach (axis_reach); `first[i]` is column i's first tap − lo and `monotonic` says those never fall from
 * one column inside the source to the next; `run` is room for hi − lo flags and 16 bytes more, zero.
 */
TARGET_CLONES
static void cubic_row(const uint8_t *at, const axis_t *X, const int32_t *first, int monotonic, int dw, int lo, int hi, uint8_t *restrict run,
                      const filtered_row_t *out) {
  /* Locals, not loads through the structs: the byte stores could alias them for the compiler. */
  const int32_t(*taps)[4] = X->taps;
  const double *frac = X->frac;
  const uint8_t *valid = X->valid;
  rf_v4 *v = out->v;
  uint32_t *word = out->word;
  uint8_t *flat = out->flat;
  /*
   * run[x − lo]: pixels x..x+3 are one colour (a vectorized pass over the row). A column's taps lie in
   * first tap..first tap + 3 (consecutive, or repeated where clamped at an edge), so that flag says the taps are
   * equal; near the reach's end, where x + 3 would read past it, it is 0 and the cubic runs (exact anyway).
   */
  int n = hi - lo;
  for (int x = 0; x < n; x++) run[x] = 0;
  for (int x = 0; x + 3 < n; x++) {
    uint32_t a, b, c, e;
    memcpy(&a, at + (size_t)x * 4, 4);
    memcpy(&b, at + (size_t)(x + 1) * 4, 4);
    memcpy(&c, at + (size_t)(x + 2) * 4, 4);
    memcpy(&e, at + (size_t)(x + 3) * 4, 4);
    run[x] = (uint8_t)((a == b) & (a == c) & (a == e));
  }
  for (int i = 0; i < dw; i++) {
    /*
     * Eight columns at a time where the first taps rise (monotonic) within 16 pixels: when every position from
     * the first column's first tap to the last one's starts four pixels of one colour, those overlapping runs are
     * all one colour, and so are the eight columns (most of a map).
     */
    if (monotonic && i + 8 <= dw && (i & 7) == 0) {
      uint64_t all_valid;
      memcpy(&all_valid, valid + i, 8);
      int32_t a = first[i], len = first[i + 7] - a + 1;
      if (all_valid == RUN_ONES && len <= 16 && run_all(run + a, len)) {
        uint32_t w = rf_word(at + (size_t)a * 4);
        for (int k = 0; k < 8; k++) word[i + k] = w;
        memset(flat + i, 1, 8);
        i += 7;
        continue;
      }
    }
    if (!valid[i]) {
      word[i] = 0;
      flat[i] = 1;
      continue;
    }
    const int32_t *t = taps[i];
    const uint8_t *a = at + (size_t)(t[0] - lo) * 4;
    /* Equal taps: Pillow's cubic gives the value itself, exactly; its doubles are made only if a column needs them. */
    uint8_t same = run[t[0] - lo];
    flat[i] = same;
    word[i] = rf_word(a);
    if (!same)
      v[i] = rf_cubic(rf_load(a), rf_load(at + (size_t)(t[1] - lo) * 4), rf_load(at + (size_t)(t[2] - lo) * 4), rf_load(at + (size_t)(t[3] - lo) * 4), frac[i]);
  }
}

/* A filtered row's value at column i as doubles. */
#define ROW_V(r, i) ((r)->flat[i] ? rf_load((const uint8_t *)&(r)->word[i]) : (r)->v[i])

/*
 * Four horizontally filtered rows through the vertical cubic into one destination row. Columns where the four rows
 * are flat in one colour (flat areas, and columns outside the source) get that colour without arithmetic, found
 * and written for the whole row at once (vectorized); the cubic runs only on the others. `opaque`: every tap is
 * opaque, so every result is and nothing needs converting back to straight alpha.
 */
TARGET_CLONES
static void cubic_column(const filtered_row_t *const *rows, int dw, double d, int opaque, uint8_t *restrict mixed, uint8_t *out) {
  const uint32_t *w0 = rows[0]->word, *w1 = rows[1]->word, *w2 = rows[2]->word, *w3 = rows[3]->word;
  const uint8_t *f0 = rows[0]->flat, *f1 = rows[1]->flat, *f2 = rows[2]->flat, *f3 = rows[3]->flat;
  for (int i = 0; i < dw; i++) {
    uint32_t w = w0[i];
    mixed[i] = (uint8_t)(((f0[i] & f1[i] & f2[i] & f3[i]) == 0) | (w != w1[i]) | (w != w2[i]) | (w != w3[i]));
    memcpy(out + (size_t)i * 4, &w, 4);
  }
  for (int i = 0; i < dw; i++) {
    /* Eight flat columns at a time: most of a row. */
    if (i + 8 <= dw) {
      uint64_t any;
      memcpy(&any, mixed + i, 8);
      if (!any) {
        i += 7;
        continue;
      }
    }
    if (!mixed[i]) continue;
    rf_store(rf_cubic(ROW_V(rows[0], i), ROW_V(rows[1], i), ROW_V(rows[2], i), ROW_V(rows[3], i), d), out + (size_t)i * 4);
  }
  if (!opaque)
    for (int i = 0; i < dw; i++) rf_unpremultiply(out + (size_t)i * 4);
}

/*
 * Where bicubic reads its premultiplied source rows: an image (premultiplied where needed, `opaque` when all its
 * taps are), or a row reader whose rows are read into `buf` and premultiplied there when they hold transparency.
 */
typedef struct {
  const rf_image_t *pm;
  int opaque;
  const rf_rows_t *rows;
  uint8_t *buf;
} row_source_t;

/* Row y's pixels from lo on, premultiplied; *opaque when all of [lo, hi) are. */
static const uint8_t *source_row(const row_source_t *s, int y, int lo, int hi, int *opaque) {
  if (s->pm) {
    *opaque = s->opaque;
    return s->pm->rgba + ((size_t)y * s->pm->width + (size_t)lo) * 4;
  }
  *opaque = 1;
  if (hi <= lo) return s->buf; /* no column inside the source: nothing is read */
  size_t n = (size_t)(hi - lo);
  s->rows->read(s->rows->ctx, y, lo, hi, s->buf);
  uint8_t all = 255;
  for (size_t i = 0; i < n; i++) all &= s->buf[i * 4 + 3];
  *opaque = all == 255;
  /* In place: each pixel is read before it is written. */
  if (!*opaque) rf_premultiply(s->buf, s->buf, n);
  return s->buf;
}

/*
 * Bicubic in two passes, as Pillow computes it (each tap row filtered horizontally, then the rows combined), but
 * each source row filtered once for all destination rows that use it: the filtered rows live in a ring of four
 * keyed by source row (the four rows of one destination row are consecutive, so they never share a slot).
 */
static int axes_bicubic(const row_source_t *src, int lo, int hi, uint8_t *dst, int dw, int dh, const axis_t *X, const axis_t *Y) {
  size_t n = (size_t)dw * 4;
  rf_v4 *v = aligned_alloc(sizeof(rf_v4), sizeof(rf_v4) * n);
  /* the rows' words, then the columns' first taps */
  uint32_t *word = malloc(sizeof(uint32_t) * (n + (size_t)dw));
  /* the rows' flags, the destination row's mixed columns, a source row's runs (and 16 bytes that stay zero) */
  size_t reach = hi > lo ? (size_t)(hi - lo) : 0;
  uint8_t *flat = malloc(n + (size_t)dw + reach + 16);
  if (!v || !word || !flat) {
    free(v);
    free(word);
    free(flat);
    return -1;
  }
  uint8_t *run = flat + n + dw;
  memset(run + reach, 0, 16);
  int32_t *first = (int32_t *)(word + n);
  int monotonic = 1, last = -1;
  for (int i = 0; i < dw; i++) {
    first[i] = X->valid[i] ? X->taps[i][0] - lo : -1;
    if (!X->valid[i]) continue;
    if (first[i] < last) monotonic = 0;
    last = first[i];
  }
  filtered_row_t ring[4];
  for (int k = 0; k < 4; k++) ring[k] = (filtered_row_t){v + (size_t)k * dw, word + (size_t)k * dw, flat + (size_t)k * dw};
  int ring_row[4] = {-1, -1, -1, -1}, ring_opaque[4] = {0, 0, 0, 0};
  const filtered_row_t *rows[4];
  for (int j = 0; j < dh; j++) {
    uint8_t *out = dst + (size_t)j * dw * 4;
    if (!Y->valid[j]) {
      memset(out, 0, (size_t)dw * 4);
      continue;
    }
    int opaque = 1;
    for (int k = 0; k < 4; k++) {
      int r = Y->taps[j][k];
      if (ring_row[r % 4] != r) {
        const uint8_t *at = source_row(src, r, lo, hi, &ring_opaque[r % 4]);
        cubic_row(at, X, first, monotonic, dw, lo, hi, run, &ring[r % 4]);
        ring_row[r % 4] = r;
      }
      rows[k] = &ring[r % 4];
      opaque &= ring_opaque[r % 4];
    }
    cubic_column(rows, dw, Y->frac[j], opaque, flat + n, out);
  }
  free(v);
  free(word);
  free(flat);
  return 0;
}

int warp_axes(const rf_image_t *src, uint8_t *dst, int dw, int dh, const double *xs, const double *ys, resample_method_t method) {
  axis_t X = {0}, Y = {0};
  int rc = -1;
  if (axis_new(&X, xs, dw, src->width, method) || axis_new(&Y, ys, dh, src->height, method)) goto done;
  if (method == RESAMPLE_NEAREST) {
    axes_nearest(src, dst, dw, dh, &X, &Y);
    rc = 0;
    goto done;
  }
  rf_rect_t reach;
  axis_reach(&X, dw, src->width, method, &reach.x0, &reach.x1);
  axis_reach(&Y, dh, src->height, method, &reach.y0, &reach.y1);
  rf_image_t pm;
  uint8_t *owned;
  if (rf_premultiplied_source(src, reach, &pm, &owned)) goto done;
  row_source_t rows = {&pm, owned == NULL, NULL, NULL};
  rc = method == RESAMPLE_BILINEAR ? (axes_bilinear(&pm, dst, dw, dh, &X, &Y), 0) : axes_bicubic(&rows, reach.x0, reach.x1, dst, dw, dh, &X, &Y);
  free(owned);
done:
  free(X.block);
  free(Y.block);
  return rc;
}

int warp_axes_bicubic_rows(const rf_rows_t *src, uint8_t *dst, int dw, int dh, const double *xs, const double *ys) {
  axis_t X = {0}, Y = {0};
  int rc = -1;
  uint8_t *buf = NULL;
  if (axis_new(&X, xs, dw, src->width, RESAMPLE_BICUBIC) || axis_new(&Y, ys, dh, src->height, RESAMPLE_BICUBIC)) goto done;
  int lo, hi;
  axis_reach(&X, dw, src->width, RESAMPLE_BICUBIC, &lo, &hi);
  buf = malloc((size_t)(hi > lo ? hi - lo : 1) * 4);
  if (!buf) goto done;
  row_source_t rows = {NULL, 0, src, buf};
  rc = axes_bicubic(&rows, lo, hi, dst, dw, dh, &X, &Y);
done:
  free(buf);
  free(X.block);
  free(Y.block);
  return rc;
}
