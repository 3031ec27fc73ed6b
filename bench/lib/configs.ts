// The one shared MapProxy configuration (read by MapProxy 1.15 and by this project alike), the seed
// configuration, and MapCache's and Apache's configuration reading the same tile files.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BBox } from '../../src/core/geo/bbox.js';

/** Where everything of one run lives (a fresh temporary directory). */
export interface Workspace {
  readonly dir: string;
  readonly mapproxyYaml: string;
  readonly seedYaml: string;
  /** Tiles of `world_cache`, in MapProxy's `tms` layout: z/x/y.png, y counted from the top (the grid's origin is nw). */
  readonly tileDir: string;
  /** Cache for the cold-miss scenario, emptied before each server's run. */
  readonly coldDir: string;
  readonly mapcacheXml: string;
  readonly apacheConf: string;
}

export interface SeedArea {
  /** EPSG:4326 bbox that is seeded. */
  readonly bbox: BBox;
  readonly fromLevel: number;
  readonly toLevel: number;
}

export const META_SIZE = 4;
export const META_BUFFER = 32;
export const GRID = 'GLOBAL_WEBMERCATOR';

export function workspace(dir: string): Workspace {
  return {
    dir,
    mapproxyYaml: join(dir, 'mapproxy.yaml'),
    seedYaml: join(dir, 'seed.yaml'),
    tileDir: join(dir, 'tiles', 'world'),
    coldDir: join(dir, 'tiles', 'cold'),
    mapcacheXml: join(dir, 'mapcache', 'mapcache.xml'),
    apacheConf: join(dir, 'mapcache', 'apache.conf'),
  };
}

/**
 * Two caches of the same upstream: `world_cache` is seeded and serves the cached scenarios, `cold_cache`
 * starts empty and serves the cold misses. Both use the `tms` directory layout, which MapCache's disk
 * cache can read with a template.
 */
export function writeMapProxyConfig(ws: Workspace, upstreamUrl: string): void {
  const cache = (name: string, dir: string) => `  ${name}:
    grids: [${GRID}]
    sources: [world_wms]
    format: image/png
    meta_size: [${META_SIZE}, ${META_SIZE}]
    meta_buffer: ${META_BUFFER}
    cache:
      type: file
      directory_layout: tms
      directory: ${dir}
`;
  writeFileSync(ws.mapproxyYaml, `# Written by bench/lib/configs.ts: the configuration both MapProxy and mapproxy-ts serve.
services:
  tms:
    use_grid_names: true
  wmts:
    restful: true
    kvp: true
  wms:
    srs: ['EPSG:3857', 'EPSG:4326', 'EPSG:25832']
    image_formats: ['image/png']
    md:
      title: mapproxy-ts benchmark

layers:
  - name: world
    title: World (seeded cache)
    sources: [world_cache]
  - name: cold
    title: World (cold cache)
    sources: [cold_cache]

caches:
${cache('world_cache', ws.tileDir)}${cache('cold_cache', ws.coldDir)}
${sourcesAndGlobals(ws, upstreamUrl, ['EPSG:3857', 'EPSG:4326', 'EPSG:25832'])}`);
}

/** The `sources:` (the MapServer upstream as `world_wms`) and `globals:` sections every bench configuration shares. */
export function sourcesAndGlobals(ws: Workspace, upstreamUrl: string, srs: readonly string[]): string {
  return `sources:
  world_wms:
    type: wms
    req:
      url: ${upstreamUrl}
      layers: world
      transparent: false
    supported_srs: [${srs.map((s) => `'${s}'`).join(', ')}]

globals:
  cache:
    base_dir: ${join(ws.dir, 'cache_data')}
    lock_dir: ${join(ws.dir, 'cache_data', 'locks')}
  http:
    client_timeout: 60
`;
}

export function writeSeedConfig(ws: Workspace, area: SeedArea): void {
  writeFileSync(ws.seedYaml, `# Written by bench/lib/configs.ts: the seeding scenario (same for MapProxy and mapproxy-ts).
seeds:
  world:
    caches: [world_cache]
    grids: [${GRID}]
    coverages: [area]
    levels:
      from: ${area.fromLevel}
      to: ${area.toLevel}

coverages:
  area:
    bbox: [${area.bbox.join(', ')}]
    srs: 'EPSG:4326'
`);
}

/**
 * MapCache on the same files: a disk cache with a template giving MapProxy's tms layout (MapCache counts
 * y from the bottom, so the file name uses {inv_y}). The source is the same upstream, though only cached
 * scenarios are measured against MapCache.
 */
export function writeMapCacheConfig(ws: Workspace, upstreamUrl: string, port: number, workers: number): void {
  const dir = join(ws.dir, 'mapcache');
  mkdirSync(join(dir, 'locks'), { recursive: true });
  chmodSync(join(dir, 'locks'), 0o777);
  writeFileSync(ws.mapcacheXml, `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by bench/lib/configs.ts -->
<mapcache>
  <source name="world_wms" type="wms">
    <getmap><params><FORMAT>image/png</FORMAT><LAYERS>world</LAYERS><TRANSPARENT>false</TRANSPARENT></params></getmap>
    <http><url>${upstreamUrl}</url></http>
  </source>
  <cache name="world_disk" type="disk" layout="template">
    <template>${ws.tileDir}/{z}/{x}/{inv_y}.{ext}</template>
  </cache>
  <format name="PNG" type="PNG"><compression>fast</compression></format>
  <tileset name="world">
    <source>world_wms</source>
    <cache>world_disk</cache>
    <grid>GoogleMapsCompatible</grid>
    <format>PNG</format>
    <metatile>${META_SIZE} ${META_SIZE}</metatile>
    <metabuffer>${META_BUFFER}</metabuffer>
  </tileset>
  <default_format>PNG</default_format>
  <service type="wms" enabled="true">
    <full_wms>assemble</full_wms>
    <resample_mode>bilinear</resample_mode>
    <format>PNG</format>
  </service>
  <service type="wmts" enabled="true"/>
  <service type="tms" enabled="true"/>
  <errors>report</errors>
  <locker type="disk"><directory>${join(dir, 'locks')}</directory></locker>
  <threaded_fetching>true</threaded_fetching>
</mapcache>
`);
  // Event MPM: one child process per worker of the other servers, threads for the connections.
  writeFileSync(ws.apacheConf, `# Written by bench/lib/configs.ts: Apache with mod_mapcache only, in the foreground.
ServerRoot "${dir}"
ServerName 127.0.0.1
Listen 127.0.0.1:${port}
PidFile "${join(dir, 'apache.pid')}"
ErrorLog "${join(dir, 'apache-error.log')}"
LogLevel warn
User www-data
Group www-data
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule mapcache_module /usr/lib/apache2/modules/mod_mapcache.so
StartServers ${workers}
ServerLimit ${workers}
ThreadsPerChild 64
ThreadLimit 64
MaxRequestWorkers ${workers * 64}
MinSpareThreads ${workers * 64}
MaxSpareThreads ${workers * 64}
MaxConnectionsPerChild 0
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 30
MapCacheAlias /mapcache "${ws.mapcacheXml}"
<Directory />
  Require all granted
</Directory>
`);
}
