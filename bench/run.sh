#!/usr/bin/env bash
# The benchmark, one command:  bash bench/run.sh [--quick] [--workers N] [--only tms,wms-256,...]
# Writes bench/results/bench[-quick].md and .json. See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
# Everything the bench runs side by side, installed when missing (as root).
bash scripts/install-debian-packages.sh mapproxy python3-pil gunicorn apache2 libapache2-mod-mapcache \
  cgi-mapserver mapserver-bin gdal-bin lighttpd wrk time
[ -d node_modules ] || npm ci --no-audit --no-fund
# The orchestrator runs in its own process group and starts every server in a group of its own, listed in
# BENCH_PGID_FILE: the trap ends all of them however the run ends (Ctrl-C, error, kill).
export BENCH_PGID_FILE
BENCH_PGID_FILE=$(mktemp /tmp/mapproxy-ts-bench-pgids.XXXXXX)
cleanup() {
  local status=$?
  set +e
  trap - EXIT INT TERM
  if [ -n "${pid:-}" ] && kill -0 -- "-$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null
    # the orchestrator stops its servers itself; give it a moment before forcing
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null
  fi
  while read -r g; do kill -KILL -- "-$g" 2>/dev/null; done < "$BENCH_PGID_FILE"
  rm -f "$BENCH_PGID_FILE"
  exit "$status"
}
trap cleanup EXIT INT TERM
setsid node --import tsx bench/run.ts "$@" &
pid=$!
wait "$pid"
