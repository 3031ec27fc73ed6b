/* metaTilesPng(): arguments checked here, the meta tile decoded and its tiles written by meta_tiles.c (plain C). */
#include "meta_tiles.h"

#include <stdio.h>
#include <stdlib.h>

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
} meta_args;

static void release(job_t *job) {
  meta_args *a = job->args;
  if (a->pngs)
    for (size_t i = 0; i < a->n; i++) free(a->pngs[i]);
  free(a->pngs);
  free(a->lens);
  free(a->rects);
}

static int run(job_t *job) {
  meta_args *a = job->args;
  char err[PNG_ERROR_SIZE];
  int status = meta_tiles_png(&a->png, a->rects, a->n, &a->opts, a->pngs, a->lens, err);
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

/*
 * metaTilesPng(compressed, header, plte, trns, width, height, rects, options, async) → Buffer[] | false (a promise
 * of it when async): the PNG's image data (the IDAT chunks' bytes in one piece; header, plte and trns as pngToRgba
 * takes them), which must be a width × height image, decoded, and each rect (quantizeTilesPng's) quantized and
 * written as a paletted PNG. False when the stream does not inflate whole to the declared size: the caller then
 * decodes the PNG the usual way. With async, `compressed` may not be touched until the promise settles.
 */
static napi_value js_meta_tiles_png(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  bytes_t compressed;
  int64_t width, height;
  int async;
  if (args_get(env, info, "metaTilesPng", 9, argv) || arg_bytes(env, argv[0], "compressed", &compressed) ||
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
  const napi_value held[] = {argv[0]};
  return job_start_result(env, "metaTilesPng", a, run, result, release, async, held, 1);
}

static const kernel_export_t table[] = {
  {"metaTilesPng", js_meta_tiles_png},
};

EXPORTS(meta_tiles) { return EXPORT_TABLE(table); }
