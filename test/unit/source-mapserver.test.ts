import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { splitCgiResponse } from '../../src/core/client/cgi-client.js';
import { getSRS } from '../../src/core/geo/srs.js';
import { mapServerSource } from '../../src/core/source/mapserver-source.js';
import { SourceError, type MapQuery } from '../../src/core/source/source.js';
import { WmsMapRequest } from '../../src/core/source/wms-request.js';

const MAPSERV = '/usr/lib/cgi-bin/mapserv';

// A red square from -10,-10 to 10,10 on white; an inline feature, no external data.
const MAPFILE = `MAP
  NAME "t"
  EXTENT -180 -90 180 90
  SIZE 256 256
  PROJECTION "init=epsg:4326" END
  IMAGECOLOR 255 255 255
  WEB METADATA "wms_title" "t" "wms_srs" "EPSG:4326 EPSG:3857" "wms_enable_request" "*" END END
  LAYER
    NAME "box"
    TYPE POLYGON
    STATUS ON
    PROJECTION "init=epsg:4326" END
    METADATA "wms_title" "box" END
    FEATURE POINTS -10 -10 10 -10 10 10 -10 10 -10 -10 END END
    CLASS STYLE COLOR 255 0 0 END END
  END
END
`;

const query: MapQuery = { bbox: [-20, -20, 20, 20], size: [64, 64], srs: getSRS('EPSG:4326'), format: 'image/png', transparent: false };

test('splitCgiResponse separates headers, status and body', () => {
  const r = splitCgiResponse(Buffer.from('Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\nnope'));
  assert.equal(r.status, 404);
  assert.equal(r.headers['content-type'], 'text/plain');
  assert.equal(r.body.toString(), 'nope');
  const plain = splitCgiResponse(Buffer.from('Content-Type: image/png\n\n\x89PNG', 'latin1'));
  assert.equal(plain.status, 200);
  assert.equal(plain.body.toString('latin1'), '\x89PNG');
});

test('mapserver source renders through the mapserv CGI binary', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpts-ms-'));
  const mapfile = path.join(dir, 'test.map');
  fs.writeFileSync(mapfile, MAPFILE);
  const src = mapServerSource({
    binary: MAPSERV,
    mapfile,
    request: new WmsMapRequest(`mapserver://${MAPSERV}`, { map: mapfile, layers: 'box' }),
  });
  const img = await src.getMap(query);
  assert.ok(img);
  const raw = await img.raw();
  assert.deepEqual([raw.width, raw.height], [64, 64]);
  const px = (x: number, y: number) => [...raw.data.subarray((y * 64 + x) * 4, (y * 64 + x) * 4 + 3)];
  assert.deepEqual(px(32, 32), [255, 0, 0], 'centre: the red square');
  assert.deepEqual(px(2, 2), [255, 255, 255], 'corner: background');
});

test('mapserver errors (unknown layer) become SourceErrors', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpts-ms-'));
  const mapfile = path.join(dir, 'test.map');
  fs.writeFileSync(mapfile, MAPFILE);
  const src = mapServerSource({ binary: MAPSERV, mapfile, request: new WmsMapRequest('mapserver://x', { layers: 'nope' }) });
  await assert.rejects(src.getMap(query), (err: Error) => err instanceof SourceError && /no image returned from source WMS/.test(err.message));
});

test('a failing binary reports its exit code and stderr', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpts-ms-'));
  const script = path.join(dir, 'fake-mapserv');
  fs.writeFileSync(script, '#!/bin/sh\necho "cannot open mapfile" >&2\nexit 3\n', { mode: 0o755 });
  const src = mapServerSource({ binary: script, mapfile: '/nonexistent.map', request: new WmsMapRequest('mapserver://x', { layers: 'a' }) });
  await assert.rejects(src.getMap(query), /Error during CGI call \(exit code: 3\): cannot open mapfile/);
});

test('a hanging binary is killed after the timeout', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpts-ms-'));
  const script = path.join(dir, 'slow-mapserv');
  fs.writeFileSync(script, '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
  const src = mapServerSource({ binary: script, mapfile: '/x.map', timeout: 0.3, request: new WmsMapRequest('mapserver://x', { layers: 'a' }) });
  await assert.rejects(src.getMap(query), /timed out/);
});
