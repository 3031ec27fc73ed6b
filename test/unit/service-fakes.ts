/** Small fakes of the runtime objects the services receive (layers, tile layers), for service tests. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BBox } from '../../src/core/geo/bbox.js';
import { MapExtent } from '../../src/core/geo/extent.js';
import { DEFAULT_GRIDS, tileGrid, type TileCoord, type TileGrid, type TileGridOptions } from '../../src/core/geo/grid.js';
import { ResolutionRange } from '../../src/core/geo/resolution-range.js';
import { getSRS } from '../../src/core/geo/srs.js';
import { blankImage } from '../../src/core/image/blank.js';
import { imageFormat } from '../../src/core/image/format.js';
import { ImageResult } from '../../src/core/image/image.js';
import type { CoreRequest } from '../../src/core/http.js';
import type { MapLayer } from '../../src/core/layer/map-layer.js';
import type { TileLayer, TileResponse } from '../../src/core/layer/tile-layer.js';
import type { WmsLayer } from '../../src/core/layer/wms-layer.js';
import { SourceError, type MapQuery } from '../../src/core/source/source.js';

export function request(pathAndQuery: string, headers: Record<string, string> = {}): CoreRequest {
  const [path, query = ''] = pathAndQuery.split('?', 2) as [string, string?];
  return { method: 'GET', path, query, headers: { host: 'localhost', ...headers } };
}

export interface FakeMapLayer extends MapLayer {
  queries: MapQuery[];
}

/** A map layer drawing a solid colour (alpha 255, or `alpha`), or failing with a SourceError. */
export function solidLayer(
  rgb: [number, number, number],
  opts: { transparent?: boolean; alpha?: number; fail?: string; opacity?: number; bbox?: BBox } = {},
): FakeMapLayer {
  const queries: MapQuery[] = [];
  return {
    queries,
    transparent: opts.transparent ?? false,
    ...(opts.opacity !== undefined ? { opacity: opts.opacity } : {}),
    extent: new MapExtent(opts.bbox ?? [-180, -90, 180, 90], getSRS('EPSG:4326')),
    async getMap(q: MapQuery) {
      queries.push(q);
      if (opts.fail) throw new SourceError(opts.fail);
      const raw = blankImage(q.size, { bgcolor: rgb });
      if (opts.alpha !== undefined) for (let i = 3; i < raw.data.length; i += 4) raw.data[i] = opts.alpha;
      return ImageResult.fromRaw(raw, { transparent: opts.transparent ?? false });
    },
  };
}

export function wmsLayer(
  name: string | undefined,
  opts: { title?: string; mapLayers?: MapLayer[]; children?: WmsLayer[]; bbox?: BBox; srs?: string; resRange?: [number?, number?]; md?: WmsLayer['md'] } = {},
): WmsLayer {
  const children = opts.children ?? [];
  const mapLayers = opts.mapLayers ?? children.flatMap((c) => c.mapLayers);
  return {
    ...(name !== undefined ? { name } : {}),
    title: opts.title ?? `Title ${name ?? 'root'}`,
    md: opts.md ?? {},
    children,
    mapLayers,
    extent: opts.bbox ? new MapExtent(opts.bbox, getSRS(opts.srs ?? 'EPSG:4326')) : MapExtent.default(),
    ...(opts.resRange ? { resRange: new ResolutionRange(opts.resRange[0], opts.resRange[1]) } : {}),
    queryable: false,
  };
}

export interface FakeTileLayer extends TileLayer {
  requested: TileCoord[];
}

export function tileLayer(
  name: string,
  gridOpts: TileGridOptions = DEFAULT_GRIDS.GLOBAL_MERCATOR,
  opts: { format?: string; tile?: Partial<TileResponse>; fail?: string; title?: string } = {},
): FakeTileLayer {
  const grid: TileGrid = tileGrid(gridOpts);
  const requested: TileCoord[] = [];
  const format = imageFormat(opts.format ?? 'image/png');
  return {
    name,
    title: opts.title ?? `Tiles ${name}`,
    md: {},
    grid,
    format,
    extent: new MapExtent(grid.bbox, grid.srs),
    requested,
    async getTile(coord: TileCoord) {
      requested.push(coord);
      if (opts.fail) throw new SourceError(opts.fail);
      return { data: Buffer.from('tiledata-0123456789'), mimeType: format.mimeType, timestamp: 1234567890, cacheable: true, cacheStatus: 'hit', ...opts.tile };
    },
  };
}

/** Validates an XML document with xmllint; returns '' when valid, else xmllint's messages. */
export function xmllint(doc: string, args: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'svc-xml-'));
  try {
    const file = join(dir, 'doc.xml');
    writeFileSync(file, doc);
    execFileSync('xmllint', ['--noout', '--nonet', ...args, file], { stdio: 'pipe' });
    return '';
  } catch (err) {
    const e = err as { stderr?: Buffer };
    return e.stderr?.toString() || String(err);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const SCHEMAS = '/work/shared/reference/ogc-schemas';

export async function pixel(body: Buffer | string, x = 0, y = 0): Promise<number[]> {
  const sharp = (await import('sharp')).default;
  const { data, info } = await sharp(body as Buffer).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * 4;
  return [data[i]!, data[i + 1]!, data[i + 2]!, data[i + 3]!];
}
