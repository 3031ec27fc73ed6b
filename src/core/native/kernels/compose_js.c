/* composeWindow(): tiles unpacked and checked here, the window drawn by compose.c (plain C). */
#include "compose.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "module.h"
#include "resample_args.h"

typedef struct {
  uint8_t *out;
  int cols, rows, tw, th, wx, wy, ww, wh;
  uint8_t background[4];
  compose_tile_t tiles[];
} compose_args_t;

static int run_compose(job_t *job) {
  compose_args_t *a = job->args;
  compose_window(a->tiles, a->cols, a->rows, a->tw, a->th, a->wx, a->wy, a->ww, a->wh, a->background, a->out);
  return 0;
}

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

/*
 * composeWindow(out, windowWidth, windowHeight, windowX, windowY, tileWidth, tileHeight, cols, rows, geometry,
 * buffers, background, async): background the RGBA of what no tile covers as r | g << 8 | b << 16 | a << 24;
 * geometry an Int32Array of COMPOSE_TILE_INTS per tile (kind 0 none, 1 RGBA, 2 paletted; width;
 * height; pitch; first), buffers an array of two per tile (pixels or indices; palette words or null). With async
 * the promise settles once `out` is written; neither `out` nor the array may be touched before.
 */
static napi_value js_compose_window(napi_env env, napi_callback_info info) {
  napi_value argv[13];
  if (args_get(env, info, "composeWindow", 13, argv)) return NULL;
  rf_image_t out;
  int64_t wx, wy, tw, th, cols, rows, background;
  int async;
  bytes_t geometry;
  if (arg_image(env, argv, "out", &out) || arg_int(env, argv[3], "windowX", -IMAGE_MAX_SIDE * 64L, IMAGE_MAX_SIDE * 64L, &wx) ||
      arg_int(env, argv[4], "windowY", -IMAGE_MAX_SIDE * 64L, IMAGE_MAX_SIDE * 64L, &wy) ||
      arg_int(env, argv[5], "tileWidth", 1, IMAGE_MAX_SIDE, &tw) || arg_int(env, argv[6], "tileHeight", 1, IMAGE_MAX_SIDE, &th) ||
      arg_int(env, argv[7], "cols", 1, 4096, &cols) || arg_int(env, argv[8], "rows", 1, 4096, &rows) ||
      arg_bytes(env, argv[9], "geometry", &geometry) || arg_int(env, argv[11], "background", 0, 0xffffffffL, &background) ||
      arg_bool(env, argv[12], &async))
    return NULL;
  size_t n = (size_t)cols * rows;
  if ((uintptr_t)geometry.data % sizeof(int32_t) || geometry.length != n * COMPOSE_TILE_INTS * sizeof(int32_t)) {
    throw_range(env, "geometry: not 5 int32 per tile");
    return NULL;
  }
  bool is_array = false;
  uint32_t nbuf = 0;
  napi_is_array(env, argv[10], &is_array);
  if (!is_array || napi_get_array_length(env, argv[10], &nbuf) != napi_ok || nbuf != 2 * n) {
    throw_range(env, "buffers: not an array of two entries per tile");
    return NULL;
  }
  compose_args_t *a = malloc(sizeof *a + n * sizeof(compose_tile_t));
  if (!a) {
    napi_throw_error(env, NULL, "composeWindow: out of memory");
    return NULL;
  }
  *a = (compose_args_t){(uint8_t *)out.rgba, (int)cols, (int)rows, (int)tw, (int)th, (int)wx, (int)wy, out.width, out.height,
                        {(uint8_t)background, (uint8_t)(background >> 8), (uint8_t)(background >> 16), (uint8_t)(background >> 24)}};
  const int32_t *g = (const int32_t *)geometry.data;
  for (size_t i = 0; i < n; i++, g += COMPOSE_TILE_INTS) {
    compose_tile_t *t = &a->tiles[i];
    *t = (compose_tile_t){(compose_kind_t)g[0], g[1], g[2], g[3], g[4], NULL, NULL};
    if (t->kind == COMPOSE_NONE) continue;
    napi_value pv, qv;
    bytes_t px, pal;
    napi_get_element(env, argv[10], (uint32_t)(2 * i), &pv);
    napi_get_element(env, argv[10], (uint32_t)(2 * i + 1), &qv);
    if (arg_bytes(env, pv, "tile pixels", &px) || optional_bytes(env, qv, "tile palette", &pal)) {
      free(a);
      return NULL;
    }
    t->pixels = px.data;
    t->palette = pal.data;
    const char *bad = compose_check_tile(t, px.length, pal.length);
    if (bad) {
      char msg[160];
      snprintf(msg, sizeof msg, "composeWindow: tile %zu: %s", i, bad);
      free(a);
      throw_range(env, msg);
      return NULL;
    }
  }
  const napi_value held[] = {argv[0], argv[10]};
  return job_start(env, "composeWindow", a, run_compose, NULL, async, held, 2);
}

static const kernel_export_t table[] = {
  {"composeWindow", js_compose_window},
};

EXPORTS(compose) { return EXPORT_TABLE(table); }
