import { MapReader, type ReadContext } from './config-reader.js';
import { DEFAULTS } from './defaults.js';
import { describeValue } from './errors.js';
import type { BBox4, GlobalsConfig, GridConfig, Size2 } from './types.js';

/** The options of one `grids:` entry as written (before `base` and defaults). */
interface GridOptions {
  name?: string;
  base?: string;
  srs?: string;
  bbox?: BBox4;
  bboxSrs?: string;
  tileSize?: Size2;
  origin?: 'sw' | 'nw';
  res?: number[];
  resFactor?: number | 'sqrt2';
  minRes?: number;
  maxRes?: number;
  numLevels?: number;
  thresholdRes?: number[];
  stretchFactor?: number;
  maxShrinkFactor?: number;
  alignResolutionsWith?: string;
}

/**
 * Reads `grids:` merged with the built-in grids (a user grid of the same name replaces a built-in).
 * `base: other` copies the other grid's options under this grid's own (recursively); `name` defaults to the key.
 */
export function readGrids(ctx: ReadContext, raw: unknown, globals: GlobalsConfig): Record<string, GridConfig> {
  const own = new Map<string, GridOptions>();
  for (const [name, builtin] of Object.entries(DEFAULTS.grids)) {
    own.set(name, { name: builtin.name, srs: builtin.srs, origin: builtin.origin as 'sw' | 'nw' });
  }
  const section = MapReader.of(ctx, 'grids', raw);
  for (const key of section.keys()) {
    const r = MapReader.of(ctx, section.keyPath(key), section.get(key));
    own.set(key, readGridOptions(r));
    r.finish();
  }

  const resolved = new Map<string, GridOptions>();
  const resolve = (name: string, chain: string[]): GridOptions => {
    const done = resolved.get(name);
    if (done) return done;
    const opts = own.get(name)!;
    let merged: GridOptions = { ...opts, name: opts.name ?? name };
    if (opts.base !== undefined) {
      if (!own.has(opts.base)) {
        throw ctx.error(`grids.${name}.base`, `unknown base grid '${opts.base}' (known grids: ${[...own.keys()].join(', ')})`);
      }
      if (chain.includes(opts.base)) throw ctx.error(`grids.${name}.base`, `circular grid base: ${[...chain, opts.base].join(' -> ')}`);
      const base = resolve(opts.base, [...chain, opts.base]);
      merged = { ...base, ...definedOnly(opts), name: opts.name ?? name, base: opts.base };
    }
    resolved.set(name, merged);
    return merged;
  };

  const grids: Record<string, GridConfig> = {};
  for (const name of own.keys()) {
    const o = resolve(name, [name]);
    if (o.alignResolutionsWith !== undefined && !own.has(o.alignResolutionsWith)) {
      throw ctx.error(`grids.${name}.align_resolutions_with`, `unknown grid '${o.alignResolutionsWith}'`);
    }
    const g: GridConfig = {
      name: o.name ?? name,
      srs: o.srs ?? 'EPSG:900913',
      tileSize: o.tileSize ?? [...globals.grid.tileSize],
      origin: o.origin ?? 'sw',
      originConfigured: o.origin !== undefined,
      tileSizeConfigured: o.tileSize !== undefined,
      resFactor: o.resFactor ?? 2.0,
      stretchFactor: o.stretchFactor ?? globals.image.stretchFactor,
      maxShrinkFactor: o.maxShrinkFactor ?? globals.image.maxShrinkFactor,
    };
    if (o.bbox !== undefined) g.bbox = o.bbox;
    if (o.bboxSrs !== undefined) g.bboxSrs = o.bboxSrs;
    if (o.res !== undefined) g.res = o.res;
    if (o.minRes !== undefined) g.minRes = o.minRes;
    if (o.maxRes !== undefined) g.maxRes = o.maxRes;
    if (o.numLevels !== undefined) g.numLevels = o.numLevels;
    if (o.thresholdRes !== undefined) g.thresholdRes = o.thresholdRes;
    if (o.alignResolutionsWith !== undefined) g.alignResolutionsWith = o.alignResolutionsWith;
    if (o.base !== undefined) g.base = o.base;
    grids[name] = g;
  }
  section.finish();
  return grids;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** MapProxy's `origin_from_string`: ll/sw → sw, ul/nw → nw (any case). */
export function parseOrigin(r: MapReader, key: string): 'sw' | 'nw' | undefined {
  const v = r.str(key);
  if (v === undefined) return undefined;
  const l = v.toLowerCase();
  if (l === 'll' || l === 'sw') return 'sw';
  if (l === 'ul' || l === 'nw') return 'nw';
  throw r.error(key, `unknown origin value '${v}' (expected sw, ll, nw or ul)`);
}

function readGridOptions(r: MapReader): GridOptions {
  const o: GridOptions = {};
  const set = <K extends keyof GridOptions>(k: K, v: GridOptions[K] | undefined) => {
    if (v !== undefined) o[k] = v;
  };
  set('base', r.str('base'));
  set('name', r.str('name'));
  set('srs', r.str('srs'));
  set('bbox', r.bbox('bbox'));
  set('bboxSrs', r.str('bbox_srs'));
  set('tileSize', r.intPair('tile_size'));
  set('origin', parseOrigin(r, 'origin'));
  const res = r.numList('res');
  if (res !== undefined) {
    if (res.length === 0 || res.some((x) => x <= 0)) throw r.error('res', 'expected a list of positive resolutions');
    o.res = res;
  }
  const rf = r.get('res_factor');
  if (rf !== undefined && rf !== null) {
    if (rf === 'sqrt2') o.resFactor = 'sqrt2';
    else if (typeof rf === 'number' && rf > 0) o.resFactor = rf;
    else throw r.error('res_factor', `expected a number or 'sqrt2', got ${describeValue(rf)}`);
  }
  set('minRes', positive(r, 'min_res'));
  set('maxRes', positive(r, 'max_res'));
  const nl = r.int('num_levels');
  if (nl !== undefined && nl < 1) throw r.error('num_levels', `expected an integer >= 1, got ${nl}`);
  set('numLevels', nl);
  set('thresholdRes', r.numList('threshold_res'));
  set('stretchFactor', positive(r, 'stretch_factor'));
  set('maxShrinkFactor', positive(r, 'max_shrink_factor'));
  set('alignResolutionsWith', r.str('align_resolutions_with'));
  return o;
}

function positive(r: MapReader, key: string): number | undefined {
  const v = r.num(key);
  if (v !== undefined && v <= 0) throw r.error(key, `expected a number > 0, got ${v}`);
  return v;
}
