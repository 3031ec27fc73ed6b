#include "quantize_mediancut.h"

#include <stdlib.h>
#include <string.h>

/* Pillow counts at most this many distinct colours before it drops a bit of every channel. */
#define MAX_DISTINCT 65536u

/* ---- an open-addressing map from a 24-bit colour to a number ---- */

typedef struct {
  uint32_t *keys; /* colour + 1; 0 is an empty slot */
  uint32_t *values;
  uint32_t mask;
  uint32_t count;
} colour_map_t;

static int map_init(colour_map_t *m, uint32_t capacity) {
  m->keys = calloc(capacity, sizeof(uint32_t));
  m->values = malloc(capacity * sizeof(uint32_t));
  m->mask = capacity - 1;
  m->count = 0;
  return m->keys && m->values ? 0 : -1;
}

static void map_free(colour_map_t *m) {
  free(m->keys);
  free(m->values);
  m->keys = m->values = NULL;
}

static inline uint32_t slot_of(uint32_t key, uint32_t mask) { return (key * 0x9e3779b1u) >> 8 & mask; }

/* The slot of `colour`: found (keys[slot] == colour + 1) or where it goes. */
static inline uint32_t map_find(const colour_map_t *m, uint32_t colour) {
  uint32_t key = colour + 1, i = slot_of(key, m->mask);
  while (m->keys[i] && m->keys[i] != key) i = (i + 1) & m->mask;
  return i;
}

static int map_grow(colour_map_t *m) {
  colour_map_t bigger;
  if (map_init(&bigger, (m->mask + 1) * 2)) {
    map_free(&bigger);
    return -1;
  }
  for (uint32_t i = 0; i <= m->mask; i++) {
    if (!m->keys[i]) continue;
    uint32_t j = map_find(&bigger, m->keys[i] - 1);
    bigger.keys[j] = m->keys[i];
    bigger.values[j] = m->values[i];
  }
  bigger.count = m->count;
  map_free(m);
  *m = bigger;
  return 0;
}

/* Adds `colour` with `value` (the caller has found it absent at `slot`); keeps the load under a half. */
static int map_add(colour_map_t *m, uint32_t slot, uint32_t colour, uint32_t value) {
  m->keys[slot] = colour + 1;
  m->values[slot] = value;
  if (++m->count * 2 > m->mask + 1) return map_grow(m);
  return 0;
}

static inline uint32_t rgb_of(const uint8_t *p, unsigned shift) {
  return (uint32_t)(p[0] >> shift) << 16 | (uint32_t)(p[1] >> shift) << 8 | (uint32_t)(p[2] >> shift);
}

/* ---- the distinct colours ---- */

typedef struct {
  uint32_t n;
  uint8_t (*rgb)[3]; /* scaled */
  uint32_t *count;
  uint32_t *of_pixel; /* the distinct colour of every pixel */
} colours_t;

/*
 * Distinct colours at `shift`, or 1 when there are more than MAX_DISTINCT of them (try a larger shift), or -1
 * when memory runs out.
 */
static int count_colours(const uint8_t *rgba, size_t n, unsigned shift, colours_t *c) {
  colour_map_t m;
  if (map_init(&m, 4096)) {
    map_free(&m);
    return -1;
  }
  c->n = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t colour = rgb_of(rgba + i * 4, shift);
    uint32_t slot = map_find(&m, colour);
    if (!m.keys[slot]) {
      if (c->n == MAX_DISTINCT) {
        map_free(&m);
        return 1;
      }
      c->rgb[c->n][0] = (uint8_t)(colour >> 16);
      c->rgb[c->n][1] = (uint8_t)(colour >> 8);
      c->rgb[c->n][2] = (uint8_t)colour;
      c->count[c->n] = 0;
      if (map_add(&m, slot, colour, c->n)) {
        map_free(&m);
        return -1;
      }
      slot = map_find(&m, colour);
      c->n++;
    }
    uint32_t id = m.values[slot];
    c->count[id]++;
    c->of_pixel[i] = id;
  }
  map_free(&m);
  return 0;
}

