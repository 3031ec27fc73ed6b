/* metaTilesPng(): arguments checked here, the meta tile decoded and its tiles written by meta_tiles.c (plain C). */
#include "meta_tiles.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "module.h"
#include "png_args.h"
#include "quantize_args.h"

typedef struct {
  meta_png_t png;
  qz_rect_t *rects;
  size_t n;
  qz_options_t opts;
  uint8_t **pngs; /* one malloc'd PNG per tile, filled by the job */
  size_t *lens;
  int done; /* meta_tiles_png took the image (else the result is false) */
  size_t *asked; /* the rects written first */
  size_t n_asked;
  napi_threadsafe_function early; /* told on the pool thread when the asked ones are written; NULL when inline */
} meta_args;

/* The asked tiles' PNGs on their way to the JS thread: copies, so the job may end (and free its own) before. */
typedef struct {
  size_t n;
  uint8_t **pngs;
  size_t *lens;
} early_tiles;

static void early_free(early_tiles *e) {
  if (!e) return;
  if (e->pngs)
    for (size_t k = 0; k < e->n; k++) free(e->pngs[k]);
  free(e->pngs);
  free(e->lens);
  free(e);
}

/* On the pool thread (meta_early_fn): copies the asked PNGs and queues them for the JS thread. */
static void send_early(void *context, const size_t *asked, size_t n_asked, uint8_t *const *pngs, const size_t *lens) {
  meta_args *a = context;
  early_tiles *e = calloc(1, sizeof *e);
  if (!e) return; /* out of memory: the asked tiles come with the others */
  e->n = n_asked;
  e->pngs = calloc(n_asked, sizeof *e->pngs);
  e->lens = calloc(n_asked, sizeof *e->lens);
  if (!e->pngs || !e->lens) {
    early_free(e);
    return;
  }
  for (size_t k = 0; k < n_asked; k++) {
    size_t i = asked[k];
    e->pngs[k] = malloc(lens[i] ? lens[i] : 1);
    if (!e->pngs[k]) {
      early_free(e);
      return;
    }
    memcpy(e->pngs[k], pngs[i], lens[i]);
    e->lens[k] = lens[i];
  }
  if (napi_call_threadsafe_function(a->early, e, napi_tsfn_blocking) != napi_ok) early_free(e);
}

/* On the JS thread: onEarly(Buffer[]) with the asked tiles in the asked order; env is NULL when Node shuts down. */
static void call_early(napi_env env, napi_value js_callback, void *context, void *data) {
  (void)context;
  early_tiles *e = data;
  if (env && js_callback) {
    napi_value list = qz_png_list(env, e->pngs, e->lens, e->n), undefined;
    if (list && napi_get_undefined(env, &undefined) == napi_ok) napi_call_function(env, undefined, js_callback, 1, &list, NULL);
  }
  early_free(e);
}

static void release(job_t *job) {
  meta_args *a = job->args;
  if (a->pngs)
    for (size_t i = 0; i < a->n; i++) free(a->pngs[i]);
  free(a->pngs);
  free(a->lens);
  free(a->rects);
  free(a->asked);
  if (a->early) napi_release_threadsafe_function(a->early, napi_tsfn_release);
}

static int run(job_t *job) {
  meta_args *a = job->args;
  char err[PNG_ERROR_SIZE];
  const meta_asked_t asked = {.indices = a->asked, .n = a->n_asked, .ready = a->early ? send_early : NULL, .context = a};
  int status = meta_tiles_png(&a->png, a->rects, a->n, &asked, &a->opts, a->pngs, a->lens, err);
  if (status < 0) {
    snprintf(job->error, JOB_ERROR_SIZE, "metaTilesPng: %s", err);
    return -1;
  }
  a->done = status == 1;
  return 0;
}

static napi_value result(napi_env env, job_t *job) {
  meta_args *a = job->args;
  if (a->done) return qz_png_list(env, a->pngs, a->lens, a->n);
  napi_value no;
  return napi_get_boolean(env, 0, &no) == napi_ok ? no : NULL;
}

/* Frees what the arguments own so far and throws; for failures before the job exists. */
static napi_value fail(napi_env env, meta_args *a, const char *message) {
  job_t unsent = {.args = a};
  release(&unsent);
  free(a);
  if (message) napi_throw_error(env, NULL, message);
  return NULL;
}

