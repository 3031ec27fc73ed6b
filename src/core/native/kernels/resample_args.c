#include "resample_args.h"

#include <stdio.h>

#include "job.h"

int arg_image(napi_env env, const napi_value *argv, const char *name, rf_image_t *img) {
  char label[64];
  bytes_t bytes;
  int64_t w, h;
  if (arg_bytes(env, argv[0], name, &bytes)) return -1;
  snprintf(label, sizeof label, "%s width", name);
  if (arg_int(env, argv[1], label, 1, IMAGE_MAX_SIDE, &w)) return -1;
  snprintf(label, sizeof label, "%s height", name);
  if (arg_int(env, argv[2], label, 1, IMAGE_MAX_SIDE, &h)) return -1;
  if (bytes.length != (size_t)w * (size_t)h * 4) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s: %zu bytes for %lldx%lld RGBA pixels", name, bytes.length, (long long)w, (long long)h);
    return throw_range(env, msg);
  }
  img->rgba = bytes.data;
  img->width = (int)w;
  img->height = (int)h;
  return 0;
}
