import { existsSync, readFileSync } from 'node:fs';
import { MapReader, joinPath, parseBBox, type ReadContext } from './config-reader.js';
import { describeValue } from './errors.js';
import { pyJoin } from './paths.js';
import type { BBox4, CoverageConfig, PolygonCoords } from './types.js';
import { UNSUPPORTED, notSupported } from './unsupported.js';

/** Every key of MapProxy's coverage spec. */
const COVERAGE_KEYS: readonly string[] = [
  'polygons', 'polygons_srs', 'bbox', 'bbox_srs', 'ogr_datasource', 'ogr_where', 'ogr_srs', 'datasource', 'where', 'srs',
  'expire_tiles', 'union', 'difference', 'intersection', 'clip',
];

const BBOX_STRING_RE = /^[-+]?\d*.?\d+,[-+]?\d*.?\d+,[-+]?\d*.?\d+,[-+]?\d*.?\d+/;
/** `PG:`, `MYSQL:` ... OGR connection strings, not files. */
const OGR_CONNECTION_RE = /^\w{2,}:/;

/**
 * Reads a coverage (`mapproxy/config/coverage.py` `load_coverage`): the first of union, intersection,
 * difference, ogr_datasource, polygons, bbox, datasource, expire_tiles decides the type; a mapping with none of
 * them is no coverage (undefined). Files are read now, relative to the main config file's directory.
 */
export function readCoverage(ctx: ReadContext, path: string, raw: unknown): CoverageConfig | undefined {
  const r = MapReader.of(ctx, path, raw);
  const clip = r.bool('clip') ?? false;
  const result = readCoverageKind(r, clip);
  // keys of another kind than the one MapProxy's load_coverage picks (polygons_srs next to a bbox) do nothing
  if (result) {
    for (const k of r.unread()) {
      if (COVERAGE_KEYS.includes(k)) {
        ctx.warn(r.keyPath(k), `has no effect in a ${result.type} coverage`);
        r.accept(k);
      }
    }
  }
  r.finish();
  return result;
}

function readCoverageKind(r: MapReader, clip: boolean): CoverageConfig | undefined {
  const ctx = r.ctx;
  for (const op of ['union', 'intersection', 'difference'] as const) {
    if (r.has(op)) {
      // MapProxy ignores every other key next to a set operation
      for (const k of r.keys()) if (k !== op && k !== 'clip') r.ctx.warn(r.keyPath(k), `has no effect next to ${op}`);
      r.accept(...r.keys());
      const items = r.list(op) ?? [];
      const parts: CoverageConfig[] = [];
      items.forEach((item, i) => {
        const part = readCoverage(ctx, joinPath(r.keyPath(op), i), item);
        if (part) parts.push(part);
      });
      if (parts.length === 0) throw r.error(op, 'expected a list of at least one coverage');
      return { type: op, parts, clip };
    }
  }
  if (r.has('ogr_datasource')) {
    if (r.isSet('ogr_where')) throw notSupported(ctx, r.keyPath('ogr_where'), UNSUPPORTED.features.ogrWhere);
    const srs = requireSrs(r, 'ogr_srs');
    const ds = r.reqStr('ogr_datasource');
    return readDatasourceFile(r, 'ogr_datasource', ds, srs, clip);
  }
  if (r.has('polygons')) {
    const srs = requireSrs(r, 'polygons_srs');
    const file = pyJoin(ctx.configDir, r.reqStr('polygons'));
    return polygonCoverage(r, 'polygons', readWktFile(r, 'polygons', file), srs, clip, file);
  }
  if (r.has('bbox')) {
    const bbox = r.bbox('bbox')!;
    const srs = r.str('bbox_srs') ?? r.str('srs');
    if (srs === undefined) throw r.error('srs', 'missing required value: the SRS of the coverage bbox (srs)');
    return { type: 'bbox', bbox, srs, clip };
  }
  if (r.has('datasource')) {
    const ds = r.get('datasource');
    if (r.isSet('where')) throw notSupported(ctx, r.keyPath('where'), UNSUPPORTED.features.ogrWhere);
    const srs = requireSrs(r, 'srs');
    if (Array.isArray(ds)) return { type: 'bbox', bbox: parseBBox(ds, ctx, r.keyPath('datasource')), srs, clip };
    if (typeof ds !== 'string') throw r.error('datasource', `expected a file name or a bbox, got ${describeValue(ds)}`);
    if (BBOX_STRING_RE.test(ds)) return { type: 'bbox', bbox: parseBBox(ds, ctx, r.keyPath('datasource')), srs, clip };
    return readDatasourceFile(r, 'datasource', ds, srs, clip);
  }
  if (r.has('expire_tiles')) throw notSupported(ctx, r.keyPath('expire_tiles'), UNSUPPORTED.features.expireTiles);
  // MapProxy's load_coverage returns no coverage here: an SRS, a filter or clip without a geometry does nothing
  for (const k of ['srs', 'bbox_srs', 'where', 'ogr_where', 'ogr_srs', 'polygons_srs', 'clip']) {
    if (r.has(k)) ctx.warn(r.keyPath(k), 'has no effect: the coverage names no bbox, datasource, polygons or ogr_datasource');
  }
  r.accept('srs', 'bbox_srs', 'where', 'ogr_where', 'ogr_srs', 'polygons_srs');
  return undefined;
}

