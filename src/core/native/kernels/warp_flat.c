#include "warp_flat.h"

#include <stdlib.h>
#include <string.h>

#include "simd.h"

/* Pixels as 32-bit words at any address (a Buffer may start anywhere). */
typedef uint32_t word_t __attribute__((aligned(1), may_alias));

/* One row of the map: pixel i of `out` is column x0 + i, the rows r0…r3 are the image rows y − 1 … y + 2. */
TARGET_CLONES
static void flat_row(const word_t *r0, const word_t *r1, const word_t *r2, const word_t *r3, int x0, int n, uint8_t *out) {
  for (int i = 0; i < n; i++) {
    int x = x0 + i;
    uint32_t v = r1[x];
    int same = 1;
    for (int k = -1; k <= 2; k++) same &= (r0[x + k] == v) & (r1[x + k] == v) & (r2[x + k] == v) & (r3[x + k] == v);
    out[i] = (uint8_t)same;
  }
}

uint8_t *warp_flat_blocks(const rf_image_t *im, rf_rect_t r) {
  int rw = r.x1 - r.x0, rh = r.y1 - r.y0;
  if (rw <= 0 || rh <= 0 || r.x0 < 0 || r.y0 < 0 || r.x1 > im->width || r.y1 > im->height) return NULL;
  uint8_t *map = calloc((size_t)rw * rh, 1);
  if (!map) return NULL;
  /* Only pixels whose taps stay inside the image: columns 1 … width − 3, rows 1 … height − 3. */
  int x0 = r.x0 < 1 ? 1 : r.x0, x1 = r.x1 > im->width - 2 ? im->width - 2 : r.x1;
  int y0 = r.y0 < 1 ? 1 : r.y0, y1 = r.y1 > im->height - 2 ? im->height - 2 : r.y1;
  const word_t *rows = (const word_t *)(const void *)im->rgba;
  size_t w = (size_t)im->width;
  for (int y = y0; y < y1 && x0 < x1; y++) {
    const word_t *r1 = rows + (size_t)y * w;
    uint8_t *row = map + (size_t)(y - r.y0) * rw;
    flat_row(r1 - w, r1, r1 + w, r1 + 2 * w, x0, x1 - x0, row + (x0 - r.x0));
    /* Flags to runs, from the right: a flat pixel starts one more than its right neighbour. */
    unsigned run = 0;
    for (int i = x1 - r.x0 - 1; i >= x0 - r.x0; i--) {
      run = row[i] ? (run < WARP_FLAT_RUN_MAX ? run + 1 : WARP_FLAT_RUN_MAX) : 0;
      row[i] = (uint8_t)run;
    }
  }
  return map;
}
