import { Gauge, type Registry } from 'prom-client';

/**
 * Memory of one process under a `worker` label ('master', or the worker's slot). prom-client's process_* and
 * nodejs_* metrics are summed over the workers by the aggregation, which hides the one worker that grows;
 * these keep a series per process. Read at scrape time.
 */
export function registerProcessGauges(registry: Registry, worker: string): void {
  const registers = [registry];
  new Gauge({
    name: 'mapproxy_process_resident_memory_bytes',
    help: 'Resident memory of each daemon process (worker: master or the worker slot).',
    labelNames: ['worker'],
    registers,
    collect() {
      this.set({ worker }, process.memoryUsage.rss());
    },
  });
  new Gauge({
    name: 'mapproxy_process_heap_used_bytes',
    help: 'JavaScript heap in use in each daemon process (worker: master or the worker slot).',
    labelNames: ['worker'],
    registers,
    collect() {
      this.set({ worker }, process.memoryUsage().heapUsed);
    },
  });
}
