import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seedWorkerExecArgv } from '../../src/cli/seed/seed-flags.js';

describe('seed worker Node arguments', () => {
  it('passes the command\'s own arguments on and adds Liftoff-only WebAssembly', () => {
    assert.deepEqual(seedWorkerExecArgv(['--cpu-prof', '--max-old-space-size=512'], null), ['--cpu-prof', '--max-old-space-size=512', '--liftoff-only']);
  });

  it('leaves a flag the command was started with (or its --no- form) as it is', () => {
    assert.deepEqual(seedWorkerExecArgv(['--no-liftoff-only'], null), ['--no-liftoff-only']);
    assert.deepEqual(seedWorkerExecArgv(['--liftoff_only'], null), ['--liftoff_only']);
  });

  it('loads tsx in a worker of a command run from the TypeScript sources, once', () => {
    assert.deepEqual(seedWorkerExecArgv([], 'file:///x/node_modules/tsx/dist/esm/index.mjs'), ['--import', 'file:///x/node_modules/tsx/dist/esm/index.mjs', '--liftoff-only']);
    assert.deepEqual(seedWorkerExecArgv(['--import', 'tsx'], 'file:///x/node_modules/tsx/dist/esm/index.mjs'), ['--import', 'tsx', '--liftoff-only']);
  });
});
