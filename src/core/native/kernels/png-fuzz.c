/*
 * Fuzz harness for the PNG kernels (png-unfilter.c, png-expand.c, png-filter.c), built apart from the addon by
 * scripts/fuzz-kernels.sh with AddressSanitizer and UBSan (or run under valgrind). Not part of pixel_kernels.node:
 * its name ends in -fuzz.c.
 *
 * Each input is taken two ways: as a PNG file (chunks read here, IDAT inflated with zlib, the kernels run on what
 * comes out), and, when it is not a PNG, as raw kernel arguments (a header, PLTE and tRNS lengths and image data
 * taken from its bytes), so the kernels see sizes and data no zlib stream would give them. Every buffer is
 * allocated at exactly the length handed in, so a read or write past it is a sanitizer report. Results are
 * checked too: a refused call must leave an error message, a call that claims success with a short buffer aborts,
 * and the filter kernel's rows must unfilter back to its input. The whole-buffer inflate (inflate.c) gets every
 * image data stream and the raw bytes as a stream, into an exact-size buffer: what it takes, zlib's streaming
 * inflate must end at that size with the same bytes; the decoder's whole path (png_inflate_rgba) must give what
 * zlib and the kernels one by one give.
 *
 * usage: png-fuzz FILE|DIR...   (or link with -fsanitize=fuzzer -DPNG_FUZZ_LIBFUZZER for libFuzzer)
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "inflate.h"
#include "png.h"

/* Images above this are skipped: the harness checks bounds, not the machine's memory. */
#define FUZZ_MAX_PIXELS (1u << 22)

static void check(int ok, const char *what) {
  if (!ok) {
    fprintf(stderr, "png-fuzz: %s\n", what);
    abort();
  }
}

static uint8_t *copy(const uint8_t *src, size_t n) {
  uint8_t *p = malloc(n ? n : 1);
  check(p != NULL, "out of memory");
  if (n) memcpy(p, src, n);
  return p;
}

/* The encoder's rows of `rgba` must unfilter back to its pixels (channels 3: without alpha). */
static void filter_round_trip(const uint8_t *rgba, uint32_t w, uint32_t h, int channels) {
  char err[PNG_ERROR_SIZE] = "";
  size_t n = (size_t)w * channels, len = (n + 1) * h;
  uint8_t *rows = malloc(len);
  check(rows != NULL, "out of memory");
  check(png_filter_rgba(rgba, (size_t)w * h * 4, w, h, channels, rows, len, err) == 0, "filter refused a valid image");
  check(png_filter_rgba(rgba, (size_t)w * h * 4, w, h, channels, rows, len - 1, err) != 0 && err[0], "filter took a short output");
  png_header_t hh = {w, h, 8, (uint8_t)(channels == 4 ? 6 : 2), 0};
  check(png_unfilter(rows, len, &hh, err) == 0, "our own filter types were refused");
  for (uint32_t y = 0; y < h; y++)
    for (uint32_t x = 0; x < w; x++)
      check(memcmp(rows + y * (n + 1) + 1 + (size_t)x * channels, rgba + ((size_t)y * w + x) * 4, (size_t)channels) == 0,
            "filter then unfilter changed a pixel");
  free(rows);
}

/* Packing and measuring a rectangle of the index image picked from `salt`. */
static void pack_indices(const uint8_t *idx, uint32_t w, uint32_t h, uint32_t salt) {
  char err[PNG_ERROR_SIZE] = "";
  int depth = 1 << (salt & 3);
  int64_t x0 = (int64_t)(salt >> 2 & 63) - 20, y0 = (int64_t)(salt >> 8 & 63) - 20;
  uint32_t rw = 1 + (salt >> 14 & 127), rh = 1 + (salt >> 21 & 63);
  size_t stride = ((size_t)rw * depth + 7) / 8, len = (stride + 1) * rh;
  uint8_t *out = malloc(len);
  check(out != NULL, "out of memory");
  uint8_t fill = (uint8_t)(salt >> 27) & (uint8_t)((1u << depth) - 1);
  check(png_pack_indices(idx, (size_t)w * h, w, h, x0, y0, rw, rh, fill, depth, out, len, err) == 0, "pack refused");
  check(png_pack_indices(idx, (size_t)w * h, w, h, x0, y0, rw, rh, fill, depth, out, len - 1, err) != 0, "pack took a short output");
  free(out);
  uint32_t max;
  uint64_t changes;
  uint32_t cx1 = (uint32_t)(salt % (w + 1)), cy1 = (uint32_t)((salt >> 9) % (h + 1));
  check(png_index_stats(idx, (size_t)w * h, w, h, cx1 / 2, cy1 / 2, cx1, cy1, &max, &changes, err) == 0, "stats refused");
  check(png_index_stats(idx, (size_t)w * h, w, h, 0, 0, w + 1, h, &max, &changes, err) != 0, "stats took a rectangle outside");
}

