/*
 * warpMesh(), warpMosaic(), warpAxes(), warpAxesMosaic() and warpPng(): arguments checked here, the mesh filled
 * by warp.c, the separable transforms by warp_axes.c, the paletted PNG of a warped mosaic by warp_png.c (plain C).
 */
#include "warp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose_args.h"
#include "job.h"
#include "module.h"
#include "quantize_args.h"
#include "resample_args.h"
#include "thread_scratch.h"
#include "warp_png.h"

typedef struct {
  rf_image_t src;
  /* When set, the source is this mosaic window, composed for the job and freed after it (src unused). */
  compose_mosaic_t *mosaic;
  uint8_t *dst;
  int dw, dh;
  warp_sampling_t s;
  /* warpPng: no dst; the map is written as a paletted PNG with these options into png (malloc'd, len bytes). */
  qz_options_t opts;
  uint8_t *png;
  size_t len;
} warp_args_t;

static int run_warp(job_t *job) {
  warp_args_t *a = job->args;
  const compose_mosaic_t *m = a->mosaic;
  int rc;
  if (m) {
    /* The window (if it is drawn whole) in the thread's scratch: a fresh allocation per map cost a page fault per
     * 4 KiB, more than the warp. */
    int whole = warp_mosaic_needs_window(&a->s);
    uint8_t *window = whole ? thread_scratch((size_t)m->ww * m->wh * 4) : NULL;
    rc = whole && !window ? -1 : warp_mosaic(m, window, a->dst, a->dw, a->dh, &a->s);
  } else {
    rc = warp_fill(&a->src, a->dst, a->dw, a->dh, &a->s);
  }
  thread_scratch_trim();
  if (rc) {
    strcpy(job->error, "warp: out of memory");
    return -1;
  }
  return 0;
}

static void release_warp(job_t *job) {
  warp_args_t *a = job->args;
  free(a->mosaic);
  free(a->png);
}

/* job_start_result on a copy of `a` (the job owns it and its mosaic from now on, also when this fails). */
static napi_value start(napi_env env, const char *fn, const warp_args_t *a, int (*run)(job_t *), napi_value (*result)(napi_env, job_t *),
                        int async, const napi_value *hold, size_t nhold) {
  warp_args_t *args = malloc(sizeof *args);
  if (!args) {
    free(a->mosaic);
    char msg[120];
    snprintf(msg, sizeof msg, "%s: out of memory", fn);
    napi_throw_error(env, NULL, msg);
    return NULL;
  }
  *args = *a;
  return job_start_result(env, fn, args, run, result, release_warp, async, hold, nhold);
}

/*
 * The sampling arguments (first, second, method) of a dw × dh map: when `axes`, one source x per column and one y
 * per row, else mesh quads and exact points inside the map. 0, or -1 with an exception.
 */
static int arg_sampling(napi_env env, const napi_value *argv, int axes, int dw, int dh, warp_sampling_t *s) {
  int64_t method;
  char msg[120];
  if (axes) {
    size_t nx, ny;
    if (arg_doubles(env, argv[0], "xs", 1, &s->xs, &nx) || arg_doubles(env, argv[1], "ys", 1, &s->ys, &ny)) return -1;
    if (nx != (size_t)dw || ny != (size_t)dh) {
      snprintf(msg, sizeof msg, "axes: %zu and %zu positions for %dx%d pixels", nx, ny, dw, dh);
      return throw_range(env, msg);
    }
  } else {
    if (arg_doubles(env, argv[0], "quads", WARP_QUAD_DOUBLES, &s->quads, &s->nquads) ||
        arg_doubles(env, argv[1], "points", WARP_POINT_DOUBLES, &s->points, &s->npoints))
      return -1;
    long bad = warp_check_quads(s->quads, s->nquads, dw, dh);
    if (bad >= 0) {
      snprintf(msg, sizeof msg, "quads: box %ld is not integral and inside %dx%d", bad, dw, dh);
      return throw_range(env, msg);
    }
    bad = warp_check_points(s->points, s->npoints, dw, dh);
    if (bad >= 0) {
      snprintf(msg, sizeof msg, "points: point %ld is not a pixel of %dx%d", bad, dw, dh);
      return throw_range(env, msg);
    }
  }
  if (arg_int(env, argv[2], "method", 0, 2, &method)) return -1;
  s->method = (resample_method_t)method;
  return 0;
}

