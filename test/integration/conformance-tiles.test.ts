// Conformance sweep, tile services and OWS dispatch: TMS (/tms, /tiles), WMTS (KVP and REST), KML and
// the errors of the /service dispatcher, compared with MapProxy 1.15 request by request (status,
// Content-Type, caching and CORS headers, XML structure, decoded tiles).
//
// Deliberate differences (each asserted below with the behaviour we follow):
// - A freshly created tile: 1.15 sends a constant ETag (md5 of "NoneNone") and no Last-Modified; 7.0 (and we) use
//   the creation time. Once the tile is cached both send ETag = md5(str(mtime) + str(size)) and Last-Modified.
// - SERVICE missing (and neither WMTVER=1.0.0 nor REQUEST=GetMap): 1.15 serves WMS; 7.0 (and we) answer an OWS
//   MissingParameterValue report, HTTP 400.
// - An unknown SERVICE: 1.15 crashes ("internal error", 500); 7.0 (and we) answer InvalidParameterValue, 400.
// - WMTS KVP TILEMATRIX that is not a number: 1.15 crashes ("internal error", 500); we answer InvalidParameterValue, 400.
// - Client mistakes are never a 500 here: WMTS KVP missing parameters are MissingParameterValue, an unknown
//   REQUEST InvalidParameterValue, a REST path that fits no template an ExceptionReport — all HTTP 400 (1.15 and
//   7.0: 500, a plain "internal error" for the REST path).
// - KML documents declare encoding="UTF-8" in the XML declaration; the documents are otherwise equal.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { compareImages } from '../support/images.js';
import { tcTilePath } from '../support/configs.js';
import { validateXml } from '../support/xml-schema.js';
import { exceptionCode, mediaType, numbersDiffer, parseXml, startSweep, type Answer, type Sweep } from './conformance-support.js';

async function assertSameTile(path: string, a: Answer, b: Answer) {
  assert.equal(b.status, 200, `reference failed for ${path}: ${b.text.slice(0, 300)}`);
  assert.equal(a.status, 200, `${path}: ${a.text.slice(0, 300)}`);
  assert.equal(a.headers['content-type'], b.headers['content-type'], `${path}: Content-Type`);
  for (const h of ['cache-control', 'access-control-allow-origin', 'vary', 'pragma', 'expires']) {
    assert.equal(a.headers[h], b.headers[h], `${path}: ${h}`);
  }
  const cmp = await compareImages(a.body, b.body, { tolerance: 24, maxDiffFraction: 0.01 });
  assert.ok(cmp.sameSize && cmp.equal, `${path}: ${cmp.differingPixels} pixels differ (max delta ${cmp.maxDelta})`);
}

/** Same status, Content-Type, no-cache headers and body (error documents and plain texts). */
function assertSameError(path: string, a: Answer, b: Answer) {
  assert.equal(a.status, b.status, `${path}: status; ours: ${a.text}`);
  assert.equal(a.headers['content-type'], b.headers['content-type'], `${path}: Content-Type`);
  for (const h of ['cache-control', 'access-control-allow-origin', 'pragma', 'expires']) {
    assert.equal(a.headers[h], b.headers[h], `${path}: ${h}`);
  }
  if (mediaType(a).includes('xml')) assert.equal(exceptionCode(a), exceptionCode(b), path);
  assert.equal(a.text.trim(), b.text.trim(), path);
}

/** MapProxy's tile ETag, computed by Python from the cache file. */
function pythonEtag(file: string): string {
  return execFileSync('/usr/bin/python3', ['-c',
    'import os,sys,hashlib; p=sys.argv[1]; print(hashlib.md5((str(os.stat(p).st_mtime)+str(os.stat(p).st_size)).encode()).hexdigest())',
    file]).toString().trim();
}

const numbers = (s: unknown) => String(s).trim().split(/\s+/).map(Number);

