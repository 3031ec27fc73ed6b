/* resampleExtent() and resampleMosaic(): arguments checked here, the pixels computed by resample.c (plain C). */
#include "resample.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose_args.h"
#include "job.h"
#include "module.h"
#include "resample_args.h"

typedef struct {
  rf_image_t src;
  /* When set, the source is this mosaic window, composed for the job and freed after it (src unused). */
  compose_mosaic_t *mosaic;
  uint8_t *dst;
  int dw, dh;
  double extent[4];
  resample_method_t method;
} extent_args_t;

static int run_extent(job_t *job) {
  extent_args_t *a = job->args;
  rf_image_t src = a->src;
  uint8_t *composed = NULL;
  if (a->mosaic) {
    composed = compose_mosaic(a->mosaic);
    src = (rf_image_t){composed, a->mosaic->ww, a->mosaic->wh};
  }
  int rc = a->mosaic && !composed ? -1 : resample_extent(&src, a->dst, a->dw, a->dh, a->extent, a->method);
  free(composed);
  if (rc) {
    strcpy(job->error, "resample: out of memory");
    return -1;
  }
  return 0;
}

static void release_extent(job_t *job) {
  extent_args_t *a = job->args;
  free(a->mosaic);
}

/* The arguments after the source (dst, dstWidth, dstHeight, x0, y0, x1, y1, method): 0, or -1 with an exception. */
static int arg_extent(napi_env env, const napi_value *argv, extent_args_t *a) {
  rf_image_t dst;
  int64_t method;
  if (arg_image(env, argv, "dst", &dst)) return -1;
  for (int k = 0; k < 4; k++) {
    static const char *names[] = {"x0", "y0", "x1", "y1"};
    if (arg_double(env, argv[3 + k], names[k], &a->extent[k])) return -1;
  }
  if (arg_int(env, argv[7], "method", 0, 2, &method)) return -1;
  a->dst = (uint8_t *)dst.rgba;
  a->dw = dst.width;
  a->dh = dst.height;
  a->method = (resample_method_t)method;
  return 0;
}

/*
 * resampleExtent(src, srcWidth, srcHeight, dst, dstWidth, dstHeight, x0, y0, x1, y1, method, async):
 * dst is written in full; with async a promise settles when it is, and neither buffer may be touched before.
 */
static napi_value js_resample_extent(napi_env env, napi_callback_info info) {
  napi_value argv[12];
  if (args_get(env, info, "resampleExtent", 12, argv)) return NULL;
  extent_args_t a = {0};
  int async;
  if (arg_image(env, argv, "src", &a.src) || arg_extent(env, argv + 3, &a) || arg_bool(env, argv[11], &async)) return NULL;
  extent_args_t *args = malloc(sizeof *args);
  if (!args) {
    napi_throw_error(env, NULL, "resampleExtent: out of memory");
    return NULL;
  }
  *args = a;
  const napi_value held[] = {argv[0], argv[3]};
  return job_start(env, "resampleExtent", args, run_extent, NULL, async, held, 2);
}

/*
 * resampleMosaic(geometry, buffers, dst, dstWidth, dstHeight, x0, y0, x1, y1, method, async): resampleExtent of a
 * mosaic window (compose_args.h) without handing the composed window to JavaScript. dst is written in full; with
 * async a promise settles when it is, and neither dst nor the tile buffers may be touched before.
 */
static napi_value js_resample_mosaic(napi_env env, napi_callback_info info) {
  napi_value argv[11];
  if (args_get(env, info, "resampleMosaic", 11, argv)) return NULL;
  extent_args_t a = {0};
  int async;
  if (arg_extent(env, argv + 2, &a) || arg_bool(env, argv[10], &async)) return NULL;
  a.mosaic = arg_mosaic(env, argv[0], argv[1], "resampleMosaic");
  if (!a.mosaic) return NULL;
  extent_args_t *args = malloc(sizeof *args);
  if (!args) {
    free(a.mosaic);
    napi_throw_error(env, NULL, "resampleMosaic: out of memory");
    return NULL;
  }
  *args = a;
  const napi_value held[] = {argv[1], argv[2]};
  return job_start(env, "resampleMosaic", args, run_extent, release_extent, async, held, 2);
}

static const kernel_export_t table[] = {
  {"resampleExtent", js_resample_extent},
  {"resampleMosaic", js_resample_mosaic},
};

EXPORTS(resample) { return EXPORT_TABLE(table); }
