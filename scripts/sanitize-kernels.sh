#!/usr/bin/env bash
# The pixel kernels under AddressSanitizer and UBSan (gcc), once per test run (test/run.sh) and in CI:
#   1. the PNG fuzz harness over mutated PNGs and raw kernel inputs (scripts/fuzz-kernels.sh);
#   2. the quantizer harness over random images, rectangles and options, and the image kernels' harness
#      (resample, warp, compose, composite, mask) over random sizes, meshes, tiles, layers and edges;
#   3. the addon itself built with the sanitizers, loaded into Node (libasan preloaded), running the kernel and
#      image unit tests: every kernel entry the tests reach, with the buffers Node really hands over.
# Exits non-zero on any sanitizer report or failed test. usage: bash scripts/sanitize-kernels.sh [fuzz-count=2000]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-2000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
k=src/core/native/kernels
san=(-g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)

echo "▶ kernels under ASan/UBSan: PNG fuzz harness ($count inputs)"
FUZZ_DIR="$work/png" bash scripts/fuzz-kernels.sh "$count" 1

echo "▶ kernels under ASan/UBSan: quantizer harness"
gcc -std=gnu11 -Wall -Wextra "${san[@]}" "$k/quantize_tile.c" "$k/quantize_octree.c" "$k/quantize_mediancut.c" \
  "$k/quantize-harness.c" -o "$work/qz-harness"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 "$work/qz-harness" 200 1

echo "▶ kernels under ASan/UBSan: image kernels harness (resample, warp, compose, composite, mask)"
gcc -std=gnu11 -Wall -Wextra -Wno-psabi "${san[@]}" -fsanitize=float-cast-overflow "$k/resample.c" "$k/warp.c" "$k/warp_axes.c" "$k/warp_flat.c" "$k/compose.c" \
  "$k/composite.c" "$k/mask.c" "$k/resample-harness.c" -o "$work/image-harness" -lm
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 "$work/image-harness" 3000 1

echo "▶ kernels under ASan/UBSan: the addon in Node, kernel and image unit tests"
bash scripts/dev-kernels.sh "$work/addon" "${san[@]}"
# Node itself is not built with ASan: preload the runtime, and leave Node's own allocations out of leak checks.
tests=$(find test/unit -name 'native-*.test.ts' -o -name 'image-*.test.ts' | LC_ALL=C sort)
# shellcheck disable=SC2086
LD_PRELOAD=$(gcc -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 MAPPROXY_TS_KERNELS="$work/addon/pixel_kernels.node" \
  node --import tsx --test --test-reporter=dot $tests
echo "✔ kernels clean under ASan/UBSan"