/*
 * The whole-buffer inflate on `n` bytes of a stream into exactly `out_len` bytes, both buffers of exact size. When
 * it says the stream was whole, a streaming inflate with room to spare must agree: the same bytes, the end right there.
 */
static void check_inflate(const uint8_t *stream, size_t n, size_t out_len) {
  if (out_len == 0 || out_len > (size_t)FUZZ_MAX_PIXELS * 8) return;
  uint8_t *in = copy(stream, n), *fast = malloc(out_len), *slow = malloc(out_len + 1);
  check(fast != NULL && slow != NULL, "out of memory");
  if (zlib_inflate_exact(in, n, fast, out_len) == 0) {
    z_stream z = {0};
    check(inflateInit(&z) == Z_OK, "zlib could not start");
    z.next_in = in, z.avail_in = (uInt)n, z.next_out = slow, z.avail_out = (uInt)out_len + 1;
    int r = inflate(&z, Z_FINISH);
    size_t got = out_len + 1 - z.avail_out;
    inflateEnd(&z);
    check(r == Z_STREAM_END && got == out_len, "a stream taken as whole does not end at that size");
    check(memcmp(fast, slow, out_len) == 0, "whole and streaming inflate gave different bytes");
  }
  free(in);
  free(fast);
  free(slow);
}

/*
 * The decoder's whole-buffer path (png_inflate_rgba: inflate, unfilter, expand into exact-size buffers) on a PNG's
 * stream: what it takes must be what zlib's streaming inflate and the kernels one by one give.
 */
static void check_inflate_rgba(const png_header_t *h, const png_colors_t *colors, const uint8_t *stream, size_t n) {
  char err[PNG_ERROR_SIZE] = "";
  size_t need = (size_t)png_data_size(h), pixels = (size_t)h->width * h->height;
  if (!inflate_could_fill(n, need)) return;
  uint8_t *in = copy(stream, n), *data = malloc(need), *rgba = malloc(pixels * 4);
  check(data != NULL && rgba != NULL, "out of memory");
  int r = png_inflate_rgba(in, n, h, colors, data, need, rgba, pixels * 4, err);
  check(r >= -1 && r <= 1 && (r >= 0 || err[0]), "png_inflate_rgba: an outcome without a message");
  check(png_inflate_rgba(in, n, h, colors, data, need - 1, rgba, pixels * 4, err) < 0, "png_inflate_rgba took short work memory");
  check(png_inflate_rgba(in, n, h, colors, data, need, rgba, pixels * 4 - 1, err) < 0, "png_inflate_rgba took a short output");
  if (r == 1) {
    uint8_t *slow = malloc(need + 1), *expected = malloc(pixels * 4);
    check(slow != NULL && expected != NULL, "out of memory");
    z_stream z = {0};
    check(inflateInit(&z) == Z_OK, "zlib could not start");
    z.next_in = in, z.avail_in = (uInt)n, z.next_out = slow, z.avail_out = (uInt)need + 1;
    check(inflate(&z, Z_FINISH) == Z_STREAM_END && z.avail_out == 1, "png_inflate_rgba took a stream zlib does not end there");
    inflateEnd(&z);
    check(png_unfilter(slow, need, h, err) == 0 && png_expand_rgba(slow, need, h, colors, expected, pixels * 4, err) == 0,
          "png_inflate_rgba decoded what the kernels one by one refuse");
    check(memcmp(rgba, expected, pixels * 4) == 0, "png_inflate_rgba and the kernels one by one gave different pixels");
    free(slow);
    free(expected);
  }
  free(in);
  free(data);
  free(rgba);
}

