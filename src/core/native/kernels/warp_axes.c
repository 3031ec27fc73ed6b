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

/*
 * One premultiplied source row through the horizontal cubic. [lo, hi) is the span of source pixels the taps reach (axis_reach);
 * `run` is room for hi − lo flags.
 */
TARGET_CLONES
static void cubic_row(const uint8_t *row, const axis_t *X, int dw, int lo, int hi, uint8_t *restrict run, const filtered_row_t *out) {
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
    memcpy(&a, row + (size_t)(lo + x) * 4, 4);
    memcpy(&b, row + (size_t)(lo + x + 1) * 4, 4);
    memcpy(&c, row + (size_t)(lo + x + 2) * 4, 4);
    memcpy(&e, row + (size_t)(lo + x + 3) * 4, 4);
    run[x] = (uint8_t)((a == b) & (a == c) & (a == e));
  }
  for (int i = 0; i < dw; i++) {
    if (!valid[i]) {
      word[i] = 0;
      flat[i] = 1;
      continue;
    }
    const int32_t *t = taps[i];
    const uint8_t *a = row + t[0] * 4;
    /* Equal taps: Pillow's cubic gives the value itself, exactly; its doubles are made only if a column needs them. */
    uint8_t same = run[t[0] - lo];
    flat[i] = same;
    word[i] = rf_word(a);
    if (!same) v[i] = rf_cubic(rf_load(a), rf_load(row + t[1] * 4), rf_load(row + t[2] * 4), rf_load(row + t[3] * 4), frac[i]);
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
 * Bicubic in two passes, as Pillow computes it (each tap row filtered horizontally, then the rows combined), but
 * each source row filtered once for all destination rows that use it: the filtered rows live in a ring of four
 * keyed by source row (the four rows of one destination row are consecutive, so they never share a slot).
 */
static int axes_bicubic(const rf_image_t *pm, int opaque, int lo, int hi, uint8_t *dst, int dw, int dh, const axis_t *X, const axis_t *Y) {
  size_t n = (size_t)dw * 4;
  rf_v4 *v = aligned_alloc(sizeof(rf_v4), sizeof(rf_v4) * n);
  uint32_t *word = malloc(sizeof(uint32_t) * n);
  /* the rows' flags, the destination row's mixed columns, a source row's runs */
  uint8_t *flat = malloc(n + (size_t)dw + (size_t)(hi > lo ? hi - lo : 0));
  if (!v || !word || !flat) {
    free(v);
    free(word);
    free(flat);
    return -1;
  }
  filtered_row_t ring[4];
  for (int k = 0; k < 4; k++) ring[k] = (filtered_row_t){v + (size_t)k * dw, word + (size_t)k * dw, flat + (size_t)k * dw};
  int ring_row[4] = {-1, -1, -1, -1};
  const filtered_row_t *rows[4];
  for (int j = 0; j < dh; j++) {
    uint8_t *out = dst + (size_t)j * dw * 4;
    if (!Y->valid[j]) {
      memset(out, 0, (size_t)dw * 4);
      continue;
    }
    for (int k = 0; k < 4; k++) {
      int r = Y->taps[j][k];
      if (ring_row[r % 4] != r) {
        cubic_row(pm->rgba + (size_t)r * pm->width * 4, X, dw, lo, hi, flat + n + dw, &ring[r % 4]);
        ring_row[r % 4] = r;
      }
      rows[k] = &ring[r % 4];
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
  rc = method == RESAMPLE_BILINEAR ? (axes_bilinear(&pm, dst, dw, dh, &X, &Y), 0) : axes_bicubic(&pm, owned == NULL, reach.x0, reach.x1, dst, dw, dh, &X, &Y);
  free(owned);
done:
  free(X.block);
  free(Y.block);
  return rc;
}
