#!/usr/bin/env bash
# The benchmark, one command:  bash bench/run.sh [--quick] [--workers N] [--only tms,wms-256,...]
# Writes bench/results/bench[-quick].md and .json. See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
# Everything the bench starts lives in this process group; the trap ends it however the run ends.
cleanup() { trap - EXIT INT TERM; [ -n "${pid:-}" ] && kill -TERM -- "-$pid" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
setsid node --import tsx bench/run.ts "$@" &
pid=$!
wait "$pid"
