import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { BBox } from '../../src/core/geo/bbox.js';
import { BBoxCoverage, coveragePixelRings, GeomCoverage, MultiCoverage } from '../../src/core/geo/coverage.js';
import { CoverageConfigError, coverageFromConfig, limitedToCoverage } from '../../src/core/geo/coverage-config.js';
import { EmptyGeometryError } from '../../src/core/geo/polygon.js';
import { getSRS } from '../../src/core/geo/srs.js';

const wgs84 = getSRS('EPSG:4326');
const merc = getSRS('EPSG:3857');
const dir = mkdtempSync(join(tmpdir(), 'geo-coverage-'));

function assertClose(actual: readonly number[], expected: readonly number[], tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) <= tol, `[${i}] ${v} vs ${expected[i]}`));
}

// A 10x10 square with a 4x4 hole in the middle, and a separate square to the east.
writeFileSync(join(dir, 'polys.wkt'), [
  'POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (3 3, 7 3, 7 7, 3 7, 3 3))',
  '',
  'MULTIPOLYGON(((20 0, 25 0, 25 5, 20 5, 20 0)))',
  'LINESTRING(0 0, 1 1)',
].join('\n'));
writeFileSync(join(dir, 'boundary.geojson'), JSON.stringify({
  type: 'FeatureCollection',
  features: [
    { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]] } },
    { type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [50, 50] } },
    { type: 'Feature', properties: {}, geometry: { type: 'MultiPolygon', coordinates: [[[[5, 5], [15, 5], [15, 15], [5, 15], [5, 5]]]] } },
  ],
}));
writeFileSync(join(dir, 'feature.geojson'), JSON.stringify({
  type: 'Feature', geometry: { type: 'Polygon', coordinates: [[[8, 8], [12, 8], [12, 12], [8, 12], [8, 8]]] },
}));
writeFileSync(join(dir, 'shape.shp'), 'not a text format');
writeFileSync(join(dir, 'expired.txt'), '1/0/0\n1/1/0\n');

describe('bbox coverage', () => {
  const cov = coverageFromConfig({ bbox: [5, 50, 10, 55], srs: 'EPSG:4326' }, dir)!;

  it('tests bboxes strictly in its own SRS', () => {
    assert.ok(cov instanceof BBoxCoverage);
    assert.equal(cov.intersects([9, 54, 11, 56], wgs84), true);
    assert.equal(cov.intersects([10, 50, 11, 55], wgs84), false); // touching only
    assert.equal(cov.contains([6, 51, 9, 54], wgs84), true);
    assert.equal(cov.contains([6, 51, 11, 54], wgs84), false);
    assert.equal(cov.clip, false);
  });

  it('transforms requests from other SRS', () => {
    const inside = wgs84.transformBBoxTo(merc, [6, 51, 9, 54]);
    assert.equal(cov.contains(inside, merc), true);
    assert.equal(cov.intersects(wgs84.transformBBoxTo(merc, [11, 51, 12, 54]), merc), false);
    assertClose(cov.extent.bboxFor(merc), wgs84.transformBBoxTo(merc, [5, 50, 10, 55]));
  });

  it('accepts bbox strings, bbox_srs and datasource bboxes', () => {
    const a = coverageFromConfig({ bbox: '5,50,10,55', bbox_srs: 'EPSG:4326', clip: true }, dir)!;
    assert.deepEqual(a.bbox, [5, 50, 10, 55]);
    assert.equal(a.clip, true);
    assert.deepEqual(coverageFromConfig({ datasource: '5,50,10,55', srs: 'EPSG:4326' }, dir)!.bbox, [5, 50, 10, 55]);
    assert.deepEqual(coverageFromConfig({ datasource: [5, 50, 10, 55], srs: 'EPSG:4326' }, dir)!.bbox, [5, 50, 10, 55]);
  });
});