/* The asked tiles' indices (an Int32Array, each a rect's index, distinct); 0 or -1 with an exception pending. */
static int arg_asked(napi_env env, napi_value v, meta_args *a) {
  bool is = false;
  napi_typedarray_type type;
  size_t count;
  void *data;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is ||
      napi_get_typedarray_info(env, v, &type, &count, &data, NULL, NULL) != napi_ok || type != napi_int32_array)
    return throw_range(env, "metaTilesPng: asked must be an Int32Array");
  if (count > a->n) return throw_range(env, "metaTilesPng: more tiles asked than rects");
  a->asked = calloc(count ? count : 1, sizeof *a->asked);
  if (!a->asked) return throw_range(env, "metaTilesPng: out of memory");
  uint8_t *seen = calloc(a->n ? a->n : 1, 1);
  if (!seen) return throw_range(env, "metaTilesPng: out of memory");
  const int32_t *indices = data;
  for (size_t k = 0; k < count; k++) {
    if (indices[k] < 0 || (size_t)indices[k] >= a->n || seen[indices[k]]) {
      free(seen);
      return throw_range(env, "metaTilesPng: an asked tile is not a rect's index or is asked twice");
    }
    seen[indices[k]] = 1;
    a->asked[k] = (size_t)indices[k];
  }
  free(seen);
  a->n_asked = count;
  return 0;
}

/* onEarly, when a function and the job runs on the pool, is called from there through a threadsafe function. */
static int arg_on_early(napi_env env, napi_value v, int async, meta_args *a) {
  napi_valuetype type;
  if (napi_typeof(env, v, &type) != napi_ok) return -1;
  if (type == napi_null || type == napi_undefined) return 0;
  if (type != napi_function) return throw_range(env, "metaTilesPng: onEarly must be a function or null");
  if (!async || a->n_asked == 0) return 0; /* inline, or nothing asked: everything comes at once */
  napi_value name;
  if (napi_create_string_utf8(env, "metaTilesPng early tiles", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_threadsafe_function(env, v, NULL, name, 0, 1, NULL, NULL, NULL, call_early, &a->early) != napi_ok)
    return throw_range(env, "metaTilesPng: could not set up onEarly");
  return 0;
}

/*
 * metaTilesPng(compressed, header, plte, trns, width, height, rects, options, async, asked, onEarly) → Buffer[] |
 * false (a promise of it when async): the PNG's image data (the IDAT chunks' bytes in one piece; header, plte and
 * trns as pngToRgba takes them), which must be a width × height image, decoded, and each rect (quantizeTilesPng's)
 * quantized and written as a paletted PNG. False when the stream does not inflate whole to the declared size: the
 * caller then decodes the PNG the usual way. With async, `compressed` may not be touched until the promise settles.
 *
 * `asked` (an Int32Array of rect indices) are written first; when async, onEarly(Buffer[]) gets them (in the asked
 * order) as soon as they are written, while the job writes the others. It is never called when the job fails or
 * does not take the image before they are written; the promise's value has every tile, the asked ones included,
 * and may settle before onEarly is called.
 */
static napi_value js_meta_tiles_png(napi_env env, napi_callback_info info) {
  napi_value argv[11];
  bytes_t compressed;
  int64_t width, height;
  int async;
  if (args_get(env, info, "metaTilesPng", 11, argv) || arg_bytes(env, argv[0], "compressed", &compressed) ||
      arg_int(env, argv[4], "width", 1, 0x7fffffff, &width) || arg_int(env, argv[5], "height", 1, 0x7fffffff, &height) ||
      arg_bool(env, argv[8], &async))
    return NULL;
  meta_args *a = calloc(1, sizeof *a);
  if (!a) return napi_throw_error(env, NULL, "metaTilesPng: out of memory"), NULL;
  a->png.compressed = compressed.data;
  a->png.compressed_len = compressed.length;
  if (arg_png_header(env, argv[1], &a->png.header) || arg_png_colors(env, &a->png.header, argv[2], argv[3], &a->png.colors) ||
      arg_qz_options(env, argv[7], &a->opts))
    return fail(env, a, NULL);
  if (a->png.header.width != width || a->png.header.height != height) {
    throw_range(env, "metaTilesPng: the PNG header is not of width × height pixels");
    return fail(env, a, NULL);
  }
  size_t pixels;
  if (arg_qz_rects(env, argv[6], &a->rects, &a->n, &pixels)) return fail(env, a, NULL);
  a->pngs = calloc(a->n, sizeof *a->pngs);
  a->lens = calloc(a->n, sizeof *a->lens);
  if (!a->pngs || !a->lens) return fail(env, a, "metaTilesPng: out of memory");
  if (arg_asked(env, argv[9], a) || arg_on_early(env, argv[10], async, a)) return fail(env, a, NULL);
  const napi_value held[] = {argv[0]};
  return job_start_result(env, "metaTilesPng", a, run, result, release, async, held, 1);
}

static const kernel_export_t table[] = {
  {"metaTilesPng", js_meta_tiles_png},
};

EXPORTS(meta_tiles) { return EXPORT_TABLE(table); }
