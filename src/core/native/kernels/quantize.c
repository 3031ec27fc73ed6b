/* The quantizer's JavaScript entry: arguments checked here, the tiles quantized by quantize_tile.c. */
#include "quantize.h"

#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "module.h"

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

/*
 * Each thread (the JS thread, every libuv pool thread) keeps its work memory (~0.5 MB and the last tile's
 * pixels) from job to job: allocating it per meta tile cost more than quantizing a tile.
 */
static _Thread_local qz_work_t *thread_work;
#define KEEP_TILE_BYTES (1 << 20)

static int run_tiles(job_t *job) {
  tiles_args *a = job->args;
  qz_work_t *w = thread_work ? thread_work : qz_work_new();
  thread_work = NULL;
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
  qz_work_trim(w, KEEP_TILE_BYTES);
  thread_work = w;
  return status;
}

static int32_t read_i32(const uint8_t *p) {
  int32_t v;
  memcpy(&v, p, 4);
  return v;
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
  bytes_t rgba, rects, options, indices, palettes, entries;
  int64_t width, height;
  int async;
  if (args_get(env, info, "quantizeTiles", 9, argv) || arg_bytes(env, argv[0], "rgba", &rgba) ||
      arg_int(env, argv[1], "width", 1, 1 << 20, &width) || arg_int(env, argv[2], "height", 1, 1 << 20, &height) ||
      arg_bytes(env, argv[3], "rects", &rects) || arg_bytes(env, argv[4], "options", &options) ||
      arg_bytes(env, argv[5], "indices", &indices) || arg_bytes(env, argv[6], "palettes", &palettes) ||
      arg_bytes(env, argv[7], "entries", &entries) || arg_bool(env, argv[8], &async))
    return NULL;
  if (rgba.length != (size_t)width * (size_t)height * 4)
    return throw_range(env, "rgba must hold width * height RGBA pixels"), NULL;
  if (options.length != 6 * 4) return throw_range(env, "options must be an Int32Array of 6"), NULL;
  if (rects.length == 0 || rects.length % 16) return throw_range(env, "rects must be an Int32Array of 4 per tile, at least one tile"), NULL;
  size_t ntiles = rects.length / 16;
  if (palettes.length != ntiles * PALETTE_BYTES) return throw_range(env, "palettes must hold 1024 bytes per tile"), NULL;
  if (entries.length != ntiles * 4) return throw_range(env, "entries must be an Int32Array of one per tile"), NULL;

  qz_options_t opts;
  int32_t colors = read_i32(options.data), method = read_i32(options.data + 4), alpha = read_i32(options.data + 8);
  if (colors < 1 || colors > 256) return throw_range(env, "colors must be 1..256"), NULL;
  if (method != QZ_FASTOCTREE && method != QZ_MEDIANCUT) return throw_range(env, "method must be 0 (fastoctree) or 1 (mediancut)"), NULL;
  opts.colors = (unsigned)colors;
  opts.method = (qz_method_t)method;
  opts.alpha = alpha != 0;
  for (int k = 0; k < 3; k++) {
    int32_t v = read_i32(options.data + 12 + k * 4);
    if (v < 0 || v > 255) return throw_range(env, "background channels must be 0..255"), NULL;
    opts.background[k] = (uint8_t)v;
  }

  qz_rect_t *list = malloc(ntiles * sizeof *list);
  if (!list) return throw_range(env, "quantizeTiles: out of memory"), NULL;
  size_t total = 0;
  for (size_t i = 0; i < ntiles; i++) {
    qz_rect_t r = {read_i32(rects.data + i * 16), read_i32(rects.data + i * 16 + 4), read_i32(rects.data + i * 16 + 8),
                   read_i32(rects.data + i * 16 + 12)};
    const int32_t far = 1 << 28;
    if (r.width < 1 || r.height < 1 || r.width > 1 << 16 || r.height > 1 << 16 || r.x < -far || r.x > far || r.y < -far ||
        r.y > far) {
      free(list);
      return throw_range(env, "a tile rect is out of range (size 1..65536, position within ±2^28)"), NULL;
    }
    list[i] = r;
    total += (size_t)r.width * (size_t)r.height;
  }
  if (indices.length != total) {
    free(list);
    return throw_range(env, "indices must hold exactly the tiles' pixels"), NULL;
  }

  tiles_args *a = calloc(1, sizeof *a);
  if (!a) {
    free(list);
    return throw_range(env, "quantizeTiles: out of memory"), NULL;
  }
  *a = (tiles_args){rgba, indices, palettes, entries, (int)width, (int)height, opts, ntiles, list};
  const napi_value held[] = {argv[0], argv[5], argv[6], argv[7]};
  return job_start(env, "quantizeTiles", a, run_tiles, release_tiles, async, held, 4);
}

static const kernel_export_t table[] = {
  {"quantizeTiles", js_quantize_tiles},
};

EXPORTS(quantize) { return EXPORT_TABLE(table); }
