/**
 * Node flags of the workers: the master's, plus a young generation of 2 MB semi-spaces unless one was chosen.
 * Drawing maps allocates many short-lived objects; V8 otherwise grows the young generation to 3 × 16 MB, which
 * stays resident (about 40 MB per worker) while scavenges of the smaller one measured no slower.
 */
export function workerExecArgv(masterArgv: readonly string[]): string[] {
  const chosen = masterArgv.some((a) => a.startsWith('--max-semi-space-size'));
  return chosen ? [...masterArgv] : [...masterArgv, '--max-semi-space-size=2'];
}