/* ---- the box tree ---- */

typedef struct {
  uint32_t lo, hi; /* the box's colours: positions lo..hi-1 of each axis order */
  uint32_t pixels;
  int volume; /* -1 until computed */
  int left, right;
} box_t;

typedef struct {
  const colours_t *c;
  uint32_t *order[3]; /* colour ids by falling r, g, b; a box's colours are a run in each */
  uint32_t *scratch;
  uint8_t *upper; /* per colour: in the upper part of the box being split */
  box_t *boxes;
  int nboxes;
  int *heap; /* 1-based, box numbers, most pixels on top */
  int heap_n;
} tree_t;

static inline int value_at(const tree_t *t, int axis, uint32_t pos) { return t->c->rgb[t->order[axis][pos]][axis]; }

static int volume(tree_t *t, box_t *b) {
  if (b->volume < 0) {
    int v = 1;
    for (int axis = 0; axis < 3; axis++) v *= value_at(t, axis, b->lo) - value_at(t, axis, b->hi - 1) + 1;
    b->volume = v;
  }
  return b->volume;
}

/* Pillow's heap, tie for tie: the order in which equal boxes come out decides the palette. */
static inline int heap_cmp(const tree_t *t, int a, int b) { return (int)t->boxes[a].pixels - (int)t->boxes[b].pixels; }

static void heap_add(tree_t *t, int box) {
  int k = ++t->heap_n;
  while (k != 1 && heap_cmp(t, box, t->heap[k / 2]) > 0) {
    t->heap[k] = t->heap[k / 2];
    k >>= 1;
  }
  t->heap[k] = box;
}

static int heap_remove(tree_t *t) {
  if (!t->heap_n) return -1;
  int top = t->heap[1], v = t->heap[t->heap_n--], k, l;
  for (k = 1; k * 2 <= t->heap_n; k = l) {
    l = k * 2;
    if (l < t->heap_n && heap_cmp(t, t->heap[l], t->heap[l + 1]) < 0) l++;
    if (heap_cmp(t, v, t->heap[l]) > 0) break;
    t->heap[k] = t->heap[l];
  }
  t->heap[k] = v;
  return top;
}

static void split(tree_t *t, int index) {
  box_t *b = &t->boxes[index];
  static const int weight[3] = {77, 150, 29};
  int axis = 0, best = -1;
  for (int k = 0; k < 3; k++) {
    int f = (value_at(t, k, b->lo) - value_at(t, k, b->hi - 1)) * weight[k];
    if (f > best) {
      best = f;
      axis = k;
    }
  }
  /* The upper part: from the top until it holds more than half the pixels, then the rest of that value. */
  const uint32_t *ord = t->order[axis];
  const uint32_t *count = t->c->count;
  uint32_t pos = b->lo, taken = 0;
  while (pos < b->hi) {
    taken += count[ord[pos++]];
    if (taken * 2 > b->pixels) break;
  }
  int last = value_at(t, axis, pos - 1);
  while (pos < b->hi && value_at(t, axis, pos) == last) pos++;
  if (pos == b->hi) {
    /* Nothing left below: the lowest value goes down alone. */
    int lowest = value_at(t, axis, b->hi - 1);
    while (pos > b->lo && value_at(t, axis, pos - 1) == lowest) pos--;
  }
  uint32_t upper_pixels = 0;
  for (uint32_t i = b->lo; i < b->hi; i++) {
    int up = i < pos;
    t->upper[ord[i]] = (uint8_t)up;
    if (up) upper_pixels += count[ord[i]];
  }
  uint32_t n_upper = pos - b->lo;
  /* Each axis order splits stably: both parts stay sorted. */
  for (int k = 0; k < 3; k++) {
    uint32_t *o = t->order[k], u = 0, d = n_upper;
    for (uint32_t i = b->lo; i < b->hi; i++) t->scratch[t->upper[o[i]] ? u++ : d++] = o[i];
    memcpy(o + b->lo, t->scratch, (b->hi - b->lo) * sizeof(uint32_t));
  }
  int l = t->nboxes++, r = t->nboxes++;
  b = &t->boxes[index];
  t->boxes[l] = (box_t){b->lo, b->lo + n_upper, upper_pixels, -1, -1, -1};
  t->boxes[r] = (box_t){b->lo + n_upper, b->hi, b->pixels - upper_pixels, -1, -1, -1};
  b->left = l;
  b->right = r;
}

