/*
 * PNG decoding, second step: unfiltered rows of any colour type and bit depth to RGBA8 pixels or palette indices,
 * pass by pass for Adam7 images (pixel i of a pass row lands at x0 + i*dx of its image row).
 */
#include <stdio.h>
#include <string.h>

#include "png-passes.h"
#include "png.h"
#include "simd.h"

int png_colors(const png_header_t *h, const uint8_t *plte, size_t plte_len, const uint8_t *trns, size_t trns_len,
               png_colors_t *out, char err[PNG_ERROR_SIZE]) {
  if (png_check_header(h, err)) return -1;
  memset(out, 0, sizeof *out);
  if (h->color_type == 3) {
    if (!plte || plte_len == 0) {
      snprintf(err, PNG_ERROR_SIZE, "PNG palette image without a PLTE chunk");
      return -1;
    }
    if (plte_len % 3 || plte_len > 256 * 3) {
      snprintf(err, PNG_ERROR_SIZE, "PNG PLTE chunk of %zu bytes is not 1 to 256 RGB entries", plte_len);
      return -1;
    }
    size_t entries = plte_len / 3;
    if (trns_len > entries) {
      snprintf(err, PNG_ERROR_SIZE, "PNG tRNS chunk has %zu entries for a palette of %zu", trns_len, entries);
      return -1;
    }
    for (size_t i = 0; i < 256; i++) {
      if (i < entries) memcpy(out->table + i * 4, plte + i * 3, 3);
      out->table[i * 4 + 3] = i < trns_len ? trns[i] : 255;
    }
    return 0;
  }
  if (h->color_type == 0 || h->color_type == 2) {
    size_t want = h->color_type == 0 ? 2 : 6;
    if (trns_len && trns_len != want) {
      snprintf(err, PNG_ERROR_SIZE, "PNG tRNS chunk of %zu bytes for a %s image (expected %zu)", trns_len,
               h->color_type == 0 ? "grey" : "RGB", want);
      return -1;
    }
    if (trns_len) {
      out->has_key = 1;
      for (size_t c = 0; c < want / 2; c++) out->key[c] = (uint16_t)(trns[2 * c] << 8 | trns[2 * c + 1]);
    }
  }
  /* tRNS in an image with an alpha channel is not allowed by the spec; like libpng, it is ignored. */
  if (h->color_type == 0 && h->depth <= 8) {
    unsigned levels = 1u << h->depth, scale = 255 / (levels - 1);
    for (unsigned v = 0; v < levels; v++) {
      uint8_t *e = out->table + v * 4;
      e[0] = e[1] = e[2] = (uint8_t)(v * scale);
      e[3] = out->has_key && out->key[0] == v ? 0 : 255;
    }
  }
  return 0;
}

/*
 * Opaque RGB pixels to RGBA (the common upstream PNG) four at a time with one byte shuffle (SSSE3's pshufb, arm64's
 * tbl): 5× the plain loop, which the compiler vectorizes poorly. Reads 16 bytes to use 12, so it stops while 6 or
 * more pixels are left; returns how many it did. GCC spells the shuffle this way; other compilers take the loop.
 */
#if defined(__GNUC__) && !defined(__clang__) && (defined(__x86_64__) || defined(__aarch64__))
typedef uint8_t bytes16_t __attribute__((vector_size(16)));
#if defined(__x86_64__)
__attribute__((target("ssse3")))
#endif
static size_t rgb_shuffled(const uint8_t *restrict src, size_t n, uint8_t *restrict out) {
  const bytes16_t alpha = {0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255};
  const bytes16_t order = {0, 1, 2, 19, 3, 4, 5, 23, 6, 7, 8, 27, 9, 10, 11, 31}; /* 16.. pick from `alpha` */
  size_t i = 0;
  for (; i + 6 <= n; i += 4) {
    bytes16_t v;
    memcpy(&v, src + 3 * i, 16);
    v = __builtin_shuffle(v, alpha, order);
    memcpy(out + 4 * i, &v, 16);
  }
  return i;
}
static size_t rgb_fast(const uint8_t *restrict src, size_t n, uint8_t *restrict out) {
#if defined(__x86_64__)
  if (!__builtin_cpu_supports("ssse3")) return 0;
#endif
  return rgb_shuffled(src, n, out);
}
#else
static size_t rgb_fast(const uint8_t *restrict src, size_t n, uint8_t *restrict out) {
  (void)src, (void)n, (void)out;
  return 0;
}
#endif

