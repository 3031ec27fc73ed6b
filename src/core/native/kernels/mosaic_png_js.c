/* mosaicPng(): arguments checked here, the map drawn and written by mosaic_png.c (plain C). */
#include "mosaic_png.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose_args.h"
#include "job.h"
#include "module.h"
#include "quantize_args.h"

typedef struct {
  compose_mosaic_t *mosaic;
  int width, height;
  mosaic_map_t map;
  qz_options_t opts;
  uint8_t *png;
  size_t len;
} mosaic_png_args;

static int run(job_t *job) {
  mosaic_png_args *a = job->args;
  char err[PNG_ERROR_SIZE];
  if (mosaic_png(a->mosaic, a->width, a->height, &a->map, &a->opts, &a->png, &a->len, err)) {
    snprintf(job->error, JOB_ERROR_SIZE, "mosaicPng: %s", err);
    return -1;
  }
  return 0;
}

static napi_value result(napi_env env, job_t *job) {
  mosaic_png_args *a = job->args;
  napi_value buf;
  return napi_create_buffer_copy(env, a->len, a->png, NULL, &buf) == napi_ok ? buf : NULL;
}

static void release(job_t *job) {
  mosaic_png_args *a = job->args;
  free(a->mosaic);
  free(a->png);
}

/*
 * mosaicPng(geometry, buffers, width, height, crop, x0, y0, x1, y1, method, options, async) → Buffer (a promise of
 * it when async): the mosaic window (compose_args.h) drawn as a width × height map and written as a paletted PNG
 * (options: quantize_args.h). crop true: the map is the window's pixels from (x0, y0), integers; else Pillow's
 * EXTENT transform of the window to (x0, y0, x1, y1) with `method` (0 nearest, 1 bilinear, 2 bicubic). With async,
 * the tile buffers may not be touched until the promise settles.
 */
static napi_value js_mosaic_png(napi_env env, napi_callback_info info) {
  napi_value argv[12];
  if (args_get(env, info, "mosaicPng", 12, argv)) return NULL;
  mosaic_png_args a = {0};
  int64_t width, height, method;
  int async;
  if (arg_int(env, argv[2], "width", 1, IMAGE_MAX_SIDE, &width) || arg_int(env, argv[3], "height", 1, IMAGE_MAX_SIDE, &height) ||
      arg_bool(env, argv[4], &a.map.crop) || arg_int(env, argv[9], "method", 0, 2, &method) ||
      arg_qz_options(env, argv[10], &a.opts) || arg_bool(env, argv[11], &async))
    return NULL;
  if ((uint64_t)width * (uint64_t)height > PNG_MAX_PIXELS) return throw_range(env, "mosaicPng: the map has too many pixels"), NULL;
  if (a.map.crop) {
    int64_t x, y;
    const int64_t far = (int64_t)IMAGE_MAX_SIDE * 64;
    if (arg_int(env, argv[5], "x0", -far, far, &x) || arg_int(env, argv[6], "y0", -far, far, &y)) return NULL;
    a.map.x = (int)x;
    a.map.y = (int)y;
  } else {
    static const char *names[] = {"x0", "y0", "x1", "y1"};
    for (int k = 0; k < 4; k++)
      if (arg_double(env, argv[5 + k], names[k], &a.map.extent[k])) return NULL;
  }
  a.width = (int)width;
  a.height = (int)height;
  a.map.method = (resample_method_t)method;
  a.mosaic = arg_mosaic(env, argv[0], argv[1], "mosaicPng");
  if (!a.mosaic) return NULL;
  mosaic_png_args *args = malloc(sizeof *args);
  if (args) *args = a;
  job_t *job = args ? job_new(args, run, result) : NULL; /* job_new frees args when it fails */
  if (!job) {
    free(a.mosaic);
    napi_throw_error(env, NULL, "mosaicPng: out of memory");
    return NULL;
  }
  job->release = release;
  if (async && job_hold(env, job, argv[1])) {
    job_free(env, job);
    return NULL;
  }
  return job_submit(env, job, async);
}

static const kernel_export_t table[] = {
  {"mosaicPng", js_mosaic_png},
};

EXPORTS(mosaic_png) { return EXPORT_TABLE(table); }
