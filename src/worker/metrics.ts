import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { kernelsInfo } from '../core/native/kernels.js';
import type { CoreMetrics } from '../core/metrics.js';
import { registerBuildInfo } from './build-info.js';
import { registerProcessGauges } from './process-gauges.js';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * One worker's metrics in its own prom-client registry (no global registry: the master aggregates the
 * registries of all workers). Label values are configured names (caches, sources, layers) or small fixed sets.
 */
export class WorkerMetrics implements CoreMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'service' | 'layer' | 'status'>;
  private readonly requestDuration: Histogram<'service' | 'layer'>;
  private readonly workerRequests: Counter<'slot'>;
  private readonly cacheLookups: Counter<'cache' | 'result'>;
  private readonly tiles: Counter<'cache'>;
  private readonly lockWaits: Histogram<'cache'>;
  private readonly cacheWriteErrors: Counter<'cache' | 'code'>;
  private readonly upstreamRequests: Counter<'source' | 'status'>;
  private readonly upstreamErrors: Counter<'source'>;
  private readonly upstreamDuration: Histogram<'source'>;
  private readonly accessDenials: Counter<'reason' | 'status'>;

  /** `inCluster`: the master aggregates this registry with the others and reports the daemon's start time itself. */
  constructor(private readonly slot: number, opts: { defaultMetrics?: boolean; inCluster?: boolean } = {}) {
    const registers = [this.registry];
    if (opts.defaultMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry });
      // Gauges named like counters, which `promtool check metrics` rejects; nodejs_active_handles and
      // friends (by type) carry the same numbers.
      for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
        this.registry.removeSingleMetric(name);
      }
      // prom-client marks it 'omit' for aggregation, which would drop the master's too: the master reports it.
      if (opts.inCluster) this.registry.removeSingleMetric('process_start_time_seconds');
    }
    registerProcessGauges(this.registry, String(slot));
    registerBuildInfo(Gauge, registers);
    // Which pixel kernels draw the maps (there is no JavaScript fallback; the SIMD variant depends on the CPU).
    const kernels = kernelsInfo();
    new Gauge({
      name: 'mapproxy_pixel_kernels_info',
      help: 'The pixel kernel implementation in use and the SIMD variant this CPU runs (value 1).',
      labelNames: ['implementation', 'simd'],
      aggregator: 'max',
      registers,
    }).set({ implementation: kernels.implementation, simd: kernels.simd }, 1);
    this.requests = new Counter({
      name: 'mapproxy_http_requests_total',
      help: 'HTTP requests answered, by service, layer and status code.',
      labelNames: ['service', 'layer', 'status'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'mapproxy_http_request_duration_seconds',
      help: 'Time from receiving a request to having its answer, by service and layer.',
      labelNames: ['service', 'layer'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.workerRequests = new Counter({
      name: 'mapproxy_worker_http_requests_total',
      help: 'HTTP requests answered per worker slot (shows how connections spread over the workers).',
      labelNames: ['slot'],
      registers,
    });
    this.cacheLookups = new Counter({
      name: 'mapproxy_cache_lookups_total',
      help: 'Tiles looked up in a cache; result is hit, or miss for missing or stale tiles.',
      labelNames: ['cache', 'result'],
      registers,
    });
    this.tiles = new Counter({
      name: 'mapproxy_tiles_created_total',
      help: 'Tiles created from the sources, per cache.',
      labelNames: ['cache'],
      registers,
    });
    this.lockWaits = new Histogram({
      name: 'mapproxy_lock_wait_seconds',
      help: "Time spent waiting for another request's creation of the same (meta) tile.",
      labelNames: ['cache'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.cacheWriteErrors = new Counter({
      name: 'mapproxy_cache_write_errors_total',
      help: 'Tiles or tile lock files that could not be written (full disk, read-only mount), by cache and errno code; the tiles were served from the source.',
      labelNames: ['cache', 'code'],
      registers,
    });
    this.upstreamRequests = new Counter({
      name: 'mapproxy_upstream_requests_total',
      help: 'Requests to upstream sources, by source and HTTP status (none when no answer came).',
      labelNames: ['source', 'status'],
      registers,
    });
    this.upstreamErrors = new Counter({
      name: 'mapproxy_upstream_errors_total',
      help: 'Upstream requests that failed (network errors, timeouts, error status, unusable answers).',
      labelNames: ['source'],
      registers,
    });
    this.upstreamDuration = new Histogram({
      name: 'mapproxy_upstream_request_duration_seconds',
      help: 'Duration of upstream requests, by source.',
      labelNames: ['source'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.accessDenials = new Counter({
      name: 'mapproxy_access_denied_total',
      help: 'Requests refused by authorization, by reason (a fixed set: no_credentials, bad_key, token_expired, network, layer, ...) and status (401 or 403).',
      labelNames: ['reason', 'status'],
      registers,
    });
  }

  httpRequest(service: string, layer: string, status: number, seconds: number): void {
    this.requests.inc({ service, layer, status: String(status) });
    this.requestDuration.observe({ service, layer }, seconds);
    this.workerRequests.inc({ slot: String(this.slot) });
  }

  cacheLookup(cache: string, hit: boolean): void {
    this.cacheLookups.inc({ cache, result: hit ? 'hit' : 'miss' });
  }

  tilesCreated(cache: string, count: number): void {
    this.tiles.inc({ cache }, count);
  }

  lockWait(cache: string, seconds: number): void {
    this.lockWaits.observe({ cache }, seconds);
  }

  cacheWriteError(cache: string, code: string): void {
    this.cacheWriteErrors.inc({ cache, code });
  }

  upstreamRequest(source: string, seconds: number, status: number | undefined, error: boolean): void {
    this.upstreamRequests.inc({ source, status: status === undefined ? 'none' : String(status) });
    this.upstreamDuration.observe({ source }, seconds);
    if (error) this.upstreamErrors.inc({ source });
  }

  accessDenied(reason: string, status: 401 | 403): void {
    this.accessDenials.inc({ reason, status: String(status) });
  }
}
