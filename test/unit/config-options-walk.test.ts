// No option of MapProxy's configuration is read and then ignored. The option list is MapProxy's own: its loader's
// specification (mapproxy/config/spec.py of the installed MapProxy, walked by test/support/mapproxy_spec_options.py;
// MAPPROXY_SPEC=<path of another spec.py> walks that one instead, MapProxy 7's for instance).
// For each option a configuration that sets it is loaded next to one that does not, and the option must
//   - work: the loaded configuration differs (or, for a required option, leaving it out is an error), or
//   - warn on loading that it has no effect, naming it, or
//   - be rejected by name (an error at its key path, or at the source/cache it belongs to, saying "not supported").
// Anything else fails: an option loaded without a trace ("ignored"), one warned about as unknown, or one for which no
// value from MapProxy's own test configurations or the generic samples loads at all.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/core/config/load-config.js';
import { ConfigError } from '../../src/core/config/errors.js';
import { readYamlFile } from '../../src/core/config/yaml-file.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const WALKER = join(HERE, '..', 'support', 'mapproxy_spec_options.py');
const FIXTURES = fileURLToPath(new URL('../../../shared/reference/mapproxy-fixtures/', import.meta.url));
const skip = existsSync('/usr/lib/python3/dist-packages/mapproxy/config/spec.py') ? false : 'MapProxy (python3-mapproxy) is not installed';

interface SpecOption {
  path: string[];
  kind: string;
  variants: Record<string, [string, string]>;
  required: Record<string, string[]>;
}

type Category = 'works' | 'no effect' | 'rejected' | 'ignored' | 'unknown' | 'unloadable';

type Yaml = Record<string, unknown>;

/** Every value MapProxy's own test configurations give a key, by the key's name: realistic samples. */
function fixtureValues(): Map<string, unknown[]> {
  const values = new Map<string, unknown[]>();
  const visit = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (v !== null && v !== undefined) {
          const list = values.get(k) ?? [];
          if (list.length < 40 && !list.some((x) => JSON.stringify(x) === JSON.stringify(v))) list.push(v);
          values.set(k, list);
        }
        visit(v);
      }
    }
  };
  if (existsSync(FIXTURES)) {
    for (const f of readdirSync(FIXTURES).filter((n) => n.endsWith('.yaml'))) {
      try {
        visit(readYamlFile(join(FIXTURES, f)));
      } catch {
        // a fixture our reader refuses gives no samples
      }
    }
  }
  return values;
}

/** Generic samples by kind, naming the entities of the base configuration where a name is wanted. */
const GENERIC: Record<string, unknown[]> = {
  bool: [true, false],
  number: [2, 1, 0.5, 100, 1000, 12],
  str: ['c', 'src', 'g', 'GLOBAL_WEBMERCATOR', 'EPSG:4326', 'image/png', '#ff0000', 'x', './x', 'http://localhost/x', '1.1.1', 'sw', 'nw', 'notify', 'wide', 'bilinear', 'transparent', 'coverage.geojson', 'coverage.wkt', 'private', '775'],
  list: [['c'], ['src'], ['GLOBAL_WEBMERCATOR'], ['EPSG:4326'], ['image/png'], [2, 2], [1, 2, 3, 4], ['x'], [255, 0, 0], [1000, 100],
    [{ bbox: [5, 45, 15, 55], srs: 'EPSG:4326' }, { bbox: [10, 50, 20, 60], srs: 'EPSG:4326' }]],
  map: [{}, { x: 'y' }, { jpeg_quality: 80 }],
  any: ['x', 2, true, '2020-01-01T00:00:00Z'],
};

function candidates(option: SpecOption, samples: Map<string, unknown[]>): unknown[] {
  const key = option.path[option.path.length - 1]!;
  const kinds = option.kind.split('|');
  const fits = (v: unknown) =>
    kinds.includes('any') ||
    (kinds.includes('bool') && typeof v === 'boolean') ||
    (kinds.includes('number') && typeof v === 'number') ||
    (kinds.includes('str') && typeof v === 'string') ||
    (kinds.includes('list') && Array.isArray(v)) ||
    (kinds.includes('map') && v !== null && typeof v === 'object' && !Array.isArray(v));
  const out: unknown[] = (samples.get(key) ?? []).filter(fits);
  for (const k of kinds) for (const v of GENERIC[k] ?? []) if (!out.some((x) => JSON.stringify(x) === JSON.stringify(v))) out.push(v);
  return out;
}

/** The base configuration every option is set in: one grid, source, cache and layer, each named as GENERIC names them. */
function base(): Yaml {
  return {
    grids: { g: { base: 'GLOBAL_WEBMERCATOR' } },
    sources: { src: { type: 'wms', req: { url: 'http://localhost/service', layers: 'a' } } },
    caches: { c: { grids: ['GLOBAL_WEBMERCATOR'], sources: ['src'] } },
    layers: [{ name: 'l', title: 'L', sources: ['c'] }],
  };
}

