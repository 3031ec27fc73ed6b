/**
 * Node flags of the workers: the master's, plus V8 settings for a process whose big data lives outside the
 * JavaScript heap and in the C allocator, each unless the master was started with one of its own (or its `--no-`).
 *
 * - A young generation of 2 MB semi-spaces: drawing maps allocates many short-lived objects; V8 otherwise grows
 *   the young generation to 3 × 16 MB, which stays resident (about 40 MB per worker) while scavenges of the
 *   smaller one measured no slower.
 * - An old generation that may double (V8 still adds at least a few MB) before the next mark-compact, instead of
 *   growing up to 4x: buffers of dead images count against that limit, and they are only freed by a mark-compact
 *   once they outlived the young generation (decoded tiles leaving their cache, maps that waited for the pool).
 *   Measured with 2 workers on 2 cores (reprojected 512x512 maps): peak RSS 155-165 -> 136-141 MB per worker;
 *   20 % held 128-133 MB but cost 10-40 % more CPU per map in extra mark-compacts, 100 % about 10 % at most
 *   (within the noise of a shared machine). `node --heap-growing-percent=0 …` gives the workers V8's own growth.
 * - WebAssembly compiled by Liftoff only: the only WebAssembly a worker runs is undici's HTTP parser (llhttp),
 *   and V8 recompiling it with TurboFan once it gets hot took some 30 MB of compiler memory, which the C
 *   allocator then kept resident: the first upstream responses of a cold cache left each worker that much fatter.
 *   Liftoff's code parses the few upstream responses of a tile server fast enough (a cold miss costs ms upstream).
 */
const WORKER_V8_FLAGS: readonly DefaultFlag[] = [
  { name: '--max-semi-space-size', value: '2' },
  { name: '--heap-growing-percent', value: '100' },
  { name: '--liftoff-only', value: '' },
];

/** A V8 flag a process gets unless its parent was started with one of its own. */
export interface DefaultFlag {
  readonly name: string;
  /** '' for a boolean flag. */
  readonly value: string;
}

/** Whether `argv` sets `flag` itself (or its `--no-` form); V8 reads `_` and `-` alike in flag names. */
export function chosenFlag(argv: readonly string[], flag: DefaultFlag): boolean {
  return argv.some((a) => {
    const name = a.split('=')[0]!.replace(/_/g, '-');
    return name === flag.name || name === flag.name.replace(/^--/, '--no-');
  });
}

/** The flag as written on a command line (or given to v8.setFlagsFromString). */
export const flagText = (flag: DefaultFlag): string => (flag.value ? `${flag.name}=${flag.value}` : flag.name);

/** `argv` plus each of `flags` it does not choose itself. */
export function withDefaultFlags(argv: readonly string[], flags: readonly DefaultFlag[]): string[] {
  const out = [...argv];
  for (const flag of flags) if (!chosenFlag(argv, flag)) out.push(flagText(flag));
  return out;
}

export function workerExecArgv(masterArgv: readonly string[]): string[] {
  return withDefaultFlags(masterArgv, WORKER_V8_FLAGS);
}
