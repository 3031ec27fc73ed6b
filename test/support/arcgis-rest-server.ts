// Our stand-in for a real ArcGIS Server: Debian has none, so the arcgis tests run this small server that speaks
// the ArcGIS REST protocol as Esri's REST API reference documents it (map service `export` and `identify`, image
// service `exportImage`), renders with the real MapServer of test/support/mapserver.ts and identifies features in
// the same data MapServer draws. It is deliberately strict where the reference is (required parameters, known
// formats, error answers as JSON with HTTP 200) and names below what it does not do.
//
// Services: <base>/<name>/MapServer and <base>/<name>/ImageServer for every name in `services` (default 'Test'),
// in EPSG:4326. Map service layers, top first as ArcGIS numbers them: 0 points, 1 lines, 2 areas.
// Not modelled: dpi (accepted, symbols are not scaled), time and layerDefs (accepted, ignored), image service
// rendering rules and pixel identify, f=kmz, formats other than png/png8/png24/png32/jpg (and jpgpng for images).
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import sharp from 'sharp';
import { getSRS, type SRS } from '../../src/core/geo/srs.js';
import type { TestMapServer } from './mapserver.js';

type Position = [number, number];
type Geometry =
  | { type: 'Point'; coordinates: Position }
  | { type: 'LineString'; coordinates: Position[] }
  | { type: 'Polygon'; coordinates: Position[][] };

interface Feature { properties: Record<string, unknown>; geometry: Geometry }

interface ServiceLayer { id: number; name: string; mapserverLayer: string; features: Feature[] }

export interface ArcGisRestServer {
  /** `http://127.0.0.1:<port>/arcgis/rest/services` */
  readonly base: string;
  /** Path and query of every request, in order. */
  readonly requests: string[];
  stop(): Promise<void>;
}

/** An ArcGIS error answer: HTTP 200 and `{"error": {code, message, details}}`, as ArcGIS Server sends failures. */
class ArcGisError extends Error {
  constructor(readonly code: number, message: string, readonly details: string[] = []) {
    super(message);
  }
}

const invalid = (detail: string) => new ArcGisError(400, 'Unable to complete operation.', [detail]);

/** Esri's well-known ids of Web Mercator are EPSG:3857 here; other ids are EPSG codes. */
function srsOf(param: string | undefined, fallback: SRS): SRS {
  if (param === undefined || param === '') return fallback;
  let id = param.trim();
  if (id.startsWith('{')) {
    const parsed = JSON.parse(id) as { wkid?: number; latestWkid?: number };
    id = String(parsed.latestWkid ?? parsed.wkid ?? '');
  }
  if (!/^\d+$/.test(id)) throw invalid(`Invalid spatial reference '${param}'`);
  if (id === '102100' || id === '102113') id = '3857';
  try {
    return getSRS(`EPSG:${id}`);
  } catch {
    throw invalid(`Invalid spatial reference '${param}'`);
  }
}

function numbers(param: string | undefined, count: number, name: string): number[] {
  const values = (param ?? '').split(',').map((s) => Number(s.trim()));
  if (values.length < count || values.slice(0, count).some((v) => !Number.isFinite(v))) throw invalid(`Invalid or missing '${name}' parameter`);
  return values.slice(0, count);
}

/** `true`/`false` in any case (ArcGIS reads booleans case-insensitively); anything else is the default. */
function bool(param: string | undefined, fallback: boolean): boolean {
  if (param === undefined) return fallback;
  const v = param.toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : fallback;
}

/** `show|hide|include|exclude:ids` of an export: the ids drawn. */
function exportLayers(param: string | undefined, layers: readonly ServiceLayer[]): number[] {
  const all = layers.map((l) => l.id);
  if (!param) return all;
  const m = /^(show|hide|include|exclude):([\d,\s]*)$/i.exec(param);
  if (!m) throw invalid(`Invalid layers parameter '${param}'`);
  const ids = m[2]!.split(',').filter((s) => s.trim() !== '').map(Number);
  switch (m[1]!.toLowerCase()) {
    case 'show': return all.filter((id) => ids.includes(id));
    case 'hide': case 'exclude': return all.filter((id) => !ids.includes(id));
    default: return all; // include: every layer is visible by default in these services
  }
}

/**
 * `top|visible|all[:ids]` of an identify. MapProxy sends its export's `show:ids` here; the reference documents only
 * top, visible and all, so this stand-in reads any other option with ids as `all` on those ids (and hide/exclude
 * as all others): an assumption, stated so.
 */
