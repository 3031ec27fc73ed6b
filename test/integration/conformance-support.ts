// Shared set-up for the conformance sweep (test/integration/conformance-*.test.ts): one configuration
// around the test MapServer, served by mapproxy-ts and by MapProxy 1.15 (separate cache directories),
// both over HTTP, and helpers that fetch the same request from both and compare what a client sees.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { startMapServer, type TestMapServer } from '../support/mapserver.js';
import { startReferenceMapProxy, type ReferenceMapProxy } from '../support/mapproxy-reference.js';
import { tempDir, upstreamCaches, upstreamSources, writeConfig } from '../support/configs.js';
import { startOurServer, type OurServer } from '../support/our-app.js';

/**
 * The sweep's configuration: the layers of `upstreamConfig()` plus what the sweep needs on top — more WMS
 * formats (GIF, TIFF, a custom 8-bit PNG), bbox_srs, max_output_pixels, a group layer, a layer with
 * min_res/max_res, a source with a coverage (partial-extent requests) and the KML service.
 */
export function conformanceConfig(o: { mapserverUrl: string; cacheDir: string }): string {
  const url = JSON.stringify(o.mapserverUrl);
  return `
services:
  demo:
  kml:
    use_grid_names: true
  tms:
    use_grid_names: true
  wmts:
  wms:
    srs: ['EPSG:4326', 'CRS:84', 'EPSG:3857', 'EPSG:900913', 'EPSG:25832']
    bbox_srs: ['EPSG:4326', 'EPSG:3857', 'EPSG:25832']
    image_formats: ['image/png', 'image/jpeg', 'image/gif', 'image/tiff', 'png8']
    max_output_pixels: [1500, 1500]
    md:
      title: mapproxy-ts conformance
      abstract: Conformance sweep against MapProxy 1.15

layers:
  - name: areas_cached
    title: Areas (cached)
    sources: [areas_cache]
  - name: lines_direct
    title: Lines and points (direct)
    sources: [ms_lines]
  - name: group
    title: A group
    layers:
      - name: areas_scaled
        title: Areas between two resolutions
        min_res: 100000
        max_res: 2000
        sources: [ms_areas_direct]
      - name: areas_clipped
        title: Areas inside a coverage
        sources: [ms_areas_clipped]
  - name: areas_jpeg
    title: Areas (JPEG cache)
    sources: [areas_jpeg_cache]

${upstreamCaches(o.cacheDir)}
sources:
${upstreamSources(o.mapserverUrl)}  ms_areas_direct:
    type: wms
    req:
      url: ${url}
      layers: areas
      transparent: true
    supported_srs: ['EPSG:4326', 'EPSG:3857']
  ms_areas_clipped:
    type: wms
    req:
      url: ${url}
      layers: areas
      transparent: true
    supported_srs: ['EPSG:4326', 'EPSG:3857']
    coverage:
      bbox: [-30, 10, 30, 70]
      srs: 'EPSG:4326'

globals:
  image:
    paletted: false
    formats:
      png8:
        format: 'image/png; mode=8bit'
        mode: P
        colors: 256
`;
}

export interface Answer { status: number; headers: Record<string, string>; body: Buffer; text: string }

export interface Sweep {
  ms: TestMapServer;
  ours: OurServer;
  ref: ReferenceMapProxy;
  /** `cache_dir` of the caches of mapproxy-ts and of MapProxy 1.15. */
  ourCacheDir: string;
  refCacheDir: string;
  /** GET `path` from mapproxy-ts (a) and MapProxy 1.15 (b), sequentially (ours first). */
  both(path: string, headers?: Record<string, string>): Promise<{ a: Answer; b: Answer }>;
  fetchOurs(path: string, headers?: Record<string, string>): Promise<Answer>;
  fetchRef(path: string, headers?: Record<string, string>): Promise<Answer>;
  stop(): Promise<void>;
}

