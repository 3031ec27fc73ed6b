import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { workerExecArgv } from '../../src/master/worker-flags.js';

describe('worker node flags', () => {
  it('add a small young generation and a slowly growing old generation to the master flags', () => {
    assert.deepEqual(workerExecArgv(['--import', 'tsx']), [
      '--import', 'tsx', '--max-semi-space-size=2', '--heap-growing-percent=100', '--liftoff-only',
    ]);
  });

  it('keep a young generation size the user chose', () => {
    assert.deepEqual(workerExecArgv(['--max-semi-space-size=8']), ['--max-semi-space-size=8', '--heap-growing-percent=100', '--liftoff-only']);
    assert.deepEqual(workerExecArgv(['--max_semi_space_size', '8']), ['--max_semi_space_size', '8', '--heap-growing-percent=100', '--liftoff-only']);
  });

  it('keep a heap growth the user chose', () => {
    assert.deepEqual(workerExecArgv(['--heap-growing-percent=50']), ['--heap-growing-percent=50', '--max-semi-space-size=2', '--liftoff-only']);
  });

  it('let WebAssembly tier up when the user said so', () => {
    assert.deepEqual(workerExecArgv(['--no-liftoff-only']), ['--no-liftoff-only', '--max-semi-space-size=2', '--heap-growing-percent=100']);
  });

  it('do not mistake a longer flag for one of theirs', () => {
    assert.ok(workerExecArgv(['--max-semi-space-size-x=1']).includes('--max-semi-space-size=2'));
  });
});