/* Every kernel on one image's data (`len` bytes, as handed over: the length is part of what is fuzzed). */
static void run_kernels(const png_header_t *h, const uint8_t *plte, size_t plte_len, const uint8_t *trns, size_t trns_len,
                        const uint8_t *data, size_t len, uint32_t salt) {
  char err[PNG_ERROR_SIZE] = "";
  if (png_check_header(h, err)) {
    check(err[0] != 0, "header refused without a message");
    return;
  }
  if ((uint64_t)h->width * h->height > FUZZ_MAX_PIXELS) return;
  size_t pixels = (size_t)h->width * h->height;
  uint64_t need = png_data_size(h);
  uint8_t *buf = copy(data, len);
  png_colors_t colors;
  int have_colors = png_colors(h, plte, plte_len, trns, trns_len, &colors, err) == 0;
  if (len < need) {
    check(png_unfilter(buf, len, h, err) != 0 && err[0], "unfilter took short data");
    uint8_t *out = malloc(pixels * 4);
    check(out != NULL, "out of memory");
    if (have_colors) check(png_expand_rgba(buf, len, h, &colors, out, pixels * 4, err) != 0, "expand took short data");
    free(out);
    free(buf);
    return;
  }
  if (png_unfilter(buf, len, h, err) != 0) {
    check(err[0] != 0, "unfilter refused without a message");
    free(buf);
    return;
  }
  if (!h->interlace) {
    size_t stride = 1 + (size_t)png_row_bytes(h, h->width);
    int same = 1;
    for (uint32_t y = 1; y < h->height && same; y++) same = !memcmp(buf + y * stride + 1, buf + 1, stride - 1);
    check(png_rows_repeat(buf, len, h) == same, "rows_repeat disagrees with comparing every row with the first");
    check(!png_rows_repeat(buf, (size_t)need - 1, h), "rows_repeat read short data");
  } else {
    check(!png_rows_repeat(buf, len, h), "rows_repeat said yes for Adam7 data");
  }
  uint8_t *rgba = malloc(pixels * 4);
  check(rgba != NULL, "out of memory");
  if (have_colors) {
    check(png_expand_rgba(buf, len, h, &colors, rgba, pixels * 4, err) == 0, "expand refused valid data");
    check(png_expand_rgba(buf, len, h, &colors, rgba, pixels * 4 - 1, err) != 0, "expand took a short output");
    if (pixels <= 1u << 16) filter_round_trip(rgba, h->width, h->height, salt & 1 ? 3 : 4);
  }
  uint8_t *idx = malloc(pixels);
  check(idx != NULL, "out of memory");
  if (h->color_type == 3) {
    check(png_expand_indices(buf, len, h, idx, pixels, err) == 0, "indices refused valid data");
    pack_indices(idx, h->width, h->height, salt);
  } else {
    check(png_expand_indices(buf, len, h, idx, pixels, err) != 0, "indices of an image without a palette");
  }
  free(idx);
  free(rgba);
  free(buf);
}

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/* A PNG file: IHDR, PLTE, tRNS and the IDAT stream, read with every length checked; then inflated and fuzzed. */
static void fuzz_png(const uint8_t *in, size_t size) {
  png_header_t h;
  int have_header = 0;
  const uint8_t *plte = NULL, *trns = NULL;
  size_t plte_len = 0, trns_len = 0, idat_len = 0;
  uint8_t *idat = NULL;
  for (size_t pos = 8; size - pos >= 12;) {
    uint32_t len = be32(in + pos);
    if (len > size - pos - 12) break;
    const uint8_t *type = in + pos + 4, *d = in + pos + 8;
    if (!memcmp(type, "IHDR", 4) && len >= 13) {
      h = (png_header_t){be32(d), be32(d + 4), d[8], d[9], d[12]};
      have_header = 1;
    } else if (!memcmp(type, "PLTE", 4)) {
      plte = d, plte_len = len;
    } else if (!memcmp(type, "tRNS", 4)) {
      trns = d, trns_len = len;
    } else if (!memcmp(type, "IDAT", 4)) {
      uint8_t *grown = realloc(idat, idat_len + len + 1);
      check(grown != NULL, "out of memory");
      idat = grown;
      memcpy(idat + idat_len, d, len);
      idat_len += len;
    }
    pos += 12 + (size_t)len;
  }
  char err[PNG_ERROR_SIZE];
  if (have_header && idat && !png_check_header(&h, err) && (uint64_t)h.width * h.height <= FUZZ_MAX_PIXELS) {
    uint64_t need = png_data_size(&h);
    uint8_t *raw = malloc(need + 1);
    check(raw != NULL, "out of memory");
    z_stream z = {0};
    if (inflateInit(&z) == Z_OK) {
      z.next_in = idat, z.avail_in = (uInt)idat_len, z.next_out = raw, z.avail_out = (uInt)need;
      inflate(&z, Z_SYNC_FLUSH);
      size_t got = need - z.avail_out;
      inflateEnd(&z);
      run_kernels(&h, plte, plte_len, trns, trns_len, raw, got, (uint32_t)size * 2654435761u);
    }
    check_inflate(idat, idat_len, (size_t)need);
    png_colors_t colors;
    if (png_colors(&h, plte, plte_len, trns, trns_len, &colors, err) == 0) check_inflate_rgba(&h, &colors, idat, idat_len);
    if (idat_len > 1) check_inflate(idat, idat_len - 1 - size % (idat_len - 1), (size_t)need); /* cut short */
    free(raw);
  }
  free(idat);
}