const ENTITY: Record<string, string> = { grids: 'g', sources: 'src', caches: 'c', on_error: '500', formats: 'png8' };

/** The configuration path of a spec path: '*' becomes the base entity's name, '[]' the first item. */
function concretePath(path: readonly string[]): (string | number)[] {
  return path.map((p, i) => (p === '*' ? (ENTITY[path[i - 1]!] ?? 'x') : p === '[]' ? 0 : p));
}

function sampleFor(path: readonly string[], options: SpecOption[], samples: Map<string, unknown[]>): unknown {
  const opt = options.find((o) => o.path.join('.') === path.join('.'));
  return opt ? candidates(opt, samples)[0] : 'x';
}

/** `node` at `path`, created on the way as maps (or one-item lists for '[]'), with the required keys of each map. */
function ensure(root: Yaml, option: SpecOption, upTo: number, options: SpecOption[], samples: Map<string, unknown[]>): Yaml {
  let node: any = root;
  const concrete = concretePath(option.path);
  for (let i = 0; i < upTo; i++) {
    const k = concrete[i]!;
    const nextIsItem = typeof concrete[i + 1] === 'number';
    if (node[k] === null || typeof node[k] !== 'object' || Array.isArray(node[k]) !== nextIsItem) node[k] = nextIsItem ? [] : {};
    node = node[k];
    const prefix = option.path.slice(0, i + 1).join('.');
    const variant = option.variants[prefix];
    // an entity of another type than the base's: start it afresh with the type key
    if (variant && node[variant[0]] !== variant[1]) {
      for (const key of Object.keys(node)) delete node[key];
      Object.assign(node, structuredClone(fixtureEntity(option.path.slice(0, i + 1), variant, samples) ?? {}));
      node[variant[0]] = variant[1];
    }
    if (!Array.isArray(node)) fillRequired(node, option.path.slice(0, i + 1), option, options, samples);
  }
  return node;
}

/** An entity of MapProxy's test configurations of the wanted type (a mapserver source, an embedded inspire_md). */
function fixtureEntity(specPath: string[], [typeKey, type]: [string, string], samples: Map<string, unknown[]>): Yaml | undefined {
  const named = [...specPath].reverse().find((p) => p !== '*' && p !== '[]')!;
  const wildcard = specPath.at(-1) === '*';
  for (const v of samples.get(named) ?? []) {
    const entities = wildcard && v && typeof v === 'object' ? Object.values(v as Yaml) : [v];
    for (const e of entities) {
      if (e && typeof e === 'object' && !Array.isArray(e) && (e as Yaml)[typeKey] === type) return e as Yaml;
    }
  }
  return undefined;
}

function fillRequired(node: Yaml, specPath: string[], option: SpecOption, options: SpecOption[], samples: Map<string, unknown[]>): void {
  for (const key of option.required[specPath.join('.')] ?? []) {
    if (node[key] !== undefined) continue;
    const sub = [...specPath, key];
    const below = options.filter((o) => o.path.length > sub.length && o.path.slice(0, sub.length).join('.') === sub.join('.'));
    if (below.some((o) => o.path[sub.length] === '[]')) {
      const item: Yaml = {};
      fillRequired(item, [...sub, '[]'], option, options, samples);
      node[key] = [item];
    } else if (option.required[sub.join('.')] || below.length > 0) {
      const child: Yaml = {};
      fillRequired(child, sub, option, options, samples);
      node[key] = child;
    } else node[key] = sampleFor(sub, options, samples);
  }
}

/**
 * Configuration without the option (its ancestors and their required keys present) and with it. `context`: the
 * option's siblings as one of MapProxy's test configurations sets them (a coverage's srs next to its bbox).
 */
function configs(option: SpecOption, value: unknown, options: SpecOption[], samples: Map<string, unknown[]>, context?: Yaml): { without: Yaml; withIt: Yaml } {
  const withIt = base();
  const parent = ensure(withIt, option, option.path.length - 1, options, samples);
  const concrete = concretePath(option.path);
  const key = concrete.at(-1) as string;
  if (context) Object.assign(parent, structuredClone(context));
  (parent as Yaml)[key] = value;
  const without = structuredClone(withIt);
  let node: any = without;
  for (const k of concrete.slice(0, -1)) node = node[k];
  delete node[key];
  return { without, withIt };
}

