/*
 * Whole-buffer inflate of a zlib stream in C: the image data of an upstream PNG or a cache file, whose inflated size
 * the PNG header fixes, inflated straight into the kernels' own memory. Done from JavaScript, a 1088² meta tile's
 * 3.5 MB of rows became a JS buffer per decode and one more hand-off to the pool; in C the decoder inflates,
 * unfilters and expands in one job (png.c's pngInflateToRgba).
 *
 * zlib is Node's own, as for png-indexed.c: nothing is linked in. libdeflate (a Debian -dev package) was measured
 * against it in this role: 1.2 against 1.8 ms per meta tile decoded, but 1.1× on a meta tile's whole work (decode,
 * quantize and write 16 tiles), not enough to make every install need one more library.
 *
 * It only takes the common case: a complete stream with a good checksum that inflates to exactly the size expected.
 * Everything else (a cut-off stream, a corrupt one, one with more data than the header declares) is refused
 * without a message, and the caller asks Node's zlib module, which says what is wrong or, like Pillow, accepts a
 * stream cut off after the last row (png-decode.ts). The input is hostile: no byte is read past `in_len` and none
 * written past `out_len`.
 */
#ifndef KERNELS_INFLATE_H
#define KERNELS_INFLATE_H

#include <stddef.h>
#include <stdint.h>

/* Deflate's largest expansion is about 1032:1: a stream of n bytes inflates to less than n * INFLATE_MAX_RATIO + 1. */
#define INFLATE_MAX_RATIO 1033u

/* 0 when the zlib stream in `in` inflates to exactly `out_len` bytes in `out`; -1 otherwise (out is then undefined). */
int zlib_inflate_exact(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len);

#endif
