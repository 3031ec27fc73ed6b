#!/usr/bin/env bash
# Compiles the pixel kernels straight with gcc into OUT/pixel_kernels.node, for development and sanitizer runs
# without touching build/ (use it with MAPPROXY_TS_KERNELS=OUT/pixel_kernels.node).
# usage: bash scripts/dev-kernels.sh OUT [extra gcc flags, e.g. -fsanitize=address -g -O1]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: dev-kernels.sh OUT [gcc flags]}
shift
mkdir -p "$out"
prefix=$(dirname "$(dirname "$(command -v node)")")
inc=${npm_config_nodedir:-$prefix}/include/node
# shellcheck disable=SC2046
gcc -std=gnu11 -O3 -Wall -Wextra -Wno-unused-parameter -fno-strict-aliasing -shared -fPIC -I"$inc" "$@" \
  $(node scripts/kernel-sources.mjs) -o "$out/pixel_kernels.node" -lm -ldeflate
