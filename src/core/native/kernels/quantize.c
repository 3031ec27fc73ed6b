/* The quantizer's JavaScript entry: arguments checked here, the tiles quantized by quantize_tile.c. */
#include "quantize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "module.h"
#include "quantize_args.h"
#include "quantize_png.h"

#define PALETTE_BYTES 1024

typedef struct {
  bytes_t rgba, indices, palettes, entries;
  int width, height;
  qz_options_t opts;
  size_t ntiles;
  qz_rect_t *rects;
} tiles_args;

static void release_tiles(job_t *job) {
  tiles_args *a = job->args;
  free(a->rects);
}

static int run_tiles(job_t *job) {
  tiles_args *a = job->args;
  qz_work_t *w = qz_thread_work();
  if (!w) {
    strcpy(job->error, "quantizeTiles: out of memory");
    return -1;
  }
  size_t offset = 0;
  int status = 0;
  for (size_t i = 0; i < a->ntiles; i++) {
    uint8_t *palette = a->palettes.data + i * PALETTE_BYTES;
    int n = qz_tile(w, a->rgba.data, a->width, a->height, a->rects[i], &a->opts, palette, a->indices.data + offset);
    if (n < 0) {
      strcpy(job->error, "quantizeTiles: out of memory");
      status = -1;
      break;
    }
    memset(palette + (size_t)n * 4, 0, PALETTE_BYTES - (size_t)n * 4);
    int32_t count = n;
    memcpy(a->entries.data + i * 4, &count, 4);
    offset += (size_t)a->rects[i].width * a->rects[i].height;
  }
  qz_thread_trim();
  return status;
}

static int32_t read_i32(const uint8_t *p) {
  int32_t v;
  memcpy(&v, p, 4);
  return v;
}

int arg_qz_options(napi_env env, napi_value v, qz_options_t *out) {
  bytes_t options;
  if (arg_bytes(env, v, "options", &options)) return -1;
  if (options.length != 6 * 4) return throw_range(env, "options must be an Int32Array of 6");
  int32_t colors = read_i32(options.data), method = read_i32(options.data + 4), alpha = read_i32(options.data + 8);
  if (colors < 1 || colors > 256) return throw_range(env, "colors must be 1..256");
  if (method != QZ_FASTOCTREE && method != QZ_MEDIANCUT) return throw_range(env, "method must be 0 (fastoctree) or 1 (mediancut)");
  out->colors = (unsigned)colors;
  out->method = (qz_method_t)method;
  out->alpha = alpha != 0;
  for (int k = 0; k < 3; k++) {
    int32_t c = read_i32(options.data + 12 + k * 4);
    if (c < 0 || c > 255) return throw_range(env, "background channels must be 0..255");
    out->background[k] = (uint8_t)c;
  }
  return 0;
}

/* The image, the tile rects and the options both entries take, checked. NULL and a pending exception on failure. */
typedef struct {
  bytes_t rgba;
  int width, height;
  qz_options_t opts;
  size_t ntiles, total; /* tiles, and their pixels together */
  qz_rect_t *rects;     /* malloc'd */
} tiles_input;

int arg_qz_rects(napi_env env, napi_value v, qz_rect_t **rects, size_t *n, size_t *pixels) {
  bytes_t b;
  if (arg_bytes(env, v, "rects", &b)) return -1;
  if (b.length == 0 || b.length % 16) return throw_range(env, "rects must be an Int32Array of 4 per tile, at least one tile");
  size_t count = b.length / 16, total = 0;
  qz_rect_t *list = malloc(count * sizeof *list);
  if (!list) return throw_range(env, "rects: out of memory");
  for (size_t i = 0; i < count; i++) {
    qz_rect_t r = {read_i32(b.data + i * 16), read_i32(b.data + i * 16 + 4), read_i32(b.data + i * 16 + 8),
                   read_i32(b.data + i * 16 + 12)};
    const int32_t far = 1 << 28;
    if (r.width < 1 || r.height < 1 || r.width > 1 << 16 || r.height > 1 << 16 || r.x < -far || r.x > far || r.y < -far ||
        r.y > far) {
      free(list);
      return throw_range(env, "a tile rect is out of range (size 1..65536, position within ±2^28)");
    }
    list[i] = r;
    total += (size_t)r.width * (size_t)r.height;
  }
  *rects = list;
  *n = count;
  *pixels = total;
  return 0;
}

static int read_input(napi_env env, const napi_value *argv, tiles_input *in) {
  int64_t width, height;
  if (arg_bytes(env, argv[0], "rgba", &in->rgba) || arg_int(env, argv[1], "width", 1, 1 << 20, &width) ||
      arg_int(env, argv[2], "height", 1, 1 << 20, &height))
    return -1;
  if (in->rgba.length != (size_t)width * (size_t)height * 4) return throw_range(env, "rgba must hold width * height RGBA pixels");
  if (arg_qz_options(env, argv[4], &in->opts)) return -1;
  in->width = (int)width;
  in->height = (int)height;
  return arg_qz_rects(env, argv[3], &in->rects, &in->ntiles, &in->total);
}

