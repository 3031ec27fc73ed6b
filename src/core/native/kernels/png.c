/* The PNG kernels for JavaScript (src/core/native/png.ts): arguments checked here, pixel work in png-*.c. */
#include <stdlib.h>
#include <string.h>

#include "inflate.h"
#include "job.h"
#include "module.h"
#include "png.h"
#include "png_args.h"

int arg_png_header(napi_env env, napi_value v, png_header_t *h) {
  bytes_t b;
  if (arg_bytes(env, v, "header", &b)) return -1;
  if (b.length != 5 * sizeof(uint32_t)) return throw_range(env, "header must be a Uint32Array of 5 numbers");
  uint32_t f[5];
  memcpy(f, b.data, sizeof f);
  if (f[2] > 255 || f[3] > 255 || f[4] > 255) return throw_range(env, "header: depth, colour type or interlace above 255");
  *h = (png_header_t){f[0], f[1], (uint8_t)f[2], (uint8_t)f[3], (uint8_t)f[4]};
  char err[PNG_ERROR_SIZE];
  if (png_check_header(h, err)) {
    napi_throw_error(env, NULL, err);
    return -1;
  }
  return 0;
}

int arg_png_colors(napi_env env, const png_header_t *h, napi_value plte, napi_value trns, png_colors_t *out) {
  bytes_t p, t;
  char err[PNG_ERROR_SIZE] = "";
  if (arg_bytes(env, plte, "plte", &p) || arg_bytes(env, trns, "trns", &t)) return -1;
  if (!png_colors(h, p.data, p.length, t.data, t.length, out, err)) return 0;
  napi_throw_error(env, NULL, err);
  return -1;
}

static napi_value number(napi_env env, double v) {
  napi_value n;
  napi_create_double(env, v, &n);
  return n;
}

/* (header) → bytes of inflated image data the header calls for; throws for a header we do not decode. */
static napi_value js_data_size(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  png_header_t h;
  if (args_get(env, info, "pngDataSize", 1, argv) || arg_png_header(env, argv[0], &h)) return NULL;
  return number(env, (double)png_data_size(&h));
}

/* Runs a plain kernel call inline and throws its message as an Error. */
static napi_value done(napi_env env, int status, const char *err) {
  if (status) napi_throw_error(env, NULL, err);
  return NULL;
}

/* (data, header) → whether every row is the same (png_rows_repeat): unfilters every row in place. */
static napi_value js_unfilter(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  bytes_t data;
  png_header_t h;
  char err[PNG_ERROR_SIZE] = "";
  if (args_get(env, info, "pngUnfilter", 2, argv) || arg_bytes(env, argv[0], "data", &data) || arg_png_header(env, argv[1], &h))
    return NULL;
  if (png_unfilter(data.data, data.length, &h, err)) return done(env, -1, err);
  napi_value repeat;
  napi_get_boolean(env, png_rows_repeat(data.data, data.length, &h), &repeat);
  return repeat;
}

/* (header, plte, trns, table) → undefined: the 256 RGBA entries a palette or low-depth grey image's indices select. */
static napi_value js_palette(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  bytes_t table;
  png_header_t h;
  png_colors_t colors;
  if (args_get(env, info, "pngPalette", 4, argv) || arg_png_header(env, argv[0], &h) || arg_bytes(env, argv[3], "table", &table))
    return NULL;
  if (table.length != sizeof colors.table) return throw_range(env, "table must hold 256 RGBA entries (1024 bytes)"), NULL;
  if (arg_png_colors(env, &h, argv[1], argv[2], &colors)) return NULL;
  memcpy(table.data, colors.table, sizeof colors.table);
  return NULL;
}

typedef struct {
  bytes_t data, out;
  png_header_t h;
  png_colors_t colors;
} to_rgba_args;

static int run_to_rgba(job_t *job) {
  to_rgba_args *a = job->args;
  if (png_unfilter(a->data.data, a->data.length, &a->h, job->error)) return -1;
  return png_expand_rgba(a->data.data, a->data.length, &a->h, &a->colors, a->out.data, a->out.length, job->error);
}

/*
 * The arguments pngToRgba and pngInflateToRgba share: (bytes, header, plte, trns, out, async), `out` sized for the
 * RGBA image and the colours copied (plte and trns need not outlive the call). 0, or -1 with a JS error thrown.
 */
