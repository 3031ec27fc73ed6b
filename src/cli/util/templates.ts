/**
 * The files of `mapproxy-util create`: our starters in place of MapProxy's base_config templates. They are ours,
 * written for this project (MapProxy's texts are not copied); the layout follows MapProxy's so its docs still fit.
 */

/** A first line editors read (yaml-language-server) to complete and check the file against our schema. */
export const schemaComment = (schemaPath: string): string => `# yaml-language-server: $schema=${schemaPath}\n`;

export const BASE_MAPPROXY_YAML = `# A starting point for a mapproxy-ts configuration (MapProxy's mapproxy.yaml format).
# One layer, "osm", drawn by a remote WMS and cached as web-mercator tiles on disk.
#
# Run it:   mapproxy-util serve-develop mapproxy.yaml   (or: mapproxy-ts serve mapproxy.yaml)
# Then:
#   demo page:         http://localhost:8080/demo/
#   WMS capabilities:  http://localhost:8080/service?REQUEST=GetCapabilities
#   WMTS capabilities: http://localhost:8080/wmts/1.0.0/WMTSCapabilities.xml
#   an XYZ tile:       http://localhost:8080/tiles/osm/webmercator/0/0/0.png
#   a TMS tile:        http://localhost:8080/tms/1.0.0/osm/webmercator/0/0/0.png  (rows count from the south)
# Check it: mapproxy-ts validate mapproxy.yaml

services:
  demo:
  kml:
    use_grid_names: true
  tms:
    use_grid_names: true
    # /tiles counts rows from the north, as OSM and most web maps do
    origin: 'nw'
  wmts:
  wms:
    md:
      title: mapproxy-ts WMS
      abstract: A starter configuration of mapproxy-ts.

layers:
  - name: osm
    title: OpenStreetMap (Omniscale demo WMS)
    sources: [osm_cache]

caches:
  osm_cache:
    grids: [webmercator]
    sources: [osm_wms]

sources:
  osm_wms:
    type: wms
    req:
      url: https://maps.omniscale.net/v2/demo/style.default/service?
      layers: osm

grids:
  webmercator:
    base: GLOBAL_WEBMERCATOR

globals:
`;

export const BASE_SEED_YAML = `# A starting point for seeding (mapproxy-seed -f mapproxy.yaml -s seed.yaml).
# "seeds" fill caches ahead of time, "cleanups" remove old tiles; both may be limited to coverages.

seeds:
  osm_levels_0_to_10:
    caches: [osm_cache]
    levels:
      to: 10
    # only tiles older than this are created again
    refresh_before:
      time: 2024-01-01T00:00:00

cleanups:
  old_detail_tiles:
    caches: [osm_cache]
    levels:
      from: 11
    remove_before:
      days: 14

coverages:
  germany:
    bbox: [5.8, 47.2, 15.1, 55.1]
    srs: 'EPSG:4326'
`;

/** `create -t wsgi-app`: a Node module that embeds the app in Node's own http server (our analogue of config.wsgi). */
export const appModule = (mapproxyConf: string, packageDir: string): string => `// A Node.js module serving ${mapproxyConf} through mapproxy-ts's embedding API
// (what MapProxy's config.wsgi is for a WSGI server). Run it with \`node\` for one process on port 8080, or import
// \`app\` and call \`app.handle(request)\` from your own server. For production, prefer the daemon:
//   mapproxy-ts serve ${mapproxyConf}
import { createApp } from ${JSON.stringify(`${packageDir}/dist/core/app.js`)};
import { serveHttp } from ${JSON.stringify(`${packageDir}/dist/core/node-http-adapter.js`)};

export const app = await createApp(${JSON.stringify(mapproxyConf)});

if (import.meta.url === \`file://\${process.argv[1]}\`) {
  const port = Number(process.env.PORT ?? 8080);
  await serveHttp(app, { host: process.env.HOST ?? '127.0.0.1', port });
  console.log(\`serving ${mapproxyConf} on http://\${process.env.HOST ?? '127.0.0.1'}:\${port}/\`);
}
`;

/**
 * \`create -t log-ini\`: MapProxy writes a Python logging ini; ours logs through the \`server.log\` section, so the
 * starter is a YAML file to include with \`base: [log.yaml]\`.
 */
export const LOG_YAML = `# Logging of mapproxy-ts (our counterpart of MapProxy's log.ini).
# Include it from mapproxy.yaml with:   base: [log.yaml]
# Command-line flags (--log-level, --log-format, --access-log, --upstream-log) override these.
server:
  log:
    # fatal, error, warn, info, debug (adds upstream requests), trace or silent
    level: info
    # json (one object a line), pretty, or auto (pretty on a terminal)
    format: auto
    # one line per answered request: client, request, status, bytes, time, cache hit/miss (MapProxy's access log)
    access: false
    # one line per upstream request, as MapProxy's mapproxy.source.request logger
    upstream: false
`;
