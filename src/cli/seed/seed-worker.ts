// A seed worker process: builds the runtime once (with seed_only sources) and creates the tiles of the work
// items the parent sends. Ctrl-C is the parent's business: it stops handing out work and lets running items
// finish, so the worker ignores SIGINT and exits when the parent goes away.
import { CacheWriteError } from '../../core/cache/cache-write-error.js';
import { loadConfig } from '../../core/config/load-config.js';
import { InProcessExecutor } from '../../core/seed/executor.js';
import { buildSeedRuntime, type SeedRuntime } from '../../core/seed/seed-runtime.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

process.on('SIGINT', () => {});
process.on('disconnect', () => process.exit(0));

const send = (msg: FromWorker): void => {
  if (process.connected) process.send!(msg);
};

let runtime: SeedRuntime | null = null;
let executor: InProcessExecutor | null = null;

process.on('message', (msg: ToWorker) => {
  void handle(msg).catch((err: Error) => send({ t: 'fatal', message: err.message }));
});

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.t) {
    case 'init': {
      const loaded = loadConfig(msg.configFile);
      runtime = buildSeedRuntime(loaded);
      executor = new InProcessExecutor(runtime);
      send({ t: 'ready' });
      return;
    }
    case 'prepare':
      await executor!.prepare(msg.units);
      send({ t: 'prepared' });
      return;
    case 'run':
      try {
        const created = await executor!.run(msg.item);
        send({ t: 'result', id: msg.id, created });
      } catch (err) {
        const cacheWrite = err instanceof CacheWriteError ? err.code : undefined;
        send({ t: 'error', id: msg.id, message: errorMessage(err), cacheWrite });
      }
      return;
  }
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
