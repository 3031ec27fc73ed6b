// The configuration the hostile-request tests run against: every service, debug sources through file
// caches on global and local grids (one not tile-aligned), a direct layer, and a WMTS restful_template
// of our choosing.
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FuzzTargets } from './hostile-requests.js';

/** A custom template: matrix set first, a non-slash separator and the row before the column. */
export const CUSTOM_RESTFUL_TEMPLATE = '/tiles/{TileMatrixSet}/{Layer}/{TileMatrix}-{TileRow}-{TileCol}.{Format}';
const DEFAULT_RESTFUL_TEMPLATE = '/{Layer}/{TileMatrixSet}/{TileMatrix}/{TileCol}/{TileRow}.{Format}';

/** Largest WMS image (pixels per side): keeps every honest request inside the time budget. */
export const MAX_OUTPUT_SIDE = 1024;

/** Writes `mapproxy.yaml` into `dir` with its caches in `cacheDir`; returns the file. */
export function writeFuzzConfig(dir: string, cacheDir: string, restfulTemplate?: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'mapproxy.yaml');
  const template = restfulTemplate ? `\n    restful_template: '${restfulTemplate}'` : '';
  writeFileSync(file, `
services:
  demo:
  kml:
  tms:
  wmts:
    restful: true
    kvp: true${template}
  wms:
    srs: ['EPSG:4326', 'EPSG:3857', 'EPSG:900913', 'CRS:84', 'EPSG:25832']
    versions: ['1.0.0', '1.1.0', '1.1.1', '1.3.0']
    image_formats: ['image/png', 'image/jpeg', 'image/gif', 'png8']
    max_output_pixels: [${MAX_OUTPUT_SIDE}, ${MAX_OUTPUT_SIDE}]
    md:
      title: fuzz

grids:
  utm_local:
    srs: 'EPSG:25832'
    bbox: [300000, 5000000, 700000, 5500000]
    origin: nw
    res: [2000, 1000, 500, 250]

layers:
  - name: dbg_cached
    title: debug through a cache
    sources: [dbg_cache]
  - name: dbg_jpeg
    title: debug as JPEG
    sources: [jpeg_cache]
  - name: dbg_local
    title: debug on a local grid
    sources: [local_cache]
  - name: dbg_direct
    title: debug, uncached
    sources: [dbg]

caches:
  dbg_cache:
    grids: [GLOBAL_WEBMERCATOR, GLOBAL_GEODETIC]
    sources: [dbg]
    cache_dir: ${JSON.stringify(cacheDir)}
  jpeg_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [dbg]
    format: image/jpeg
    cache_dir: ${JSON.stringify(cacheDir)}
  local_cache:
    grids: [utm_local]
    sources: [dbg]
    cache_dir: ${JSON.stringify(cacheDir)}

sources:
  dbg:
    type: debug

globals:
  image:
    formats:
      png8:
        format: 'image/png; mode=8bit'
        mode: P
        colors: 256
`);
  return file;
}

export function fuzzTargets(restfulTemplate = DEFAULT_RESTFUL_TEMPLATE): FuzzTargets {
  return {
    wmsLayers: ['dbg_cached', 'dbg_jpeg', 'dbg_local', 'dbg_direct'],
    tileLayers: ['dbg_cached', 'dbg_jpeg', 'dbg_local'],
    specs: ['EPSG3857', 'EPSG900913', 'EPSG4326', 'EPSG25832', 'GLOBAL_WEBMERCATOR', 'GLOBAL_GEODETIC', 'utm_local'],
    matrixSets: ['GLOBAL_WEBMERCATOR', 'GLOBAL_GEODETIC', 'utm_local'],
    formats: ['png', 'jpeg', 'jpg', 'gif'],
    restPath: (v) => restfulTemplate
      .replace('{Layer}', v.layer).replace('{TileMatrixSet}', v.matrixSet).replace('{TileMatrix}', v.z)
      .replace('{TileCol}', v.x).replace('{TileRow}', v.y).replace('{Format}', v.format),
  };
}

/** Every file and directory below `dir`, relative, sorted; `skip` (relative) is not entered. */
export function listTree(dir: string, skip: readonly string[] = []): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const child = rel ? `${rel}/${name}` : name;
      if (skip.includes(child)) continue;
      out.push(child);
      if (statSync(join(dir, child)).isDirectory()) walk(child);
    }
  };
  walk('');
  return out;
}
