// Ratios, targets and the Markdown/JSON written to bench/results/.
import type { Scenario } from './scenarios.js';
import type { SeedResult } from './seeding.js';
import type { TargetName } from './targets.js';
import type { LoadResult } from './wrk.js';
import type { HotFunction } from './profile.js';

export interface Measurement {
  target: TargetName;
  workers: number;
  scenario: string;
  load: LoadResult;
  /** VmHWM of each worker process during this scenario, MB. */
  peakRssMb: number[];
  /** 'ok' or what the pre-flight request found wrong (the figure is then not comparable). */
  check: string;
}

export interface BenchResults {
  date: string;
  mode: 'quick' | 'full';
  machine: Record<string, string | number>;
  settings: { workers: number; seconds: number; warmupSeconds: number; connections: number; threads: number };
  scenarios: { id: string; title: string; group: string; connections: number }[];
  seeding?: { area: string; concurrency: number; ours?: SeedResult; mapproxy?: SeedResult; upstream?: SeedResult; errors: string[] };
  measurements: Measurement[];
  /** The same scenarios with one worker (mapproxy-ts only). */
  scaling: Measurement[];
  ratios: Ratio[];
  targets: TargetCheck[];
  profile?: { scenario: string; byArea: { area: string; selfPct: number }[]; functions: HotFunction[] };
  /** mapproxy-ts: cached TMS tiles from one client, alone and while WMS maps are drawn on every other connection. */
  tilesUnderWms?: { wmsScenario: string; alone: LoadResult; underLoad: LoadResult; wms: LoadResult };
  errors: string[];
}

export interface Ratio { scenario: string; vs: TargetName | 'one-worker'; ours: number; other: number; ratio: number }
export interface TargetCheck {
  what: string; goal: string; value: string; met: boolean | null;
  /** For ratio targets: the scenario and how far this run got towards the goal (value ÷ goal, < 1 when missed). */
  scenario?: string; attainment?: number;
}

const fmt = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

function find(ms: Measurement[], target: TargetName, scenario: string): Measurement | undefined {
  return ms.find((m) => m.target === target && m.scenario === scenario && m.check === 'ok');
}

export function computeRatios(r: Pick<BenchResults, 'measurements' | 'scaling'>, scenarios: readonly Scenario[]): Ratio[] {
  const out: Ratio[] = [];
  for (const s of scenarios) {
    const ours = find(r.measurements, 'mapproxy-ts', s.id);
    if (!ours) continue;
    for (const vs of ['mapproxy', 'mapcache', 'ceiling'] as const) {
      const other = find(r.measurements, vs, s.id);
      if (other && other.load.reqPerSec > 0) {
        out.push({ scenario: s.id, vs, ours: ours.load.reqPerSec, other: other.load.reqPerSec, ratio: ours.load.reqPerSec / other.load.reqPerSec });
      }
    }
    const one = find(r.scaling, 'mapproxy-ts', s.id);
    if (one && one.load.reqPerSec > 0) {
      out.push({ scenario: s.id, vs: 'one-worker', ours: ours.load.reqPerSec, other: one.load.reqPerSec, ratio: ours.load.reqPerSec / one.load.reqPerSec });
    }
  }
  return out;
}