/* Anything else: the kernels' arguments straight from the bytes. */
static void fuzz_raw(const uint8_t *in, size_t size) {
  if (size < 10) return;
  static const uint8_t depths[] = {1, 2, 4, 8, 16, 3, 0, 32};
  static const uint8_t types[] = {0, 2, 3, 4, 6, 1, 5, 7};
  png_header_t h = {1 + ((uint32_t)in[0] | (uint32_t)in[1] << 8) % 700, 1 + in[2] % 90, depths[in[3] & 7], types[in[4] & 7],
                    (uint8_t)(in[5] % 3)};
  size_t plte_len = (size_t)in[6] * 4 % 800, trns_len = in[7];
  size_t pos = 10;
  if (plte_len > size - pos) plte_len = size - pos;
  const uint8_t *plte = in + pos;
  pos += plte_len;
  if (trns_len > size - pos) trns_len = size - pos;
  const uint8_t *trns = in + pos;
  pos += trns_len;
  /* The data's length is either what is left or what the header needs, padded with the input repeated. */
  char err[PNG_ERROR_SIZE];
  if (png_check_header(&h, err)) {
    run_kernels(&h, plte, plte_len, trns, trns_len, in + pos, size - pos, in[8]);
    return;
  }
  size_t need = (size_t)png_data_size(&h), len = in[9] & 1 ? need : size - pos;
  check_inflate(in + pos, size - pos, need);
  uint8_t *data = malloc(len ? len : 1);
  check(data != NULL, "out of memory");
  for (size_t i = 0; i < len; i++) data[i] = size > pos ? in[pos + i % (size - pos)] : (uint8_t)i;
  run_kernels(&h, plte, plte_len, trns, trns_len, data, len, (uint32_t)in[8] << 24 | (uint32_t)in[9] << 16 | (uint32_t)size);
  free(data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
  if (size >= 8 && !memcmp(data, sig, 8)) fuzz_png(data, size);
  else fuzz_raw(data, size);
  return 0;
}

#ifndef PNG_FUZZ_LIBFUZZER
static long run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
  check(buf != NULL, "out of memory");
  size_t got = fread(buf, 1, n > 0 ? (size_t)n : 0, f);
  fclose(f);
  /* An exact-size copy: the harness's own buffer must not hide reads past the input. */
  uint8_t *exact = copy(buf, got);
  free(buf);
  LLVMFuzzerTestOneInput(exact, got);
  free(exact);
  return 1;
}

int main(int argc, char **argv) {
  long runs = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
      DIR *dir = opendir(argv[i]);
      struct dirent *e;
      while (dir && (e = readdir(dir))) {
        if (e->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
        runs += run_file(path);
      }
      if (dir) closedir(dir);
    } else {
      runs += run_file(argv[i]);
    }
  }
  printf("png-fuzz: %ld inputs, no fault\n", runs);
  return 0;
}
#endif
