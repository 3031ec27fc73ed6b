// Memory over time at full length: test/support/soak.ts's mixed load (tiles, WMS, reprojection, cold misses,
// capabilities) against the 2-worker daemon for 20 minutes (or --minutes N), with each worker's RSS sampled
// every 10 s. Writes bench/results/soak.md and soak.json: the curve, and whether it levels off after warm-up.
//
//   node --import tsx bench/soak.ts [--minutes 20] [--clients 8]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { peakRss, soak } from '../test/support/soak.js';

const { values: args } = parseArgs({ options: { minutes: { type: 'string', default: '20' }, clients: { type: 'string', default: '8' } } });
const minutes = Number(args.minutes);
const dir = mkdtempSync(join(tmpdir(), 'mapproxy-ts-soak-'));
try {
  const r = await soak({ durationS: minutes * 60, clients: Number(args.clients), sampleEveryS: 10, dir });
  const warm = peakRss(r, 0, 0.25);
  const middle = peakRss(r, 0.25, 0.625);
  const last = peakRss(r, 0.625, 1);
  const md = [
    `# Soak: ${minutes} minutes of mixed load against 2 workers`, '',
    `${new Date().toISOString()}: ${r.requests} requests (${Object.entries(r.counts).map(([k, v]) => `${k} ${v}`).join(', ')}), ` +
      `${r.failures.length} failed, ${r.workerRestarts} worker restarts.`, '',
    `Peak RSS per worker: warm-up (first quarter) ${warm.toFixed(0)} MB, middle ${middle.toFixed(0)} MB, last ${last.toFixed(0)} MB ` +
      `(${last <= middle * 1.05 + 5 ? 'levels off' : '**still growing**'}).`, '',
    '| minute | ' + (r.samples[0]?.rssMb.map((_, i) => `worker ${i} RSS MB`).join(' | ') ?? '') + ' |',
    '|---:|' + (r.samples[0]?.rssMb.map(() => '---:').join('|') ?? '') + '|',
    ...r.samples.filter((_, i) => i % 6 === 0).map((s) => `| ${(s.t / 60).toFixed(1)} | ${s.rssMb.map((v) => v.toFixed(0)).join(' | ')} |`),
    '', ...(r.failures.length ? ['Failures (first 20):', '', ...r.failures.slice(0, 20).map((f) => `- ${f}`), ''] : []),
  ].join('\n');
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'soak.md'), md);
  writeFileSync(join(out, 'soak.json'), JSON.stringify({ minutes, ...r }, null, 2) + '\n');
  process.stdout.write(md);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
