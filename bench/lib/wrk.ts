// One bounded load run with wrk (a separate process, HTTP/1.1 keep-alive, loopback only).
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './procs.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'wrk', 'paths.lua');

export interface LoadResult {
  requests: number;
  reqPerSec: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Connection errors, timeouts and non-2xx/3xx answers. */
  errors: number;
  errorDetail: { connect: number; read: number; write: number; status: number; timeout: number };
  bytesPerRequest: number;
}

export interface LoadOptions {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  base: string;
  /** Request paths (with query); written to `listFile`. */
  paths: readonly string[];
  listFile: string;
  mode: 'random' | 'seq';
  seconds: number;
  connections: number;
  threads: number;
  timeoutS: number;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  writeFileSync(o.listFile, o.paths.join('\n') + '\n');
  const threads = Math.min(o.threads, o.connections);
  const { stdout } = await run('wrk', [
    '-t', String(threads), '-c', String(o.connections), '-d', `${o.seconds}s`, '--timeout', `${o.timeoutS}s`,
    '-s', SCRIPT, o.base, '--', o.listFile, o.mode, String(threads),
  ]);
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH_JSON '));
  if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
  const r = JSON.parse(line.slice('BENCH_JSON '.length)) as {
    requests: number; duration_us: number; bytes: number;
    errors: LoadResult['errorDetail']; latency_us: { p50: number; p90: number; p99: number; max: number };
  };
  const e = r.errors;
  return {
    requests: r.requests,
    reqPerSec: r.requests / (r.duration_us / 1e6),
    p50Ms: r.latency_us.p50 / 1000,
    p90Ms: r.latency_us.p90 / 1000,
    p99Ms: r.latency_us.p99 / 1000,
    maxMs: r.latency_us.max / 1000,
    errors: e.connect + e.read + e.write + e.status + e.timeout,
    errorDetail: e,
    bytesPerRequest: r.requests ? r.bytes / r.requests : 0,
  };
}
