#!/bin/sh
# Runs the MapServer CGI with this directory's mapserver.conf (MapServer 8 needs one).
# Used by mapproxy.yaml as `globals.mapserver.binary`. MAPSERV overrides the binary.
here=$(dirname "$0")
MAPSERVER_CONFIG_FILE="$(cd "$here" && pwd)/mapserver.conf"
export MAPSERVER_CONFIG_FILE
if [ -n "$MAPSERV" ]; then exec "$MAPSERV" "$@"; fi
if [ -x /usr/lib/cgi-bin/mapserv ]; then exec /usr/lib/cgi-bin/mapserv "$@"; fi
exec mapserv "$@"