/*
 * One row of `n` pixels to RGBA at `out`, pixels `step` bytes apart (4 for a plain image). Inlined into the two
 * callers below with a constant or a variable step.
 */
static inline void expand_row(const uint8_t *restrict src, uint32_t n, const png_header_t *h, const png_colors_t *c,
                              uint8_t *restrict out, size_t step) {
  const uint8_t *table = c->table;
  int key = c->has_key;
  switch (h->color_type << 5 | h->depth) {
    case 3 << 5 | 8:
    case 0 << 5 | 8:
      for (uint32_t i = 0; i < n; i++) memcpy(out + i * step, table + src[i] * 4, 4);
      return;
    case 3 << 5 | 1: case 3 << 5 | 2: case 3 << 5 | 4:
    case 0 << 5 | 1: case 0 << 5 | 2: case 0 << 5 | 4: {
      unsigned depth = h->depth, per = 8 / depth, mask = (1u << depth) - 1;
      for (uint32_t i = 0; i < n; i++) {
        unsigned v = (src[i / per] >> (8 - depth - (i % per) * depth)) & mask;
        memcpy(out + i * step, table + v * 4, 4);
      }
      return;
    }
    case 0 << 5 | 16:
      for (uint32_t i = 0; i < n; i++) {
        uint8_t *o = out + i * step;
        o[0] = o[1] = o[2] = src[2 * i];
        o[3] = key && (src[2 * i] << 8 | src[2 * i + 1]) == c->key[0] ? 0 : 255;
      }
      return;
    case 2 << 5 | 8:
      if (!key) {
        for (size_t i = step == 4 ? rgb_fast(src, n, out) : 0; i < n; i++) {
          const uint8_t *s = src + 3 * i;
          uint8_t *o = out + i * step;
          o[0] = s[0], o[1] = s[1], o[2] = s[2], o[3] = 255;
        }
        return;
      }
      for (uint32_t i = 0; i < n; i++) {
        const uint8_t *s = src + 3 * i;
        uint8_t *o = out + i * step;
        o[0] = s[0], o[1] = s[1], o[2] = s[2];
        o[3] = key && s[0] == c->key[0] && s[1] == c->key[1] && s[2] == c->key[2] ? 0 : 255;
      }
      return;
    case 2 << 5 | 16:
      for (uint32_t i = 0; i < n; i++) {
        const uint8_t *s = src + 6 * i;
        uint8_t *o = out + i * step;
        o[0] = s[0], o[1] = s[2], o[2] = s[4];
        o[3] = key && (s[0] << 8 | s[1]) == c->key[0] && (s[2] << 8 | s[3]) == c->key[1] && (s[4] << 8 | s[5]) == c->key[2]
                   ? 0
                   : 255;
      }
      return;
    case 4 << 5 | 8:
      for (uint32_t i = 0; i < n; i++) {
        uint8_t *o = out + i * step;
        o[0] = o[1] = o[2] = src[2 * i];
        o[3] = src[2 * i + 1];
      }
      return;
    case 4 << 5 | 16:
      for (uint32_t i = 0; i < n; i++) {
        uint8_t *o = out + i * step;
        o[0] = o[1] = o[2] = src[4 * i];
        o[3] = src[4 * i + 2];
      }
      return;
    case 6 << 5 | 8:
      if (step == 4) memcpy(out, src, (size_t)n * 4);
      else
        for (uint32_t i = 0; i < n; i++) memcpy(out + i * step, src + 4 * i, 4);
      return;
    case 6 << 5 | 16:
      for (uint32_t i = 0; i < n; i++) {
        const uint8_t *s = src + 8 * i;
        uint8_t *o = out + i * step;
        o[0] = s[0], o[1] = s[2], o[2] = s[4], o[3] = s[6];
      }
      return;
  }
}