describe('conformance with MapProxy 1.15: tile services', () => {
  let s: Sweep;
  before(async () => { s = await startSweep(); });
  after(async () => { await s?.stop(); });

  describe('TMS documents', () => {
    for (const path of ['/tms', '/tms/', '/tms/1.0.0', '/tms/1.0.0/']) {
      it(`${path} lists the same services/tile maps`, async () => {
        const { a, b } = await s.both(path);
        assert.equal(a.status, 200);
        assert.equal(a.headers['content-type'], b.headers['content-type']);
        assert.equal(a.headers.vary, b.headers.vary);
        assert.deepEqual(parseXml(a), parseXml(b));
      });
    }

    for (const grid of ['GLOBAL_WEBMERCATOR', 'GLOBAL_GEODETIC']) {
      it(`TileMap areas_cached/${grid}: origin, formats, bbox, tile sets and units per pixel`, async () => {
        const { a, b } = await s.both(`/tms/1.0.0/areas_cached/${grid}`);
        assert.equal(a.status, 200);
        assert.equal(a.headers['content-type'], b.headers['content-type']);
        const ta = parseXml(a).TileMap[0];
        const tb = parseXml(b).TileMap[0];
        for (const k of ['@version', '@tilemapservice', 'Title', 'Abstract', 'SRS', 'TileFormat']) assert.deepEqual(ta[k], tb[k], k);
        for (const k of ['@minx', '@miny', '@maxx', '@maxy']) assert.ok(numbersDiffer([Number(ta.BoundingBox[0][k])], [Number(tb.BoundingBox[0][k])]) === '', k);
        assert.deepEqual(ta.Origin, tb.Origin);
        assert.equal(ta.TileSets['@profile'], tb.TileSets['@profile']);
        const sets = (t: any) => (t.TileSets.TileSet as any[]).map((x) => [x['@href'], Number(x['@units-per-pixel']), x['@order']]);
        const sa = sets(ta);
        const sb = sets(tb);
        assert.equal(sa.length, sb.length);
        sa.forEach((x, i) => {
          assert.equal(x[0], sb[i]![0]);
          assert.equal(x[2], sb[i]![2]);
          assert.ok(numbersDiffer([x[1] as number], [sb[i]![1] as number], 1e-12) === '', `units-per-pixel ${i}`);
        });
      });
    }

    it('a layer without a grid spec that has no default grid: same 404', async () => {
      const { a, b } = await s.both('/tms/1.0.0/areas_jpeg');
      assertSameError('/tms/1.0.0/areas_jpeg', a, b);
    });
  });

  describe('TMS and /tiles tiles', () => {
    const tiles = [
      '/tms/1.0.0/areas_cached/GLOBAL_WEBMERCATOR/0/0/0.png',
      '/tms/1.0.0/areas_cached/GLOBAL_WEBMERCATOR/1/1/1.png',
      '/tms/1.0.0/areas_cached/GLOBAL_WEBMERCATOR/3/4/5.png',
      '/tms/1.0.0/areas_cached/GLOBAL_GEODETIC/1/2/1.png',
      '/tms/1.0.0/areas_jpeg/GLOBAL_WEBMERCATOR/2/1/2.jpeg',
      '/tiles/areas_cached/GLOBAL_WEBMERCATOR/1/0/1.png',
      '/tiles/areas_cached/GLOBAL_WEBMERCATOR/1/0/0.png?origin=nw',
      '/tiles/1.0.0/areas_cached/GLOBAL_WEBMERCATOR/2/1/0.png?origin=nw',
    ];
    it('serves the same tiles and headers; ETag/Last-Modified once cached', async () => {
      for (const path of tiles) {
        const first = await s.both(path);
        await assertSameTile(path, first.a, first.b);
        // first answers (tile just created): we always send ETag and Last-Modified (7.0); 1.15 omits Last-Modified
        assert.ok(first.a.headers.etag && first.a.headers['last-modified'], path);
        const again = await s.both(path);
        await assertSameTile(path, again.a, again.b);
        for (const h of ['etag', 'last-modified']) assert.equal(h in again.a.headers, h in again.b.headers, `${path}: ${h}`);
        assert.match(again.a.headers.etag!, /^[0-9a-f]{32}$/);
      }
    });

    it('/tiles?origin=nw addresses the same tile as the flipped /tiles row', async () => {
      const nw = await s.fetchOurs('/tiles/areas_cached/GLOBAL_WEBMERCATOR/2/1/0.png?origin=nw');
      const sw = await s.fetchOurs('/tiles/areas_cached/GLOBAL_WEBMERCATOR/2/1/3.png');
      assert.equal(nw.status, 200);
      assert.ok(nw.body.equals(sw.body));
    });

    // The timestamp must be Python's st_mtime (sec + nsec * 1e-9 in doubles) to the last digit: mtimeMs / 1000
    // rounds differently, and the ETag would not be MapProxy's for the same file.
    it('the ETag is md5(str(mtime) + str(size)) of the cache file, as MapProxy computes it', async () => {
      const path = '/tiles/areas_cached/GLOBAL_WEBMERCATOR/1/1/1.png';
      await s.fetchOurs(path);
      const a = await s.fetchOurs(path);
      assert.equal(a.headers.etag, pythonEtag(tcTilePath(s.ourCacheDir, 'areas_cache', 'EPSG3857', 1, 1, 1, 'png')));
      const b = await s.fetchRef(path);
      assert.equal(b.headers.etag, pythonEtag(tcTilePath(s.refCacheDir, 'areas_cache', 'EPSG3857', 1, 1, 1, 'png')));
    });

    it('answers 304 to If-None-Match and If-Modified-Since like 1.15', async () => {
      for (const path of ['/tms/1.0.0/areas_cached/GLOBAL_WEBMERCATOR/1/0/0.png', '/wmts/areas_cached/GLOBAL_WEBMERCATOR/01/0/0.png']) {
        await s.both(path);
        const { a, b } = await s.both(path);
        const lmA = Date.parse(a.headers['last-modified']!);
        const lmB = Date.parse(b.headers['last-modified']!);
        const day = 86400_000;
        const answers = [
          await Promise.all([s.fetchOurs(path, { 'If-None-Match': a.headers.etag! }), s.fetchRef(path, { 'If-None-Match': b.headers.etag! })]),
          await Promise.all([s.fetchOurs(path, { 'If-Modified-Since': new Date(lmA + day).toUTCString() }),
            s.fetchRef(path, { 'If-Modified-Since': new Date(lmB + day).toUTCString() })]),
          await Promise.all([s.fetchOurs(path, { 'If-None-Match': '"other"' }), s.fetchRef(path, { 'If-None-Match': '"other"' })]),
          await Promise.all([s.fetchOurs(path, { 'If-Modified-Since': 'Thu, 01 Jan 2004 00:00:00 GMT' }),
            s.fetchRef(path, { 'If-Modified-Since': 'Thu, 01 Jan 2004 00:00:00 GMT' })]),
          // MapProxy compares the float mtime with the whole seconds of the header: its own Last-Modified
          // only matches when the mtime has no fraction. Whatever 1.15 answers, we answer the same.
          await Promise.all([s.fetchOurs(path, { 'If-Modified-Since': a.headers['last-modified']! }),
            s.fetchRef(path, { 'If-Modified-Since': b.headers['last-modified']! })]),
        ];
        const expected = [304, 304, 200, 200, undefined];
        answers.forEach(([ca, cb], i) => {
          if (expected[i] !== undefined) assert.equal(cb.status, expected[i], `reference ${path} #${i}`);
          assert.equal(ca.status, cb.status, `${path} #${i}`);
          assert.equal(ca.body.length === 0, cb.body.length === 0, `${path} #${i}: body`);
          assert.equal('content-type' in ca.headers, 'content-type' in cb.headers, `${path} #${i}: Content-Type`);
          assert.equal(ca.headers['cache-control'], cb.headers['cache-control'], `${path} #${i}: Cache-Control`);
          assert.equal('etag' in ca.headers, 'etag' in cb.headers, `${path} #${i}: ETag`);
        });
      }
    });

    const errors = [
      '/tms/1.0.0/areas_cached/GLOBAL_WEBMERCATOR/1/4/0.png',   // out of range
      '/tms/1.0.0/areas_cached/GLOBAL_WEBMERCATOR/-1/0/0.png',  // negative level
      '/tms/1.0.0/areas_cached/GLOBAL_WEBMERCATOR/0/0/0.jpeg',  // wrong extension
      '/tms/1.0.0/areas_jpeg/GLOBAL_WEBMERCATOR/0/0/0.jpg',     // jpg is not jpeg
      '/tms/1.0.0/nope/GLOBAL_WEBMERCATOR/0/0/0.png',           // unknown layer
      '/tms/1.0.0/areas_cached/EPSG3857/0/0/0.png',             // SRS spec with use_grid_names
      '/tiles/areas_cached/GLOBAL_WEBMERCATOR/1/5/0.png',       // out of range
      '/tiles/areas_cached/GLOBAL_WEBMERCATOR/1/0/0.gif',       // wrong extension
      '/tiles/nope/GLOBAL_WEBMERCATOR/0/0/0.png',
    ];
    for (const path of errors) {
      it(`same error for ${path}`, async () => {
        const { a, b } = await s.both(path);
        assertSameError(path, a, b);
      });
    }
  });

  describe('WMTS', () => {
    const kvp = '/service?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=areas_cached&STYLE=&TILEMATRIXSET=GLOBAL_WEBMERCATOR&FORMAT=image/png';

    it('KVP GetTile and the REST URL of the same tile give identical bytes, equal to 1.15', async () => {
      for (const [z, row, col] of [[2, 1, 2], [3, 2, 5]]) {
        const rest = `/wmts/areas_cached/GLOBAL_WEBMERCATOR/${String(z).padStart(2, '0')}/${col}/${row}.png`;
        const k = `${kvp}&TILEMATRIX=${String(z).padStart(2, '0')}&TILEROW=${row}&TILECOL=${col}`;
        const k1 = `${kvp}&TILEMATRIX=${z}&TILEROW=${row}&TILECOL=${col}`;
        const r = await s.both(rest);
        await assertSameTile(rest, r.a, r.b);
        const viaKvp = await s.both(k);
        await assertSameTile(k, viaKvp.a, viaKvp.b);
        assert.ok(viaKvp.a.body.equals(r.a.body), 'KVP and REST bytes');
        assert.ok((await s.fetchOurs(k1)).body.equals(r.a.body), 'TILEMATRIX without leading zero');
        // once cached, both name the tile by the same ETag (the first REST answer carried the creation time)
        assert.equal(viaKvp.a.headers.etag, (await s.fetchOurs(rest)).headers.etag);
      }
    });

    for (const path of ['/wmts/1.0.0/WMTSCapabilities.xml', '/service?SERVICE=WMTS&REQUEST=GetCapabilities']) {
      it(`capabilities ${path}: layers, formats, resource URLs and tile matrices`, async () => {
        const { a, b } = await s.both(path);
        assert.equal(a.status, 200);
        assert.equal(a.headers['content-type'], b.headers['content-type']);
        assert.equal(a.headers.vary, b.headers.vary);
        const ca = parseXml(a).Capabilities;
        const cb = parseXml(b).Capabilities;
        assert.deepEqual(ca.OperationsMetadata, cb.OperationsMetadata);
        assert.deepEqual(ca.ServiceIdentification, cb.ServiceIdentification);
        const layers = (c: any) => (c.Contents.Layer as any[]).map((l) => ({
          id: l.Identifier, title: l.Title, formats: l.Format, links: l.TileMatrixSetLink, urls: l.ResourceURL, style: l.Style,
          wgs84: [...numbers(l.WGS84BoundingBox.LowerCorner), ...numbers(l.WGS84BoundingBox.UpperCorner)],
        }));
        const la = layers(ca);
        const lb = layers(cb);
        assert.deepEqual(la.map((l) => l.id), lb.map((l) => l.id));
        la.forEach((l, i) => {
          const { wgs84, ...rest } = l;
          const { wgs84: wgs84b, ...restb } = lb[i]!;
          assert.deepEqual(rest, restb, l.id);
          assert.equal(numbersDiffer(wgs84, wgs84b), '', `${l.id} WGS84BoundingBox`);
        });
        const sets = (c: any) => (c.Contents.TileMatrixSet as any[]).map((t) => ({
          id: t.Identifier, crs: t.SupportedCRS,
          matrices: (t.TileMatrix as any[]).map((m) => ({
            id: m.Identifier, scale: Number(m.ScaleDenominator), topLeft: numbers(m.TopLeftCorner),
            size: [m.TileWidth, m.TileHeight, m.MatrixWidth, m.MatrixHeight].map(Number),
          })),
        }));
        const sa = sets(ca);
        const sb = sets(cb);
        assert.deepEqual(sa.map((t) => [t.id, t.crs, t.matrices.length]), sb.map((t) => [t.id, t.crs, t.matrices.length]));
        sa.forEach((t, i) => t.matrices.forEach((m, j) => {
          const mb = sb[i]!.matrices[j]!;
          assert.equal(m.id, mb.id);
          assert.deepEqual(m.size, mb.size, `${t.id}/${m.id} tile and matrix sizes`);
          assert.equal(numbersDiffer([m.scale], [mb.scale], 1e-12), '', `${t.id}/${m.id} scale denominator`);
          assert.equal(numbersDiffer(m.topLeft, mb.topLeft, 1e-12), '', `${t.id}/${m.id} top-left corner`);
        }));
        const v = await validateXml(a.body, 'wmts-1.0-capabilities');
        assert.ok(v.valid, v.errors.join('\n'));
      });
    }

    const errors = [
      `${kvp}&TILEMATRIX=99&TILEROW=1&TILECOL=2`,   // unknown tile matrix
      `${kvp}&TILEMATRIX=-1&TILEROW=1&TILECOL=2`,
      `${kvp}&TILEMATRIX=02&TILEROW=9&TILECOL=2`,   // out of range
      '/service?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=areas_cached&STYLE=&TILEMATRIXSET=nope&FORMAT=image/png&TILEMATRIX=02&TILEROW=1&TILECOL=2',
      '/service?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=areas_cached&STYLE=&TILEMATRIXSET=GLOBAL_WEBMERCATOR&FORMAT=image/jpeg&TILEMATRIX=02&TILEROW=1&TILECOL=2',
      '/wmts/areas_cached/GLOBAL_WEBMERCATOR/99/2/1.png',
      '/wmts/areas_cached/GLOBAL_WEBMERCATOR/02/2/1.jpeg',
      '/wmts/areas_cached/GLOBAL_GEODETIC/02/2/1.png',      // grid not compatible with WMTS
    ];
    for (const path of errors) {
      it(`same error for ${path.replace(/^.*LAYER=/, '…LAYER=')}`, async () => {
        const { a, b } = await s.both(path);
        assertSameError(path, a, b);
      });
    }

    it('unknown WMTS request: an ExceptionReport as 1.15, but InvalidParameterValue and 400 (1.15: 500)', async () => {
      const { a, b } = await s.both('/service?SERVICE=WMTS&REQUEST=Foo');
      assert.equal(b.status, 500);
      assert.equal(a.status, 400);
      assert.equal(a.headers['content-type'], b.headers['content-type']);
      assert.equal(exceptionCode(a), 'InvalidParameterValue@');
      // 1.15 names the request type 'None' here (it reads a parameter it never set); we name it
      assert.match(a.text, /unknown WMTS request type/);
    });

    for (const [path, code] of [
      [`${kvp}&TILEROW=1&TILECOL=2`, 'MissingParameterValue@'],
      ['/wmts/areas_cached/GLOBAL_WEBMERCATOR/abc/2/1.png', 'InvalidParameterValue@'],
    ] as const) {
      it(`client mistake ${path.replace(/^.*LAYER=/, '…LAYER=')}: ${code.slice(0, -1)}, 400 (1.15: 500)`, async () => {
        const { a, b } = await s.both(path);
        assert.equal(b.status, 500);
        assert.equal(a.status, 400);
        assert.equal(exceptionCode(a), code);
        assert.ok((await validateXml(a.body, 'ows-1.1-exception')).valid);
      });
    }

    it('a TILEMATRIX that is not a number is an InvalidParameterValue (1.15: internal error)', async () => {
      const a = await s.fetchOurs(`${kvp}&TILEMATRIX=abc&TILEROW=1&TILECOL=2`);
      assert.equal(a.status, 400);
      assert.equal(exceptionCode(a), 'InvalidParameterValue@');
      assert.ok((await validateXml(a.body, 'ows-1.1-exception')).valid);
    });
  });

  describe('KML', () => {
    for (const path of ['/kml/areas_cached/GLOBAL_WEBMERCATOR', '/kml/areas_cached/GLOBAL_WEBMERCATOR/0/0/0.kml',
      '/kml/areas_cached/GLOBAL_WEBMERCATOR/1/1/0.kml', '/kml/areas_cached/GLOBAL_GEODETIC/2/3/1.kml']) {
      it(`${path}: same document`, async () => {
        const { a, b } = await s.both(path);
        assert.equal(b.status, 200);
        assert.equal(a.status, 200);
        assert.equal(a.headers['content-type'], b.headers['content-type']);
        assert.equal(a.headers['cache-control'], b.headers['cache-control']);
        assert.equal('etag' in a.headers, 'etag' in b.headers);
        // our XML declaration adds encoding="UTF-8"; everything else must be equal
        const [da, db] = [parseXml(a), parseXml(b)];
        delete da['?xml'];
        delete db['?xml'];
        assert.deepEqual(da, db);
      });
    }

    it('a KML tile image equals 1.15\'s', async () => {
      const path = '/kml/areas_cached/GLOBAL_WEBMERCATOR/1/1/1.png';
      const { a, b } = await s.both(path);
      await assertSameTile(path, a, b);
    });
  });

  describe('OWS dispatch errors', () => {
    it('unknown SERVICE: InvalidParameterValue, HTTP 400 (7.0; 1.15 answers "internal error")', async () => {
      const a = await s.fetchOurs('/service?SERVICE=FOO&REQUEST=GetCapabilities');
      assert.equal(a.status, 400);
      assert.equal(exceptionCode(a), 'InvalidParameterValue@service');
      assert.ok((await validateXml(a.body, 'ows-1.1-exception')).valid);
    });

    for (const path of ['/service?REQUEST=GetCapabilities', '/service', '/ows?VERSION=1.1.1']) {
      it(`missing SERVICE (${path}): MissingParameterValue, HTTP 400 (7.0; 1.15 serves WMS)`, async () => {
        const a = await s.fetchOurs(path);
        assert.equal(a.status, 400);
        assert.equal(exceptionCode(a), 'MissingParameterValue@service');
        assert.equal(a.headers['access-control-allow-origin'], '*');
      });
    }

    it('missing SERVICE with WMTVER=1.0.0 or REQUEST=GetMap is WMS, as in 1.15', async () => {
      for (const path of ['/service?WMTVER=1.0.0&REQUEST=capabilities', '/service?REQUEST=GetMap']) {
        const { a, b } = await s.both(path);
        assert.equal(mediaType(a), mediaType(b), path);
        assert.equal(Object.keys(parseXml(a))[1], Object.keys(parseXml(b))[1], path);
      }
    });

    it('an unknown path: same 404 text', async () => {
      const { a, b } = await s.both('/nothere');
      assert.equal(a.status, 404);
      assert.equal(a.text, b.text);
      assert.equal(mediaType(a), mediaType(b));
    });
  });
});
