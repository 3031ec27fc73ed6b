import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import wkx from 'wkx';
import {
  BBoxCoverage, differenceCoverage, GeomCoverage, intersectionCoverage, unionCoverage, type Coverage,
} from './coverage.js';
import { parseBBox, tileGrid } from './grid.js';
import { bboxPolygon, toMultiPolygon, unionGeometries, type MultiPolygon, type Polygon } from './polygon.js';
import { getSRS } from './srs.js';

/** A coverage definition that cannot be loaded; the message names the offending key or file. */
export class CoverageConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CoverageConfigError';
  }
}

type Raw = Record<string, unknown>;

const BBOX_STRING = /^[-+]?\d*\.?\d+,[-+]?\d*\.?\d+,[-+]?\d*\.?\d+,[-+]?\d*\.?\d+/;

function absPath(path: string, baseDir: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function requireSrs(raw: Raw, key: string): string {
  const srs = raw[key];
  if (typeof srs !== 'string' && typeof srs !== 'number') throw new CoverageConfigError(`coverage needs '${key}'`);
  return String(srs);
}

/**
 * Builds a coverage from MapProxy's coverage dict (sources, caches, seeding): `bbox` (+`srs`/`bbox_srs`),
 * `datasource` (bbox list/string, WKT or GeoJSON file) + `srs`, legacy `polygons` + `polygons_srs`,
 * `ogr_datasource` + `ogr_srs` (WKT/GeoJSON files only), `expire_tiles`, nestable `union`/`intersection`/
 * `difference`, and `clip`. Relative paths are taken from `configDir`. Returns null for a dict with none of these.
 */
export function coverageFromConfig(raw: Raw, configDir: string): Coverage | null {
  const clip = raw.clip === true;
  for (const [key, combine] of [
    ['union', unionCoverage], ['intersection', intersectionCoverage], ['difference', differenceCoverage],
  ] as const) {
    if (key in raw) {
      const list = raw[key];
      if (!Array.isArray(list) || !list.length) throw new CoverageConfigError(`coverage '${key}' must be a list of coverages`);
      const parts = list.map((c, i) => {
        const cov = coverageFromConfig(c as Raw, configDir);
        if (!cov) throw new CoverageConfigError(`coverage '${key}[${i}]' defines no coverage`);
        return cov;
      });
      return combine(parts, clip);
    }
  }
  if ('ogr_datasource' in raw) {
    const srs = getSRS(requireSrs(raw, 'ogr_srs'));
    const geom = loadDatasource(String(raw.ogr_datasource), configDir, raw.ogr_where);
    return new GeomCoverage(geom, srs, clip);
  }
  if ('polygons' in raw) {
    const srs = getSRS(requireSrs(raw, 'polygons_srs'));
    const files = Array.isArray(raw.polygons) ? raw.polygons.map(String) : [String(raw.polygons)];
    const geom = unionGeometries(...files.map((f) => loadWktFile(absPath(f, configDir))));
    return new GeomCoverage(nonEmpty(geom, files.join(', ')), srs, clip);
  }
  if ('bbox' in raw) {
    const srs = getSRS(raw.bbox_srs ? String(raw.bbox_srs) : requireSrs(raw, 'srs'));
    return new BBoxCoverage(parseBBox(raw.bbox as string), srs, clip);
  }
  if ('datasource' in raw) {
    const srs = getSRS(requireSrs(raw, 'srs'));
    const ds = raw.datasource;
    if (Array.isArray(ds)) return new BBoxCoverage(parseBBox(ds), srs, clip);
    const s = String(ds);
    if (BBOX_STRING.test(s)) return new BBoxCoverage(parseBBox(s), srs, clip);
    return new GeomCoverage(loadDatasource(s, configDir, raw.where), srs, clip);
  }
  if ('expire_tiles' in raw) {
    return new GeomCoverage(loadExpireTiles(absPath(String(raw.expire_tiles), configDir)), getSRS('EPSG:3857'));
  }
  return null;
}

/**
 * The `limited_to` of an authorization answer: a bbox list or WKT text (one polygon per line) in `srs`; always
 * clipping, as MapProxy's load_limited_to.
 */
export function limitedToCoverage(limitedTo: { srs: string; geometry: unknown }): Coverage {
  const srs = getSRS(limitedTo.srs);
  const g = limitedTo.geometry;
  if (Array.isArray(g)) return new GeomCoverage(bboxPolygon(parseBBox(g)), srs, true);
  if (typeof g === 'string') return new GeomCoverage(nonEmpty(parseWktLines(g, 'limited_to'), 'limited_to'), srs, true);
  if (g && typeof g === 'object') return new GeomCoverage(nonEmpty(geoJsonPolygons(g as Raw), 'limited_to'), srs, true);
  throw new CoverageConfigError('limited_to.geometry must be a bbox list, WKT or GeoJSON');
}

function nonEmpty(geom: MultiPolygon, what: string): MultiPolygon {
  if (!geom.length) throw new CoverageConfigError(`no polygons in ${what}`);
  return geom;
}

/** WKT (one (MULTI)POLYGON per line) or GeoJSON, recognised by content as MapProxy does; OGR formats are not read. */
function loadDatasource(datasource: string, configDir: string, where: unknown): MultiPolygon {
  const file = absPath(datasource, configDir);
  if (!existsSync(file)) {
    throw new CoverageConfigError(`coverage datasource ${datasource} not found (OGR datasources are not supported)`);
  }
  const head = readHead(file, 50).replace(/^\uFEFF/, '').trimStart();
  if (/^(multi)?polygon/i.test(head)) return loadWktFile(file);
  if (head.startsWith('{')) {
    if (where != null) throw new CoverageConfigError(`coverage ${datasource}: 'where' needs OGR, which is not supported`);
    let json: Raw;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new CoverageConfigError(`coverage ${datasource}: invalid GeoJSON (${(e as Error).message})`);
    }
    return nonEmpty(geoJsonPolygons(json, datasource), datasource);
  }
  throw new CoverageConfigError(
    `coverage datasource ${datasource} is neither WKT nor GeoJSON (OGR datasources such as shapefiles are not supported)`,
  );
}

