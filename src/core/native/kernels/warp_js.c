/*
 * warpMesh(), warpMosaic(), warpAxes() and warpAxesMosaic(): arguments checked here, the mesh filled by warp.c,
 * the separable transforms by warp_axes.c (plain C).
 */
#include "warp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose_args.h"
#include "job.h"
#include "module.h"
#include "resample_args.h"
#include "warp_axes.h"

typedef struct {
  rf_image_t src;
  /* When set, the source is this mosaic window, composed for the job and freed after it (src unused). */
  compose_mosaic_t *mosaic;
  uint8_t *dst;
  int dw, dh;
  const double *quads, *points;
  size_t nquads, npoints;
  /* When set, a separable transform: one source x per destination column, one source y per row (no mesh). */
  const double *xs, *ys;
  resample_method_t method;
} warp_args_t;

static int run_warp(job_t *job) {
  warp_args_t *a = job->args;
  rf_image_t src = a->src;
  uint8_t *composed = NULL;
  if (a->mosaic) {
    composed = compose_mosaic(a->mosaic);
    src = (rf_image_t){composed, a->mosaic->ww, a->mosaic->wh};
  }
  int rc = a->mosaic && !composed ? -1
           : a->xs ? warp_axes(&src, a->dst, a->dw, a->dh, a->xs, a->ys, a->method)
                   : warp_mesh(&src, a->dst, a->dw, a->dh, a->quads, a->nquads, a->points, a->npoints, a->method);
  free(composed);
  if (rc) {
    strcpy(job->error, "warp: out of memory");
    return -1;
  }
  return 0;
}

static void release_warp(job_t *job) {
  warp_args_t *a = job->args;
  free(a->mosaic);
}

/* The arguments after the source (dst, dstWidth, dstHeight, quads, points, method): 0, or -1 with an exception. */
static int arg_mesh(napi_env env, const napi_value *argv, warp_args_t *a) {
  rf_image_t dst;
  int64_t method;
  if (arg_image(env, argv, "dst", &dst) || arg_doubles(env, argv[3], "quads", WARP_QUAD_DOUBLES, &a->quads, &a->nquads) ||
      arg_doubles(env, argv[4], "points", WARP_POINT_DOUBLES, &a->points, &a->npoints) || arg_int(env, argv[5], "method", 0, 2, &method))
    return -1;
  a->dst = (uint8_t *)dst.rgba;
  a->dw = dst.width;
  a->dh = dst.height;
  a->method = (resample_method_t)method;
  char msg[120];
  long bad = warp_check_quads(a->quads, a->nquads, a->dw, a->dh);
  if (bad >= 0) {
    snprintf(msg, sizeof msg, "quads: box %ld is not integral and inside %dx%d", bad, a->dw, a->dh);
    return throw_range(env, msg);
  }
  bad = warp_check_points(a->points, a->npoints, a->dw, a->dh);
  if (bad >= 0) {
    snprintf(msg, sizeof msg, "points: point %ld is not a pixel of %dx%d", bad, a->dw, a->dh);
    return throw_range(env, msg);
  }
  return 0;
}

/* The arguments after the source (dst, dstWidth, dstHeight, xs, ys, method): 0, or -1 with an exception. */
static int arg_axes(napi_env env, const napi_value *argv, warp_args_t *a) {
  rf_image_t dst;
  int64_t method;
  size_t nx, ny;
  if (arg_image(env, argv, "dst", &dst) || arg_doubles(env, argv[3], "xs", 1, &a->xs, &nx) ||
      arg_doubles(env, argv[4], "ys", 1, &a->ys, &ny) || arg_int(env, argv[5], "method", 0, 2, &method))
    return -1;
  a->dst = (uint8_t *)dst.rgba;
  a->dw = dst.width;
  a->dh = dst.height;
  a->method = (resample_method_t)method;
  if (nx != (size_t)a->dw || ny != (size_t)a->dh) {
    char msg[120];
    snprintf(msg, sizeof msg, "axes: %zu and %zu positions for %dx%d pixels", nx, ny, a->dw, a->dh);
    return throw_range(env, msg);
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
  warp_args_t a = {0};
  int async;
  if (arg_image(env, argv, "src", &a.src) || arg_mesh(env, argv + 3, &a) || arg_bool(env, argv[9], &async)) return NULL;
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

/*
 * warpMosaic(geometry, buffers, dst, dstWidth, dstHeight, quads, points, method, async): warpMesh of a mosaic
 * window (compose_args.h) without handing the composed window to JavaScript. dst is written in full; with async
 * a promise settles when it is, and no argument buffer may be touched before.
 */
static napi_value js_warp_mosaic(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (args_get(env, info, "warpMosaic", 9, argv)) return NULL;
  warp_args_t a = {0};
  int async;
  if (arg_mesh(env, argv + 2, &a) || arg_bool(env, argv[8], &async)) return NULL;
  a.mosaic = arg_mosaic(env, argv[0], argv[1], "warpMosaic");
  if (!a.mosaic) return NULL;
  warp_args_t *args = malloc(sizeof *args);
  if (!args) {
    free(a.mosaic);
    napi_throw_error(env, NULL, "warpMosaic: out of memory");
    return NULL;
  }
  *args = a;
  const napi_value held[] = {argv[1], argv[2], argv[5], argv[6]};
  return job_start(env, "warpMosaic", args, run_warp, release_warp, async, held, 4);
}

/*
 * warpAxes(src, srcWidth, srcHeight, dst, dstWidth, dstHeight, xs, ys, method, async): the separable transform
 * (xs one source x per destination column, ys one source y per row); dst is written in full; with async a
 * promise settles when it is, and no argument buffer may be touched before.
 */
static napi_value js_warp_axes(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  if (args_get(env, info, "warpAxes", 10, argv)) return NULL;
  warp_args_t a = {0};
  int async;
  if (arg_image(env, argv, "src", &a.src) || arg_axes(env, argv + 3, &a) || arg_bool(env, argv[9], &async)) return NULL;
  warp_args_t *args = malloc(sizeof *args);
  if (!args) {
    napi_throw_error(env, NULL, "warpAxes: out of memory");
    return NULL;
  }
  *args = a;
  const napi_value held[] = {argv[0], argv[3], argv[6], argv[7]};
  return job_start(env, "warpAxes", args, run_warp, NULL, async, held, 4);
}

/* warpAxesMosaic(geometry, buffers, dst, dstWidth, dstHeight, xs, ys, method, async): warpAxes of a mosaic window. */
static napi_value js_warp_axes_mosaic(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (args_get(env, info, "warpAxesMosaic", 9, argv)) return NULL;
  warp_args_t a = {0};
  int async;
  if (arg_axes(env, argv + 2, &a) || arg_bool(env, argv[8], &async)) return NULL;
  a.mosaic = arg_mosaic(env, argv[0], argv[1], "warpAxesMosaic");
  if (!a.mosaic) return NULL;
  warp_args_t *args = malloc(sizeof *args);
  if (!args) {
    free(a.mosaic);
    napi_throw_error(env, NULL, "warpAxesMosaic: out of memory");
    return NULL;
  }
  *args = a;
  const napi_value held[] = {argv[1], argv[2], argv[5], argv[6]};
  return job_start(env, "warpAxesMosaic", args, run_warp, release_warp, async, held, 4);
}

static const kernel_export_t table[] = {
  {"warpMesh", js_warp_mesh},
  {"warpMosaic", js_warp_mosaic},
  {"warpAxes", js_warp_axes},
  {"warpAxesMosaic", js_warp_axes_mosaic},
};

EXPORTS(warp) { return EXPORT_TABLE(table); }
