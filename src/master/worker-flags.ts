/**
 * Node flags of the workers: the master's, plus two V8 heap settings for a process whose big data lives outside
 * the JavaScript heap, each unless the master was started with one of its own.
 *
 * - A young generation of 2 MB semi-spaces: drawing maps allocates many short-lived objects; V8 otherwise grows
 *   the young generation to 3 × 16 MB, which stays resident (about 40 MB per worker) while scavenges of the
 *   smaller one measured no slower.
 * - An old generation that may grow by 20 % (V8 still adds at least a few MB) before the next mark-compact:
 *   buffers of dead images count against that limit, and they are only freed by a mark-compact once they have
 *   outlived the young generation (decoded tiles leaving their cache, answers sent while other maps were drawn).
 *   With V8's own factor (up to 4× for a heap of 20 MB) a worker drawing maps carried up to 60 MB of such garbage;
 *   at 20 % it carries about 15, for a few more mark-compacts of a small heap, most of them marked concurrently.
 */
const WORKER_V8_FLAGS: readonly { name: string; value: string }[] = [
  { name: '--max-semi-space-size', value: '2' },
  { name: '--heap-growing-percent', value: '20' },
];

export function workerExecArgv(masterArgv: readonly string[]): string[] {
  const out = [...masterArgv];
  for (const flag of WORKER_V8_FLAGS) {
    // V8 reads `_` and `-` alike in flag names.
    const chosen = masterArgv.some((a) => {
      const name = a.split('=')[0]!.replace(/_/g, '-');
      return name === flag.name;
    });
    if (!chosen) out.push(`${flag.name}=${flag.value}`);
  }
  return out;
}
