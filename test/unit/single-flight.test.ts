// In-process single flight: callers of one key share one task; with `until`, the flight outlasts the task's value
// (a creation that hands out its first tiles before it is done), and a failed flight is over before its callers
// go on, so a retry starts a new one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SingleFlight } from '../../src/core/tiles/single-flight.js';

describe('single flight', () => {
  it('shares one running task between the callers of a key', async () => {
    const flights = new SingleFlight();
    let runs = 0;
    const task = async () => ++runs;
    const [a, b] = await Promise.all([flights.run('k', task), flights.run('k', task)]);
    assert.deepEqual([a, b, runs], [1, 1, 1]);
    assert.equal(flights.isRunning('k'), false);
    assert.equal(await flights.run('k', task), 2, 'a new flight once the first is over');
  });

  it('with until, lasts until that settles: callers in between get the same value', async () => {
    const flights = new SingleFlight();
    let finish = () => {};
    const done = new Promise<void>((resolve) => (finish = resolve));
    let runs = 0;
    const value = await flights.run('k', async () => ({ run: ++runs, done }), (v) => v.done);
    assert.ok(flights.isRunning('k'), 'still running after its value');
    assert.equal(await flights.run('k', async () => ({ run: ++runs, done })), value);
    finish();
    await done;
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(flights.isRunning('k'), false);
    assert.equal(runs, 1);
  });

  it('a failed flight is over before its callers go on', async () => {
    const flights = new SingleFlight();
    await assert.rejects(flights.run('k', async () => Promise.reject(new Error('down'))), /down/);
    assert.equal(flights.isRunning('k'), false);
    assert.equal(await flights.run('k', async () => 'up'), 'up');
  });
});
