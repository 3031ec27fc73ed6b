// How a layer turns what a request says about its dimensions into the values that select tiles and go upstream
// (MapProxy's checked_dimensions), and how a WMS layer's source sees them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DimensionMapLayer, wmsDimensionParams } from '../../src/core/layer/dimension-map-layer.js';
import { DimensionValueError, LayerDimensions } from '../../src/core/layer/layer-dimensions.js';
import { solidLayer } from './service-fakes.js';
import { getSRS } from '../../src/core/geo/srs.js';
import type { MapQuery } from '../../src/core/source/source.js';

const dims = new LayerDimensions([
  { name: 'Time', values: ['t1', 't2', 'default'], default: 't2' },
  { name: 'elevation', values: ['0', '100'], default: '0' },
  { name: 'band', values: ['red', 'green'], default: 'red' },
]);

describe('LayerDimensions.resolve', () => {
  const resolve = (req: Record<string, string>) => dims.resolve((k) => req[k]);
  it('takes declared values, defaults for nothing, empty or "default", and lower-cases names', () => {
    assert.deepEqual(resolve({ time: 't1', elevation: '100', band: 'green' }), { time: 't1', elevation: '100', band: 'green' });
    assert.deepEqual(resolve({}), { time: 't2', elevation: '0', band: 'red' });
    assert.deepEqual(resolve({ elevation: '', band: 'default' }), { time: 't2', elevation: '0', band: 'red' });
    // a value list that holds 'default' itself keeps it (MapProxy tests membership first)
    assert.deepEqual(resolve({ time: 'default' }).time, 'default');
  });
  it('refuses anything else, naming dimension and value as MapProxy does', () => {
    assert.throws(() => resolve({ elevation: '50' }), (e: unknown) => e instanceof DimensionValueError && e.message === 'invalid dimension value (elevation=50).');
    assert.throws(() => resolve({ time: 'T1' }), DimensionValueError);
  });
});

describe('DimensionMapLayer', () => {
  const query = (dimensions?: Record<string, string>): MapQuery => ({
    bbox: [0, 0, 10, 10], size: [4, 4], srs: getSRS('EPSG:4326'), format: 'image/png', transparent: false, ...(dimensions ? { dimensions } : {}),
  });
  it('names WMS parameters as the specification: TIME, ELEVATION, DIM_<name> (and a dim_ name as it is)', () => {
    assert.deepEqual(wmsDimensionParams('time'), ['time']);
    assert.deepEqual(wmsDimensionParams('band'), ['dim_band']);
    assert.deepEqual(wmsDimensionParams('dim_reference_time'), ['dim_reference_time', 'dim_dim_reference_time']);
  });
  it('gives a cache the declared dimensions only', async () => {
    const inner = solidLayer([1, 2, 3]);
    const layer = new DimensionMapLayer(inner, dims, true);
    await layer.getMap(query({ TIME: 't1', DIM_BAND: 'green', DIM_OTHER: 'x', cql_filter: 'y' }));
    assert.deepEqual(inner.queries[0]!.dimensions, { time: 't1', elevation: '0', band: 'green' });
    const plain = solidLayer([1, 2, 3]);
    await new DimensionMapLayer(plain, undefined, true).getMap(query({ TIME: 'anything' }));
    assert.equal(plain.queries[0]!.dimensions, undefined);
  });
  it('gives a direct source the declared dimensions and passes the other parameters on', async () => {
    const inner = solidLayer([1, 2, 3]);
    await new DimensionMapLayer(inner, dims, false, ['cql_filter']).getMap(query({ TIME: 't1', DIM_OTHER: 'x' }));
    assert.deepEqual(inner.queries[0]!.dimensions, { DIM_OTHER: 'x', time: 't1', elevation: '0', band: 'red' });
  });
  it('refuses an undeclared value before its source is asked', async () => {
    const inner = solidLayer([1, 2, 3]);
    const layer = new DimensionMapLayer(inner, dims, true);
    assert.throws(() => layer.check({ ELEVATION: '7' }), DimensionValueError);
    await assert.rejects(layer.getMap(query({ ELEVATION: '7' })), DimensionValueError);
    assert.equal(inner.queries.length, 0);
  });
});
