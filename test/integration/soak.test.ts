// Memory over time, shortened (bench/soak.ts runs the same load for twenty minutes): a mixed load of tiles, WMS
// maps, reprojected maps, cold misses and capabilities against 2 workers. No request fails, no worker restarts,
// and after the warm-up the workers' RSS levels off instead of growing.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { tempDir } from '../support/configs.js';
import { peakRss, soak } from '../support/soak.js';

describe('soak: mixed load against 2 workers', () => {
  it('answers every request and its workers stop growing after the warm-up', async (t) => {
    const dir = tempDir();
    try {
      const r = await soak({ durationS: 90, clients: 6, sampleEveryS: 1, dir });
      const curve = r.samples.filter((_, i) => i % 10 === 0).map((s) => `${s.t.toFixed(0)}s ${s.rssMb.map((v) => v.toFixed(0)).join('/')}`);
      const why = `RSS per worker (MB): ${curve.join(', ')}; counts ${JSON.stringify(r.counts)}`;
      t.diagnostic(why);
      assert.deepEqual(r.failures.slice(0, 5), [], why);
      assert.equal(r.workerRestarts, 0);
      assert.ok(r.requests > 100, `only ${r.requests} requests in the run`);
      for (const kind of ['tile', 'wms 3857', 'wms 4326', 'capabilities']) assert.ok((r.counts[kind] ?? 0) > 0, `no ${kind} requests`);
      // Levelling off: the last third's peak stays within 10 % (and 15 MB) of the middle third's. A leak of a
      // few kB per request (a decoded image kept, a listener per request) grows past this within the run.
      const middle = peakRss(r, 1 / 3, 2 / 3);
      const last = peakRss(r, 2 / 3, 1);
      assert.ok(last <= middle * 1.1 + 15, `RSS grew after the warm-up: middle third peak ${middle.toFixed(0)} MB, last ${last.toFixed(0)} MB; ${why}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
