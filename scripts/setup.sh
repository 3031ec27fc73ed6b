#!/usr/bin/env bash
# Prepares this checkout to run the default configuration (config/mapproxy.yaml):
#   bash scripts/setup.sh && npm start
# - Debian packages the default configuration needs, when missing (as root, or with sudo):
#   cgi-mapserver (renders config/world.map), proj-data (projections and grids),
#   fonts-dejavu-core (labels), and g++, make, python3 and libdeflate-dev for the native pixel kernels that npm ci
#   builds.
# - npm dependencies, when node_modules is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-debian-packages.sh cgi-mapserver proj-data fonts-dejavu-core g++ make python3 libdeflate-dev

if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi

echo "ready: npm start, then open http://127.0.0.1:8080/demo/"