/** The issue's targets for this 2-core machine, each checked against this run's figures. */
export function checkTargets(r: BenchResults, scenarios: readonly Scenario[]): TargetCheck[] {
  const out: TargetCheck[] = [];
  const ratio = (scenario: string, vs: Ratio['vs']) => r.ratios.find((x) => x.scenario === scenario && x.vs === vs)?.ratio;
  const goal = (group: string, vs: Ratio['vs'], min: number) => {
    for (const s of scenarios.filter((x) => x.group === group)) {
      const v = ratio(s.id, vs);
      out.push({
        what: `${s.id} vs ${vs}`, goal: `≥ ${min}×`, value: v === undefined ? 'n/a' : `${fmt(v, 2)}×`, met: v === undefined ? null : v >= min,
        scenario: s.id, ...(v === undefined ? {} : { attainment: v / min }),
      });
    }
  };
  // The native-kernel issue's targets (bicubic resampling and paletted PNG, MapProxy's defaults).
  goal('cached-tiles', 'ceiling', 0.9);
  goal('wms-cache', 'mapcache', 2);
  goal('wms-reprojected', 'mapproxy', 4);
  goal('cold-miss', 'mapproxy', 1.5);
  const sd = r.seeding;
  if (sd?.ours && sd.mapproxy) {
    const v = sd.ours.tilesPerSec / sd.mapproxy.tilesPerSec;
    out.push({ what: 'seeding tiles/s vs mapproxy', goal: '≥ 2×', value: `${fmt(v, 2)}×`, met: v >= 2 });
  } else out.push({ what: 'seeding tiles/s vs mapproxy', goal: '≥ 2×', value: 'n/a', met: null });
  // On one machine the seeder and MapServer share the cores. No seeder beats the upstream alone (the same requests
  // with no seeder), and none takes less than the upstream's and its own CPU together spread over every core:
  // this bounds the ratio to mapproxy-seed here, whatever the seeder does.
  const cores = Number(r.machine.cores);
  if (sd?.ours?.cpuSeconds !== undefined && sd.ours.upstreamCpuSeconds !== undefined && sd.mapproxy && sd.upstream && cores > 0) {
    const floor = (sd.ours.upstreamCpuSeconds + sd.ours.cpuSeconds) / cores;
    out.push({
      what: 'seeding: best ratio this machine allows (mapproxy-seed s ÷ upstream alone s; ÷ ((upstream + our CPU s) ÷ cores))', goal: 'reported',
      value: `${fmt(sd.mapproxy.seconds / sd.upstream.seconds, 2)}× for any seeder, ${fmt(sd.mapproxy.seconds / floor, 2)}× with our CPU`, met: null,
    });
  }
  if (sd?.ours?.cpuSeconds && sd.mapproxy?.cpuSeconds) {
    out.push({
      what: 'seeder CPU, mapproxy-seed ÷ ours', goal: 'reported',
      value: `${fmt(sd.mapproxy.cpuSeconds / sd.ours.cpuSeconds, 2)}× (${fmt(sd.ours.cpuSeconds)} vs ${fmt(sd.mapproxy.cpuSeconds)} s)`, met: null,
    });
  }
  if (sd?.ours && sd.upstream) {
    const v = sd.ours.seconds / sd.upstream.seconds;
    out.push({ what: 'seeding time vs upstream alone', goal: '≤ 1.3×', value: `${fmt(v, 2)}×`, met: v <= 1.3 });
  } else out.push({ what: 'seeding time vs upstream alone', goal: '≤ 1.3×', value: 'n/a', met: null });
  // Every scenario with the configured workers and with one (which then takes all the load and the pool's threads).
  const rss = [...r.measurements, ...r.scaling].filter((m) => m.target === 'mapproxy-ts').flatMap((m) => m.peakRssMb);
  const maxRss = rss.length ? Math.max(...rss) : NaN;
  out.push({ what: 'peak RSS per worker under load', goal: '≤ 150 MB', value: `${fmt(maxRss, 0)} MB`, met: rss.length ? maxRss <= 150 : null });
  const mixed = r.tilesUnderWms;
  if (mixed) {
    out.push({
      what: 'cached-tile p99 while WMS maps are drawn', goal: 'reported', value: `${fmt(mixed.underLoad.p99Ms, 2)} ms (alone ${fmt(mixed.alone.p99Ms, 2)} ms)`, met: null,
    });
  }
  return out;
}

