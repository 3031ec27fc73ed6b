// The core alone, without HTTP or workers: CPU milliseconds per request for one scenario's request list, from a
// workspace that `bash bench/run.sh --keep-workspace` left behind. For profiling one change at a time:
//
//   node --import tsx bench/in-process.ts <workspace> <scenario> [requests]
//   node --cpu-prof --import tsx bench/in-process.ts /tmp/mapproxy-ts-bench-XXXX wms-256 800
//
// Not a benchmark result: the ratios come from run.ts, which loads the daemon over HTTP beside MapProxy.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { createApp } from '../src/core/app.js';

const [workspace, scenario = 'wms-256', count = '400'] = process.argv.slice(2);
if (!workspace) {
  process.stderr.write('usage: bench/in-process.ts <workspace> <scenario> [requests]\n');
  process.exit(2);
}
const n = Number(count);
const paths = readFileSync(join(workspace, `paths-mapproxy-ts-${scenario}.txt`), 'utf8').trim().split('\n');
const app = await createApp(join(workspace, 'mapproxy.yaml'));

async function one(p: string): Promise<number> {
  const [path = '/', query = ''] = p.split('?');
  const res = await app.handle({ method: 'GET', path, query, headers: { host: 'localhost' } });
  if (res.status !== 200) throw new Error(`${p}: ${res.status} ${String(res.body).slice(0, 300)}`);
  return res.body.length;
}

for (let i = 0; i < Math.min(50, n); i++) await one(paths[i % paths.length]!);
// Garbage collection during the measured requests: pauses of the main thread, by kind.
const gc = { minor: { count: 0, ms: 0 }, major: { count: 0, ms: 0 } };
const observer = new PerformanceObserver((list) => {
  for (const e of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) {
    const kind = e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR ? gc.major : gc.minor;
    kind.count++;
    kind.ms += e.duration;
  }
});
observer.observe({ entryTypes: ['gc'] });
const wall0 = performance.now();
const cpu0 = process.cpuUsage();
let bytes = 0;
for (let i = 0; i < n; i++) bytes += await one(paths[(i * 7 + 100) % paths.length]!);
const wall = performance.now() - wall0;
const cpu = process.cpuUsage(cpu0);
await new Promise((r) => setImmediate(r));
observer.disconnect();
process.stdout.write(
  `${scenario}: ${(wall / n).toFixed(2)} ms wall, ${((cpu.user + cpu.system) / 1000 / n).toFixed(2)} ms CPU per request ` +
    `(${n} requests, ${(bytes / n / 1024).toFixed(1)} KB average answer, RSS ${(process.memoryUsage.rss() / 1e6).toFixed(0)} MB, ` +
    `GC ${gc.minor.count} minor ${gc.minor.ms.toFixed(0)} ms, ${gc.major.count} major ${gc.major.ms.toFixed(0)} ms)\n`,
);
