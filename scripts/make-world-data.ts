// Generates the world data set served by the default configuration (config/mapproxy.yaml).
// Run once, the output is committed:  node --import tsx scripts/make-world-data.ts
//
// Source: Natural Earth 1:50m admin-0 countries, as TopoJSON in the npm package `world-atlas`.
// Output (EPSG:4326, GeoJSON, coordinates rounded to 1/1000 degree, ~100 m, well below the
// data's own precision at 1:50m):
//   config/data/countries.geojson  one polygon feature per country (properties: id, name)
//   config/data/borders.geojson    land borders between countries, as lines (so a shared border
//                                  is drawn once and coastlines are not outlined twice)
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as polyclip from 'polyclip-ts';

type Position = number[];
interface Geometry { type: string; coordinates: unknown }
interface Feature { type: 'Feature'; id?: string; properties: Record<string, unknown> | null; geometry: Geometry | null }

const require = createRequire(import.meta.url);
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(repoRoot, 'config', 'data');
const topology = JSON.parse(readFileSync(require.resolve('world-atlas/countries-50m.json'), 'utf8'));
// topojson-client ships no types: the two functions used here, typed.
const tj = require('topojson-client') as {
  feature(topology: unknown, object: unknown): { features: Feature[] };
  mesh(topology: unknown, object: unknown, filter?: (a: unknown, b: unknown) => boolean): Geometry;
};

const round = (v: number): number => Math.round(v * 1000) / 1000;

/** Rounds every position and drops consecutive duplicates that rounding creates. */
function roundCoords(coords: unknown): unknown {
  if (!Array.isArray(coords)) return coords;
  if (typeof coords[0] === 'number') return (coords as Position).map(round);
  const mapped = coords.map(roundCoords);
  if (Array.isArray(mapped[0]) && typeof (mapped[0] as unknown[])[0] === 'number') {
    const out: Position[] = [];
    for (const p of mapped as Position[]) {
      const last = out[out.length - 1];
      if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
    }
    return out;
  }
  return mapped;
}

/** A jump of more than 180° in longitude between two points means the line crossed the
 *  antimeridian; except along the poles, where Antarctica's ring legitimately runs from 180 to -180. */
function crossesAntimeridian(a: Position, b: Position): boolean {
  return Math.abs(b[0] - a[0]) > 180 && Math.abs(a[1]) < 89 && Math.abs(b[1]) < 89;
}

/** Makes a ring continuous across the antimeridian by shifting the rest by ±360°. */
function unwrapRing(ring: Position[]): Position[] {
  let shift = 0;
  return ring.map((p, i) => {
    if (i > 0 && crossesAntimeridian(ring[i - 1], p)) shift += p[0] > ring[i - 1][0] ? -360 : 360;
    return [p[0] + shift, p[1]];
  });
}

/** world-atlas keeps d3-geo's spherical conventions: Antarctica is a zero-area ring along the
 *  south pole with the coastline as a hole that jumps across the antimeridian. In the plane that
 *  draws nothing, so such a polygon becomes its coastline ring closed along the pole. */
function closePolarPolygons(geometry: Geometry): Geometry {
  if (geometry.type !== 'MultiPolygon' && geometry.type !== 'Polygon') return geometry;
  const polygons = (geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates) as Position[][][];
  const out: Position[][][] = [];
  for (const poly of polygons) {
    const [outer, ...holes] = poly;
    const polarLat = outer.every((p) => p[1] < -89) ? -90 : outer.every((p) => p[1] > 89) ? 90 : null;
    if (polarLat === null) { out.push(poly); continue; }
    for (const hole of holes) {
      const ring: Position[] = [];
      hole.forEach((p, i) => {
        const prev = hole[i - 1];
        if (prev && Math.abs(p[0] - prev[0]) > 180) {
          const side = Math.sign(prev[0]) * 180;
          ring.push([side, prev[1]], [side, polarLat], [-side, polarLat], [-side, p[1]]);
        }
        ring.push(p);
      });
      out.push([ring]);
    }
  }
  return { type: 'MultiPolygon', coordinates: out };
}

/** Splits polygons that cross the antimeridian into parts inside [-180, 180], so that renderers
 *  do not draw a band across the whole map (Russia, Fiji in Natural Earth). */
function cutAtAntimeridian(geometry: Geometry): Geometry {
  const polygons = (geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates) as Position[][][];
  const crosses = polygons.some((poly) => poly.some((ring) => ring.some((p, i) => i > 0 && crossesAntimeridian(ring[i - 1], p))));
  if (!crosses) return geometry;
  type Geom = polyclip.Geom;
  const unwrapped = polygons.map((poly) => poly.map(unwrapRing)) as unknown as Geom;
  const box = (x0: number): Geom => [[[x0, -90], [x0 + 360, -90], [x0 + 360, 90], [x0, 90], [x0, -90]]] as unknown as Geom;
  const parts: Position[][][] = [];
  for (const offset of [-360, 0, 360]) {
    const clipped = polyclip.intersection(unwrapped, box(-180 + offset)) as unknown as Position[][][];
    for (const poly of clipped) parts.push(poly.map((ring) => ring.map((p) => [p[0] - offset, p[1]])));
  }
  return { type: 'MultiPolygon', coordinates: parts };
}

/** Breaks lines where they jump across the antimeridian. */
function splitLinesAtAntimeridian(lines: Position[][]): Position[][] {
  const out: Position[][] = [];
  for (const line of lines) {
    let current: Position[] = [];
    for (const p of line) {
      const last = current[current.length - 1];
      if (last && crossesAntimeridian(last, p)) { if (current.length > 1) out.push(current); current = []; }
      current.push(p);
    }
    if (current.length > 1) out.push(current);
  }
  return out;
}

function writeCollection(file: string, features: Feature[]): void {
  const text = JSON.stringify({ type: 'FeatureCollection', features });
  writeFileSync(join(outDir, file), text + '\n');
  console.log(`${file}: ${features.length} features, ${(text.length / 1024).toFixed(0)} KiB`);
}

mkdirSync(outDir, { recursive: true });

const countries = tj.feature(topology, topology.objects.countries).features
  .filter((f) => f.geometry !== null)
  .map((f): Feature => ({
    type: 'Feature',
    properties: { id: f.id ?? null, name: (f.properties?.name as string | undefined) ?? '' },
    geometry: (({ type, coordinates }) => ({ type, coordinates: roundCoords(coordinates) }))(cutAtAntimeridian(closePolarPolygons(f.geometry!))),
  }));
writeCollection('countries.geojson', countries);

const borders = tj.mesh(topology, topology.objects.countries, (a, b) => a !== b);
writeCollection('borders.geojson', [
  { type: 'Feature', properties: { kind: 'border' },
    geometry: { type: 'MultiLineString', coordinates: roundCoords(splitLinesAtAntimeridian(borders.coordinates as Position[][])) } },
]);
