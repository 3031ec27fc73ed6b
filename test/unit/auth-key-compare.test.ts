/**
 * API keys are compared in constant time: whatever is presented (empty, one character, a prefix of a key, a key
 * with one character changed, a megabyte, the key itself), the same work is done — one SHA-256 digest of the
 * presented key and one timingSafeEqual of two 32-byte digests per configured key. Shown by watching the calls,
 * not by measuring time (which a busy machine makes flaky).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { after, before, describe, it } from 'node:test';

const KEYS = ['k3y-0f-the-partner-4f8a9c2e', 'second-key', 'x'];

describe('API key comparison', () => {
  const calls: { hashes: string[]; compares: [number, number][] } = { hashes: [], compares: [] };
  const realEqual = crypto.timingSafeEqual;
  const realHash = crypto.createHash;
  let ApiKeys: typeof import('../../src/core/auth/rules/api-keys.js').ApiKeys;

  before(async () => {
    // replace the builtins before the module under test binds its named imports
    crypto.timingSafeEqual = ((a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      calls.compares.push([a.byteLength, b.byteLength]);
      return realEqual(a, b);
    }) as typeof crypto.timingSafeEqual;
    crypto.createHash = ((alg: string, opts?: crypto.HashOptions) => {
      calls.hashes.push(alg);
      return realHash(alg, opts);
    }) as typeof crypto.createHash;
    syncBuiltinESMExports();
    ({ ApiKeys } = await import('../../src/core/auth/rules/api-keys.js'));
  });
  after(() => {
    crypto.timingSafeEqual = realEqual;
    crypto.createHash = realHash;
    syncBuiltinESMExports();
  });

  it('every presented key, matching or not, costs one digest and one 32-byte comparison per key', () => {
    const keys = new ApiKeys(KEYS);
    const key = KEYS[0]!;
    const presented = ['', 'k', key.slice(0, -1), `${key.slice(0, -1)}X`, `X${key.slice(1)}`, `${key}!`, key, 'x', 'é'.repeat(500_000)];
    const shapes = presented.map((p) => {
      calls.hashes.length = 0;
      calls.compares.length = 0;
      const match = keys.matches(p);
      return { match, hashes: [...calls.hashes], compares: calls.compares.map((c) => c.join('/')) };
    });
    const want = { hashes: ['sha256'], compares: KEYS.map(() => '32/32') };
    for (const [i, s] of shapes.entries()) assert.deepEqual({ hashes: s.hashes, compares: s.compares }, want, `presented #${i}`);
    assert.deepEqual(shapes.map((s) => s.match), [false, false, false, false, false, false, true, true, false]);
  });

  it('a key that matches early in the list does not stop the comparison with the others', () => {
    const keys = new ApiKeys(KEYS);
    calls.compares.length = 0;
    assert.equal(keys.matches(KEYS[0]!), true);
    assert.equal(calls.compares.length, KEYS.length);
  });
});
