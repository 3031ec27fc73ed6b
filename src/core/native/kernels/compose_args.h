/* The mosaic argument that composeWindow and the kernels sampling a mosaic (resample, warp) share. */
#ifndef KERNELS_COMPOSE_ARGS_H
#define KERNELS_COMPOSE_ARGS_H

#include <node_api.h>

#include "compose.h"

/*
 * A mosaic window from JavaScript: `geometry` an Int32Array of COMPOSE_HEADER_INTS (window x, y, width, height;
 * tile width, height; cols; rows; background as r | g << 8 | b << 16 | a << 24), then COMPOSE_TILE_INTS per tile
 * (kind 0 none, 1 RGBA, 2 paletted; width; height; pitch; first); `buffers` an array of two per tile (pixels or
 * indices; palette words or null). Every size is checked against the buffers. Returns a new mosaic (free() it;
 * it points into the buffers, which the caller keeps alive), or NULL with a JS exception naming `fn`.
 */
compose_mosaic_t *arg_mosaic(napi_env env, napi_value geometry, napi_value buffers, const char *fn);

#endif