describe('polygon coverages', () => {
  const wkt = coverageFromConfig({ datasource: 'polys.wkt', srs: 'EPSG:4326' }, dir)!;

  it('loads WKT polygons and multipolygons line by line, skipping other geometries', () => {
    assert.ok(wkt instanceof GeomCoverage);
    assert.deepEqual(wkt.bbox, [0, 0, 25, 10]);
    assert.equal(wkt.geometry().length, 2);
  });

  it('respects holes', () => {
    assert.equal(wkt.intersects([4, 4, 6, 6], wgs84), false); // inside the hole
    assert.equal(wkt.intersects([2, 2, 4, 4], wgs84), true);
    assert.equal(wkt.contains([1, 1, 2, 9], wgs84), true);
    assert.equal(wkt.contains([1, 1, 5, 5], wgs84), false); // reaches into the hole
    assert.equal(wkt.contains([0, 0, 10, 2], wgs84), true); // touching the boundary from inside
  });

  it('counts touching as intersecting (Shapely semantics)', () => {
    assert.equal(wkt.intersects([10, 0, 12, 5], wgs84), true);
    assert.equal(wkt.intersects([11, 0, 12, 5], wgs84), false);
    assert.equal(wkt.intersects([-5, -5, 30, 20], wgs84), true); // bbox around everything
    assert.equal(wkt.intersects([12, 1, 19, 9], wgs84), false); // between the two parts
  });

  it('loads GeoJSON feature collections, features and legacy polygons files', () => {
    const fc = coverageFromConfig({ datasource: 'boundary.geojson', srs: 'EPSG:4326' }, dir)!;
    assert.deepEqual(fc.bbox, [0, 0, 15, 15]);
    assert.equal(fc.contains([6, 6, 14, 14], wgs84), true);
    assert.equal(fc.contains([1, 11, 4, 14], wgs84), false);
    const f = coverageFromConfig({ datasource: join(dir, 'feature.geojson'), srs: 'EPSG:4326' }, '/')!;
    assert.deepEqual(f.bbox, [8, 8, 12, 12]);
    const legacy = coverageFromConfig({ polygons: 'polys.wkt', polygons_srs: 'EPSG:4326' }, dir)!;
    assert.deepEqual(legacy.bbox, [0, 0, 25, 10]);
  });

  it('reads expire_tiles lists (z/x/y of the web mercator nw grid)', () => {
    const cov = coverageFromConfig({ expire_tiles: 'expired.txt' }, dir)!;
    assert.equal(cov.srs.code, 'EPSG:3857');
    assertClose(cov.bbox, [-20037508.342789244, 0, 20037508.342789244, 20037508.342789244]);
  });

  it('reports unusable datasources clearly', () => {
    assert.throws(() => coverageFromConfig({ datasource: 'shape.shp', srs: 'EPSG:4326' }, dir), CoverageConfigError);
    assert.throws(() => coverageFromConfig({ datasource: 'missing.geojson', srs: 'EPSG:4326' }, dir), CoverageConfigError);
    assert.throws(() => coverageFromConfig({ datasource: 'polys.wkt' }, dir), CoverageConfigError);
    assert.equal(coverageFromConfig({}, dir), null);
  });

  it('answers correctly for large polygons (prepared geometry)', () => {
    const ring = Array.from({ length: 4096 }, (_, i) => [10 * Math.cos((i / 4096) * 2 * Math.PI), 10 * Math.sin((i / 4096) * 2 * Math.PI)]);
    const circle = new GeomCoverage([[ring as [number, number][]]], wgs84);
    assert.equal(circle.contains([-5, -5, 5, 5], wgs84), true);
    assert.equal(circle.contains([5, 5, 8, 8], wgs84), false);
    assert.equal(circle.contains([-7, -7, -1, -1], wgs84), true);
    assert.equal(circle.intersects([9.9, -0.1, 12, 0.1], wgs84), true);
    assert.equal(circle.intersects([7.1, 7.1, 8, 8], wgs84), false);
    assert.equal(circle.intersects([-20, -20, 20, 20], wgs84), true);
    assert.equal(circle.intersects([0, 0, 0, 0], wgs84), true); // a feature-info point
  });

  it('transforms to other SRS', () => {
    const m = wkt.transformTo(merc);
    assertClose(m.bbox, wgs84.transformBBoxTo(merc, [0, 0, 25, 10]), 1e-3);
    assert.equal(m.intersects([4, 4, 6, 6], wgs84), false);
    assert.equal(m.contains([1, 1, 2, 9], wgs84), true);
  });
});