async function fetchAnswer(base: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const r = await fetch(base + path, { headers, redirect: 'manual' });
  const body = Buffer.from(await r.arrayBuffer());
  const h: Record<string, string> = {};
  r.headers.forEach((v, k) => { h[k.toLowerCase()] = v; });
  // Capabilities and KML carry the server's own URL: make both comparable.
  return { status: r.status, headers: h, body, text: body.toString('utf8').split(base).join('BASE') };
}

export async function startSweep(): Promise<Sweep> {
  const ms = await startMapServer();
  const dir = tempDir('mapproxy-ts-conformance-');
  let ours: OurServer | undefined;
  let ref: ReferenceMapProxy | undefined;
  try {
    ours = await startOurServer(writeConfig(join(dir, 'ours'),
      conformanceConfig({ mapserverUrl: ms.url, cacheDir: join(dir, 'ours', 'cache') })));
    ref = await startReferenceMapProxy(writeConfig(join(dir, 'ref'),
      conformanceConfig({ mapserverUrl: ms.url, cacheDir: join(dir, 'ref', 'cache') })));
  } catch (e) {
    await ours?.stop();
    await ms.stop();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const o = ours;
  const r = ref;
  return {
    ms, ours: o, ref: r,
    ourCacheDir: join(dir, 'ours', 'cache'),
    refCacheDir: join(dir, 'ref', 'cache'),
    fetchOurs: (path, headers) => fetchAnswer(o.url, path, headers),
    fetchRef: (path, headers) => fetchAnswer(r.url, path, headers),
    async both(path, headers) {
      const a = await fetchAnswer(o.url, path, headers);
      const b = await fetchAnswer(r.url, path, headers);
      return { a, b };
    },
    async stop() {
      await r.stop();
      await o.stop();
      await ms.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The media type without parameters, lower case ('text/xml; charset=utf-8' → 'text/xml'). */
export const mediaType = (a: Answer): string => (a.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();

export const xmlParser = new XMLParser({
  ignoreAttributes: false, removeNSPrefix: true, attributeNamePrefix: '@', parseTagValue: false,
  isArray: (name) => ['Layer', 'SRS', 'CRS', 'BoundingBox', 'TileMatrixSet', 'TileMatrixSetLink', 'TileMatrix',
    'ServiceException', 'Exception', 'Format', 'TileMap', 'TileSet', 'Service', 'ResourceURL', 'Style',
    'NetworkLink', 'GroundOverlay', 'Keyword'].includes(name),
});

export const parseXml = (a: Answer | string): Record<string, any> =>
  xmlParser.parse(typeof a === 'string' ? a : a.text) as Record<string, any>;

/** Numbers within a relative (or, near zero, absolute) tolerance. */
export function near(x: number, y: number, rel = 1e-6, abs = 1e-6): boolean {
  return Math.abs(x - y) <= Math.max(abs, rel * Math.max(Math.abs(x), Math.abs(y)));
}

/** Compares two number lists element-wise within tolerance; returns a message or ''. */
export function numbersDiffer(a: readonly number[], b: readonly number[], rel = 1e-6, abs = 1e-6): string {
  if (a.length !== b.length) return `lengths ${a.length} != ${b.length}`;
  for (let i = 0; i < a.length; i++) if (!near(a[i]!, b[i]!, rel, abs)) return `[${i}] ${a[i]} != ${b[i]}`;
  return '';
}

/** The OGC exception code of a WMS (ServiceException), OWS (Exception) or TMS report, or the root element. */
export function exceptionCode(a: Answer): string {
  const doc = parseXml(a);
  const wms = doc.ServiceExceptionReport?.ServiceException?.[0];
  if (wms !== undefined) return typeof wms === 'object' ? String(wms['@code'] ?? '') : '';
  const ows = doc.ExceptionReport?.Exception?.[0];
  if (ows) return `${ows['@exceptionCode'] ?? ''}@${ows['@locator'] ?? ''}`;
  return Object.keys(doc).filter((k) => k !== '?xml' && k !== '!doctype')[0] ?? '';
}