export function markdown(r: BenchResults): string {
  const L: string[] = [];
  L.push(`# mapproxy-ts benchmark (${r.mode})`, '');
  L.push(`${r.date}. ${Object.entries(r.machine).map(([k, v]) => `${k}: ${v}`).join('; ')}.`, '');
  L.push(`Every server ran with ${r.settings.workers} worker(s); load from wrk (${r.settings.threads} threads, ${r.settings.connections} connections unless noted), ` +
    `${r.settings.seconds} s per scenario after ${r.settings.warmupSeconds} s of warm-up, on 127.0.0.1. Ratios are mapproxy-ts req/s divided by the other server's req/s in this run.`, '');

  L.push('## Targets', '', '| target | goal | this run | met |', '|---|---|---|---|');
  for (const t of r.targets) L.push(`| ${t.what} | ${t.goal} | ${t.value} | ${t.met === null ? 'n/a' : t.met ? 'yes' : '**no**'} |`);
  L.push('');

  L.push('## Ratios (mapproxy-ts ÷ other)', '', '| scenario | mapproxy-ts req/s | × MapProxy | × MapCache | × uWS ceiling | all ÷ one worker |', '|---|---:|---:|---:|---:|---:|');
  for (const s of r.scenarios) {
    const ours = r.measurements.find((m) => m.target === 'mapproxy-ts' && m.scenario === s.id);
    if (!ours) continue;
    const cell = (vs: Ratio['vs']) => { const x = r.ratios.find((q) => q.scenario === s.id && q.vs === vs); return x ? `${fmt(x.ratio, 2)}×` : '–'; };
    L.push(`| ${s.title} | ${fmt(ours.load.reqPerSec, 0)} | ${cell('mapproxy')} | ${cell('mapcache')} | ${cell('ceiling')} | ${cell('one-worker')} |`);
  }
  L.push('');

  L.push('## Every run', '', '| scenario | server | workers | req/s | p50 ms | p99 ms | errors | peak RSS per worker (MB) | check |', '|---|---|---:|---:|---:|---:|---:|---|---|');
  for (const m of [...r.measurements, ...r.scaling]) {
    L.push(`| ${m.scenario} | ${m.target} | ${m.workers} | ${fmt(m.load.reqPerSec, 0)} | ${fmt(m.load.p50Ms, 2)} | ${fmt(m.load.p99Ms, 2)} | ${m.load.errors} | ${m.peakRssMb.map((v) => fmt(v, 0)).join(', ')} | ${m.check} |`);
  }
  L.push('');

  if (r.seeding) {
    const sd = r.seeding;
    L.push('## Seeding', '', `${sd.area}, concurrency ${sd.concurrency}. Time includes start-up of each command. CPU is user + system ` +
      'seconds: the seeder with its worker processes, and the upstream (lighttpd with its MapServer processes) meanwhile.', '',
      '| seeder | seconds | tiles | meta tiles | tiles/s | same command with --dry-run (s) | seeder CPU (s) | upstream CPU (s) |',
      '|---|---:|---:|---:|---:|---:|---:|---:|');
    const cpu = (v: number | undefined) => (v === undefined ? '–' : fmt(v, 1));
    for (const [name, v] of [['mapproxy-ts seed', sd.ours], ['mapproxy-seed (1.15)', sd.mapproxy], ['upstream alone (same meta tile requests)', sd.upstream]] as const) {
      if (v) L.push(`| ${name} | ${fmt(v.seconds, 2)} | ${v.tiles} | ${v.metaTiles} | ${fmt(v.tilesPerSec, 0)} | ${v.dryRunSeconds === undefined ? '–' : fmt(v.dryRunSeconds, 2)} | ${cpu(v.cpuSeconds)} | ${cpu(v.upstreamCpuSeconds)} |`);
    }
    for (const e of sd.errors) L.push('', `Error: ${e}`);
    L.push('');
  }

  if (r.profile) {
    L.push(`## Where the time goes (mapproxy-ts workers, ${r.profile.scenario})`, '', 'Self time by area:', '');
    L.push('| area | self % |', '|---|---:|');
    for (const a of r.profile.byArea.slice(0, 12)) L.push(`| ${a.area} | ${fmt(a.selfPct)} |`);
    L.push('', 'Hottest functions:', '', '| function | where | self % |', '|---|---|---:|');
    for (const f of r.profile.functions) L.push(`| ${f.name} | ${f.where} | ${fmt(f.selfPct)} |`);
    L.push('');
  }
  if (r.errors.length) L.push('## Problems in this run', '', ...r.errors.map((e) => `- ${e.replace(/\n/g, ' ').slice(0, 600)}`), '');
  return L.join('\n');
}
