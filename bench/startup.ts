// Start-up and footprint: the compiled daemon (bin/mapproxy-ts serve) on the default configuration, started N
// times, against MapProxy 1.15 under gunicorn on the same file. For each start: the time from spawn to the first
// 200 answer, the CPU time all its processes spent until then, and the resident memory (VmRSS) of the master and
// of each worker once idle. An empty Node process is measured alike: the floor no Node daemon goes below.
//
//   npm run build && node --import tsx bench/startup.ts [--runs 5] [--workers 2] [--idle-ms 2000] [--no-mapproxy]
//     [--bin <mapproxy-ts>] [--compare <another build's bin/mapproxy-ts, e.g. the previous commit's>]
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { descendants, startProc, type Proc } from './lib/procs.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Options { runs: number; workers: number; idleMs: number; mapproxy: boolean; bin: string; compare?: string; port: number }

function options(argv: string[]): Options {
  const o: Options = { runs: 5, workers: 2, idleMs: 2000, mapproxy: true, bin: join(repo, 'bin/mapproxy-ts'), port: 18790 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') o.runs = Number(argv[++i]);
    else if (a === '--workers') o.workers = Number(argv[++i]);
    else if (a === '--idle-ms') o.idleMs = Number(argv[++i]);
    else if (a === '--no-mapproxy') o.mapproxy = false;
    else if (a === '--bin') o.bin = argv[++i];
    else if (a === '--compare') o.compare = argv[++i];
    else if (a === '--port') o.port = Number(argv[++i]);
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

/** One start of one server. */
interface Start {
  firstAnswerMs: number;
  /** user + system CPU of the master and its workers until the first answer, ms. */
  cpuMs: number;
  masterRssMb: number;
  workerRssMb: number[];
}

interface Target {
  name: string;
  spawn(dir: string, port: number): Proc;
}

const CLK_TCK = 100; // Linux's USER_HZ: /proc/<pid>/stat counts CPU time in hundredths of a second

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) / 1024;
}

/** CPU time of a process, with that of its children that ended (the master's configuration check) if asked. */
function cpuMs(pid: number, endedChildren = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), counted from state = field 3: utime 14, stime 15,
    // cutime 16, cstime 17 (children waited for).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    return ((f[11] + f[12] + (endedChildren ? f[13] + f[14] : 0)) * 1000) / CLK_TCK;
  } catch {
    return 0; // gone (a short-lived helper process)
  }
}

async function firstAnswer(proc: Proc, url: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited with ${proc.child.exitCode}:\n${proc.output()}`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${proc.name}: no answer from ${url} within ${timeoutMs} ms:\n${proc.output()}`);
}