static void median_cut(tree_t *t, uint32_t total, unsigned colors) {
  t->boxes[0] = (box_t){0, t->c->n, total, -1, -1, -1};
  t->nboxes = 1;
  t->heap_n = 0;
  heap_add(t, 0);
  for (unsigned splits = colors; --splits;) {
    int b;
    do {
      b = heap_remove(t);
      if (b < 0) return;
    } while (volume(t, &t->boxes[b]) == 1);
    split(t, b);
    heap_add(t, t->boxes[b].left);
    heap_add(t, t->boxes[b].right);
  }
}

/* Numbers the leaves upper part first (depth first) and gives every colour its leaf's number; returns the count. */
static int number_leaves(tree_t *t, uint32_t *entry_of_colour) {
  int stack[2 * 256 + 2], sp = 0, entries = 0;
  stack[sp++] = 0;
  while (sp) {
    const box_t *b = &t->boxes[stack[--sp]];
    if (b->left >= 0) {
      stack[sp++] = b->right;
      stack[sp++] = b->left;
      continue;
    }
    if (b->hi == b->lo) continue;
    for (uint32_t i = b->lo; i < b->hi; i++) entry_of_colour[t->order[0][i]] = (uint32_t)entries;
    entries++;
  }
  return entries;
}

/* ---- pixels to entries ---- */

static inline uint32_t dist2(const uint8_t *a, const uint8_t *b) {
  int dr = (int)a[0] - b[0], dg = (int)a[1] - b[1], db = (int)a[2] - b[2];
  return (uint32_t)(dr * dr + dg * dg + db * db);
}

static int ascending32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

/*
 * For every entry, all entries by distance from it (ties by number), as distance << 8 | entry: the pixel's own
 * box is only the first guess.
 */
static void build_neighbours(const uint8_t *palette, int n, uint32_t *rows) {
  for (int i = 0; i < n; i++) {
    uint32_t *row = rows + (size_t)i * n;
    for (int j = 0; j < n; j++) row[j] = dist2(palette + i * 4, palette + j * 4) << 8 | (uint32_t)j;
    qsort(row, (size_t)n, sizeof *row, ascending32);
  }
}

static uint8_t nearest(const uint8_t *palette, int n, const uint32_t *rows, const uint8_t *px, uint32_t box) {
  uint32_t best = box, best_d = dist2(palette + box * 4, px), limit = best_d << 2;
  const uint32_t *row = rows + (size_t)box * n;
  for (int j = 0; j < n && row[j] >> 8 <= limit; j++) {
    uint32_t e = row[j] & 0xff, d = dist2(palette + e * 4, px);
    if (d < best_d) {
      best_d = d;
      best = e;
    }
  }
  return (uint8_t)best;
}

