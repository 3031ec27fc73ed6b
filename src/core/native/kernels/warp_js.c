/* warpMesh(): arguments checked here, the mesh filled by warp.c (plain C). */
#include "warp.h"

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
  const double *quads, *points;
  size_t nquads, npoints;
  resample_method_t method;
} warp_args_t;

static int run_warp(job_t *job) {
  warp_args_t *a = job->args;
  if (warp_mesh(&a->src, a->dst, a->dw, a->dh, a->quads, a->nquads, a->points, a->npoints, a->method)) {
    strcpy(job->error, "warpMesh: out of memory");
    return -1;
  }
  return 0;
}


/*
 * warpMesh(src, srcWidth, srcHeight, dst, dstWidth, dstHeight, quads, points, method, async): dst is written in
 * full; with async a promise settles when it is, and no argument buffer may be touched before.
 */
static napi_value js_warp_mesh(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  if (args_get(env, info, "warpMesh", 10, argv)) return NULL;
  warp_args_t a;
  rf_image_t dst;
  int64_t method;
  int async;
  if (arg_image(env, argv, "src", &a.src) || arg_image(env, argv + 3, "dst", &dst) ||
      arg_doubles(env, argv[6], "quads", WARP_QUAD_DOUBLES, &a.quads, &a.nquads) ||
      arg_doubles(env, argv[7], "points", WARP_POINT_DOUBLES, &a.points, &a.npoints) ||
      arg_int(env, argv[8], "method", 0, 2, &method) || arg_bool(env, argv[9], &async))
    return NULL;
  a.dst = (uint8_t *)dst.rgba;
  a.dw = dst.width;
  a.dh = dst.height;
  a.method = (resample_method_t)method;
  char msg[120];
  long bad = warp_check_quads(a.quads, a.nquads, a.dw, a.dh);
  if (bad >= 0) {
    snprintf(msg, sizeof msg, "quads: box %ld is not integral and inside %dx%d", bad, a.dw, a.dh);
    throw_range(env, msg);
    return NULL;
  }
  bad = warp_check_points(a.points, a.npoints, a.dw, a.dh);
  if (bad >= 0) {
    snprintf(msg, sizeof msg, "points: point %ld is not a pixel of %dx%d", bad, a.dw, a.dh);
    throw_range(env, msg);
    return NULL;
  }
  warp_args_t *args = malloc(sizeof *args);
  if (!args) {
    napi_throw_error(env, NULL, "warpMesh: out of memory");
    return NULL;
  }
  *args = a;
  /* The buffers: source, output, quads and points (arguments 1, 2, 4 and 5 are numbers). */
  const napi_value held[] = {argv[0], argv[3], argv[6], argv[7]};
  return job_start(env, "warpMesh", args, run_warp, NULL, async, held, 4);
}

static const kernel_export_t table[] = {
  {"warpMesh", js_warp_mesh},
};

EXPORTS(warp) { return EXPORT_TABLE(table); }
