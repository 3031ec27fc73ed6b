/* composeWindow() and the mosaic argument: tiles unpacked and checked here, the window drawn by compose.c (plain C). */
#include "compose.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose_args.h"
#include "job.h"
#include "module.h"
#include "resample_args.h"

/* A Buffer or TypedArray, or null/undefined (no bytes). */
static int optional_bytes(napi_env env, napi_value v, const char *name, bytes_t *out) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_null || t == napi_undefined) {
    out->data = NULL;
    out->length = 0;
    return 0;
  }
  return arg_bytes(env, v, name, out);
}

static compose_mosaic_t *mosaic_error(napi_env env, compose_mosaic_t *m, const char *fn, const char *what) {
  char msg[200];
  snprintf(msg, sizeof msg, "%s: %s", fn, what);
  free(m);
  throw_range(env, msg);
  return NULL;
}

compose_mosaic_t *arg_mosaic(napi_env env, napi_value geometry, napi_value buffers, const char *fn) {
  bytes_t g;
  if (arg_bytes(env, geometry, "geometry", &g)) return NULL;
  if ((uintptr_t)g.data % sizeof(int32_t) || g.length % sizeof(int32_t) || g.length < COMPOSE_HEADER_INTS * sizeof(int32_t))
    return mosaic_error(env, NULL, fn, "geometry is not an Int32Array with a header");
  const int32_t *h = (const int32_t *)g.data;
  int32_t wx = h[0], wy = h[1], ww = h[2], wh = h[3], tw = h[4], th = h[5], cols = h[6], rows = h[7];
  uint32_t background = (uint32_t)h[8];
  const long far = (long)IMAGE_MAX_SIDE * 64;
  if (wx < -far || wx > far || wy < -far || wy > far) return mosaic_error(env, NULL, fn, "window position out of range");
  if (ww < 1 || wh < 1 || ww > IMAGE_MAX_SIDE || wh > IMAGE_MAX_SIDE) return mosaic_error(env, NULL, fn, "window size out of range");
  if (tw < 1 || th < 1 || tw > IMAGE_MAX_SIDE || th > IMAGE_MAX_SIDE) return mosaic_error(env, NULL, fn, "tile size out of range");
  if (cols < 1 || rows < 1 || cols > 4096 || rows > 4096) return mosaic_error(env, NULL, fn, "grid size out of range");
  size_t n = (size_t)cols * rows;
  if (g.length != (COMPOSE_HEADER_INTS + n * COMPOSE_TILE_INTS) * sizeof(int32_t))
    return mosaic_error(env, NULL, fn, "geometry: not 5 int32 per tile after the header");
  bool is_array = false;
  uint32_t nbuf = 0;
  napi_is_array(env, buffers, &is_array);
  if (!is_array || napi_get_array_length(env, buffers, &nbuf) != napi_ok || nbuf != 2 * n)
    return mosaic_error(env, NULL, fn, "buffers: not an array of two entries per tile");
  compose_mosaic_t *m = malloc(sizeof *m + n * sizeof(compose_tile_t));
  if (!m) {
    char msg[120];
    snprintf(msg, sizeof msg, "%s: out of memory", fn);
    napi_throw_error(env, NULL, msg);
    return NULL;
  }
  *m = (compose_mosaic_t){cols, rows, tw, th, wx, wy, ww, wh,
                          {(uint8_t)background, (uint8_t)(background >> 8), (uint8_t)(background >> 16), (uint8_t)(background >> 24)}};
  const int32_t *t32 = h + COMPOSE_HEADER_INTS;
  for (size_t i = 0; i < n; i++, t32 += COMPOSE_TILE_INTS) {
    compose_tile_t *t = &m->tiles[i];
    *t = (compose_tile_t){(compose_kind_t)t32[0], t32[1], t32[2], t32[3], t32[4], NULL, NULL};
    if (t->kind == COMPOSE_NONE) continue;
    napi_value pv, qv;
    bytes_t px, pal;
    napi_get_element(env, buffers, (uint32_t)(2 * i), &pv);
    napi_get_element(env, buffers, (uint32_t)(2 * i + 1), &qv);
    if (arg_bytes(env, pv, "tile pixels", &px) || optional_bytes(env, qv, "tile palette", &pal)) {
      free(m);
      return NULL;
    }
    t->pixels = px.data;
    t->palette = pal.data;
    const char *bad = compose_check_tile(t, px.length, pal.length);
    if (bad) {
      char what[160];
      snprintf(what, sizeof what, "tile %zu: %s", i, bad);
      return mosaic_error(env, m, fn, what);
    }
  }
  return m;
}

typedef struct {
  uint8_t *out;
  compose_mosaic_t *mosaic;
} compose_args_t;

static int run_compose(job_t *job) {
  compose_args_t *a = job->args;
  const compose_mosaic_t *m = a->mosaic;
  compose_window(m->tiles, m->cols, m->rows, m->tw, m->th, m->wx, m->wy, m->ww, m->wh, m->background, a->out);
  return 0;
}

static void release_compose(job_t *job) {
  compose_args_t *a = job->args;
  free(a->mosaic);
}

/*
 * composeWindow(out, windowWidth, windowHeight, geometry, buffers, async): the mosaic window (arg_mosaic) drawn
 * into `out`, whose size must be the window's. With async the promise settles once `out` is written; neither
 * `out` nor the array may be touched before.
 */
static napi_value js_compose_window(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (args_get(env, info, "composeWindow", 6, argv)) return NULL;
  rf_image_t out;
  int async;
  if (arg_image(env, argv, "out", &out) || arg_bool(env, argv[5], &async)) return NULL;
  compose_mosaic_t *m = arg_mosaic(env, argv[3], argv[4], "composeWindow");
  if (!m) return NULL;
  if (m->ww != out.width || m->wh != out.height) {
    free(m);
    throw_range(env, "composeWindow: out is not the window's size");
    return NULL;
  }
  compose_args_t *a = malloc(sizeof *a);
  if (!a) {
    free(m);
    napi_throw_error(env, NULL, "composeWindow: out of memory");
    return NULL;
  }
  *a = (compose_args_t){(uint8_t *)out.rgba, m};
  const napi_value held[] = {argv[0], argv[4]};
  return job_start(env, "composeWindow", a, run_compose, release_compose, async, held, 2);
}

static const kernel_export_t table[] = {
  {"composeWindow", js_compose_window},
};

EXPORTS(compose) { return EXPORT_TABLE(table); }