function readHead(file: string, n: number): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    const len = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, len).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function loadWktFile(file: string): MultiPolygon {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (e) {
    throw new CoverageConfigError(`cannot read coverage file ${file}: ${(e as Error).message}`);
  }
  return nonEmpty(parseWktLines(text, file), file);
}

/** One WKT geometry per line; polygons and multipolygons are kept, other types skipped. Overlaps are dissolved. */
export function parseWktLines(text: string, source = '<string>'): MultiPolygon {
  const polys: Polygon[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    let gj: { type: string; coordinates?: unknown };
    try {
      gj = wkx.Geometry.parse(line.trim()).toGeoJSON() as typeof gj;
    } catch (e) {
      throw new CoverageConfigError(`${source} line ${i + 1}: invalid WKT (${(e as Error).message})`);
    }
    polys.push(...geometryPolygons(gj));
  });
  return polys.length ? unionGeometries(polys) : [];
}

type Coords = readonly (readonly (readonly (readonly number[])[])[])[];

function geometryPolygons(g: { type: string; coordinates?: unknown }): Polygon[] {
  if (g.type === 'Polygon') return [...toMultiPolygon([g.coordinates as Coords[number]])];
  if (g.type === 'MultiPolygon') return [...toMultiPolygon(g.coordinates as Coords)];
  return [];
}

/** Polygons of a GeoJSON Polygon, MultiPolygon, Feature or FeatureCollection, dissolved. */
export function geoJsonPolygons(json: Raw, source = '<geojson>'): MultiPolygon {
  const geoms: { type: string; coordinates?: unknown }[] = [];
  const t = json.type;
  if (!t) throw new CoverageConfigError(`${source} is not GeoJSON (no type)`);
  if (t === 'FeatureCollection') {
    for (const f of (json.features as Raw[] | undefined) ?? []) if (f?.geometry) geoms.push(f.geometry as never);
  } else if (t === 'Feature') {
    if (json.geometry) geoms.push(json.geometry as never);
  } else geoms.push(json as never);
  const polys = geoms.flatMap(geometryPolygons);
  return polys.length ? unionGeometries(polys) : [];
}

/** `z/x/y` lines (one file or a directory tree of them) of the web mercator nw grid, as tile boxes. */
function loadExpireTiles(path: string): MultiPolygon {
  const grid = tileGrid({ srs: 'EPSG:3857', origin: 'nw' });
  const seen = new Set<string>();
  const boxes: Polygon[] = [];
  const parse = (file: string) => {
    for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
      if (!line.trim()) continue;
      const parts = line.trim().split('/').map(Number);
      // MapProxy stops reading a file at the first malformed line.
      if (parts.length !== 3 || parts.some((v) => !Number.isInteger(v))) break;
      const [z, x, y] = parts as [number, number, number];
      const key = `${z}/${x}/${y}`;
      if (seen.has(key) || z < 0 || z >= grid.levels) continue;
      seen.add(key);
      boxes.push(bboxPolygon(grid.tileBBox([x, y, z]))[0]!);
    }
  };
  if (!existsSync(path)) throw new CoverageConfigError(`expire_tiles ${path} not found`);
  const walk = (p: string) => {
    if (statSync(p).isDirectory()) for (const name of readdirSync(p)) walk(join(p, name));
    else parse(p);
  };
  walk(path);
  return nonEmpty(boxes.length ? unionGeometries(boxes) : [], path);
}