async function startOnce(t: Target, o: Options, port: number): Promise<Start> {
  // A fresh copy of config/ each time: an empty cache, and the relative paths of the file resolve as shipped.
  const dir = mkdtempSync(join(tmpdir(), 'mapproxy-startup-'));
  cpSync(join(repo, 'config'), dir, { recursive: true, filter: (src) => !src.includes('cache_data') });
  const t0 = performance.now();
  const proc = t.spawn(dir, port);
  try {
    await firstAnswer(proc, `http://127.0.0.1:${port}/tms/1.0.0/`);
    const firstAnswerMs = performance.now() - t0;
    const workers = descendants(proc.pid);
    const cpu = cpuMs(proc.pid, true) + workers.reduce((sum, pid) => sum + cpuMs(pid), 0);
    await new Promise((r) => setTimeout(r, o.idleMs));
    return { firstAnswerMs, cpuMs: cpu, masterRssMb: rssMb(proc.pid), workerRssMb: workers.map(rssMb) };
  } finally {
    await proc.stop(10_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

function ours(o: Options, bin = o.bin, name = 'mapproxy-ts'): Target {
  return {
    name,
    spawn: (dir, port) => startProc(name, bin, [
      'serve', join(dir, 'mapproxy.yaml'), '--bind', `127.0.0.1:${port}`, '--workers', String(o.workers), '--log-level', 'warn',
    ], { cwd: dir, env: { ...process.env, NODE_ENV: 'production' } }),
  };
}

function mapproxy(o: Options): Target {
  return {
    name: 'MapProxy 1.15 (gunicorn)',
    spawn: (dir, port) => {
      writeFileSync(join(dir, 'mapproxy_app.py'),
        `from mapproxy.wsgiapp import make_wsgi_app\napplication = make_wsgi_app(${JSON.stringify(join(dir, 'mapproxy.yaml'))}, reloader=False)\n`);
      return startProc('mapproxy (gunicorn)', '/usr/bin/python3', [
        '/usr/bin/gunicorn', '--workers', String(o.workers), '--worker-class', 'sync', '--bind', `127.0.0.1:${port}`,
        '--chdir', dir, '--log-level', 'warning', 'mapproxy_app:application',
      ], { cwd: dir });
    },
  };
}

/** An idle `node -e` process: what Node itself holds before any module of ours. */
async function nodeFloorMb(): Promise<number> {
  const proc = startProc('node -e', process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  try {
    await new Promise((r) => setTimeout(r, 1000));
    return rssMb(proc.pid);
  } finally {
    await proc.stop(1000);
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

interface Summary { name: string; runs: Start[]; firstAnswerMs: number; cpuMs: number; masterRssMb: number; workerRssMb: number }

function summarize(name: string, runs: Start[]): Summary {
  return {
    name, runs,
    firstAnswerMs: median(runs.map((r) => r.firstAnswerMs)),
    cpuMs: median(runs.map((r) => r.cpuMs)),
    masterRssMb: median(runs.map((r) => r.masterRssMb)),
    workerRssMb: median(runs.flatMap((r) => r.workerRssMb)),
  };
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  if (!existsSync(join(repo, 'dist/cli/main.js')) && o.bin === join(repo, 'bin/mapproxy-ts')) {
    throw new Error('dist/ is missing: run `npm run build` first (the bench measures the compiled daemon)');
  }
  const targets = [ours(o), ...(o.compare ? [ours(o, o.compare, `mapproxy-ts (${o.compare})`)] : []), ...(o.mapproxy ? [mapproxy(o)] : [])];
  const floor = await nodeFloorMb();
  const results: Summary[] = [];
  for (const t of targets) {
    const runs: Start[] = [];
    for (let i = 0; i < o.runs; i++) {
      const r = await startOnce(t, o, o.port + i);
      console.log(`${t.name} #${i + 1}: first answer ${r.firstAnswerMs.toFixed(0)} ms, CPU ${r.cpuMs.toFixed(0)} ms, ` +
        `master ${r.masterRssMb.toFixed(1)} MB, workers ${r.workerRssMb.map((m) => m.toFixed(1)).join(' / ')} MB`);
      runs.push(r);
    }
    results.push(summarize(t.name, runs));
  }

  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const when = new Date().toISOString();
  const md = [
    '# Start-up and footprint',
    '',
    `\`node --import tsx bench/startup.ts ${process.argv.slice(2).join(' ')}\` — ${when}, Node ${process.version}, ` +
      `load average at the end ${load}. Default configuration (config/mapproxy.yaml, fresh copy and empty cache each start), ` +
      `${o.workers} workers; medians of ${o.runs} starts. First answer: spawn to the first 200 of \`/tms/1.0.0/\`; CPU: ` +
      `user + system time of all the server's processes until then; RSS (VmRSS) ${o.idleMs} ms later, idle.`,
    '',
    '| Server | First answer | CPU until then | Master RSS | Worker RSS |',
    '|---|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.name} | ${r.firstAnswerMs.toFixed(0)} ms | ${r.cpuMs.toFixed(0)} ms | ${r.masterRssMb.toFixed(1)} MB | ${r.workerRssMb.toFixed(1)} MB |`),
    `| empty Node process (\`node -e\`) | | | ${floor.toFixed(1)} MB | |`,
    '',
    'Goals (issue 14): first answer ≤ 1.5 s, master ≤ 60 MB, idle worker ≤ 80 MB. The first answer depends on the',
    'load of the machine; the CPU column does much less.',
    '',
  ].join('\n');
  const out = join(repo, 'bench/results');
  writeFileSync(join(out, 'startup.md'), md);
  writeFileSync(join(out, 'startup.json'), JSON.stringify({ when, node: process.version, loadavg: load, options: o, nodeFloorMb: floor, results }, null, 2) + '\n');
  console.log(`\n${md}`);
}

await main();
