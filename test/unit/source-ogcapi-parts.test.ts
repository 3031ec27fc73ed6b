import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { getSRS } from '../../src/core/geo/srs.js';
import { crsUriToCode, ogcCrsUri } from '../../src/core/geo/ogc-crs-uri.js';
import { normalizeSrsCode } from '../../src/core/source/ogcapi-crs.js';
import { findHref, resolveHref } from '../../src/core/source/ogcapi-links.js';
import { ogcApiMapUrl, pyG17 } from '../../src/core/source/ogcapi-maps-request.js';
import { tileGridFromTileMatrixSet, UnsupportedTileMatrixSet } from '../../src/core/source/ogcapi-tile-matrix-set.js';

/* The pieces of the OGC API sources on their own: links, CRS URIs, tile matrix sets as grids, map request URLs. */

describe('ogcapi source pieces', () => {
  it("formats bbox numbers as Python's '%.17g' does", () => {
    // the reference from Debian's Python: edge cases, then random numbers of every magnitude
    const script = `
import json, random, sys
random.seed(int(sys.argv[1]))
vals = [0.0, -0.0, 1.0, -180.0, 0.1, 1e-5, 1.5e-4, 1e-4, 123456789012345678.0, 1e17, 9.999999999999999e16,
        -20037508.342789244, 19971868.880408566, 3.0000000000000004, 2.5e-310, 1.7976931348623157e308]
vals += [random.uniform(-1e7, 1e7) for _ in range(200)]
vals += [random.uniform(-1, 1) * 10 ** random.randint(-20, 25) for _ in range(200)]
print(json.dumps([[v, '%.17g' % v] for v in vals]))`;
    const pairs = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, '16'], { encoding: 'utf8' })) as [number, string][];
    const wrong = pairs.filter(([v, s]) => pyG17(v) !== s).map(([v, s]) => `${v}: ${pyG17(v)} != ${s}`);
    assert.deepEqual(wrong, []);
    assert.equal(pyG17(-0), '-0');
  });

  it('reads OGC CRS URIs as MapProxy 7 does, and writes them back', () => {
    assert.equal(crsUriToCode('http://www.opengis.net/def/crs/EPSG/0/3857'), 'EPSG:3857');
    assert.equal(crsUriToCode('http://www.opengis.net/def/crs/OGC/1.3/CRS84'), 'OGC:CRS84');
    assert.equal(crsUriToCode('http://www.opengis.net/def/crs/IAU/2015/30100'), 'IAU_2015:30100');
    assert.equal(crsUriToCode('urn:ogc:def:crs:EPSG::4326'), null);
    assert.equal(crsUriToCode('http://www.opengis.net/def/crs/EPSG/0'), null);
    assert.equal(normalizeSrsCode('OGC:CRS84'), 'EPSG:4326');
    assert.equal(normalizeSrsCode('EPSG:900913'), 'EPSG:3857');
    assert.equal(ogcCrsUri(getSRS('EPSG:25832').code), 'http://www.opengis.net/def/crs/EPSG/0/25832');
    assert.equal(ogcCrsUri(getSRS('CRS:84').code), 'http://www.opengis.net/def/crs/OGC/1.3/CRS84');
  });

  it('finds links by relation and type, CURIEs included, untyped ones as the fallback', () => {
    const links = [
      { rel: 'http://www.opengis.net/def/rel/ogc/1.0/map', href: '/untyped' },
      { rel: '[ogc-rel:map]', type: 'image/jpeg', href: '/jpeg' },
      { rel: 'http://www.opengis.net/def/rel/ogc/1.0/map', type: 'image/png', href: '/png' },
    ];
    assert.equal(findHref(links, 'http://www.opengis.net/def/rel/ogc/1.0/map', 'image/jpeg'), '/jpeg');
    assert.equal(findHref(links, 'http://www.opengis.net/def/rel/ogc/1.0/map', 'image/png'), '/png');
    assert.equal(findHref(links, 'http://www.opengis.net/def/rel/ogc/1.0/map', 'image/webp'), '/untyped');
    assert.equal(findHref(links, 'self', 'application/json'), null);
  });

  it('resolves hrefs on the document URL, keeping credentials and template braces', () => {
    const base = 'http://u:p@example.org:8080/ogc/api/collections/c';
    assert.equal(resolveHref(base, '/ogc/api/tiles/{tileMatrix}/{tileRow}/{tileCol}.png'), 'http://u:p@example.org:8080/ogc/api/tiles/{tileMatrix}/{tileRow}/{tileCol}.png');
    assert.equal(resolveHref(base, 'https://other.org/x?f=json'), 'https://other.org/x?f=json');
    assert.equal(resolveHref(base, 'c/map/tiles/{tileMatrix}.png'), 'http://u:p@example.org:8080/ogc/api/collections/c/map/tiles/{tileMatrix}.png');
  });

  it('turns tile matrix sets into grids: corner, axis order of the CRS URI, resolutions', () => {
    const m = (id: string, cellSize: number, n: number, point: number[], corner = 'topLeft') => ({
      id, cellSize, cornerOfOrigin: corner, pointOfOrigin: point, matrixWidth: 2 * n, matrixHeight: n, tileWidth: 256, tileHeight: 256,
    });
    // CRS84: east first; EPSG:4326: north first; both the same grid
    for (const [crs, point] of [['http://www.opengis.net/def/crs/OGC/1.3/CRS84', [-180, 90]], ['http://www.opengis.net/def/crs/EPSG/0/4326', [90, -180]]] as const) {
      const grid = tileGridFromTileMatrixSet({ id: 'q', crs, tileMatrices: [m('0', 0.703125, 1, [...point]), m('1', 0.3515625, 2, [...point])] });
      assert.equal(grid.srs.code, 'EPSG:4326');
      assert.equal(grid.origin, 'nw');
      assert.deepEqual([...grid.bbox], [-180, -90, 180, 90]);
      assert.deepEqual([...grid.resolutions], [0.703125, 0.3515625]);
      assert.deepEqual(grid.gridSize(1), [4, 2]);
    }
    const sw = tileGridFromTileMatrixSet({ id: 's', crs: 'http://www.opengis.net/def/crs/EPSG/0/3857', tileMatrices: [m('0', 1000, 1, [0, 0], 'bottomLeft')] });
    assert.equal(sw.origin, 'sw');
    assert.deepEqual([...sw.bbox], [0, 0, 512000, 256000]);
  });

  it('refuses tile matrix sets it cannot read as one grid', () => {
    const base = { id: 'x', crs: 'http://www.opengis.net/def/crs/EPSG/0/3857' };
    const tm = { id: '0', cellSize: 10, cornerOfOrigin: 'topLeft', pointOfOrigin: [0, 0], matrixWidth: 1, matrixHeight: 1, tileWidth: 256, tileHeight: 256 };
    const refused = [
      { ...base, crs: 'EPSG:3857', tileMatrices: [tm] },
      // Mars' ellipsoid in orthographic projection: proj4js' orthographic is spherical only
      { ...base, crs: 'http://www.opengis.net/def/crs/IAU/2015/49966', tileMatrices: [tm] },
      { ...base, tileMatrices: [] },
      { ...base, tileMatrices: [tm, { ...tm, id: '1', cellSize: 5, tileWidth: 512 }] },
      { ...base, tileMatrices: [tm, { ...tm, id: '1', cellSize: 5, pointOfOrigin: [1, 0] }] },
      { ...base, tileMatrices: [{ ...tm, variableMatrixWidths: [] }] },
      { ...base, tileMatrices: [{ ...tm, id: 'z0' }] },
      { ...base, tileMatrices: [{ ...tm, cornerOfOrigin: 'bottomRight' }] },
      { ...base, tileMatrices: [{ ...tm, cellSize: -1 }] },
      null,
    ];
    for (const doc of refused) assert.throws(() => tileGridFromTileMatrixSet(doc), UnsupportedTileMatrixSet, JSON.stringify(doc));
  });

  it('writes map requests as MapProxy 7: flipped bbox for north-first CRS, crs left out for CRS84 alone', () => {
    const uris = new Map([['EPSG:4326', 'http://www.opengis.net/def/crs/OGC/1.3/CRS84'], ['EPSG:4258', 'http://www.opengis.net/def/crs/EPSG/0/4258']]);
    const one = { crsUris: uris, severalSrs: false, transparent: false };
    assert.equal(
      ogcApiMapUrl('http://h/map.png', { bbox: [-180, -90, 180, 90], size: [256, 128], srs: getSRS('EPSG:4326') }, one, uris.get('EPSG:4326')!),
      'http://h/map.png?bbox=-180,-90,180,90&width=256&height=128',
    );
    assert.equal(
      ogcApiMapUrl('http://h/map.png?key=1', { bbox: [5, 45, 15, 55], size: [100, 100], srs: getSRS('EPSG:4258') }, { ...one, severalSrs: true, transparent: true, bgcolor: [255, 0, 255, 128] }, uris.get('EPSG:4258')!),
      'http://h/map.png?key=1&bbox=45,5,55,15&bbox-crs=http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FEPSG%2F0%2F4258&crs=http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FEPSG%2F0%2F4258&width=100&height=100&transparent=true&bgcolor=0x80FF00FF',
    );
  });
});
