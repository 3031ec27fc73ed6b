/**
 * How `-c N` becomes processes. mapproxy-seed's N is N worker processes, each with one meta tile at a time; ours is N
 * slots of ITEMS_PER_SLOT meta tiles in hand (while one waits for the upstream, the other is decoded, quantized and
 * written), the upstream seeing up to 2N requests. The image work runs on each process's thread pool, so one
 * process serves SLOTS_PER_PROCESS slots: its JavaScript thread has time to spare for them, and each process saved
 * is its start-up, its runtime and the messages to it. Measured on the bench's seeding (2 cores, MapServer on the
 * same machine), `-c 2` in one process took the same time as in two and 17 % less CPU (7.4–8.4 s against 9.0–10.0 s).
 */
export const ITEMS_PER_SLOT = 2;
export const SLOTS_PER_PROCESS = 2;

export interface SeedProcesses {
  /** Meta tiles the command itself keeps in hand. */
  readonly localCapacity: number;
  /** Worker processes beside the command (0: the command seeds alone). */
  readonly workers: number;
  /** Meta tiles the workers keep in hand together. */
  readonly workerCapacity: number;
}

/** The processes for `slots` (-c N): the command takes the first SLOTS_PER_PROCESS, each worker as many after it. */
export function seedProcesses(slots: number): SeedProcesses {
  const n = Number.isFinite(slots) && slots >= 1 ? Math.floor(slots) : 1;
  const local = Math.min(n, SLOTS_PER_PROCESS);
  return {
    localCapacity: local * ITEMS_PER_SLOT,
    workers: Math.ceil((n - local) / SLOTS_PER_PROCESS),
    workerCapacity: (n - local) * ITEMS_PER_SLOT,
  };
}
