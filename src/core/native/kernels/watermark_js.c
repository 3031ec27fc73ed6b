/* watermarkBlend(): arguments checked here, the pixels blended by watermark.c (plain C). */
#include "watermark.h"

#include "job.h"
#include "module.h"
#include "resample_args.h"

/*
 * watermarkBlend(rgba, width, height, coverage, r, g, b, opacity, blendAlpha): in place and synchronous (one pass
 * over a tile), coverage exactly width·height bytes.
 */
static napi_value js_watermark_blend(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (args_get(env, info, "watermarkBlend", 9, argv)) return NULL;
  rf_image_t img;
  bytes_t cov;
  int64_t c[4];
  int blend_alpha;
  if (arg_image(env, argv, "rgba", &img) || arg_bytes(env, argv[3], "coverage", &cov) ||
      arg_int(env, argv[4], "r", 0, 255, &c[0]) || arg_int(env, argv[5], "g", 0, 255, &c[1]) ||
      arg_int(env, argv[6], "b", 0, 255, &c[2]) || arg_int(env, argv[7], "opacity", 0, 255, &c[3]) ||
      arg_bool(env, argv[8], &blend_alpha)) {
    return NULL;
  }
  size_t pixels = (size_t)img.width * (size_t)img.height;
  if (cov.length != pixels) {
    throw_range(env, "coverage: expected one byte per pixel of the image");
    return NULL;
  }
  const uint8_t color[3] = {(uint8_t)c[0], (uint8_t)c[1], (uint8_t)c[2]};
  watermark_blend((uint8_t *)img.rgba, cov.data, pixels, color, (uint8_t)c[3], blend_alpha);
  return NULL;
}

static const kernel_export_t table[] = {
  {"watermarkBlend", js_watermark_blend},
};

EXPORTS(watermark) { return EXPORT_TABLE(table); }
