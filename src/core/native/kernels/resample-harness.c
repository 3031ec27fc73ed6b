/*
 * Random inputs through the image kernels outside Node (resample, warp, compose, composite, mask), for the
 * sanitizer run (scripts/sanitize-kernels.sh): every size, position and bound the Node-API layer lets through,
 * including huge, infinite and NaN mesh positions. Checks the invariants that hold for any input; exits
 * non-zero on a violation (and the sanitizers abort on any memory error).
 * usage: resample-harness [iterations=2000] [seed=1]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose.h"
#include "composite.h"
#include "mask.h"
#include "resample.h"
#include "warp.h"
#include "warp_axes.h"

static uint64_t state;
static uint32_t next(void) {
  state = state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint32_t)(state >> 33);
}
static int below(int n) { return (int)(next() % (uint32_t)n); }
static double any_position(void) {
  static const double odd[] = {0, -1, 1e300, -1e300, INFINITY, -INFINITY, NAN, 0.5, 2147483648.0, -2147483649.0};
  return below(4) == 0 ? odd[below(10)] : (next() / 4294967296.0 - 0.25) * 80;
}

/* A row reader over an image that checks the bounds it is given (warp_axes.h). */
static int bad_reads;
static void read_row(void *ctx, int y, int x0, int x1, uint8_t *out) {
  const rf_image_t *im = ctx;
  if (y < 0 || y >= im->height || x0 < 0 || x1 > im->width || x0 >= x1) {
    bad_reads++;
    return;
  }
  memcpy(out, im->rgba + ((size_t)y * im->width + x0) * 4, (size_t)(x1 - x0) * 4);
}

static int failures;
static void check(int ok, const char *what, int iteration) {
  if (!ok && failures++ < 10) fprintf(stderr, "resample-harness: iteration %d: %s\n", iteration, what);
}

static uint8_t *image(int w, int h, int flat) {
  uint8_t *p = malloc((size_t)w * h * 4);
  uint32_t c = next() | 0xff000000u;
  for (int i = 0; i < w * h; i++) {
    uint32_t v = flat ? c : next();
    if (!flat && below(3) == 0) v |= 0xff000000u;
    memcpy(p + (size_t)i * 4, &v, 4);
  }
  return p;
}

