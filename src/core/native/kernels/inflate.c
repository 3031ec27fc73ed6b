#include "inflate.h"

#include <limits.h>
#include <stdio.h>
#include <zlib.h>

/*
 * One inflate state per thread (the JS thread and each pool thread), made on first use and reset for each stream:
 * setting one up costs about as much as inflating a small tile. About 40 KB each, never freed (threads live as
 * long as the process).
 */
static _Thread_local z_stream thread_stream;
static _Thread_local int thread_ready;

int zlib_inflate_exact(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len) {
  if (!in || !out || in_len > UINT_MAX || out_len > UINT_MAX) return -1;
  z_stream *z = &thread_stream;
  if (!thread_ready) {
    *z = (z_stream){0};
    if (inflateInit(z) != Z_OK) return -1;
    thread_ready = 1;
  } else if (inflateReset(z) != Z_OK) {
    return -1;
  }
  z->next_in = (Bytef *)in; /* zlib's API is not const-qualified; it does not write the input */
  z->avail_in = (uInt)in_len;
  z->next_out = out;
  z->avail_out = (uInt)out_len;
  /* Z_STREAM_END only once the Adler-32 checksum matched; it must come with the output exactly full. */
  int status = inflate(z, Z_FINISH);
  z->next_in = NULL;
  z->next_out = NULL;
  return status == Z_STREAM_END && z->avail_out == 0 ? 0 : -1;
}

int png_inflate_rgba(const uint8_t *in, size_t in_len, const png_header_t *h, const png_colors_t *colors, uint8_t *data,
                     size_t data_len, uint8_t *out, size_t out_len, char err[PNG_ERROR_SIZE]) {
  if (png_check_header(h, err)) return -1;
  uint64_t size = png_data_size(h);
  if (size != data_len || (uint64_t)h->width * h->height * 4 != out_len) {
    snprintf(err, PNG_ERROR_SIZE, "PNG decode: work memory of %zu and %zu bytes for a %ux%u image", data_len, out_len,
             h->width, h->height);
    return -1;
  }
  if (zlib_inflate_exact(in, in_len, data, data_len)) return 0;
  if (png_unfilter(data, data_len, h, err)) return -1;
  return png_expand_rgba(data, data_len, h, colors, out, out_len, err) ? -1 : 1;
}
