import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BBox, Point } from '../../src/core/geo/bbox.js';
import {
  generateEnvelopePoints, getSRS, isAxisOrderNE, METERS_PER_DEGREE, TransformationError, UnknownSRSError,
} from '../../src/core/geo/srs.js';
import { selectSrs } from '../../src/core/geo/srs-selection.js';
import { ensureDatumGrids, nadgridsOf } from '../../src/core/geo/datum-grids.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function assertPoints(actual: readonly Point[], expected: readonly Point[], tol: number): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((p, i) => {
    assert.ok(Math.abs(p[0] - expected[i]![0]) <= tol, `x[${i}] ${p[0]} vs ${expected[i]![0]}`);
    assert.ok(Math.abs(p[1] - expected[i]![1]) <= tol, `y[${i}] ${p[1]} vs ${expected[i]![1]}`);
  });
}

function assertBBox(actual: BBox, expected: BBox, tol: number): void {
  assertPoints([[actual[0], actual[1]], [actual[2], actual[3]]], [[expected[0], expected[1]], [expected[2], expected[3]]], tol);
}

// Reference values from MapProxy 1.15 / pyproj 3.4 (PROJ 9.1) on this machine.
describe('SRS transformations', () => {
  const wgs84 = getSRS('EPSG:4326');

  it('transforms WGS84 to web mercator', () => {
    const pts = wgs84.transformTo(getSRS('EPSG:3857'), [[8.22, 53.15], [-75.5, -33.2]]);
    assertPoints(pts, [[915046.2143207088, 7010792.201710816], [-8404621.554892154, -3921880.8067032443]], 1e-6);
  });

  it('transforms WGS84 to UTM 32N (EPSG:25832)', () => {
    const pts = wgs84.transformTo(getSRS('EPSG:25832'), [[9, 50], [11.5, 48.1]]);
    assertPoints(pts, [[500000.0, 5538630.702744345], [686121.7558034855, 5330438.130053995]], 1e-5);
  });

  it('applies the BETA2007 datum grid for Gauss-Krüger (EPSG:31467) like PROJ', () => {
    const pts = wgs84.transformTo(getSRS('EPSG:31467'), [[9, 50], [8.22, 53.15]]);
    assertPoints(pts, [[3500074.920630061, 5540407.239514667], [3447886.395865434, 5891156.45461629]], 1e-3);
    const back = getSRS('EPSG:31467').transformTo(wgs84, [[3500000, 5500000]]);
    assertPoints(back, [[8.998958968391232, 49.63670826170867]], 1e-8);
  });

  it('uses towgs84 parameters for Swiss LV95 (EPSG:2056)', () => {
    assertPoints(getSRS(2056).transformTo(wgs84, [[2600000, 1200000]]), [[7.43863242087181, 46.95108277187109]], 1e-6);
  });

  it('transforms bboxes through densified edges', () => {
    assertBBox(wgs84.transformBBoxTo(getSRS('EPSG:3857'), [5, 45, 15, 55]),
      [556597.4539663679, 5621521.486192066, 1669792.3618991035, 7361866.113051188], 1e-6);
    // The curved UTM edges bulge beyond the corner points: only the densified envelope catches that.
    assertBBox(getSRS('EPSG:25832').transformBBoxTo(wgs84, [280000, 5200000, 920000, 6100000]),
      [5.560259235058208, 46.820886895849696, 15.54943005819843, 55.04318512509313], 1e-6);
  });

  it('maps the WGS84 world onto the web mercator square and back', () => {
    const world = wgs84.transformBBoxTo(getSRS('EPSG:900913'), [-180, -90, 180, 90]);
    assert.deepEqual(world, [-20037508.342789244, -20037508.342789244, 20037508.342789244, 20037508.342789244]);
    assertBBox(getSRS('EPSG:3857').transformBBoxTo(wgs84, world), [-180, -85.0511287798066, 180, 85.0511287798066], 1e-9);
  });

  it('returns the same coordinates for equal SRS', () => {
    assert.deepEqual(getSRS('EPSG:3857').transformTo(getSRS('EPSG:900913'), [[1, 2]]), [[1, 2]]);
    assert.deepEqual(wgs84.transformBBoxTo(getSRS('CRS:84'), [8.25, 53, 8.5, 53.75]), [8.25, 53, 8.5, 53.75]);
  });

  it('throws instead of returning NaN', () => {
    assert.throws(() => wgs84.transformTo(getSRS('EPSG:3857'), [[0, 90]]), TransformationError);
  });

  it('generates envelope points like MapProxy', () => {
    assert.deepEqual(generateEnvelopePoints([10, 5, 20, 15], 4), [[10, 5], [20, 5], [20, 15], [10, 15]]);
    assert.deepEqual(generateEnvelopePoints([10, 5, 20, 15], 8),
      [[10, 5], [15, 5], [20, 5], [20, 10], [20, 15], [15, 15], [10, 15], [10, 10]]);
    assert.equal(generateEnvelopePoints([0, 0, 1, 1], 16).length, 16);
  });
});