int main(int argc, char **argv) {
  int iterations = argc > 1 ? atoi(argv[1]) : 2000;
  state = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
  for (int it = 0; it < iterations; it++) {
    int sw = 1 + below(24), sh = 1 + below(24), dw = 1 + below(24), dh = 1 + below(24);
    int flat = below(3) == 0;
    uint8_t *src = image(sw, sh, flat);
    rf_image_t s = {src, sw, sh};
    uint8_t *dst = malloc((size_t)dw * dh * 4);
    resample_method_t method = (resample_method_t)below(3);

    /* EXTENT: any finite extent. A flat opaque source gives its colour wherever the source is sampled. */
    double extent[4];
    for (int k = 0; k < 4; k++) {
      do extent[k] = any_position();
      while (!isfinite(extent[k]));
    }
    check(resample_extent(&s, dst, dw, dh, extent, method) == 0, "resample_extent failed", it);
    if (flat) {
      for (int i = 0; i < dw * dh; i++) {
        uint32_t v, c;
        memcpy(&v, dst + (size_t)i * 4, 4);
        memcpy(&c, src, 4);
        check(v == 0 || v == c, "flat source: a sampled pixel is not the source colour", it);
      }
    }

    /* Mesh: boxes inside dst, corners anything; exact points on dst, positions anything. */
    size_t nq = (size_t)below(4), np = (size_t)below(4);
    double *quads = malloc(sizeof(double) * WARP_QUAD_DOUBLES * (nq + 1));
    double *points = malloc(sizeof(double) * WARP_POINT_DOUBLES * (np + 1));
    for (size_t q = 0; q < nq; q++) {
      double *b = quads + q * WARP_QUAD_DOUBLES;
      int x0 = below(dw), y0 = below(dh);
      b[0] = x0, b[1] = y0, b[2] = x0 + 1 + below(dw - x0), b[3] = y0 + 1 + below(dh - y0);
      for (int k = 4; k < WARP_QUAD_DOUBLES; k++) b[k] = any_position();
    }
    for (size_t p = 0; p < np; p++) {
      double *b = points + p * WARP_POINT_DOUBLES;
      b[0] = below(dw), b[1] = below(dh), b[2] = any_position(), b[3] = any_position();
    }
    check(warp_check_quads(quads, nq, dw, dh) < 0 && warp_check_points(points, np, dw, dh) < 0, "valid mesh refused", it);
    check(warp_mesh(&s, dst, dw, dh, quads, nq, points, np, method) == 0, "warp_mesh failed", it);
    if (nq) {
      quads[2] = dw + 1;
      check(warp_check_quads(quads, nq, dw, dh) == 0, "a box beyond dst accepted", it);
    }

    /* Separable: a position per column and per row, anything; the same pixels as the mesh's exact points. */
    double *xs = malloc(sizeof(double) * dw), *ys = malloc(sizeof(double) * dh);
    double *each = malloc(sizeof(double) * WARP_POINT_DOUBLES * dw * dh);
    uint8_t *axes = malloc((size_t)dw * dh * 4);
    for (int i = 0; i < dw; i++) xs[i] = below(2) ? any_position() : (next() / 4294967296.0) * sw;
    if (below(2)) {
      /* Rising, as a map's columns are (and as the eight-column shortcut needs), some possibly past either edge. */
      double x = (next() / 4294967296.0) * (sw + 4) - 2, step = (next() / 4294967296.0) * 2.5;
      for (int i = 0; i < dw; i++, x += step) xs[i] = x;
    }
    for (int j = 0; j < dh; j++) ys[j] = below(2) ? any_position() : (next() / 4294967296.0) * sh;
    for (int j = 0; j < dh; j++)
      for (int i = 0; i < dw; i++) {
        double *b = each + ((size_t)j * dw + i) * WARP_POINT_DOUBLES;
        b[0] = i, b[1] = j, b[2] = xs[i], b[3] = ys[j];
      }
    check(warp_axes(&s, axes, dw, dh, xs, ys, method) == 0, "warp_axes failed", it);
    check(warp_mesh(&s, dst, dw, dh, NULL, 0, each, (size_t)dw * dh, method) == 0, "warp_mesh of points failed", it);
    check(memcmp(axes, dst, (size_t)dw * dh * 4) == 0, "warp_axes differs from the same positions sampled one by one", it);
    if (method == RESAMPLE_BICUBIC) {
      /* Read by rows, reading only [x0, x1) of each: the same pixels. */
      rf_rows_t rows = {read_row, &s, s.width, s.height};
      check(warp_axes_bicubic_rows(&rows, dst, dw, dh, xs, ys) == 0, "warp_axes_bicubic_rows failed", it);
      check(memcmp(axes, dst, (size_t)dw * dh * 4) == 0, "warp_axes_bicubic_rows differs from warp_axes", it);
    }
    free(xs);
    free(ys);
    free(each);
    free(axes);

    /* The mesh fill's shortcuts for flat areas (warp_flat.h) on a blocky source: the same pixels as each
     * position sampled alone, positions as Pillow's quad_transform computes them. */
    {
      int bw = 8 + below(40), bh = 8 + below(40), cell = 1 + below(30);
      uint8_t *blocky = malloc((size_t)bw * bh * 4);
      for (int y = 0; y < bh; y++)
        for (int x = 0; x < bw; x++) {
          uint32_t c = (uint32_t)((x / cell) * 7 + (y / cell) * 13) * 2654435761u;
          c |= below(5) ? 0xff000000u : 0;
          memcpy(blocky + ((size_t)y * bw + x) * 4, &c, 4);
        }
      rf_image_t b = {blocky, bw, bh};
      double q[WARP_QUAD_DOUBLES] = {0, 0, dw, dh};
      for (int k = 4; k < WARP_QUAD_DOUBLES; k += 2) q[k] = (next() / 4294967296.0) * (bw + 4) - 2, q[k + 1] = (next() / 4294967296.0) * (bh + 4) - 2;
      double As = 1.0 / dw, At = 1.0 / dh;
      double a0 = q[4], a1 = (q[10] - q[4]) * As, a2 = (q[6] - q[4]) * At, a3 = (q[8] - q[6] - q[10] + q[4]) * As * At;
      double a4 = q[5], a5 = (q[11] - q[5]) * As, a6 = (q[7] - q[5]) * At, a7 = (q[9] - q[7] - q[11] + q[5]) * As * At;
      double *alone = malloc(sizeof(double) * WARP_POINT_DOUBLES * dw * dh);
      for (int j = 0; j < dh; j++)
        for (int i = 0; i < dw; i++) {
          double xin = i + 0.5, yin = j + 0.5, *p = alone + ((size_t)j * dw + i) * WARP_POINT_DOUBLES;
          p[0] = i, p[1] = j, p[2] = a0 + a1 * xin + a2 * yin + a3 * xin * yin, p[3] = a4 + a5 * xin + a6 * yin + a7 * xin * yin;
        }
      uint8_t *meshed = malloc((size_t)dw * dh * 4);
      check(warp_mesh(&b, meshed, dw, dh, q, 1, NULL, 0, method) == 0, "warp_mesh of a blocky source failed", it);
      check(warp_mesh(&b, dst, dw, dh, NULL, 0, alone, (size_t)dw * dh, method) == 0, "warp_mesh of points failed", it);
      check(memcmp(meshed, dst, (size_t)dw * dh * 4) == 0, "a quad's flat shortcuts differ from its positions sampled alone", it);
      free(blocky);
      free(alone);
      free(meshed);
    }

    /* Window of a mosaic: tiles of any kind and size, checked as the Node-API layer checks them. */
    int cols = 1 + below(3), rows = 1 + below(3), tw = 1 + below(8), th = 1 + below(8);
    compose_tile_t tiles[9];
    uint8_t *bufs[9];
    uint32_t palette[256];
    for (int k = 0; k < 256; k++) palette[k] = next();
    for (int k = 0; k < cols * rows; k++) {
      compose_tile_t *t = &tiles[k];
      t->kind = (compose_kind_t)below(3);
      t->width = 1 + below(10), t->height = 1 + below(10), t->pitch = below(4) ? t->width + below(3) : 0, t->first = below(2);
      size_t len = (size_t)below(2) ? (size_t)t->width * t->height * 4 : (size_t)below(400);
      bufs[k] = malloc(len + 1);
      for (size_t i = 0; i < len; i++) bufs[k][i] = (uint8_t)next();
      t->pixels = bufs[k];
      t->palette = (const uint8_t *)palette;
      if (compose_check_tile(t, len, below(4) ? sizeof palette : 100)) t->kind = COMPOSE_NONE;
    }
    const uint8_t bg[4] = {(uint8_t)below(256), (uint8_t)below(256), (uint8_t)below(256), (uint8_t)(below(2) * 255)};
    compose_window(tiles, cols, rows, tw, th, below(40) - 20, below(40) - 20, dw, dh, bg, dst);
    for (int k = 0; k < cols * rows; k++) free(bufs[k]);

    /* Layers over a canvas, either kind, any opacity; opacity 0 changes nothing. */
    uint8_t *before = malloc((size_t)dw * dh * 4);
    memcpy(before, dst, (size_t)dw * dh * 4);
    composite_over(dst, dw, dh, &s, 0, below(2));
    check(memcmp(before, dst, (size_t)dw * dh * 4) == 0, "opacity 0 changed the canvas", it);
    composite_over(dst, dw, dh, &s, next() / 4294967296.0, below(2));
    free(before);

    /* Polygon edges anywhere (finite). */
    size_t ne = (size_t)below(6);
    double edges[6 * MASK_EDGE_DOUBLES];
    for (size_t i = 0; i < ne * MASK_EDGE_DOUBLES; i++) {
      do edges[i] = any_position();
      while (!isfinite(edges[i]));
    }
    check(mask_outside(dst, dw, dh, edges, ne) == 0, "mask_outside failed", it);

    free(quads);
    free(points);
    free(dst);
    free(src);
  }
  check(bad_reads == 0, "a row read outside the source", iterations);
  if (failures) {
    fprintf(stderr, "resample-harness: %d failed checks\n", failures);
    return 1;
  }
  printf("resample-harness: %d iterations clean\n", iterations);
  return 0;
}