static int rgba_call_args(napi_env env, napi_callback_info info, const char *name, const char *bytes_name, napi_value argv[6],
                          bytes_t *bytes, png_header_t *h, png_colors_t *colors, bytes_t *out, int *async) {
  if (args_get(env, info, name, 6, argv) || arg_bytes(env, argv[0], bytes_name, bytes) || arg_png_header(env, argv[1], h) ||
      arg_bytes(env, argv[4], "out", out) || arg_bool(env, argv[5], async))
    return -1;
  if ((uint64_t)h->width * h->height * 4 != out->length) return throw_range(env, "out must hold width * height * 4 bytes"), -1;
  return arg_png_colors(env, h, argv[2], argv[3], colors);
}

/* (data, header, plte, trns, out, async) → undefined | Promise: unfilters `data` in place and expands it to RGBA. */
static napi_value js_to_rgba(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  int async;
  to_rgba_args *a = calloc(1, sizeof *a);
  if (!a) return napi_throw_error(env, NULL, "out of memory"), NULL;
  if (rgba_call_args(env, info, "pngToRgba", "data", argv, &a->data, &a->h, &a->colors, &a->out, &async)) {
    free(a);
    return NULL;
  }
  const napi_value held[] = {argv[0], argv[4]};
  return job_start(env, "pngToRgba", a, run_to_rgba, NULL, async, held, 2);
}

typedef struct {
  bytes_t compressed, out;
  png_header_t h;
  png_colors_t colors;
  int whole; /* the stream inflated to exactly the image data's size */
} inflate_rgba_args;

/*
 * Inflates into memory of its own (freed before the job ends, so a meta tile's 3.5 MB of rows never become a
 * JS buffer for the garbage collector to track), then unfilters and expands as run_to_rgba does.
 */
static int run_inflate_rgba(job_t *job) {
  inflate_rgba_args *a = job->args;
  size_t size = (size_t)png_data_size(&a->h);
  if (!inflate_could_fill(a->compressed.length, size)) return 0;
  uint8_t *data = malloc(size);
  if (!data) {
    strcpy(job->error, "pngInflateToRgba: out of memory");
    return -1;
  }
  int done = png_inflate_rgba(a->compressed.data, a->compressed.length, &a->h, &a->colors, data, size, a->out.data,
                              a->out.length, job->error);
  free(data);
  a->whole = done == 1;
  return done < 0 ? -1 : 0;
}

static napi_value inflate_rgba_result(napi_env env, job_t *job) {
  napi_value b;
  napi_get_boolean(env, ((inflate_rgba_args *)job->args)->whole, &b);
  return b;
}

/*
 * (compressed, header, plte, trns, out, async) → boolean | Promise<boolean>: the IDAT stream inflated (inflate.h),
 * unfiltered and expanded to RGBA in `out`, in one call. False, with `out` untouched, when the stream does not
 * inflate whole to the size the header calls for: the caller then inflates with zlib's module to learn why.
 */
static napi_value js_inflate_to_rgba(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  int async;
  inflate_rgba_args *a = calloc(1, sizeof *a);
  if (!a) return napi_throw_error(env, NULL, "out of memory"), NULL;
  if (rgba_call_args(env, info, "pngInflateToRgba", "compressed", argv, &a->compressed, &a->h, &a->colors, &a->out, &async)) {
    free(a);
    return NULL;
  }
  job_t *job = job_new(a, run_inflate_rgba, inflate_rgba_result); /* frees `a` when it fails */
  if (!job) return napi_throw_error(env, NULL, "pngInflateToRgba: out of memory"), NULL;
  if (async && (job_hold(env, job, argv[0]) || job_hold(env, job, argv[4]))) {
    job_free(env, job);
    return NULL;
  }
  return job_submit(env, job, async);
}

/* (data, header, out) → undefined: unfilters `data` in place and unpacks its palette indices, one byte each. */
static napi_value js_to_indices(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  bytes_t data, out;
  png_header_t h;
  char err[PNG_ERROR_SIZE] = "";
  if (args_get(env, info, "pngToIndices", 3, argv) || arg_bytes(env, argv[0], "data", &data) ||
      arg_png_header(env, argv[1], &h) || arg_bytes(env, argv[2], "out", &out))
    return NULL;
  if (png_unfilter(data.data, data.length, &h, err)) return done(env, -1, err);
  return done(env, png_expand_indices(data.data, data.length, &h, out.data, out.length, err), err);
}

typedef struct {
  bytes_t rgba, out;
  uint32_t width, height;
  int channels;
} filter_args;

static int run_filter(job_t *job) {
  filter_args *a = job->args;
  return png_filter_rgba(a->rgba.data, a->rgba.length, a->width, a->height, a->channels, a->out.data, a->out.length,
                         job->error);
}

