import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CacheWriteError } from '../../core/cache/cache-write-error.js';
import type { SeedExecutor, SeedUnitSpec, SeedWorkItem } from '../../core/seed/executor.js';
import { seedWorkerExecArgv } from './seed-flags.js';
import { ITEMS_PER_SLOT } from './seed-processes.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

/** An error a worker reported for a work item (the upstream's or the cache's), as a plain message. */
export class SeedItemError extends Error {
  override readonly name = 'SeedItemError';
}

interface Worker {
  proc: ChildProcess;
  inFlight: number;
  alive: boolean;
}

interface Pending {
  worker: Worker;
  resolve: (created: number) => void;
  reject: (err: Error) => void;
}

/**
 * Seeds in `size` worker processes (the same entry under tsx during development, compiled JS otherwise), each
 * with its own runtime: tile encoding and splitting use every core. Items go to the least busy worker.
 */
export class ProcessPoolExecutor implements SeedExecutor {
  readonly capacity: number;
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private units: readonly SeedUnitSpec[] = [];

  private constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** `size` workers with `capacity` meta tiles in hand together (default: one slot's each). */
  static async start(configFile: string, size: number, capacity = size * ITEMS_PER_SLOT): Promise<ProcessPoolExecutor> {
    const pool = new ProcessPoolExecutor(capacity);
    try {
      await Promise.all(Array.from({ length: size }, () => pool.spawn(configFile)));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  private spawn(configFile: string): Promise<void> {
    const isTs = import.meta.url.endsWith('.ts');
    const entry = fileURLToPath(new URL(`./seed-worker.${isTs ? 'ts' : 'js'}`, import.meta.url));
    const proc = fork(entry, [], {
      // tsx resolved from here, not from the working directory the user runs the command in
      execArgv: seedWorkerExecArgv(process.execArgv, isTs ? import.meta.resolve('tsx') : null),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const worker: Worker = { proc, inFlight: 0, alive: true };
    this.workers.push(worker);
    return new Promise((resolve, reject) => {
      let started = false;
      proc.on('message', (msg: FromWorker) => {
        if (msg.t === 'ready') {
          started = true;
          resolve();
        } else if (msg.t === 'fatal') {
          if (!started) reject(new Error(`seed worker failed to start: ${msg.message}`));
          else this.lose(worker, `seed worker failed: ${msg.message}`);
        } else this.onMessage(worker, msg);
      });
      proc.on('exit', (code, signal) => {
        const why = `seed worker ${proc.pid} exited (${signal ?? code})`;
        if (!started) reject(new Error(why));
        this.lose(worker, why);
      });
      proc.on('error', (err) => {
        if (!started) reject(err);
      });
      this.post(worker, { t: 'init', configFile });
    });
  }

  private post(worker: Worker, msg: ToWorker): void {
    if (worker.alive && worker.proc.connected) worker.proc.send(msg);
  }

  private onMessage(worker: Worker, msg: FromWorker): void {
    if (msg.t !== 'result' && msg.t !== 'error') return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    worker.inFlight--;
    if (msg.t === 'result') p.resolve(msg.created);
    // a storage failure stays one across the process boundary, so the seeder stops instead of retrying
    else if (msg.cacheWrite) p.reject(new CacheWriteError(msg.message, { cause: Object.assign(new Error(msg.message), { code: msg.cacheWrite }) }));
    else p.reject(new SeedItemError(msg.message));
  }

  /** A worker died: its items fail (the seeder retries them elsewhere). */
  private lose(worker: Worker, why: string): void {
    if (!worker.alive) return;
    worker.alive = false;
    for (const [id, p] of this.pending) {
      if (p.worker !== worker) continue;
      this.pending.delete(id);
      p.reject(new Error(why));
    }
  }

  async prepare(units: readonly SeedUnitSpec[]): Promise<void> {
    this.units = units;
    await Promise.all(
      this.workers.filter((w) => w.alive).map(
        (w) =>
          new Promise<void>((resolve) => {
            const onMsg = (msg: FromWorker) => {
              if (msg.t === 'prepared' || msg.t === 'fatal') {
                w.proc.off('message', onMsg);
                resolve();
              }
            };
            w.proc.on('message', onMsg);
            w.proc.once('exit', () => resolve());
            this.post(w, { t: 'prepare', units: this.units });
          }),
      ),
    );
  }

  /** Items handed to the workers and not finished. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Some worker can still take items. */
  get alive(): boolean {
    return this.workers.some((w) => w.alive);
  }

  run(item: SeedWorkItem): Promise<number> {
    const alive = this.workers.filter((w) => w.alive);
    if (!alive.length) return Promise.reject(new Error('no seed workers left'));
    const worker = alive.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    const id = this.nextId++;
    worker.inFlight++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { worker, resolve, reject });
      this.post(worker, { t: 'run', id, item });
    });
  }

  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.proc.exitCode !== null || w.proc.signalCode !== null) return resolve();
            const timer = setTimeout(() => w.proc.kill('SIGKILL'), 5000);
            w.proc.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            if (w.proc.connected) w.proc.disconnect();
            else w.proc.kill('SIGTERM');
          }),
      ),
    );
  }
}