function identifyLayers(param: string | undefined, layers: readonly ServiceLayer[]): { top: boolean; ids: number[] } {
  const all = layers.map((l) => l.id);
  if (!param) return { top: true, ids: all };
  const m = /^([a-z]+)(?::([\d,\s]*))?$/i.exec(param);
  if (!m) throw invalid(`Invalid layers parameter '${param}'`);
  const option = m[1]!.toLowerCase();
  const ids = m[2] !== undefined ? m[2].split(',').filter((s) => s.trim() !== '').map(Number) : undefined;
  if (option === 'hide' || option === 'exclude') return { top: false, ids: all.filter((id) => !ids?.includes(id)) };
  const chosen = ids ? all.filter((id) => ids.includes(id)) : all;
  return { top: option === 'top', ids: chosen };
}

/** The extent ArcGIS draws: `bbox` grown in one direction so the image is not stretched (centre kept). */
function squarePixels(b: readonly number[], width: number, height: number): [number, number, number, number] {
  const res = Math.max((b[2]! - b[0]!) / width, (b[3]! - b[1]!) / height);
  const cx = (b[0]! + b[2]!) / 2;
  const cy = (b[1]! + b[3]!) / 2;
  return [cx - (res * width) / 2, cy - (res * height) / 2, cx + (res * width) / 2, cy + (res * height) / 2];
}

function distanceToSegment(p: Position, a: Position, b: Position): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len = dx * dx + dy * dy;
  const t = len === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len));
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

