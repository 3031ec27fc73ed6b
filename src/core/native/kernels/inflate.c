#include "inflate.h"

#include <limits.h>
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