/* The arguments after the source (dst, dstWidth, dstHeight, then arg_sampling's): 0, or -1 with an exception. */
static int arg_dst_sampling(napi_env env, const napi_value *argv, int axes, warp_args_t *a) {
  rf_image_t dst;
  if (arg_image(env, argv, "dst", &dst)) return -1;
  a->dst = (uint8_t *)dst.rgba;
  a->dw = dst.width;
  a->dh = dst.height;
  return arg_sampling(env, argv + 3, axes, a->dw, a->dh, &a->s);
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
  if (arg_image(env, argv, "src", &a.src) || arg_dst_sampling(env, argv + 3, 0, &a) || arg_bool(env, argv[9], &async)) return NULL;
  /* The buffers: source, output, quads and points (arguments 1, 2, 4 and 5 are numbers). */
  const napi_value held[] = {argv[0], argv[3], argv[6], argv[7]};
  return start(env, "warpMesh", &a, run_warp, NULL, async, held, 4);
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
  if (arg_dst_sampling(env, argv + 2, 0, &a) || arg_bool(env, argv[8], &async)) return NULL;
  a.mosaic = arg_mosaic(env, argv[0], argv[1], "warpMosaic");
  if (!a.mosaic) return NULL;
  const napi_value held[] = {argv[1], argv[2], argv[5], argv[6]};
  return start(env, "warpMosaic", &a, run_warp, NULL, async, held, 4);
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
  if (arg_image(env, argv, "src", &a.src) || arg_dst_sampling(env, argv + 3, 1, &a) || arg_bool(env, argv[9], &async)) return NULL;
  const napi_value held[] = {argv[0], argv[3], argv[6], argv[7]};
  return start(env, "warpAxes", &a, run_warp, NULL, async, held, 4);
}

/* warpAxesMosaic(geometry, buffers, dst, dstWidth, dstHeight, xs, ys, method, async): warpAxes of a mosaic window. */
static napi_value js_warp_axes_mosaic(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (args_get(env, info, "warpAxesMosaic", 9, argv)) return NULL;
  warp_args_t a = {0};
  int async;
  if (arg_dst_sampling(env, argv + 2, 1, &a) || arg_bool(env, argv[8], &async)) return NULL;
  a.mosaic = arg_mosaic(env, argv[0], argv[1], "warpAxesMosaic");
  if (!a.mosaic) return NULL;
  const napi_value held[] = {argv[1], argv[2], argv[5], argv[6]};
  return start(env, "warpAxesMosaic", &a, run_warp, NULL, async, held, 4);
}

static int run_warp_png(job_t *job) {
  warp_args_t *a = job->args;
  char err[PNG_ERROR_SIZE];
  if (warp_png(a->mosaic, a->dw, a->dh, &a->s, &a->opts, &a->png, &a->len, err)) {
    snprintf(job->error, JOB_ERROR_SIZE, "warpPng: %s", err);
    return -1;
  }
  return 0;
}

static napi_value png_result(napi_env env, job_t *job) {
  warp_args_t *a = job->args;
  napi_value buf;
  return napi_create_buffer_copy(env, a->len, a->png, NULL, &buf) == napi_ok ? buf : NULL;
}

/*
 * warpPng(geometry, buffers, width, height, axes, first, second, method, options, async) → Buffer (a promise of
 * it when async): the mosaic window (compose_args.h) warped to a width × height map — axes true: first and second
 * are xs and ys as warpAxes takes them, else quads and points as warpMesh — and written as a paletted PNG
 * (options: quantize_args.h), the bytes quantizeTilesPng gives for that map. With async, the tile buffers and the
 * positions may not be touched until the promise settles.
 */
static napi_value js_warp_png(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  if (args_get(env, info, "warpPng", 10, argv)) return NULL;
  warp_args_t a = {0};
  int64_t width, height;
  int axes, async;
  if (arg_int(env, argv[2], "width", 1, IMAGE_MAX_SIDE, &width) || arg_int(env, argv[3], "height", 1, IMAGE_MAX_SIDE, &height) ||
      arg_bool(env, argv[4], &axes) || arg_sampling(env, argv + 5, axes, (int)width, (int)height, &a.s) ||
      arg_qz_options(env, argv[8], &a.opts) || arg_bool(env, argv[9], &async))
    return NULL;
  if ((uint64_t)width * (uint64_t)height > PNG_MAX_PIXELS) return throw_range(env, "warpPng: the map has too many pixels"), NULL;
  a.dw = (int)width;
  a.dh = (int)height;
  a.mosaic = arg_mosaic(env, argv[0], argv[1], "warpPng");
  if (!a.mosaic) return NULL;
  /* The tiles' buffers and the positions (the geometry was copied into the mosaic). */
  const napi_value held[] = {argv[1], argv[5], argv[6]};
  return start(env, "warpPng", &a, run_warp_png, png_result, async, held, 3);
}

static const kernel_export_t table[] = {
  {"warpMesh", js_warp_mesh},
  {"warpMosaic", js_warp_mosaic},
  {"warpAxes", js_warp_axes},
  {"warpAxesMosaic", js_warp_axes_mosaic},
  {"warpPng", js_warp_png},
};

EXPORTS(warp) { return EXPORT_TABLE(table); }
