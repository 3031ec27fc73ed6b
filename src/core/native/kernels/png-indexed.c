/* The paletted PNG writer (png-indexed.h): index rows packed by png-filter.c, deflated by Node's zlib. */
#include "png-indexed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "simd.h"

struct png_deflater {
  z_stream z;
  int ready;     /* deflateInit2 succeeded: z holds a state to reset */
  uint8_t *rows; /* packed rows of the tile being written */
  size_t capacity;
  uint8_t *idat; /* their deflated stream, room for deflateBound */
  size_t idat_capacity;
};

png_deflater_t *png_deflater_new(void) { return calloc(1, sizeof(png_deflater_t)); }

void png_deflater_free(png_deflater_t *d) {
  if (!d) return;
  if (d->ready) deflateEnd(&d->z);
  free(d->rows);
  free(d->idat);
  free(d);
}

void png_deflater_trim(png_deflater_t *d, size_t max_bytes) {
  if (d->capacity > max_bytes) {
    free(d->rows);
    d->rows = NULL;
    d->capacity = 0;
  }
  if (d->idat_capacity > max_bytes) {
    free(d->idat);
    d->idat = NULL;
    d->idat_capacity = 0;
  }
}

/* At least `n` bytes at *buf (contents dropped), or -1. */
static int room(uint8_t **buf, size_t *capacity, size_t n) {
  if (n <= *capacity) return 0;
  free(*buf);
  *buf = malloc(n);
  *capacity = *buf ? n : 0;
  return *buf ? 0 : -1;
}

TARGET_CLONES
static unsigned max_index(const uint8_t *restrict p, size_t n) {
  uint8_t m = 0;
  for (size_t i = 0; i < n; i++) m = p[i] > m ? p[i] : m;
  return m;
}

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* A chunk whose `len` data bytes already sit at p + 8: writes length, type and CRC; returns the byte after it. */
static uint8_t *seal_chunk(uint8_t *p, const char type[4], uint32_t len) {
  put32(p, len);
  memcpy(p + 4, type, 4);
  put32(p + 8 + len, (uint32_t)crc32(crc32(0L, Z_NULL, 0), p + 4, len + 4));
  return p + 12 + len;
}

int png_write_indexed(png_deflater_t *d, const uint8_t *indices, size_t indices_len, uint32_t w, uint32_t h,
                      const uint8_t *palette, unsigned entries, uint8_t **out, size_t *out_len,
                      char err[PNG_ERROR_SIZE]) {
  *out = NULL;
  *out_len = 0;
  if (w == 0 || h == 0 || (uint64_t)w * h > PNG_MAX_PIXELS || (uint64_t)w * h != indices_len) {
    snprintf(err, PNG_ERROR_SIZE, "PNG write: %zu indices for a %ux%u tile", indices_len, w, h);
    return -1;
  }
  if (entries < 1 || entries > 256) {
    snprintf(err, PNG_ERROR_SIZE, "PNG write: a palette of %u entries", entries);
    return -1;
  }
  unsigned used = max_index(indices, indices_len) + 1;
  if (used > entries) {
    snprintf(err, PNG_ERROR_SIZE, "PNG write: index %u beyond a palette of %u entries", used - 1, entries);
    return -1;
  }
  int depth = used <= 2 ? 1 : used <= 4 ? 2 : used <= 16 ? 4 : 8;
  size_t stride = ((size_t)w * (size_t)depth + 7) / 8;
  size_t rows_len = (size_t)h * (stride + 1);
  if (room(&d->rows, &d->capacity, rows_len)) {
    snprintf(err, PNG_ERROR_SIZE, "PNG write: out of memory");
    return -1;
  }
  if (png_pack_indices(indices, indices_len, w, h, 0, 0, w, h, 0, depth, d->rows, rows_len, err)) return -1;

  unsigned trns = 0;
  for (unsigned i = 0; i < used; i++)
    if (palette[i * 4 + 3] != 255) trns = i + 1;

  if (!d->ready) {
    if (deflateInit2(&d->z, 6, Z_DEFLATED, 15, 8, Z_RLE) != Z_OK) {
      snprintf(err, PNG_ERROR_SIZE, "PNG write: zlib could not start");
      return -1;
    }
    d->ready = 1;
  } else if (deflateReset(&d->z) != Z_OK) {
    snprintf(err, PNG_ERROR_SIZE, "PNG write: zlib could not restart");
    return -1;
  }
  if (rows_len > 0xffffffffu) {
    snprintf(err, PNG_ERROR_SIZE, "PNG write: tile too large");
    return -1;
  }
  /*
   * Deflated into the deflater's own room, then copied into a PNG of its exact size: a fresh deflateBound (64 KB for a
   * 256² tile) per PNG of a few kilobytes grew and trimmed the heap, a page fault per 4 KiB touched.
   */
  size_t bound = deflateBound(&d->z, (uLong)rows_len);
  if (bound > 0xffffffffu || room(&d->idat, &d->idat_capacity, bound)) {
    snprintf(err, PNG_ERROR_SIZE, "PNG write: out of memory");
    return -1;
  }
  d->z.next_in = d->rows;
  d->z.avail_in = (uInt)rows_len;
  d->z.next_out = d->idat;
  d->z.avail_out = (uInt)bound;
  if (deflate(&d->z, Z_FINISH) != Z_STREAM_END) {
    snprintf(err, PNG_ERROR_SIZE, "PNG write: zlib did not finish");
    return -1;
  }
  size_t idat_len = (size_t)d->z.total_out;
  static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
  size_t total = 8 + (12 + 13) + (12 + (size_t)used * 3) + (trns ? 12 + trns : 0) + (12 + idat_len) + 12;
  uint8_t *png = malloc(total);
  if (!png) {
    snprintf(err, PNG_ERROR_SIZE, "PNG write: out of memory");
    return -1;
  }
  uint8_t *p = png;
  memcpy(p, signature, 8);
  p += 8;
  put32(p + 8, w);
  put32(p + 12, h);
  p[16] = (uint8_t)depth, p[17] = 3, p[18] = 0, p[19] = 0, p[20] = 0; /* palette, deflate, no filter choice, not interlaced */
  p = seal_chunk(p, "IHDR", 13);
  for (unsigned i = 0; i < used; i++) memcpy(p + 8 + i * 3, palette + i * 4, 3);
  p = seal_chunk(p, "PLTE", used * 3);
  if (trns) {
    for (unsigned i = 0; i < trns; i++) p[8 + i] = palette[i * 4 + 3];
    p = seal_chunk(p, "tRNS", trns);
  }
  memcpy(p + 8, d->idat, idat_len);
  p = seal_chunk(p, "IDAT", (uint32_t)idat_len);
  p = seal_chunk(p, "IEND", 0);
  *out = png;
  *out_len = (size_t)(p - png);
  return 0;
}