/** The mappings MapProxy's test configurations give the option's parent key that set the option: realistic siblings. */
function contexts(option: SpecOption, samples: Map<string, unknown[]>): { context: Yaml; value: unknown }[] {
  const key = option.path.at(-1)!;
  const parentPath = option.path.slice(0, -1);
  let at = parentPath.length - 1;
  while (at >= 0 && (parentPath[at] === '*' || parentPath[at] === '[]')) at--;
  if (at < 0) return [];
  let nodes: unknown[] = samples.get(parentPath[at]!) ?? [];
  for (const step of parentPath.slice(at + 1)) {
    nodes = nodes.flatMap((n) => (step === '[]' ? (Array.isArray(n) ? n : []) : n && typeof n === 'object' && !Array.isArray(n) ? Object.values(n as Yaml) : []));
  }
  const out: { context: Yaml; value: unknown }[] = [];
  for (const item of nodes) {
    if (item && typeof item === 'object' && !Array.isArray(item) && key in item) {
      // files the fixtures name are not here: the walk's own coverage files stand in for them
      const context = Object.fromEntries(Object.entries(item as Yaml).map(([k, v]) => [k, typeof v === 'string' && /\.(geojson|json|shp|gpkg)$/.test(v) ? 'coverage.geojson' : typeof v === 'string' && /\.(txt|wkt)$/.test(v) ? 'coverage.wkt' : v]));
      out.push({ context, value: context[key] });
    }
  }
  return out;
}

/** A stable text of a loaded configuration (Maps and Sets included), for comparing two loads. */
function stable(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof Map) return { map: [...v.entries()] };
    if (v instanceof Set) return { set: [...v] };
    if (typeof v === 'function') return 'function';
    return v;
  });
}

interface Loaded { ok: true; config: string; warnings: string[] }
interface Failed { ok: false; error: ConfigError | Error }

