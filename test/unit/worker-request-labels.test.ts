import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CoreRequest } from '../../src/core/http.js';
import { LayerNames, requestLabels } from '../../src/worker/request-labels.js';

const req = (path: string, query = ''): CoreRequest => ({ method: 'GET', path, query, headers: {} });
const known = new LayerNames(() => new Set(['osm', 'roads']));

describe('request labels for metrics', () => {
  it('labels WMS, WMTS and TMS requests by service and layer', () => {
    assert.deepEqual(requestLabels(req('/service', 'SERVICE=WMS&REQUEST=GetMap&LAYERS=osm'), known), { service: 'wms', layer: 'osm' });
    assert.deepEqual(requestLabels(req('/service', 'service=wmts&layer=roads'), known), { service: 'wmts', layer: 'roads' });
    assert.deepEqual(requestLabels(req('/tms/1.0.0/osm_EPSG3857/1/0/0.png'), known), { service: 'tms', layer: 'osm' });
    assert.deepEqual(requestLabels(req('/tms/1.0.0/osm/EPSG3857/1/0/0.png'), known), { service: 'tms', layer: 'osm' });
    assert.deepEqual(requestLabels(req('/wmts/roads/GLOBAL_WEBMERCATOR/1/0/0.png'), known), { service: 'wmts', layer: 'roads' });
    assert.deepEqual(requestLabels(req('/wms', 'LAYERS=osm,roads'), known), { service: 'wms', layer: 'multiple' });
    assert.deepEqual(requestLabels(req('/'), known), { service: 'root', layer: 'none' });
  });

  it('keeps label values bounded: unknown layers and paths become other', () => {
    assert.deepEqual(requestLabels(req('/service', 'LAYERS=evil' + Math.random()), known), { service: 'wms', layer: 'other' });
    assert.deepEqual(requestLabels(req('/wp-admin/setup.php'), known), { service: 'other', layer: 'none' });
    const open = new LayerNames(() => null, 2);
    assert.equal(open.label('a'), 'a');
    assert.equal(open.label('b'), 'b');
    assert.equal(open.label('c'), 'other');
    assert.equal(open.label('a'), 'a');
  });
});
