/* What each kernel file offers the addon: one function that adds its JS functions to the exports. */
#ifndef KERNELS_MODULE_H
#define KERNELS_MODULE_H

#include <node_api.h>

typedef struct {
  const char *name;
  napi_callback fn;
} kernel_export_t;

/* Adds `n` functions to `exports`; returns 0 or -1. */
int export_functions(napi_env env, napi_value exports, const kernel_export_t *fns, size_t n);

#define EXPORTS(module) int module##_exports(napi_env env, napi_value exports)
#define EXPORT_TABLE(table) export_functions(env, exports, table, sizeof(table) / sizeof(table[0]))

/*
 * The registry: one line per kernel file, X(name) for a file that defines EXPORTS(name).
 * addon.c declares and calls each in this order. A new kernel file is the file and one line here.
 */
#define KERNEL_MODULES(X) \
  X(pixels) \
  X(resample) \
  X(warp) \
  X(compose) \
  X(composite) \
  X(mask) \
  X(transparent_color) \
  X(png) \
  X(inflate) \
  X(quantize) \
  X(mosaic_png) \
  X(meta_tiles) \
  X(watermark) \
  X(memory)

#endif
