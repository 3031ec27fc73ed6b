#!/usr/bin/env bash
# Fuzzes the PNG kernels outside Node: builds src/core/native/kernels/png-fuzz.c with the kernels under
# AddressSanitizer and UBSan (gcc), writes a corpus of mutated PNGs and raw kernel inputs, and runs the harness
# over it. Any sanitizer report or failed check exits non-zero. With VALGRIND=1 (and valgrind installed) the
# corpus also runs once under valgrind's memcheck, on a build without sanitizers.
# usage: bash scripts/fuzz-kernels.sh [COUNT=4000] [SEED=1]   (work files in $FUZZ_DIR, default a temporary dir)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-4000}
seed=${2:-1}
work=${FUZZ_DIR:-$(mktemp -d)}
mkdir -p "$work"
k=src/core/native/kernels
sources="$k/png-unfilter.c $k/png-expand.c $k/png-filter.c $k/inflate.c $k/png-fuzz.c"
flags="-std=gnu11 -Wall -Wextra -Werror -g -I$k"

# shellcheck disable=SC2086
gcc $flags -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer $sources -ldeflate -lz -o "$work/png-fuzz-asan"
node --import tsx test/support/png-corpus.ts "$work/corpus" "$count" "$seed"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$work/png-fuzz-asan" "$work/corpus"

if [ "${VALGRIND:-0}" = 1 ]; then
  command -v valgrind >/dev/null || { echo "fuzz-kernels: VALGRIND=1 but valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
  # shellcheck disable=SC2086
  gcc $flags -O2 $sources -ldeflate -lz -o "$work/png-fuzz"
  valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite "$work/png-fuzz" "$work/corpus"
fi
echo "fuzz-kernels: clean ($work)"
