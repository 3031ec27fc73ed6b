// URLs compared the way side-by-side tests need: equal text, except that numbers may differ in their last bits.
import assert from 'node:assert/strict';

/**
 * Asserts that the URLs are equal up to the last bits of transformed coordinates: our transformations and PROJ's
 * may differ by 1e-15 relative (nanometres), which shows in a bbox written with all its digits.
 */
export function assertSameUrls(ours: readonly string[], theirs: readonly string[], message = 'URLs'): void {
  const NUMBER = /-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/g;
  const shape = (u: string) => u.replace(NUMBER, '#');
  assert.deepEqual(ours.map(shape), theirs.map(shape), message);
  ours.forEach((u, i) => {
    const a = u.match(NUMBER)?.map(Number) ?? [];
    const b = theirs[i]!.match(NUMBER)?.map(Number) ?? [];
    a.forEach((x, j) => assert.ok(Math.abs(x - b[j]!) <= 1e-12 * Math.max(1, Math.abs(x)), `${message}: ${u} vs ${theirs[i]}`));
  });
}
