#include "pixels.h"

#include <string.h>

#include "job.h"
#include "module.h"
#include "simd.h"

TARGET_CLONES
int px_has_transparency(const uint8_t *rgba, size_t pixels) {
  /* AND of all alpha bytes in blocks, so the compiler vectorizes; checked once per block. */
  const size_t block = 1024;
  for (size_t start = 0; start < pixels; start += block) {
    size_t end = start + block < pixels ? start + block : pixels;
    uint8_t all = 255;
    for (size_t i = start; i < end; i++) all &= rgba[i * 4 + 3];
    if (all != 255) return 1;
  }
  return 0;
}

TARGET_CLONES
int px_single_color(const uint8_t *rgba, size_t pixels) {
  uint32_t first;
  memcpy(&first, rgba, 4);
  const size_t block = 1024;
  for (size_t start = 1; start < pixels; start += block) {
    size_t end = start + block < pixels ? start + block : pixels;
    uint32_t diff = 0;
    for (size_t i = start; i < end; i++) {
      uint32_t v;
      memcpy(&v, rgba + i * 4, 4);
      diff |= v ^ first;
    }
    if (diff) return 0;
  }
  return 1;
}

/* (rgba) → boolean; the buffer's length must be a multiple of 4. */
static int rgba_arg(napi_env env, napi_callback_info info, const char *fn, bytes_t *img) {
  napi_value argv[1];
  if (args_get(env, info, fn, 1, argv) || arg_bytes(env, argv[0], "rgba", img)) return -1;
  if (img->length % 4) return throw_range(env, "rgba: length is not a multiple of 4");
  return 0;
}

static napi_value boolean(napi_env env, int v) {
  napi_value b;
  napi_get_boolean(env, v != 0, &b);
  return b;
}

static napi_value js_has_transparency(napi_env env, napi_callback_info info) {
  bytes_t img;
  if (rgba_arg(env, info, "hasTransparency", &img)) return NULL;
  return boolean(env, px_has_transparency(img.data, img.length / 4));
}

static napi_value js_single_color(napi_env env, napi_callback_info info) {
  bytes_t img;
  if (rgba_arg(env, info, "singleColor", &img)) return NULL;
  return boolean(env, img.length >= 4 && px_single_color(img.data, img.length / 4));
}

static const kernel_export_t table[] = {
  {"hasTransparency", js_has_transparency},
  {"singleColor", js_single_color},
};

EXPORTS(pixels) { return EXPORT_TABLE(table); }
