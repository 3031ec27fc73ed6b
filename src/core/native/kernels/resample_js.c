/* resampleExtent(): arguments checked here, the pixels computed by resample.c (plain C). */
#include "resample.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "module.h"
#include "resample_args.h"

typedef struct {
  rf_image_t src;
  uint8_t *dst;
  int dw, dh;
  double extent[4];
  resample_method_t method;
} extent_args_t;

static int run_extent(job_t *job) {
  extent_args_t *a = job->args;
  if (resample_extent(&a->src, a->dst, a->dw, a->dh, a->extent, a->method)) {
    strcpy(job->error, "resampleExtent: out of memory");
    return -1;
  }
  return 0;
}

/*
 * resampleExtent(src, srcWidth, srcHeight, dst, dstWidth, dstHeight, x0, y0, x1, y1, method, async):
 * dst is written in full; with async a promise settles when it is, and neither buffer may be touched before.
 */
static napi_value js_resample_extent(napi_env env, napi_callback_info info) {
  napi_value argv[12];
  if (args_get(env, info, "resampleExtent", 12, argv)) return NULL;
  rf_image_t src, dst;
  if (arg_image(env, argv, "src", &src) || arg_image(env, argv + 3, "dst", &dst)) return NULL;
  double extent[4];
  int64_t method;
  int async;
  for (int k = 0; k < 4; k++) {
    static const char *names[] = {"x0", "y0", "x1", "y1"};
    if (arg_double(env, argv[6 + k], names[k], &extent[k])) return NULL;
  }
  if (arg_int(env, argv[10], "method", 0, 2, &method) || arg_bool(env, argv[11], &async)) return NULL;
  extent_args_t *a = malloc(sizeof *a);
  if (!a) {
    napi_throw_error(env, NULL, "resampleExtent: out of memory");
    return NULL;
  }
  *a = (extent_args_t){src, (uint8_t *)dst.rgba, dst.width, dst.height, {extent[0], extent[1], extent[2], extent[3]}, (resample_method_t)method};
  const napi_value held[] = {argv[0], argv[3]};
  return job_start(env, "resampleExtent", a, run_extent, NULL, async, held, 2);
}

static const kernel_export_t table[] = {
  {"resampleExtent", js_resample_extent},
};

EXPORTS(resample) { return EXPORT_TABLE(table); }