/* (rgba, width, height, channels, out, async) → undefined | Promise: adaptively filtered rows for deflate. */
static napi_value js_filter_rgba(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  int64_t w, h, ch;
  int async;
  filter_args *a = calloc(1, sizeof *a);
  if (!a) return napi_throw_error(env, NULL, "out of memory"), NULL;
  if (args_get(env, info, "pngFilterRgba", 6, argv) || arg_bytes(env, argv[0], "rgba", &a->rgba) ||
      arg_int(env, argv[1], "width", 1, 0x7fffffff, &w) || arg_int(env, argv[2], "height", 1, 0x7fffffff, &h) ||
      arg_int(env, argv[3], "channels", 3, 4, &ch) || arg_bytes(env, argv[4], "out", &a->out) ||
      arg_bool(env, argv[5], &async)) {
    free(a);
    return NULL;
  }
  a->width = (uint32_t)w, a->height = (uint32_t)h, a->channels = (int)ch;
  const napi_value held[] = {argv[0], argv[4]};
  return job_start(env, "pngFilterRgba", a, run_filter, NULL, async, held, 2);
}

/* (indices, imgWidth, imgHeight, x0, y0, width, height, fill, depth, out) → undefined: packed rows, filter type 0. */
static napi_value js_pack_indices(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  bytes_t idx, out;
  int64_t iw, ih, x0, y0, w, h, fill, depth;
  char err[PNG_ERROR_SIZE] = "";
  if (args_get(env, info, "pngPackIndices", 10, argv) || arg_bytes(env, argv[0], "indices", &idx) ||
      arg_int(env, argv[1], "imgWidth", 0, 0x7fffffff, &iw) || arg_int(env, argv[2], "imgHeight", 0, 0x7fffffff, &ih) ||
      arg_int(env, argv[3], "x0", -0x7fffffff, 0x7fffffff, &x0) || arg_int(env, argv[4], "y0", -0x7fffffff, 0x7fffffff, &y0) ||
      arg_int(env, argv[5], "width", 1, 0x7fffffff, &w) || arg_int(env, argv[6], "height", 1, 0x7fffffff, &h) ||
      arg_int(env, argv[7], "fill", 0, 255, &fill) || arg_int(env, argv[8], "depth", 1, 8, &depth) ||
      arg_bytes(env, argv[9], "out", &out))
    return NULL;
  return done(env,
              png_pack_indices(idx.data, idx.length, (uint32_t)iw, (uint32_t)ih, x0, y0, (uint32_t)w, (uint32_t)h,
                               (uint8_t)fill, (int)depth, out.data, out.length, err),
              err);
}

/* (indices, imgWidth, imgHeight, x0, y0, x1, y1, stats: Float64Array(2)) → undefined: [largest index, changes]. */
static napi_value js_index_stats(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  bytes_t idx, stats;
  int64_t iw, ih, x0, y0, x1, y1;
  char err[PNG_ERROR_SIZE] = "";
  if (args_get(env, info, "pngIndexStats", 8, argv) || arg_bytes(env, argv[0], "indices", &idx) ||
      arg_int(env, argv[1], "imgWidth", 0, 0x7fffffff, &iw) || arg_int(env, argv[2], "imgHeight", 0, 0x7fffffff, &ih) ||
      arg_int(env, argv[3], "x0", 0, 0x7fffffff, &x0) || arg_int(env, argv[4], "y0", 0, 0x7fffffff, &y0) ||
      arg_int(env, argv[5], "x1", 0, 0x7fffffff, &x1) || arg_int(env, argv[6], "y1", 0, 0x7fffffff, &y1) ||
      arg_bytes(env, argv[7], "stats", &stats))
    return NULL;
  if (stats.length != 2 * sizeof(double)) return throw_range(env, "stats must be a Float64Array of 2"), NULL;
  uint32_t max = 0;
  uint64_t changes = 0;
  if (png_index_stats(idx.data, idx.length, (uint32_t)iw, (uint32_t)ih, (uint32_t)x0, (uint32_t)y0, (uint32_t)x1,
                      (uint32_t)y1, &max, &changes, err))
    return done(env, -1, err);
  double v[2] = {(double)max, (double)changes};
  memcpy(stats.data, v, sizeof v);
  return NULL;
}

static const kernel_export_t table[] = {
  {"pngDataSize", js_data_size},   {"pngUnfilter", js_unfilter},     {"pngPalette", js_palette},
  {"pngToRgba", js_to_rgba},       {"pngToIndices", js_to_indices},  {"pngFilterRgba", js_filter_rgba},
  {"pngPackIndices", js_pack_indices}, {"pngIndexStats", js_index_stats}, {"pngInflateToRgba", js_inflate_to_rgba},
};

EXPORTS(png) { return EXPORT_TABLE(table); }