/*
 * (rgba, width, height, rects, options, indices, palettes, entries, async) → undefined, or a promise when async.
 * rects: Int32Array of x, y, width, height per tile; options: Int32Array [colors, method (0 fastoctree,
 * 1 mediancut), alpha (0/1), background r, g, b]. Writes each tile's indices one after another into `indices`
 * (which must hold exactly their sum), its palette into 1024 bytes of `palettes` and its number of entries into
 * `entries` (Int32Array).
 */
static napi_value js_quantize_tiles(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  bytes_t indices, palettes, entries;
  tiles_input in;
  int async;
  if (args_get(env, info, "quantizeTiles", 9, argv) || arg_bytes(env, argv[5], "indices", &indices) ||
      arg_bytes(env, argv[6], "palettes", &palettes) || arg_bytes(env, argv[7], "entries", &entries) ||
      arg_bool(env, argv[8], &async) || read_input(env, argv, &in))
    return NULL;
  const char *wrong = palettes.length != in.ntiles * PALETTE_BYTES ? "palettes must hold 1024 bytes per tile"
                      : entries.length != in.ntiles * 4            ? "entries must be an Int32Array of one per tile"
                      : indices.length != in.total                 ? "indices must hold exactly the tiles' pixels"
                                                                   : NULL;
  if (wrong) {
    free(in.rects);
    return throw_range(env, wrong), NULL;
  }
  tiles_args *a = calloc(1, sizeof *a);
  if (!a) {
    free(in.rects);
    return throw_range(env, "quantizeTiles: out of memory"), NULL;
  }
  *a = (tiles_args){in.rgba, indices, palettes, entries, in.width, in.height, in.opts, in.ntiles, in.rects};
  const napi_value held[] = {argv[0], argv[5], argv[6], argv[7]};
  return job_start(env, "quantizeTiles", a, run_tiles, release_tiles, async, held, 4);
}

/* ---- quantizeTilesPng: quantize and write each tile as a paletted PNG in one job ---- */

typedef struct {
  tiles_input in;
  uint8_t **pngs; /* one malloc'd PNG per tile, filled by the job */
  size_t *lengths;
} png_args;

static void release_png(job_t *job) {
  png_args *a = job->args;
  if (a->pngs)
    for (size_t i = 0; i < a->in.ntiles; i++) free(a->pngs[i]);
  free(a->pngs);
  free(a->lengths);
  free(a->in.rects);
}

static int run_png(job_t *job) {
  png_args *a = job->args;
  char err[PNG_ERROR_SIZE];
  int status = qz_png_tiles(a->in.rgba.data, a->in.width, a->in.height, a->in.rects, a->in.ntiles, &a->in.opts, a->pngs,
                            a->lengths, err);
  if (status) snprintf(job->error, JOB_ERROR_SIZE, "quantizeTilesPng: %s", err);
  qz_thread_trim();
  return status;
}

napi_value qz_png_list(napi_env env, uint8_t *const *pngs, const size_t *lens, size_t n) {
  napi_value list;
  if (napi_create_array_with_length(env, n, &list) != napi_ok) return NULL;
  for (size_t i = 0; i < n; i++) {
    napi_value buf;
    if (napi_create_buffer_copy(env, lens[i], pngs[i], NULL, &buf) != napi_ok) return NULL;
    if (napi_set_element(env, list, (uint32_t)i, buf) != napi_ok) return NULL;
  }
  return list;
}

/* The PNGs as an array of Buffers (copies: a few kilobytes each), on the JS thread. */
static napi_value png_result(napi_env env, job_t *job) {
  png_args *a = job->args;
  return qz_png_list(env, a->pngs, a->lengths, a->in.ntiles);
}

/*
 * (rgba, width, height, rects, options, async) → Buffer[] (a promise of it when async): each tile quantized as
 * quantizeTiles does and written as MapProxy's paletted PNG (png-indexed.h), all in one call, so a meta tile's
 * tiles cost one hand-off to the pool instead of one per tile and step.
 */
static napi_value js_quantize_tiles_png(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  int async;
  png_args *a = calloc(1, sizeof *a);
  if (!a) return throw_range(env, "quantizeTilesPng: out of memory"), NULL;
  if (args_get(env, info, "quantizeTilesPng", 6, argv) || arg_bool(env, argv[5], &async) || read_input(env, argv, &a->in)) {
    free(a);
    return NULL;
  }
  a->pngs = calloc(a->in.ntiles, sizeof *a->pngs);
  a->lengths = calloc(a->in.ntiles, sizeof *a->lengths);
  job_t *job = a->pngs && a->lengths ? job_new(a, run_png, png_result) : NULL;
  if (!job) {
    job_t unsent = {.args = a};
    release_png(&unsent);
    free(a);
    return throw_range(env, "quantizeTilesPng: out of memory"), NULL;
  }
  job->release = release_png;
  if (async && job_hold(env, job, argv[0])) {
    job_free(env, job);
    return NULL;
  }
  return job_submit(env, job, async);
}

static const kernel_export_t table[] = {
  {"quantizeTiles", js_quantize_tiles},
  {"quantizeTilesPng", js_quantize_tiles_png},
};

EXPORTS(quantize) { return EXPORT_TABLE(table); }