function requireSrs(r: MapReader, key: string): string {
  const srs = r.str(key);
  if (srs === undefined) throw r.error(key, 'missing required value: the SRS of the coverage');
  return srs;
}

/** MapProxy's `load_datasource`: WKT when the file starts with POLYGON/MULTIPOLYGON, GeoJSON when with `{`, else OGR. */
function readDatasourceFile(r: MapReader, key: string, ds: string, srs: string, clip: boolean): CoverageConfig {
  if (OGR_CONNECTION_RE.test(ds)) throw notSupported(r.ctx, r.keyPath(key), UNSUPPORTED.features.ogrDatasource);
  const file = pyJoin(r.ctx.configDir, ds);
  if (!existsSync(file)) throw r.error(key, `coverage file not found: ${file}`);
  const head = readFileSync(file).subarray(0, 50).toString('utf8').replace(/^\uFEFF/, '');
  const lower = head.trimStart().toLowerCase();
  if (lower.startsWith('polygon') || lower.startsWith('multipolygon')) {
    return polygonCoverage(r, key, readWktFile(r, key, file), srs, clip, file);
  }
  if (head.startsWith('{')) return polygonCoverage(r, key, readGeoJsonFile(r, key, file), srs, clip, file);
  throw notSupported(r.ctx, r.keyPath(key), UNSUPPORTED.features.ogrDatasource);
}

function polygonCoverage(r: MapReader, key: string, polygons: PolygonCoords[], srs: string, clip: boolean, file: string): CoverageConfig {
  if (polygons.length === 0) throw r.error(key, `no polygons found in ${file}`);
  return { type: 'polygons', polygons, bbox: polygonsBBox(polygons), srs, clip, file };
}

export function polygonsBBox(polygons: PolygonCoords[]): BBox4 {
  let minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
  for (const poly of polygons) {
    for (const [x, y] of poly[0] ?? []) {
      if (x < minx) minx = x;
      if (y < miny) miny = y;
      if (x > maxx) maxx = x;
      if (y > maxy) maxy = y;
    }
  }
  return [minx, miny, maxx, maxy];
}

function readWktFile(r: MapReader, key: string, file: string): PolygonCoords[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (err) {
    throw r.error(key, `cannot read coverage file: ${(err as Error).message}`);
  }
  const polygons: PolygonCoords[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    try {
      const parsed = parseWktPolygons(line);
      if (parsed === null) r.ctx.warn(r.keyPath(key), `ignoring non-polygon geometry in ${file} line ${i + 1}`);
      else polygons.push(...parsed);
    } catch (err) {
      throw r.error(key, `invalid WKT in ${file} line ${i + 1}: ${(err as Error).message}`);
    }
  });
  return polygons;
}

