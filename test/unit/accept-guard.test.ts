import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AcceptGuard } from '../../src/worker/adapters/accept-guard.js';

/** A guard over a fake process: `fds` open descriptors, a soft limit of `limit`, reads of the limit counted. */
function fakeGuard(maxConnections = 10_000) {
  const state = { fds: 20, limit: 1_000_000, limitReads: 0, paused: 0 };
  const guard = new AcceptGuard({
    maxConnections,
    pause: () => state.paused++,
    resume: () => state.paused--,
    log: { warn: () => {} },
    openFds: () => state.fds,
    fdLimit: () => {
      state.limitReads++;
      return state.limit;
    },
  });
  return { guard, state };
}

test('a steady worker does not read its open-files limit at every look', () => {
  const { guard, state } = fakeGuard();
  for (let i = 0; i < 100; i++) {
    state.fds = 20 + (i % 5);
    guard.check();
  }
  assert.equal(state.limitReads, 1);
});

test('a limit lowered from outside is seen as the descriptors grow, before they reach it', () => {
  const { guard, state } = fakeGuard();
  guard.check();
  // prlimit --nofile=1024 on the running worker, then a flood of 20 connections per look
  state.limit = 1024;
  while (!guard.paused && state.fds < 1024) {
    state.fds += 20;
    guard.check();
  }
  assert.ok(guard.paused, 'stopped taking connections');
  // the reserve below the limit: max(32, 1024 / 16)
  assert.ok(state.fds <= 1024 - 64 + 20, `paused at ${state.fds} descriptors`);
});
