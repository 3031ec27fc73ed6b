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

/* Which variant of the multi-versioned loops this CPU runs (see simd.h), for the startup log and /metrics. */
static const char *simd_level(void) {
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") ? "avx2" : "sse2";
#elif defined(__aarch64__)
  return "neon";
#else
  return "baseline";
#endif
}

static napi_value js_info(napi_env env, napi_callback_info info) {
  napi_value obj, v;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, simd_level(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "simd", v);
  return obj;
}

static const kernel_export_t builtins[] = {{"kernelsInfo", js_info}};

#define DECLARE(name) EXPORTS(name);
KERNEL_MODULES(DECLARE)

static napi_value init(napi_env env, napi_value exports) {
  if (EXPORT_TABLE(builtins) != 0) return NULL;
#define CALL(name) \
  if (name##_exports(env, exports) != 0) return NULL;
  KERNEL_MODULES(CALL)
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
