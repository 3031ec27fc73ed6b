// Where the time goes: the functions with the most self time in V8 .cpuprofile files (node --cpu-prof).
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; startTime: number; endTime: number; samples?: number[]; timeDeltas?: number[] }

export interface HotFunction { name: string; where: string; selfPct: number }

/**
 * Self time per function over all profiles in `dir`, highest first, and per area of the code. Only the last
 * `windowSeconds` of each profile count: the load ran just before the processes were stopped, and start-up
 * (module loading, transpiling) is not what a user waits for.
 */
export function hotFunctions(dir: string, repo: string, windowSeconds: number, top = 15): { functions: HotFunction[]; byArea: { area: string; selfPct: number }[] } {
  const self = new Map<string, { name: string; where: string; us: number }>();
  const areas = new Map<string, number>();
  let total = 0;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.cpuprofile'))) {
    const p = JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const samples = p.samples ?? [];
    const deltas = p.timeDeltas ?? [];
    const times: number[] = [];
    let t = p.startTime;
    for (const d of deltas) { t += d; times.push(t); }
    const from = p.endTime - windowSeconds * 1e6;
    // Idle samples are skipped, so the master and idle processes add next to nothing.
    for (let i = 0; i < samples.length; i++) {
      if (times[i]! < from) continue;
      const node = byId.get(samples[i]!);
      if (!node) continue;
      const us = deltas[i + 1] ?? deltas[i] ?? 0;
      const { functionName, url, lineNumber } = node.callFrame;
      if (functionName === '(idle)') continue;
      total += us;
      // Compiled runs live in bench/.build: name the source file the code came from.
      const file = (url.startsWith('file://') ? relative(repo, new URL(url).pathname) : url).replace(/^bench\/\.build\//, '');
      const name = functionName || '(anonymous)';
      const key = `${name} ${file}:${lineNumber + 1}`;
      const e = self.get(key) ?? { name, where: file ? `${file}:${lineNumber + 1}` : '', us: 0 };
      e.us += us;
      self.set(key, e);
      const area = areaOf(functionName, file);
      areas.set(area, (areas.get(area) ?? 0) + us);
    }
  }
  const pct = (us: number) => (total ? (100 * us) / total : 0);
  return {
    functions: [...self.values()].sort((a, b) => b.us - a.us).slice(0, top).map((e) => ({ name: e.name, where: e.where, selfPct: pct(e.us) })),
    byArea: [...areas.entries()].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, selfPct: pct(us) })),
  };
}

function areaOf(name: string, file: string): string {
  if (/^\(.*\)$/.test(name)) return name;
  if (!file) return '(native/builtin)';
  if (file.startsWith('node:')) return 'node internals';
  const m = /^src\/([^/]+\/[^/]+)/.exec(file) ?? /^src\/([^/]+)/.exec(file);
  if (m) return `src/${m[1]}`;
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  return dep ? dep[1]! : file;
}
