// mapproxy.yaml files for integration tests, written into temporary directories. The same text is
// given to MapProxy 1.15 and to mapproxy-ts in the side-by-side tests.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary directory (caller removes it). */
export function tempDir(prefix = 'mapproxy-ts-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes `yaml` as `<dir>/mapproxy.yaml` and returns the path. */
export function writeConfig(dir: string, yaml: string, name = 'mapproxy.yaml'): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return file;
}

export interface UpstreamConfigOptions {
  /** WMS URL of the test MapServer (TestMapServer.url). */
  mapserverUrl: string;
  /** Base directory of the caches (`cache_dir` of each cache). */
  cacheDir: string;
}

/**
 * A configuration around the test MapServer:
 * - `areas_cached`: MapServer layer `areas` through a file cache (GLOBAL_WEBMERCATOR and GLOBAL_GEODETIC,
 *   meta tiles 2×2, PNG) — cache dirs `<cacheDir>/areas_cache_EPSG3857` and `…_EPSG4326`.
 * - `lines_direct`: layers `lines,points`, transparent, no cache (WMS only).
 * - `combined`: both, areas below lines.
 * - `areas_jpeg`: `areas` in a JPEG cache on GLOBAL_WEBMERCATOR (`<cacheDir>/areas_jpeg_cache_EPSG3857`).
 */
export function upstreamConfig(o: UpstreamConfigOptions): string {
  return `
services:
  demo:
  tms:
    use_grid_names: true
  wmts:
  wms:
    srs: ['EPSG:4326', 'EPSG:3857', 'EPSG:900913', 'EPSG:25832', 'EPSG:31467']
    image_formats: ['image/png', 'image/jpeg']
    md:
      title: mapproxy-ts integration test
      abstract: Test MapServer upstream

layers:
  - name: areas_cached
    title: Areas (cached)
    sources: [areas_cache]
  - name: lines_direct
    title: Lines and points (direct)
    sources: [ms_lines]
  - name: combined
    title: Areas and lines
    sources: [areas_cache, ms_lines]
  - name: areas_jpeg
    title: Areas (JPEG cache)
    sources: [areas_jpeg_cache]

${upstreamCaches(o.cacheDir)}
sources:
${upstreamSources(o.mapserverUrl)}
globals:
  image:
    paletted: false
`;
}

/** The `caches:` section of upstreamConfig(), which the conformance sweep's configuration shares. */
export function upstreamCaches(cacheDir: string): string {
  const dir = JSON.stringify(cacheDir);
  return `caches:
  areas_cache:
    grids: [GLOBAL_WEBMERCATOR, GLOBAL_GEODETIC]
    sources: [ms_areas]
    format: image/png
    cache_dir: ${dir}
    meta_size: [2, 2]
    meta_buffer: 0
  areas_jpeg_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [ms_areas]
    format: image/jpeg
    request_format: image/png
    cache_dir: ${dir}
    meta_size: [2, 2]
    meta_buffer: 0
`;
}

/** The MapServer sources `ms_areas` and `ms_lines` of upstreamConfig(), as entries of a `sources:` section. */
export function upstreamSources(mapserverUrl: string): string {
  const url = JSON.stringify(mapserverUrl);
  return `  ms_areas:
    type: wms
    req:
      url: ${url}
      layers: areas
    supported_srs: ['EPSG:4326', 'EPSG:3857']
  ms_lines:
    type: wms
    req:
      url: ${url}
      layers: lines,points
      transparent: true
    supported_srs: ['EPSG:4326', 'EPSG:3857', 'EPSG:25832']
`;
}

/**
 * A configuration that needs no upstream: MapProxy's debug source through a file cache as layer `dbg`, with WMS
 * (titled `title`, which shows which version of a file answered), TMS and, with `demo`, the demo service.
 * `cacheExtra` is one more option of the cache (e.g. `meta_size: lots` to break the file).
 */
export function debugConfig(title: string, cacheDir: string, o: { demo?: boolean; cacheExtra?: string } = {}): string {
  return `
services:
  wms:
    md:
      title: ${title}
  tms:
${o.demo ? '  demo:\n' : ''}layers:
  - name: dbg
    title: Debug
    sources: [dbg_cache]
caches:
  dbg_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [debug]
${o.cacheExtra ? `    ${o.cacheExtra}\n` : ''}sources:
  debug:
    type: debug
globals:
  cache:
    base_dir: ${cacheDir}
`;
}

/** Path of a tile in MapProxy's default `tc` directory layout. */
export function tcTilePath(cacheDir: string, cacheName: string, srsSuffix: string, z: number, x: number, y: number, ext: string): string {
  const p3 = (n: number) => String(n).padStart(3, '0');
  const split = (n: number) => [p3(Math.floor(n / 1_000_000)), p3(Math.floor(n / 1000) % 1000), p3(n % 1000)];
  return join(cacheDir, `${cacheName}_${srsSuffix}`, String(z).padStart(2, '0'), ...split(x), ...split(y)) + `.${ext}`;
}

/** Every file below `dir` (recursively), as sorted paths relative to it; [] when `dir` does not exist. */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}
