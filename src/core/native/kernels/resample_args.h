/* Argument checks the image kernels (resample, warp, compose, composite, mask) share. */
#ifndef KERNELS_RESAMPLE_ARGS_H
#define KERNELS_RESAMPLE_ARGS_H

#include <node_api.h>

#include "resample_filters.h"

/*
 * An RGBA8 image from three arguments (bytes, width, height): sides in [1, IMAGE_MAX_SIDE] and exactly
 * width·height·4 bytes. Returns 0, or -1 after throwing an error that names `name`.
 */
int arg_image(napi_env env, const napi_value *argv, const char *name, rf_image_t *img);

#endif