TARGET_CLONES
static void expand_row_plain(const uint8_t *restrict src, uint32_t n, const png_header_t *h, const png_colors_t *c,
                             uint8_t *restrict out) {
  expand_row(src, n, h, c, out, 4);
}

static void expand_row_spaced(const uint8_t *restrict src, uint32_t n, const png_header_t *h, const png_colors_t *c,
                              uint8_t *restrict out, size_t step) {
  expand_row(src, n, h, c, out, step);
}

/* Checks shared by both expansions: a valid header, enough data and an output of exactly the image's size. */
static int check_sizes(size_t length, const png_header_t *h, size_t out_len, size_t bytes_per_pixel,
                       char err[PNG_ERROR_SIZE]) {
  if (png_check_header(h, err)) return -1;
  uint64_t need = png_data_size(h);
  if (need > length) {
    snprintf(err, PNG_ERROR_SIZE, "PNG image data is truncated: %zu of %llu bytes", length, (unsigned long long)need);
    return -1;
  }
  if ((uint64_t)h->width * h->height * bytes_per_pixel != out_len) {
    snprintf(err, PNG_ERROR_SIZE, "PNG output buffer of %zu bytes for %ux%u pixels", out_len, h->width, h->height);
    return -1;
  }
  return 0;
}

int png_expand_rgba(const uint8_t *data, size_t length, const png_header_t *h, const png_colors_t *colors, uint8_t *out,
                    size_t out_len, char err[PNG_ERROR_SIZE]) {
  if (check_sizes(length, h, out_len, 4, err)) return -1;
  size_t pos = 0, out_pitch = (size_t)h->width * 4;
  for (int p = 0; p < png_pass_count(h); p++) {
    png_pass_t pass = png_pass(h, p);
    if (!pass.width) continue;
    size_t n = (size_t)png_row_bytes(h, pass.width);
    for (uint32_t y = 0; y < pass.height; y++, pos += n + 1) {
      uint8_t *dst = out + (size_t)(pass.y0 + (size_t)y * pass.dy) * out_pitch + (size_t)pass.x0 * 4;
      if (pass.dx == 1) expand_row_plain(data + pos + 1, pass.width, h, colors, dst);
      else expand_row_spaced(data + pos + 1, pass.width, h, colors, dst, (size_t)pass.dx * 4);
    }
  }
  return 0;
}

int png_expand_indices(const uint8_t *data, size_t length, const png_header_t *h, uint8_t *out, size_t out_len,
                       char err[PNG_ERROR_SIZE]) {
  if (check_sizes(length, h, out_len, 1, err)) return -1;
  if (h->color_type != 3) {
    snprintf(err, PNG_ERROR_SIZE, "PNG colour type %u has no palette indices", h->color_type);
    return -1;
  }
  unsigned depth = h->depth, per = 8 / depth, mask = (1u << depth) - 1;
  size_t pos = 0;
  for (int p = 0; p < png_pass_count(h); p++) {
    png_pass_t pass = png_pass(h, p);
    if (!pass.width) continue;
    size_t n = (size_t)png_row_bytes(h, pass.width);
    for (uint32_t y = 0; y < pass.height; y++, pos += n + 1) {
      const uint8_t *src = data + pos + 1;
      uint8_t *dst = out + (size_t)(pass.y0 + (size_t)y * pass.dy) * h->width + pass.x0;
      if (depth == 8 && pass.dx == 1) {
        memcpy(dst, src, pass.width);
        continue;
      }
      for (uint32_t i = 0; i < pass.width; i++) {
        dst[(size_t)i * pass.dx] = (uint8_t)((src[i / per] >> (8 - depth - (i % per) * depth)) & mask);
      }
    }
  }
  return 0;
}
