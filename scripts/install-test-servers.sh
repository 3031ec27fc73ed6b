#!/usr/bin/env bash
# Installs the servers the cache backend tests start (test/support/servers: s3rver, azurite, pouchdb-server) from
# their lock file, without optional dependencies and without install scripts: all three are pure JavaScript in the
# modes the tests use (pouchdb-server --in-memory), and the optional native stores would compile for minutes.
# Does nothing when the installed tree matches the lock file.
set -euo pipefail
cd "$(dirname "$0")/../test/support/servers"
stamp=node_modules/.installed-lock
if [ -f "$stamp" ] && cmp -s package-lock.json "$stamp"; then
  exit 0
fi
echo "▶ installing test servers (s3rver, azurite, pouchdb-server)"
npm ci --no-audit --no-fund --omit=optional --ignore-scripts --loglevel=error
cp package-lock.json "$stamp"
