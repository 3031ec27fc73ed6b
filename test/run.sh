#!/usr/bin/env bash
# The test suite (`npm test`). usage: bash test/run.sh [all|unit|integration] [extra node --test args]
#   all (default): Debian packages check, TypeScript typecheck, the native kernels under ASan/UBSan, unit tests,
#                  then integration tests
#   unit:          packages check, kernels under ASan/UBSan and unit tests (no typecheck; some unit tests run
#                  MapServer or MapProxy 1.15)
#   integration:   packages check and integration tests only
# Exits non-zero when the typecheck or any test fails. The last lines are node:test's summary.
set -uo pipefail
cd "$(dirname "$0")/.."

mode=${1:-all}
shift || true
case "$mode" in all|unit|integration) ;; *) echo "usage: bash test/run.sh [all|unit|integration]" >&2; exit 2 ;; esac

status=0

bash scripts/install-debian-packages.sh -f test/support/debian-packages.txt || status=1
# S3, Azure Blob and CouchDB-protocol servers for the cache backend tests (npm; Debian has none of them)
if [ "$mode" != unit ]; then bash scripts/install-test-servers.sh || status=1; fi

if [ "$mode" = all ]; then
  echo "▶ typecheck (tsc --noEmit)"
  if npx --no-install tsc -p tsconfig.json --noEmit; then
    echo "✔ typecheck"
  else
    echo "✖ typecheck failed"
    status=1
  fi
fi

# The pixel kernels once under AddressSanitizer/UBSan: fuzz harnesses and the kernel unit tests in Node.
if [ "$mode" != integration ]; then
  echo "▶ native kernels under ASan/UBSan"
  if bash scripts/sanitize-kernels.sh >/tmp/mapproxy-ts-sanitize.log 2>&1; then
    echo "✔ native kernels under ASan/UBSan"
  else
    tail -n 60 /tmp/mapproxy-ts-sanitize.log
    echo "✖ native kernels under ASan/UBSan (log: /tmp/mapproxy-ts-sanitize.log)"
    status=1
  fi
fi

files=()
if [ "$mode" != integration ] && [ -d test/unit ]; then
  while IFS= read -r f; do files+=("$f"); done < <(find test/unit -name '*.test.ts' -type f | LC_ALL=C sort)
fi
if [ "$mode" != unit ] && [ -d test/integration ]; then
  while IFS= read -r f; do files+=("$f"); done < <(find test/integration -name '*.test.ts' -type f | LC_ALL=C sort)
fi

if ((${#files[@]} == 0)); then
  echo "no test files found" >&2
  exit 1
fi

# One node:test run over all files (unit files first), so there is a single summary.
# Node 20's --test does not expand globs, hence the explicit list.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
[ -t 1 ] && export FORCE_COLOR=1
node --import tsx --test --test-reporter=spec --test-timeout=300000 "$@" "${files[@]}" 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" = 0 ] || status=1

# The spec reporter lists failures after its summary; repeat the summary so it comes last.
summary=$(grep -E '(ℹ|#) (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ' "$log" | tail -n 8)
if [ -n "$summary" ] && [ "$(tail -n 8 "$log")" != "$summary" ]; then
  printf '\n%s\n' "$summary"
fi
exit $status
