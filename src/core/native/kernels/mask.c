#include "mask.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t MASKED[4] = {255, 255, 255, 0};

static void clear_run(uint8_t *row, int from, int to) {
  for (int i = from; i < to; i++) memcpy(row + (size_t)i * 4, MASKED, 4);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The first pixel whose centre i + 0.5 is at or right of x, clamped to [0, w]. */
static int first_pixel_at(double x, int w) {
  double v = ceil(x - 0.5);
  return v < 0 ? 0 : v > w ? w : (int)v;
}

int mask_outside(uint8_t *rgba, int w, int h, const double *edges, size_t nedges) {
  double *xs = malloc(sizeof(double) * (nedges ? nedges : 1));
  if (!xs) return -1;
  for (int j = 0; j < h; j++) {
    double yc = j + 0.5;
    size_t n = 0;
    for (size_t e = 0; e < nedges; e++) {
      const double *p = edges + e * MASK_EDGE_DOUBLES;
      double ax = p[0], ay = p[1], bx = p[2], by = p[3];
      if ((ay <= yc && by > yc) || (by <= yc && ay > yc)) xs[n++] = ax + (yc - ay) / (by - ay) * (bx - ax);
    }
    qsort(xs, n, sizeof(double), cmp_double);
    uint8_t *row = rgba + (size_t)j * w * 4;
    int next = 0; /* first pixel not yet decided */
    for (size_t k = 0; k + 1 < n; k += 2) {
      int first = first_pixel_at(xs[k], w), end = first_pixel_at(xs[k + 1], w);
      clear_run(row, next, first);
      if (end > next) next = end;
    }
    clear_run(row, next, w);
  }
  free(xs);
  return 0;
}
