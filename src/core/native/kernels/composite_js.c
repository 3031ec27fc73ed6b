/* mergeLayers(): layers unpacked and checked here, drawn by composite.c (plain C). */
#include "composite.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "module.h"
#include "resample_args.h"

typedef struct {
  uint8_t *canvas;
  int cw, ch, canvas_opaque;
  size_t n;
  struct {
    rf_image_t image;
    double opacity;
  } layers[];
} merge_args_t;

static int run_merge(job_t *job) {
  merge_args_t *a = job->args;
  for (size_t i = 0; i < a->n; i++) composite_over(a->canvas, a->cw, a->ch, &a->layers[i].image, a->layers[i].opacity, a->canvas_opaque);
  return 0;
}

/*
 * mergeLayers(canvas, width, height, layers, geometry, canvasOpaque, async): layers an array of RGBA buffers,
 * bottom first; geometry a Float64Array of (width, height, opacity) per layer. The canvas is drawn on in place;
 * with async the promise settles when it is, and neither the canvas nor the array may be touched before.
 */
static napi_value js_merge_layers(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (args_get(env, info, "mergeLayers", 7, argv)) return NULL;
  rf_image_t canvas;
  const double *g;
  size_t groups;
  int opaque, async;
  if (arg_image(env, argv, "canvas", &canvas) || arg_doubles(env, argv[4], "geometry", 3, &g, &groups) ||
      arg_bool(env, argv[5], &opaque) || arg_bool(env, argv[6], &async))
    return NULL;
  bool is_array = false;
  uint32_t n = 0;
  napi_is_array(env, argv[3], &is_array);
  if (!is_array || napi_get_array_length(env, argv[3], &n) != napi_ok || groups != n) {
    throw_range(env, "mergeLayers: layers must be an array with three geometry numbers each");
    return NULL;
  }
  merge_args_t *a = malloc(sizeof *a + n * sizeof(a->layers[0]));
  if (!a) {
    napi_throw_error(env, NULL, "mergeLayers: out of memory");
    return NULL;
  }
  a->canvas = (uint8_t *)canvas.rgba;
  a->cw = canvas.width;
  a->ch = canvas.height;
  a->canvas_opaque = opaque;
  a->n = n;
  for (uint32_t i = 0; i < n; i++) {
    napi_value layer[3];
    napi_get_element(env, argv[3], i, &layer[0]);
    napi_create_double(env, g[i * 3], &layer[1]);
    napi_create_double(env, g[i * 3 + 1], &layer[2]);
    if (arg_image(env, layer, "layer", &a->layers[i].image)) {
      free(a);
      return NULL;
    }
    a->layers[i].opacity = g[i * 3 + 2];
    if (!(a->layers[i].opacity >= 0 && a->layers[i].opacity <= 1)) {
      free(a);
      throw_range(env, "mergeLayers: opacity must be in [0, 1]");
      return NULL;
    }
  }
  const napi_value held[] = {argv[0], argv[3]};
  return job_start(env, "mergeLayers", a, run_merge, NULL, async, held, 2);
}

static const kernel_export_t table[] = {
  {"mergeLayers", js_merge_layers},
};

EXPORTS(composite) { return EXPORT_TABLE(table); }