/** Parses one POLYGON or MULTIPOLYGON WKT; null for other geometry types. */
export function parseWktPolygons(wkt: string): PolygonCoords[] | null {
  const m = /^\s*([A-Za-z]+)\s*(?:Z|M|ZM)?\s*(\(.*\)|EMPTY)\s*$/is.exec(wkt);
  if (!m) throw new Error('not a WKT geometry');
  const type = m[1]!.toUpperCase();
  if (type !== 'POLYGON' && type !== 'MULTIPOLYGON') return null;
  if (m[2]!.toUpperCase() === 'EMPTY') return [];
  const tree = parseNested(m[2]!);
  const toRing = (ring: unknown): [number, number][] =>
    (ring as string[]).map((pt) => {
      const nums = pt.trim().split(/\s+/).map(Number);
      if (nums.length < 2 || nums.some((n) => !Number.isFinite(n))) throw new Error(`bad coordinate '${pt.trim()}'`);
      return [nums[0]!, nums[1]!];
    });
  const toPolygon = (p: unknown): PolygonCoords => (p as unknown[]).map(toRing);
  return type === 'POLYGON' ? [toPolygon(tree)] : (tree as unknown[]).map(toPolygon);
}

/** Turns `((1 2, 3 4), (5 6))` into nested arrays whose leaves are coordinate strings. */
function parseNested(s: string): unknown {
  let pos = 0;
  const parseList = (): unknown[] => {
    if (s[pos] !== '(') throw new Error(`expected '(' at ${pos}`);
    pos++;
    const items: unknown[] = [];
    let token = '';
    for (;;) {
      const ch = s[pos];
      if (ch === undefined) throw new Error('unbalanced parentheses');
      if (ch === '(') {
        items.push(parseList());
        continue;
      }
      pos++;
      if (ch === ',' || ch === ')') {
        if (token.trim()) items.push(token.trim());
        token = '';
        if (ch === ')') return items;
      } else token += ch;
    }
  };
  const out = parseList();
  if (s.slice(pos).trim()) throw new Error('unexpected text after geometry');
  return out;
}

function readGeoJsonFile(r: MapReader, key: string, file: string): PolygonCoords[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw r.error(key, `cannot read GeoJSON coverage ${file}: ${(err as Error).message}`);
  }
  const geoms: unknown[] = [];
  const obj = data as { type?: string; features?: { geometry?: unknown }[]; geometry?: unknown; geometries?: unknown[] };
  if (!obj || typeof obj.type !== 'string') throw r.error(key, `not a GeoJSON file: ${file}`);
  if (obj.type === 'FeatureCollection') {
    for (const f of obj.features ?? []) if (f?.geometry) geoms.push(f.geometry);
  } else if (obj.type === 'Feature') {
    if (obj.geometry) geoms.push(obj.geometry);
  }
  else if (obj.type === 'Polygon' || obj.type === 'MultiPolygon') geoms.push(obj);
  else r.ctx.warn(r.keyPath(key), `skipping GeoJSON of type ${obj.type} in ${file}: not a Polygon/MultiPolygon`);
  const polygons: PolygonCoords[] = [];
  for (const g of geoms) {
    const geom = g as { type?: string; coordinates?: unknown };
    if (geom?.type === 'Polygon') polygons.push(geoJsonPolygon(geom.coordinates));
    else if (geom?.type === 'MultiPolygon') {
      for (const p of geom.coordinates as unknown[]) polygons.push(geoJsonPolygon(p));
    } else r.ctx.warn(r.keyPath(key), `ignoring non-polygon geometry (${geom?.type}) in ${file}`);
  }
  return polygons;
}

function geoJsonPolygon(coords: unknown): PolygonCoords {
  return (coords as number[][][]).map((ring) => ring.map((pt) => [Number(pt[0]), Number(pt[1])] as [number, number]));
}
