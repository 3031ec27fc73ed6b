/* The inflate kernel for JavaScript (src/core/native/inflate.ts): arguments checked here, the work in inflate.c. */
#include "inflate.h"
#include "job.h"
#include "module.h"

/*
 * (compressed, out) → boolean: true when the zlib stream inflated to exactly out.length bytes into `out`;
 * false for anything else (the caller then inflates with zlib to learn why). Inline: PNG tiles are small, and
 * big images go through pngInflateToRgba's job instead.
 */
static napi_value js_inflate_exact(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  bytes_t in, out;
  if (args_get(env, info, "zlibInflateExact", 2, argv) || arg_bytes(env, argv[0], "compressed", &in) ||
      arg_bytes(env, argv[1], "out", &out))
    return NULL;
  napi_value b;
  napi_get_boolean(env, out.length > 0 && zlib_inflate_exact(in.data, in.length, out.data, out.length) == 0, &b);
  return b;
}

static const kernel_export_t table[] = {
  {"zlibInflateExact", js_inflate_exact},
};

EXPORTS(inflate) { return EXPORT_TABLE(table); }