describe('SRS identity and properties', () => {
  it('treats the web mercator aliases as one SRS', () => {
    const codes = ['EPSG:900913', 'EPSG:3857', 'EPSG:102100', 'EPSG:102113'];
    for (const a of codes) for (const b of codes) assert.ok(getSRS(a).equals(getSRS(b)), `${a} == ${b}`);
    assert.ok(!getSRS('EPSG:3857').equals(getSRS('EPSG:4326')));
    assert.equal(getSRS('EPSG:102100').isLatLong, false);
  });

  it('treats CRS:84 as EPSG:4326 apart from the axis order', () => {
    assert.ok(getSRS('CRS:84').equals(getSRS('EPSG:4326')));
    assert.equal(getSRS('CRS:84').isAxisOrderNE, false);
    assert.equal(getSRS('EPSG:4326').isAxisOrderNE, true);
  });

  it('normalises codes and caches instances', () => {
    assert.equal(getSRS('epsg:4326'), getSRS(4326));
    assert.equal(getSRS('4326').code, 'EPSG:4326');
    assert.equal(getSRS('crs:84').code, 'CRS:84');
  });

  it('knows the WMS 1.3.0 axis order of EPSG codes as PROJ does', () => {
    const ne = ['EPSG:4326', 'EPSG:4258', 'EPSG:31466', 'EPSG:31467', 'EPSG:31468', 'EPSG:31469', 'EPSG:3034',
      'EPSG:3035', 'EPSG:2180', 'EPSG:31287', 'EPSG:2166'];
    const en = ['CRS:84', 'EPSG:3857', 'EPSG:900913', 'EPSG:25832', 'EPSG:25831', 'EPSG:31463', 'EPSG:2056',
      'EPSG:28992', 'EPSG:32632', 'EPSG:5514'];
    for (const c of ne) assert.equal(isAxisOrderNE(c), true, c);
    for (const c of en) assert.equal(isAxisOrderNE(c), false, c);
  });

  it('reports geographic SRS and units', () => {
    assert.equal(getSRS(4326).isLatLong, true);
    assert.equal(getSRS(4326).metersPerUnit, METERS_PER_DEGREE);
    assert.equal(getSRS(25832).isLatLong, false);
    assert.equal(getSRS(25832).metersPerUnit, 1);
    assert.ok(Math.abs(getSRS(2263).metersPerUnit - 0.3048006096) < 1e-9); // US survey feet
  });

  it('rejects unknown codes', () => {
    assert.throws(() => getSRS('EPSG:999999'), UnknownSRSError);
    assert.throws(() => getSRS('FOO:1'), UnknownSRSError);
  });
});

describe('datum grids', () => {
  it('reads the grids named by +nadgrids, optional ones marked with @', () => {
    assert.deepEqual(nadgridsOf('+proj=tmerc +nadgrids=BETA2007.gsb +units=m'), [{ name: 'BETA2007.gsb', optional: false }]);
    assert.deepEqual(nadgridsOf('+proj=merc +nadgrids=@null'), []);
    assert.deepEqual(nadgridsOf('+nadgrids=@a.gsb,b.gsb'), [{ name: 'a.gsb', optional: true }, { name: 'b.gsb', optional: false }]);
  });

  it('reports mandatory grids that are not installed', () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-grids-'));
    assert.deepEqual(ensureDatumGrids('+proj=tmerc +nadgrids=@opt.gsb,NOT_THERE.gsb', [empty]), ['NOT_THERE.gsb']);
  });
});

describe('selectSrs', () => {
  const [s4326, s3857, s25832, s31467] = ['EPSG:4326', 'EPSG:3857', 'EPSG:25832', 'EPSG:31467'].map((c) => getSRS(c));

  it('prefers the exact SRS, then the preferred list, then the same kind', () => {
    assert.equal(selectSrs(getSRS('EPSG:900913'), [s4326, s3857]), s3857);
    assert.equal(selectSrs(s31467, [s4326, s3857, s25832], { 'EPSG:31467': ['EPSG:25832'] }), s25832);
    assert.equal(selectSrs(s31467, [s4326, s3857, s25832]), s3857);
    assert.equal(selectSrs(getSRS('EPSG:4258'), [s3857, s4326]), s4326);
  });
});
