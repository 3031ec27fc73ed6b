// globals.srs.proj_data_dir: datum grids are read from that directory only (MapProxy sets PROJ's data path to it).
// This file runs in its own process, so the process-wide setting and the CRS cache start empty here.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/core/config/index.js';
import { projDataDirs, useProjDataDir } from '../../src/core/geo/datum-grids.js';
import { datumOperationsFor } from '../../src/core/geo/datum-operations.js';
import { buildRuntime } from '../../src/core/runtime/runtime.js';
import { MINIMAL, writeConfigDir } from './config-helpers.js';

describe('globals.srs.proj_data_dir', () => {
  after(() => useProjDataDir(undefined));

  it('reads grids from the configured directory (relative to the configuration) and nowhere else', async () => {
    const dir = writeConfigDir({ 'mapproxy.yaml': `globals:\n  srs:\n    proj_data_dir: ./grids\n${MINIMAL}` });
    mkdirSync(join(dir, 'grids'));
    const runtime = await buildRuntime(loadConfig(join(dir, 'mapproxy.yaml')));
    try {
      assert.deepEqual(projDataDirs().map((d) => resolve(d)), [join(dir, 'grids')]);
      // Debian's /usr/share/proj holds BETA2007.gsb, but the configured directory does not: no grid operation
      const ops = datumOperationsFor(31467)!;
      assert.ok(ops.length > 0);
      assert.ok(ops.every((op) => !op.needsGrids));
      // a directory with the grid in it offers the grid operation again
      mkdirSync(join(dir, 'with-beta'));
      symlinkSync('/usr/share/proj/BETA2007.gsb', join(dir, 'with-beta', 'BETA2007.gsb'));
      useProjDataDir(join(dir, 'with-beta'));
      assert.ok(datumOperationsFor(31467)!.some((op) => op.needsGrids));
    } finally {
      await runtime.close();
    }
  });

  it('leaves the default directories without it', () => {
    useProjDataDir(undefined);
    assert.ok(projDataDirs().includes('/usr/share/proj'));
    assert.ok(datumOperationsFor(31467)!.some((op) => op.needsGrids));
  });
});
