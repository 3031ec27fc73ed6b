import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MapExtent, mergeExtents } from '../../src/core/geo/extent.js';
import { mergeResolutionRange, ResolutionRange, resolutionRange } from '../../src/core/geo/resolution-range.js';
import { getSRS } from '../../src/core/geo/srs.js';

function assertClose(actual: readonly number[], expected: readonly number[], tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) <= tol, `[${i}] ${v} vs ${expected[i]}`));
}

// Reference values from MapProxy 1.15 (MapExtent, resolution_range) on this machine.
describe('MapExtent', () => {
  const wgs84 = getSRS('EPSG:4326');
  const ll = new MapExtent([5, 45, 15, 55], wgs84);
  const utm = new MapExtent([500000, 5000000, 600000, 5100000], getSRS('EPSG:25832'));

  it('gives its bbox in other SRS and in WGS84', () => {
    assertClose(ll.bboxFor(getSRS('EPSG:900913')), [556597.4539663679, 5621521.486192066, 1669792.3618991035, 7361866.113051188]);
    assert.deepEqual(ll.llbbox, [5, 45, 15, 55]);
    assertClose(utm.llbbox, [9.0, 45.14639287725023, 10.292532035841443, 46.05357437086302]);
  });

  it('compares across SRS', () => {
    assert.equal(ll.contains(utm), true);
    assert.equal(ll.intersects(utm), true);
    assert.equal(utm.contains(ll), false);
    assert.equal(new MapExtent([20, 0, 30, 10], wgs84).intersects(utm), false);
  });

  it('merges in WGS84, with the default extent as neutral element', () => {
    assert.deepEqual(ll.union(utm).bbox, [5, 45, 15, 55]);
    assert.deepEqual(ll.union(new MapExtent([10, 0, 20, 10], wgs84)).bbox, [5, 0, 20, 55]);
    assert.equal(ll.union(MapExtent.default()), ll);
    assert.equal(MapExtent.default().contains(utm), true);
    assert.equal(mergeExtents([]).isDefault, true);
    assert.deepEqual(ll.intersection(new MapExtent([10, 50, 20, 60], wgs84))!.bbox, [10, 50, 15, 55]);
  });
});

describe('ResolutionRange', () => {
  it('converts scales with the OGC pixel size', () => {
    const r = resolutionRange({ minScale: 1e4, maxScale: 1e6 })!;
    assert.equal(r.minRes, 280);
    assert.equal(r.maxRes, 2.8);
    assertClose(r.scaleDenominator() as number[], [10000, 1000000]);
    assertClose(r.scaleHint() as number[], [395.9797974644666, 3.959797974644666]);
    assert.equal(resolutionRange({}), undefined);
    assert.throws(() => resolutionRange({ minRes: 10, minScale: 100 }));
  });

  it('decides whether a request is visible', () => {
    const r = new ResolutionRange(1000, 10);
    const m = getSRS('EPSG:3857');
    assert.equal(r.contains([0, 0, 256000, 256000], [256, 256], m), true);
    assert.equal(r.contains([0, 0, 256001, 256000], [256, 256], m), false);
    assert.equal(r.contains([0, 0, 2560, 2560], [256, 256], m), true);
    assert.equal(r.contains([0, 0, 2559, 2560], [256, 256], m), false);
    assert.equal(r.contains([0, 0, 1, 1], [256, 256], getSRS('EPSG:4326')), true);
    assert.equal(r.contains([0, 0, 0.01, 0.01], [256, 256], getSRS('EPSG:4326')), false);
  });

  it('merges to the wider range', () => {
    const m = mergeResolutionRange(new ResolutionRange(1000, 10), new ResolutionRange(500, 1))!;
    assert.equal(m.minRes, 1000);
    assert.equal(m.maxRes, 1);
    assert.equal(mergeResolutionRange(new ResolutionRange(1000, 10), undefined), undefined);
  });
});
