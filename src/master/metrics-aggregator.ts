import type { Worker } from 'node:cluster';
import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';

type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;
import { isMessage, type MasterToWorker, type WorkerToMaster } from './messages.js';
import { registerBuildInfo } from '../worker/build-info.js';
import { registerProcessGauges } from '../worker/process-gauges.js';
import type { MasterCounts } from './master-counts.js';

/**
 * The master's metrics and the aggregate over all workers. Unlike AggregatorRegistry.clusterMetrics(), which
 * rejects everything when one worker does not answer within 5 s, this waits a bounded time and aggregates the
 * workers that did answer, reporting how many did not; it never throws into the master.
 */
export class ClusterMetrics {
  readonly registry = new Registry();
  private readonly unanswered: Gauge;
  private nextId = 1;
  private readonly pending = new Map<number, { left: number; results: MetricsJson[]; done: () => void }>();

  /** `counts`: the master's own, kept since its start (the metrics are made on the first scrape). */
  constructor(counts: MasterCounts, private readonly timeoutMs = 2_000) {
    const registers = [this.registry];
    new Counter({
      name: 'mapproxy_worker_restarts_total',
      help: 'Workers that died and were replaced, by reason (exit or signal).',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        this.inc({ reason: 'exit' }, counts.restarts.exit);
        if (counts.restarts.signal > 0) this.inc({ reason: 'signal' }, counts.restarts.signal);
      },
    });
    new Counter({
      name: 'mapproxy_config_reloads_total',
      help: 'Configuration reloads (SIGHUP), by result (success or failure).',
      labelNames: ['result'],
      registers,
      collect() {
        this.reset();
        this.inc({ result: 'success' }, counts.reloads.success);
        this.inc({ result: 'failure' }, counts.reloads.failure);
      },
    });
    new Gauge({
      name: 'mapproxy_workers',
      help: 'Worker processes serving now.',
      registers,
      collect() {
        this.set(counts.workers);
      },
    });
    this.unanswered = new Gauge({
      name: 'mapproxy_metrics_workers_unanswered',
      help: 'Workers whose metrics are missing from this scrape because they did not answer in time.',
      registers,
    });
    // The daemon's start: the master's, which outlives every worker (prom-client's own is per process and omitted
    // from aggregates); per-process memory under worker="master"; the build, as the workers report it.
    new Gauge({
      name: 'process_start_time_seconds',
      help: 'Start time of the daemon (its master process) since the Unix epoch, in seconds.',
      aggregator: 'max',
      registers,
    }).set(Math.round(Date.now() / 1000 - process.uptime()));
    registerProcessGauges(this.registry, 'master');
    registerBuildInfo(Gauge, registers);
  }

  /** Feed every worker message here (cluster 'message'). */
  onWorkerMessage(msg: unknown): void {
    if (!isMessage<WorkerToMaster>(msg) || msg.type !== 'mapproxy:metrics-json') return;
    const p = this.pending.get(msg.id);
    if (!p) return; // late answer of a scrape that already finished
    p.results.push(msg.metrics as MetricsJson);
    if (--p.left === 0) p.done();
  }

  /** The Prometheus text over all `workers` and the master's own metrics. */
  async text(workers: readonly Worker[]): Promise<string> {
    const id = this.nextId++;
    const results: MetricsJson[] = [];
    let asked = 0;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(finish, this.timeoutMs);
      function finish() {
        clearTimeout(timer);
        resolve();
      }
      this.pending.set(id, { left: 0, results, done: finish });
      for (const w of workers) {
        if (!w.isConnected()) continue;
        try {
          w.send({ type: 'mapproxy:collect', id } satisfies MasterToWorker, undefined, () => {});
          asked++;
        } catch {
          // the channel closed between isConnected() and send(): this worker is going away
        }
      }
      this.pending.get(id)!.left = asked;
      if (asked === 0) finish();
    });
    this.pending.delete(id);
    this.unanswered.set(asked - results.length);
    const all = [...results, (await this.registry.getMetricsAsJSON()) as MetricsJson];
    return AggregatorRegistry.aggregate(all).metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
