/* The pixel kernel library: every per-pixel loop of the image layer, loaded by src/core/native/kernels.ts. */
#include "module.h"

int export_functions(napi_env env, napi_value exports, const kernel_export_t *fns, size_t n) {
  for (size_t i = 0; i < n; i++) {
    napi_value f;
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f) != napi_ok) return -1;
    if (napi_set_named_property(env, exports, fns[i].name, f) != napi_ok) return -1;
  }
  return 0;
}

#define DECLARE(name) EXPORTS(name);
KERNEL_MODULES(DECLARE)

static napi_value init(napi_env env, napi_value exports) {
#define CALL(name) \
  if (name##_exports(env, exports) != 0) return NULL;
  KERNEL_MODULES(CALL)
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