describe('set operations', () => {
  it('intersects nested coverages', () => {
    const cov = coverageFromConfig({
      intersection: [
        { bbox: [-50, -57, 53, 59], srs: 'EPSG:4326' },
        { bbox: [-48, -56, 51, 58], srs: 'EPSG:4326' },
      ],
    }, dir)!;
    assertClose(cov.bbox, [-48, -56, 51, 58]);
  });

  it('unions coverages in mixed SRS into the SRS of the first', () => {
    const cov = coverageFromConfig({
      union: [
        { bbox: [0, 0, 10, 10], srs: 'EPSG:4326' },
        { bbox: wgs84.transformBBoxTo(merc, [20, 0, 30, 10]), srs: 'EPSG:3857' },
      ],
      clip: true,
    }, dir)!;
    assert.equal(cov.srs.code, 'EPSG:4326');
    assert.equal(cov.clip, true);
    assertClose(cov.bbox, [0, 0, 30, 10], 1e-6);
    assert.equal(cov.intersects([12, 2, 18, 8], wgs84), false);
    assert.equal(cov.contains([22, 2, 28, 8], wgs84), true);
  });

  it('subtracts all later coverages from the first', () => {
    const cov = coverageFromConfig({
      difference: [
        { bbox: [0, 0, 10, 10], srs: 'EPSG:4326' },
        { datasource: 'feature.geojson', srs: 'EPSG:4326' },
        { union: [{ bbox: [-1, -1, 2, 2], srs: 'EPSG:4326' }] },
      ],
    }, dir)!;
    assertClose(cov.bbox, [0, 0, 10, 10]);
    assert.equal(cov.intersects([9, 9, 9.5, 9.5], wgs84), false); // cut out by the feature
    assert.equal(cov.intersects([0.5, 0.5, 1.5, 1.5], wgs84), false); // cut out by the nested union
    assert.equal(cov.contains([3, 3, 7, 7], wgs84), true);
    assert.throws(() => coverageFromConfig({
      difference: [{ bbox: [0, 0, 1, 1], srs: 'EPSG:4326' }, { bbox: [-1, -1, 2, 2], srs: 'EPSG:4326' }],
    }, dir), EmptyGeometryError);
  });

  it('combines side-by-side coverages with MultiCoverage', () => {
    const m = new MultiCoverage([new BBoxCoverage([0, 0, 1, 1], wgs84), new BBoxCoverage([5, 5, 6, 6], wgs84)]);
    assert.equal(m.intersects([0.5, 0.5, 0.7, 0.7], wgs84), true);
    assert.equal(m.intersects([2, 2, 3, 3], wgs84), false);
    assert.deepEqual(m.extent.llbbox, [0, 0, 6, 6]);
  });
});

describe('clip masks and limited_to', () => {
  it('returns the coverage as pixel rings of the requested image', () => {
    const cov = new BBoxCoverage([0, 0, 5, 5], wgs84, true);
    const rings = coveragePixelRings(cov, [0, 0, 10, 10], [100, 100], wgs84);
    assert.equal(rings.length, 1);
    const xs = rings[0]!.map((p) => p[0]), ys = rings[0]!.map((p) => p[1]);
    assertClose([Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)], [0, 50, 50, 100]);
    assert.deepEqual(coveragePixelRings(cov, [20, 20, 30, 30], [100, 100], wgs84), []);
  });

  it('returns holes as separate rings', () => {
    const cov = coverageFromConfig({ datasource: 'polys.wkt', srs: 'EPSG:4326', clip: true }, dir)!;
    const rings = coveragePixelRings(cov, [0, 0, 10, 10], [10, 10], wgs84);
    assert.equal(rings.length, 2); // the eastern part lies outside the image margin
  });

  it('builds always-clipping limited_to coverages', () => {
    const bbox: BBox = [0, 0, 10, 10];
    const a = limitedToCoverage({ srs: 'EPSG:4326', geometry: bbox });
    assert.equal(a.clip, true);
    assert.equal(a.contains([1, 1, 2, 2], wgs84), true);
    const b = limitedToCoverage({ srs: 'EPSG:4326', geometry: 'POLYGON((0 0, 10 0, 10 10, 0 10, 0 0))\nPOLYGON((20 0, 30 0, 30 10, 20 10, 20 0))' });
    assert.deepEqual(b.bbox, [0, 0, 30, 10]);
    assert.equal(b.intersects([12, 2, 18, 8], wgs84), false);
  });
});