int qz_mediancut(const uint8_t *rgba, size_t n, unsigned colors, uint8_t *palette, uint8_t *indices) {
  if (colors < 1 || colors > 256 || n == 0 || n > (size_t)INT32_MAX) return -1;
  int result = -1;
  colours_t c = {0};
  tree_t t = {0};
  uint32_t *entry_of_colour = NULL, *sum = NULL, *rows = NULL;
  colour_map_t exact = {0};

  c.rgb = malloc(MAX_DISTINCT * sizeof *c.rgb);
  c.count = malloc(MAX_DISTINCT * sizeof *c.count);
  c.of_pixel = malloc(n * sizeof *c.of_pixel);
  if (!c.rgb || !c.count || !c.of_pixel) goto done;
  unsigned shift = 0;
  for (;; shift++) {
    int r = count_colours(rgba, n, shift, &c);
    if (r < 0) goto done;
    if (r == 0) break;
  }

  for (int k = 0; k < 3; k++) t.order[k] = malloc(c.n * sizeof(uint32_t));
  t.scratch = malloc(c.n * sizeof(uint32_t));
  t.upper = malloc(c.n);
  t.boxes = malloc(2 * colors * sizeof(box_t));
  t.heap = malloc((2 * colors + 2) * sizeof(int));
  entry_of_colour = malloc(c.n * sizeof(uint32_t));
  sum = calloc(4 * 256, sizeof(uint32_t));
  rows = malloc(256 * 256 * sizeof(uint32_t));
  if (!t.order[0] || !t.order[1] || !t.order[2] || !t.scratch || !t.upper || !t.boxes || !t.heap || !entry_of_colour ||
      !sum || !rows)
    goto done;
  t.c = &c;

  /* Each axis order by falling value: a counting sort (values are bytes). */
  for (int k = 0; k < 3; k++) {
    uint32_t start[257] = {0};
    for (uint32_t i = 0; i < c.n; i++) start[255 - c.rgb[i][k] + 1]++;
    for (int v = 0; v < 256; v++) start[v + 1] += start[v];
    for (uint32_t i = 0; i < c.n; i++) t.order[k][start[255 - c.rgb[i][k]]++] = i;
  }
  median_cut(&t, (uint32_t)n, colors);
  int entries = number_leaves(&t, entry_of_colour);

  /* Entry colours: the rounded mean of the full-precision pixels (32-bit sums, as Pillow's). */
  uint32_t *count = sum + 3 * 256;
  for (size_t i = 0; i < n; i++) {
    uint32_t e = entry_of_colour[c.of_pixel[i]];
    for (int k = 0; k < 3; k++) sum[k * 256 + e] += rgba[i * 4 + k];
    count[e]++;
  }
  for (int e = 0; e < entries; e++) {
    for (int k = 0; k < 3; k++) palette[e * 4 + k] = (uint8_t)(int)(.5 + (double)sum[k * 256 + e] / (double)count[e]);
    palette[e * 4 + 3] = 255;
  }

  build_neighbours(palette, entries, rows);
  if (shift == 0) {
    /* Each distinct colour is exact: look it up once. */
    for (uint32_t i = 0; i < c.n; i++) {
      uint8_t px[3] = {c.rgb[i][0], c.rgb[i][1], c.rgb[i][2]};
      t.upper[i] = nearest(palette, entries, rows, px, entry_of_colour[i]);
    }
    for (size_t i = 0; i < n; i++) indices[i] = t.upper[c.of_pixel[i]];
  } else {
    if (map_init(&exact, 4096)) goto done;
    for (size_t i = 0; i < n; i++) {
      const uint8_t *px = rgba + i * 4;
      uint32_t colour = rgb_of(px, 0), slot = map_find(&exact, colour);
      if (!exact.keys[slot]) {
        uint8_t e = nearest(palette, entries, rows, px, entry_of_colour[c.of_pixel[i]]);
        if (map_add(&exact, slot, colour, e)) goto done;
        indices[i] = e;
      } else {
        indices[i] = (uint8_t)exact.values[slot];
      }
    }
  }
  result = entries;

done:
  free(c.rgb);
  free(c.count);
  free(c.of_pixel);
  for (int k = 0; k < 3; k++) free(t.order[k]);
  free(t.scratch);
  free(t.upper);
  free(t.boxes);
  free(t.heap);
  free(entry_of_colour);
  free(sum);
  free(rows);
  map_free(&exact);
  return result;
}
