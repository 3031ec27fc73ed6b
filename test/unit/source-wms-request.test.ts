import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getSRS } from '../../src/core/geo/srs.js';
import { WmsMapRequest, completeUrl } from '../../src/core/source/wms-request.js';
import { pyQuote } from '../../src/core/source/params.js';

const tile = { bbox: [-20037508.342789244, -20037508.342789244, 0, 0] as const, size: [256, 256] as const, srs: getSRS('EPSG:900913') };

test('1.0.0: WMTVER, request=map and a bare upper-case format', () => {
  const r = new WmsMapRequest('http://h/wms', { layers: 'a', styles: '' }, '1.0.0');
  assert.equal(r.getMap({ ...tile, format: 'image/png' }).url,
    'http://h/wms?layers=a&styles=&request=map&bbox=-20037508.342789244,-20037508.342789244,0.0,0.0' +
    '&width=256&height=256&srs=EPSG%3A900913&format=PNG&wmtver=1.0.0');
});

test('1.1.0 sends its own version', () => {
  const r = new WmsMapRequest('http://h/wms', { layers: 'a' }, '1.1.0');
  assert.match(r.getMap({ ...tile, format: 'png' }).url, /&format=image%2Fpng&request=GetMap&version=1\.1\.0&service=WMS&styles=$/);
});

test('URL joining as complete_url', () => {
  assert.equal(completeUrl('http://h/wms', 'a=1'), 'http://h/wms?a=1');
  assert.equal(completeUrl('http://h/wms?map=x', 'a=1'), 'http://h/wms?map=x&a=1');
  assert.equal(completeUrl('http://h/wms?', 'a=1'), 'http://h/wms?a=1');
});

test('values are quoted like Python quote(safe=",")', () => {
  assert.equal(pyQuote('EPSG:4326'), 'EPSG%3A4326');
  assert.equal(pyQuote('a,b c/d~_.-'), 'a,b%20c%2Fd~_.-');
  assert.equal(pyQuote('ä'), '%C3%A4');
});

test('withLayers keeps everything else', () => {
  const r = new WmsMapRequest('http://h/wms', { layers: 'a', transparent: 'true' }).withLayers(['a', 'b']);
  assert.match(r.getMap({ ...tile, format: 'image/png' }).queryString, /^layers=a,b&transparent=true&bbox=/);
});