function inRing(p: Position, ring: Position[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function pathDistance(p: Position, path: Position[]): number {
  let d = Infinity;
  for (let i = 1; i < path.length; i++) d = Math.min(d, distanceToSegment(p, path[i - 1]!, path[i]!));
  return d;
}

/** The feature's geometry in `sr` (data are EPSG:4326). */
function project(g: Geometry, sr: SRS): Geometry {
  const wgs = getSRS('EPSG:4326');
  const pts = (ps: Position[]) => wgs.transformTo(sr, ps) as Position[];
  if (g.type === 'Point') return { type: 'Point', coordinates: pts([g.coordinates])[0]! };
  if (g.type === 'LineString') return { type: 'LineString', coordinates: pts(g.coordinates) };
  return { type: 'Polygon', coordinates: g.coordinates.map(pts) };
}

function hits(g: Geometry, p: Position, tolerance: number): boolean {
  if (g.type === 'Point') return Math.hypot(p[0] - g.coordinates[0], p[1] - g.coordinates[1]) <= tolerance;
  if (g.type === 'LineString') return pathDistance(p, g.coordinates) <= tolerance;
  return inRing(p, g.coordinates[0]!) || g.coordinates.some((r) => pathDistance(p, r) <= tolerance);
}

/** Esri JSON geometry with its spatial reference. */
function esriGeometry(g: Geometry, wkid: number): { geometryType: string; geometry: Record<string, unknown> } {
  const spatialReference = { wkid };
  if (g.type === 'Point') return { geometryType: 'esriGeometryPoint', geometry: { x: g.coordinates[0], y: g.coordinates[1], spatialReference } };
  if (g.type === 'LineString') return { geometryType: 'esriGeometryPolyline', geometry: { paths: [g.coordinates], spatialReference } };
  return { geometryType: 'esriGeometryPolygon', geometry: { rings: g.coordinates, spatialReference } };
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export async function startArcGisRestServer(mapserver: TestMapServer, opts: { services?: string[] } = {}): Promise<ArcGisRestServer> {
  const services = new Set(opts.services ?? ['Test']);
  const features = (name: string) => (JSON.parse(readFileSync(join(mapserver.dir, `${name}.geojson`), 'utf8')) as { features: Feature[] }).features;
  const layers: ServiceLayer[] = [
    { id: 0, name: 'points', mapserverLayer: 'points', features: features('points') },
    { id: 1, name: 'lines', mapserverLayer: 'lines', features: features('lines') },
    { id: 2, name: 'areas', mapserverLayer: 'areas', features: features('areas') },
  ];
  const serviceSrs = getSRS('EPSG:4326');
  const requests: string[] = [];

  async function render(ids: number[], bbox: number[], size: [number, number], srs: SRS, format: string, transparent: boolean): Promise<{ body: Buffer; type: string }> {
    const jpeg = format === 'jpg';
    let image: Buffer;
    if (ids.length === 0) {
      image = await sharp({ create: { width: size[0], height: size[1], channels: 4, background: transparent ? { r: 255, g: 255, b: 255, alpha: 0 } : { r: 255, g: 255, b: 255, alpha: 1 } } }).png().toBuffer();
    } else {
      // MapServer draws its LAYERS bottom first: ArcGIS's highest id first
      const names = [...ids].sort((a, b) => b - a).map((id) => layers.find((l) => l.id === id)!.mapserverLayer);
      const q = new URLSearchParams({
        SERVICE: 'WMS', VERSION: '1.1.1', REQUEST: 'GetMap', LAYERS: names.join(','), STYLES: '', SRS: srs.code,
        BBOX: bbox.join(','), WIDTH: String(size[0]), HEIGHT: String(size[1]),
        FORMAT: jpeg ? 'image/jpeg' : 'image/png', TRANSPARENT: transparent && !jpeg ? 'TRUE' : 'FALSE',
      });
      const res = await fetch(mapserver.url + q.toString());
      const body = Buffer.from(await res.arrayBuffer());
      if (!(res.headers.get('content-type') ?? '').startsWith('image/')) throw new ArcGisError(500, 'Error exporting map', [body.toString('utf8').slice(0, 200)]);
      image = body;
    }
    if (jpeg) return { body: ids.length ? image : await sharp(image).flatten({ background: '#ffffff' }).jpeg().toBuffer(), type: 'image/jpeg' };
    // png8: a palette image; png32: always with alpha; png/png24: as MapServer wrote it
    if (format === 'png8') return { body: await sharp(image).png({ palette: true }).toBuffer(), type: 'image/png' };
    if (format === 'png32') return { body: await sharp(image).ensureAlpha().png().toBuffer(), type: 'image/png' };
    return { body: image, type: 'image/png' };
  }

  async function exportMap(p: Map<string, string>, service: 'MapServer' | 'ImageServer', requestUrl: URL): Promise<{ body: Buffer | string; type: string }> {
    const f = (p.get('f') ?? 'html').toLowerCase();
    if (!['image', 'json', 'pjson', 'html'].includes(f)) throw invalid(`Invalid f parameter '${p.get('f')}'`);
    if (!p.has('bbox')) throw invalid("Invalid or missing 'bbox' parameter");
    const bboxIn = numbers(p.get('bbox'), 4, 'bbox');
    const size = (p.has('size') ? numbers(p.get('size'), 2, 'size') : [400, 400]) as [number, number];
    if (size.some((v) => !Number.isInteger(v) || v < 1 || v > 4096)) throw invalid(`Invalid size '${p.get('size')}'`);
    const bboxSrs = srsOf(p.get('bboxsr'), serviceSrs);
    const imageSrs = srsOf(p.get('imagesr'), bboxSrs.equals(serviceSrs) ? serviceSrs : bboxSrs);
    const formats = service === 'MapServer' ? ['png', 'png8', 'png24', 'png32', 'jpg'] : ['jpgpng', 'png', 'png8', 'png24', 'png32', 'jpg'];
    let format = (p.get('format') ?? (service === 'MapServer' ? 'png' : 'jpgpng')).toLowerCase();
    if (!formats.includes(format)) throw invalid(`Invalid format '${p.get('format')}'`);
    if (format === 'jpgpng') format = 'png';
    if (p.has('dpi') && !/^\d+(\.\d+)?$/.test(p.get('dpi')!)) throw invalid(`Invalid dpi '${p.get('dpi')}'`);
    const bbox = squarePixels(bboxSrs.equals(imageSrs) ? bboxIn : bboxSrs.transformBBoxTo(imageSrs, bboxIn as [number, number, number, number]), size[0], size[1]);
    // an image service has no layers and draws no data transparent; a map service draws what `layers` shows
    const ids = service === 'ImageServer' ? layers.map((l) => l.id) : exportLayers(p.get('layers'), layers);
    const transparent = service === 'ImageServer' ? true : bool(p.get('transparent'), false);
    if (f === 'image') return render(ids, bbox, size, imageSrs, format, transparent);
    const href = new URL(requestUrl.href);
    href.searchParams.set('f', 'image');
    const wkid = Number(imageSrs.code.split(':')[1]);
    const description = {
      href: href.href, width: size[0], height: size[1],
      extent: { xmin: bbox[0], ymin: bbox[1], xmax: bbox[2], ymax: bbox[3], spatialReference: { wkid } },
    };
    if (f === 'html') return { body: `<html><body><a href="${escapeHtml(href.href)}">exported map</a></body></html>`, type: 'text/html; charset=utf-8' };
    return { body: JSON.stringify(description, null, f === 'pjson' ? 2 : 0), type: 'application/json; charset=utf-8' };
  }

  function identify(p: Map<string, string>): { body: string; type: string } {
    const f = (p.get('f') ?? 'html').toLowerCase();
    if (!['json', 'pjson', 'html'].includes(f)) throw invalid(`Invalid f parameter '${p.get('f')}'`);
    const geometryType = p.get('geometrytype') ?? 'esriGeometryPoint';
    if (geometryType !== 'esriGeometryPoint') throw invalid(`geometryType ${geometryType} is not identified by this server`);
    const geometryParam = p.get('geometry');
    if (!geometryParam) throw invalid("Invalid or missing 'geometry' parameter");
    const point = (geometryParam.trim().startsWith('{')
      ? (({ x, y }: { x: number; y: number }) => [x, y])(JSON.parse(geometryParam) as { x: number; y: number })
      : numbers(geometryParam, 2, 'geometry')) as Position;
    if (!p.has('tolerance') || !/^\d+$/.test(p.get('tolerance')!.trim())) throw invalid("Invalid or missing 'tolerance' parameter");
    const tolerancePx = Number(p.get('tolerance'));
    const extent = numbers(p.get('mapextent'), 4, 'mapExtent');
    const display = numbers(p.get('imagedisplay'), 2, 'imageDisplay');
    const sr = srsOf(p.get('sr'), serviceSrs);
    const wkid = Number(sr.code.split(':')[1]);
    const returnGeometry = bool(p.get('returngeometry'), true);
    const tolerance = tolerancePx * ((extent[2]! - extent[0]!) / display[0]!);
    const chosen = identifyLayers(p.get('layers'), layers);
    const results: Record<string, unknown>[] = [];
    for (const layer of layers) {
      if (!chosen.ids.includes(layer.id)) continue;
      if (chosen.top && results.length) break;
      layer.features.forEach((feature, i) => {
        let g: Geometry;
        try {
          g = project(feature.geometry, sr);
        } catch {
          return; // outside the area of the SRS (our transformations refuse it): nothing there to identify
        }
        if (!hits(g, point, tolerance)) return;
        // identify writes attribute values formatted, as strings
        const attributes: Record<string, string> = { OBJECTID: String(i + 1) };
        for (const [k, v] of Object.entries(feature.properties)) attributes[k] = String(v);
        results.push({
          layerId: layer.id, layerName: layer.name, value: attributes['name'] ?? '', displayFieldName: 'name', attributes,
          ...(returnGeometry ? esriGeometry(g, wkid) : { geometryType: esriGeometry(g, wkid).geometryType }),
        });
      });
    }
    if (f === 'html') {
      const rows = results.map((r) => {
        const attrs = Object.entries(r['attributes'] as Record<string, string>).map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`).join('');
        return `<h3>${escapeHtml(String(r['layerName']))}: ${escapeHtml(String(r['value']))}</h3><table class="attributes">${attrs}</table>`;
      }).join('');
      return { body: `<html><head><title>Identify Results</title></head><body>${rows}</body></html>`, type: 'text/html; charset=utf-8' };
    }
    return { body: JSON.stringify({ results }, null, f === 'pjson' ? 2 : 0), type: 'application/json; charset=utf-8' };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requests.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://localhost');
    // ArcGIS parameter names are case-insensitive
    const p = new Map([...url.searchParams].map(([k, v]) => [k.toLowerCase(), v]));
    const m = /^\/arcgis\/rest\/services\/([^/]+)\/(MapServer|ImageServer)(?:\/([^/]+))?\/?$/.exec(url.pathname);
    if (!m) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const [, name, service, operation] = m as unknown as [string, string, 'MapServer' | 'ImageServer', string | undefined];
    const wantsImage = (p.get('f') ?? '').toLowerCase() === 'image';
    try {
      if (!services.has(name)) throw invalid(`Service '${name}' of type '${service}' does not exist or is inaccessible.`);
      let answer: { body: Buffer | string; type: string };
      if (service === 'MapServer' && operation === 'export') answer = await exportMap(p, service, url);
      else if (service === 'ImageServer' && operation === 'exportImage') answer = await exportMap(p, service, url);
      else if (service === 'MapServer' && operation === 'identify') answer = identify(p);
      else throw invalid(`Unsupported operation '${operation ?? ''}'`);
      res.writeHead(200, { 'content-type': answer.type }).end(answer.body);
    } catch (err) {
      const e = err instanceof ArcGisError ? err : new ArcGisError(500, 'Unable to complete operation.', [String(err)]);
      // failures are HTTP 200 with a JSON body, for images too (then called text/plain)
      res.writeHead(200, { 'content-type': wantsImage ? 'text/plain;charset=utf-8' : 'application/json; charset=utf-8' })
        .end(JSON.stringify({ error: { code: e.code, message: e.message, details: e.details } }));
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${port}/arcgis/rest/services`,
    requests,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