describe('every option of MapProxy works, warns that it has no effect, or is rejected by name', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'options-walk-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'mapproxy.yaml');
  // a coverage file for the options that name one
  writeFileSync(join(dir, 'coverage.geojson'), JSON.stringify({ type: 'Polygon', coordinates: [[[5, 45], [15, 45], [15, 55], [5, 55], [5, 45]]] }));
  writeFileSync(join(dir, 'coverage.wkt'), 'POLYGON((5 45, 15 45, 15 55, 5 55, 5 45))');
  const load = (yaml: Yaml): Loaded | Failed => {
    writeFileSync(file, JSON.stringify(yaml));
    try {
      const loaded = loadConfig(file);
      return { ok: true, config: stable(loaded.config), warnings: loaded.warnings };
    } catch (error) {
      return { ok: false, error: error as Error };
    }
  };

  it('classifies each option of the specification', () => {
    const options = JSON.parse(execFileSync('/usr/bin/python3', [WALKER, ...(process.env.MAPPROXY_SPEC ? [process.env.MAPPROXY_SPEC] : [])], { encoding: 'utf8', maxBuffer: 1 << 26 })) as SpecOption[];
    // a mapping's required keys, known on every option of the same entity type (not only on the options below them)
    const requiredByVariants = new Map<string, Record<string, string[]>>();
    for (const o of options) {
      const k = JSON.stringify(o.variants);
      requiredByVariants.set(k, { ...(requiredByVariants.get(k) ?? {}), ...o.required });
    }
    for (const o of options) o.required = { ...(requiredByVariants.get('{}') ?? {}), ...requiredByVariants.get(JSON.stringify(o.variants)) };
    assert.ok(options.length > 300, `only ${options.length} options in MapProxy's specification`);
    const samples = fixtureValues();
    const results = new Map<Category, string[]>();
    const note = (c: Category, name: string) => results.set(c, [...(results.get(c) ?? []), name]);

    for (const option of options) {
      const name = `${concretePath(option.path).join('.')}${Object.keys(option.variants).length ? ` (${Object.values(option.variants).map((v) => v.join('=')).join(', ')})` : ''}`;
      const keyPath = concretePath(option.path).map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[');
      const names = (text: string) => text.includes(keyPath);
      const isRequired = (option.required[option.path.slice(0, -1).join('.')] ?? []).includes(option.path.at(-1)!);
      const isTypeKey = Object.entries(option.variants).some(([prefix, [typeKey]]) => `${prefix}.${typeKey}` === option.path.join('.'));

      if (option.path.join('.') === 'parts') {
        // MapProxy's parking place for YAML anchors: it works when what it anchors reaches the options that refer to it
        writeFileSync(file, 'parts:\n  url: &u http://localhost/anchored\nsources:\n  src: {type: wms, req: {url: *u, layers: a}}\n');
        const loaded = loadConfig(file);
        const src = loaded.config.sources['src'];
        note(src?.type === 'wms' && src.req.url === 'http://localhost/anchored' && loaded.warnings.length === 0 ? 'works' : 'ignored', name);
        continue;
      }
      // An option works when some configuration shows its effect: first the option's siblings as MapProxy's test
      // configurations set them (all of them merged, then each), then the option alone. What a try finds short of
      // working (a warning, the same configuration) is kept and decides only when no try shows an effect.
      let category: Category | undefined;
      let fallback: Category = 'unloadable';
      let lastError = '';
      const found = contexts(option, samples);
      const rich = found.length > 1 ? Object.assign({}, ...found.map((f) => f.context)) as Yaml : undefined;
      const values = candidates(option, samples).slice(0, 30);
      const tries: { value: unknown; context?: Yaml | undefined; repairs?: number }[] = [
        ...found,
        ...(rich ? values.slice(0, 6).map((value) => ({ value, context: rich })) : []),
        ...values.map((value) => ({ value })),
      ];
      const parentKeyPath = keyPath.slice(0, keyPath.lastIndexOf('.'));
      // siblings our reader wants next to the option, with a value that satisfied it once: kept for the later tries
      const learned: Yaml = {};
      for (let t = 0; t < tries.length && t < 1000; t++) {
        const { value, repairs = 0 } = tries[t]!;
        const context = { ...learned, ...(tries[t]!.context ?? {}) };
        const repairedSibling = tries[t]!.repairs ? Object.keys(tries[t]!.context ?? {}).at(-1) : undefined;
        const { without, withIt } = configs(option, isTypeKey ? Object.values(option.variants).at(-1)![1] : value, options, samples, context);
        const w = load(withIt);
        if (process.env.WALK_TRACE && name.startsWith(process.env.WALK_TRACE)) console.log(JSON.stringify(withIt), w.ok ? w.warnings : w.error.message);
        if (repairedSibling && (w.ok || !(w.error instanceof ConfigError) || !w.error.keyPath?.endsWith(`.${repairedSibling}`))) {
          learned[repairedSibling] = context[repairedSibling];
        }
        if (!w.ok) {
          const e = w.error;
          const rejectedByName = e instanceof ConfigError && /not supported|removed/i.test(e.message) &&
            (e.keyPath === undefined || e.keyPath === '' || keyPath.startsWith(e.keyPath) || e.keyPath.startsWith(keyPath) ||
              Object.entries(option.variants).some(([prefix, [typeKey]]) => e.keyPath === `${concretePath(prefix.split('.')).join('.')}.${typeKey}`));
          if (rejectedByName) { category ??= 'rejected'; break; }
          lastError = e.message;
          // a sibling our reader wants (an s3 cache's bucket_name): try again with each sample of it
          const sibling = e instanceof ConfigError && e.keyPath?.startsWith(parentKeyPath + '.') ? e.keyPath.slice(parentKeyPath.length + 1) : undefined;
          if (sibling && /^[\w-]+$/.test(sibling) && sibling !== option.path.at(-1) && repairs < 2 && !(sibling in learned) && (!tries[t]!.context || repairs > 0)) {
            const siblingOption = { ...option, path: [...option.path.slice(0, -1), sibling], kind: 'str|number|bool|list' };
            for (const v of candidates(siblingOption, samples).slice(0, 12)) tries.splice(t + 1, 0, { value, context: { ...(context ?? {}), [sibling]: v }, repairs: repairs + 1 });
          }
          continue; // not a valid value for us: try the next one
        }
        const own = w.warnings.filter(names);
        const wo = load(without);
        if (wo.ok && wo.config !== w.config && !own.some((m) => /has no effect|unknown option/.test(m))) { category = 'works'; break; }
        if (!wo.ok && (isRequired || names(wo.error.message))) { category = 'works'; break; } // required, and enforced
        if (isTypeKey && !own.length) { category = 'works'; break; }
        const seen: Category = own.some((m) => /has no effect/.test(m)) ? 'no effect' : own.some((m) => /unknown option/.test(m)) ? 'unknown' : wo.ok ? 'ignored' : 'unloadable';
        if (!wo.ok) lastError = `without it: ${wo.error.message}`;
        const rank: Category[] = ['unloadable', 'ignored', 'unknown', 'no effect'];
        if (rank.indexOf(seen) > rank.indexOf(fallback)) fallback = seen;
      }
      category ??= fallback;
      note(category, category === 'unloadable' && process.env.WALK_DEBUG ? `${name}: ${lastError}` : name);
    }

    const counts = Object.fromEntries([...results].map(([c, list]) => [c, list.length]));
    console.log(`MapProxy options (${options.length}):`, JSON.stringify(counts));
    for (const c of (process.env.WALK_DEBUG ? ['no effect', 'rejected', 'ignored', 'unknown', 'unloadable'] : ['ignored', 'unknown', 'unloadable']) as Category[]) {
      for (const n of results.get(c) ?? []) console.log(`  ${c}: ${n}`);
    }
    const bad = ['ignored', 'unknown', 'unloadable'].flatMap((c) => (results.get(c as Category) ?? []).map((n) => `${c}: ${n}`));
    assert.deepEqual(bad, [], 'options read and then ignored, unknown to us, or never loadable');
  });
});
