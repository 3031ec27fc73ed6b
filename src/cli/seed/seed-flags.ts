import { setFlagsFromString } from 'node:v8';
import { chosenFlag, flagText, withDefaultFlags, type DefaultFlag } from '../../master/worker-flags.js';

/**
 * V8 flags of the seed processes (the command and its workers), each unless the command was started with one of
 * its own (or its `--no-`). A seed shares the machine with its upstream, so its CPU is seeding time.
 *
 * - WebAssembly compiled by Liftoff only: the only WebAssembly a seed runs is undici's HTTP parser, and V8
 *   recompiling it with TurboFan on its background threads took ~0.7 s of CPU per 1150 meta tiles (perf of the
 *   bench's seed, 2 processes), for upstream responses of ~20 KB that Liftoff's code parses as fast. The daemon's
 *   workers run with it too (src/master/worker-flags.ts). It can be set while the process runs, before the first
 *   upstream request compiles the parser, so the seed command (started by the user, not by us) sets it on itself.
 */
export const SEED_V8_FLAGS: readonly DefaultFlag[] = [{ name: '--liftoff-only', value: '' }];

/** Sets the seed flags on this process, unless its own Node arguments choose them. */
export function useSeedFlags(execArgv: readonly string[] = process.execArgv): void {
  for (const flag of SEED_V8_FLAGS) if (!chosenFlag(execArgv, flag)) setFlagsFromString(flagText(flag));
}

/**
 * Node arguments of a seed worker: the command's own, as fork passes them by default (so `node --cpu-prof …` or a
 * heap limit reaches the workers too), tsx's loader when running from the TypeScript sources and the command was
 * not started through it (`tsxLoader`), and the seed flags.
 */
export function seedWorkerExecArgv(parentArgv: readonly string[], tsxLoader: string | null): string[] {
  const argv = [...parentArgv];
  if (tsxLoader && !argv.some((a) => a.includes('tsx'))) argv.push('--import', tsxLoader);
  return withDefaultFlags(argv, SEED_V8_FLAGS);
}
