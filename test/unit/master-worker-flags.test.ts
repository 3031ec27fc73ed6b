import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { workerExecArgv } from '../../src/master/worker-flags.js';

describe('worker node flags', () => {
  it('add a small young generation to the master flags', () => {
    assert.deepEqual(workerExecArgv(['--import', 'tsx']), ['--import', 'tsx', '--max-semi-space-size=2']);
  });

  it('keep a young generation size the user chose', () => {
    assert.deepEqual(workerExecArgv(['--max-semi-space-size=8']), ['--max-semi-space-size=8']);
  });
});
