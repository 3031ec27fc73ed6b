#include "transparent_color.h"

#include "job.h"
#include "module.h"
#include "simd.h"

TARGET_CLONES
void tc_make_transparent(uint8_t *rgba, size_t pixels, const uint8_t color[3], int tolerance) {
  /* Pillow compares c - tolerance <= x <= c + tolerance on ints: a bound outside 0..255 just never excludes */
  const int lo0 = color[0] - tolerance, hi0 = color[0] + tolerance;
  const int lo1 = color[1] - tolerance, hi1 = color[1] + tolerance;
  const int lo2 = color[2] - tolerance, hi2 = color[2] + tolerance;
  for (size_t i = 0; i < pixels; i++) {
    uint8_t *p = rgba + i * 4;
    int match = p[0] >= lo0 && p[0] <= hi0 && p[1] >= lo1 && p[1] <= hi1 && p[2] >= lo2 && p[2] <= hi2;
    p[3] = match ? 0 : p[3];
  }
}

/*
 * makeTransparent(rgba, r, g, b, tolerance): in place and synchronous (one pass over the pixels). The buffer's
 * length must be a multiple of 4, the colour components 0..255, the tolerance 0..255 (more would match
 * everything, as 255 does).
 */
static napi_value js_make_transparent(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  bytes_t img;
  int64_t c[3], tolerance;
  if (args_get(env, info, "makeTransparent", 5, argv) || arg_bytes(env, argv[0], "rgba", &img)) return NULL;
  if (img.length % 4) {
    throw_range(env, "rgba: length is not a multiple of 4");
    return NULL;
  }
  static const char *names[3] = {"r", "g", "b"};
  for (int k = 0; k < 3; k++) {
    if (arg_int(env, argv[1 + k], names[k], 0, 255, &c[k])) return NULL;
  }
  if (arg_int(env, argv[4], "tolerance", 0, 255, &tolerance)) return NULL;
  const uint8_t color[3] = {(uint8_t)c[0], (uint8_t)c[1], (uint8_t)c[2]};
  tc_make_transparent(img.data, img.length / 4, color, (int)tolerance);
  return NULL;
}

static const kernel_export_t table[] = {
  {"makeTransparent", js_make_transparent},
};

EXPORTS(transparent_color) { return EXPORT_TABLE(table); }
