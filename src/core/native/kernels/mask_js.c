/* maskOutside(): arguments checked here, the rows cleared by mask.c (plain C). */
#include "mask.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "module.h"
#include "resample_args.h"

/*
 * maskOutside(rgba, width, height, edges): in place and synchronous (one pass of row fills; callers are
 * synchronous), edges a Float64Array of MASK_EDGE_DOUBLES per edge, all finite.
 */
static napi_value js_mask_outside(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (args_get(env, info, "maskOutside", 4, argv)) return NULL;
  rf_image_t img;
  const double *e;
  size_t n;
  if (arg_image(env, argv, "rgba", &img) || arg_doubles(env, argv[3], "edges", MASK_EDGE_DOUBLES, &e, &n)) return NULL;
  for (size_t i = 0; i < n * MASK_EDGE_DOUBLES; i++) {
    if (!isfinite(e[i])) {
      throw_range(env, "edges: every coordinate must be finite");
      return NULL;
    }
  }
  if (mask_outside((uint8_t *)img.rgba, img.width, img.height, e, n)) {
    napi_throw_error(env, NULL, "maskOutside: out of memory");
    return NULL;
  }
  return NULL;
}

static const kernel_export_t table[] = {
  {"maskOutside", js_mask_outside},
};

EXPORTS(mask) { return EXPORT_TABLE(table); }
