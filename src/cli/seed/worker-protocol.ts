import type { SeedUnitSpec, SeedWorkItem } from '../../core/seed/executor.js';

/** Messages from the seeding parent to a worker process. */
export type ToWorker =
  | { t: 'init'; configFile: string }
  | { t: 'prepare'; units: readonly SeedUnitSpec[] }
  | { t: 'run'; id: number; item: SeedWorkItem };

/** Messages from a worker process to the parent. */
export type FromWorker =
  | { t: 'ready' }
  | { t: 'prepared' }
  | { t: 'result'; id: number; created: number }
  | { t: 'error'; id: number; message: string; /** set when tiles could not be stored: the errno */ cacheWrite?: string }
  | { t: 'fatal'; message: string };
