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
 * A source row filtered horizontally: per destination column the four channels as doubles and, where the four
 * taps are one colour (flat: most of a map), that colour as it is stored.
 */
typedef struct {
  rf_v4 *v;
  uint32_t *word;
  uint8_t *flat;
} filtered_row_t;

/* One premultiplied source row through the horizontal cubic. */
TARGET_CLONES
static void cubic_row(const uint8_t *row, const axis_t *X, int dw, const filtered_row_t *out) {
  /* Locals, not loads through the structs: the byte stores could alias them for the compiler. */
  const int32_t(*taps)[4] = X->taps;
  const double *frac = X->frac;
  const uint8_t *valid = X->valid;
  rf_v4 *v = out->v;
  uint32_t *word = out->word;
  uint8_t *flat = out->flat;
  for (int i = 0; i < dw; i++) {
    if (!valid[i]) continue;
    const int32_t *t = taps[i];
    const uint8_t *a = row + t[0] * 4, *b = row + t[1] * 4, *c = row + t[2] * 4, *e = row + t[3] * 4;
    /* Equal taps: Pillow's cubic gives the value itself, exactly. */
    int same = rf_same4(a, b, c, e);
    flat[i] = (uint8_t)same;
    /* The colour word is read only where all four rows are flat (cubic_column): non-flat columns skip it. */
    if (same) {
      word[i] = rf_word(a);
      v[i] = rf_load(a);
    } else {
      v[i] = rf_cubic(rf_load(a), rf_load(b), rf_load(c), rf_load(e), frac[i]);
    }
  }
}

/* Four horizontally filtered rows through the vertical cubic into one destination row. */
TARGET_CLONES
static void cubic_column(const filtered_row_t *const *rows, const axis_t *X, int dw, double d, uint8_t *out) {
  const rf_v4 *v0 = rows[0]->v, *v1 = rows[1]->v, *v2 = rows[2]->v, *v3 = rows[3]->v;
  const uint32_t *w0 = rows[0]->word, *w1 = rows[1]->word, *w2 = rows[2]->word, *w3 = rows[3]->word;
  const uint8_t *f0 = rows[0]->flat, *f1 = rows[1]->flat, *f2 = rows[2]->flat, *f3 = rows[3]->flat;
  const uint8_t *valid = X->valid;
  for (int i = 0; i < dw; i++, out += 4) {
    if (!valid[i]) {
      memset(out, 0, 4);
      continue;
    }
    /* Four flat rows of one colour (flat areas): the cubic gives that colour, exactly; no arithmetic. */
    if ((f0[i] & f1[i] & f2[i] & f3[i]) && w0[i] == w1[i] && w0[i] == w2[i] && w0[i] == w3[i])
      memcpy(out, &w0[i], 4);
    else
      rf_store(rf_cubic(v0[i], v1[i], v2[i], v3[i], d), out);
    rf_unpremultiply(out);
  }
}

/*
 * Bicubic in two passes, as Pillow computes it (each tap row filtered horizontally, then the rows combined), but
 * each source row filtered once for all destination rows that use it: the filtered rows live in a ring of four
 * keyed by source row (the four rows of one destination row are consecutive, so they never share a slot).
 */
static int axes_bicubic(const rf_image_t *pm, uint8_t *dst, int dw, int dh, const axis_t *X, const axis_t *Y) {
  size_t n = (size_t)dw * 4;
  rf_v4 *v = aligned_alloc(sizeof(rf_v4), sizeof(rf_v4) * n);
  uint32_t *word = malloc(sizeof(uint32_t) * n);
  uint8_t *flat = malloc(n);
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
        cubic_row(pm->rgba + (size_t)r * pm->width * 4, X, dw, &ring[r % 4]);
        ring_row[r % 4] = r;
      }
      rows[k] = &ring[r % 4];
    }
    cubic_column(rows, X, dw, Y->frac[j], out);
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
  rc = method == RESAMPLE_BILINEAR ? (axes_bilinear(&pm, dst, dw, dh, &X, &Y), 0) : axes_bicubic(&pm, dst, dw, dh, &X, &Y);
  free(owned);
done:
  free(X.block);
  free(Y.block);
  return rc;
}
