/**
 * MapProxy's `base:` merge (`loader.merge_dict` of 7.0): `conf` (the overriding side) is merged into `base`.
 * - mappings merge recursively; a null override keeps the base mapping/list
 * - lists under these keys are replaced by the override
 * - `layers` lists merge by layer name (same name: merged recursively, base order kept; new names appended)
 * - an empty list deletes the key (sets it to null)
 * - any other list is concatenated (base + override)
 * - everything else is replaced
 * Unlike the Python code this never mutates its arguments.
 */
const REPLACED_LIST_KEYS = new Set(['bbox', 'tile_size', 'max_output_pixels', 'sources', 'grids', 'res']);

export type YamlMap = Record<string, unknown>;

export function isYamlMap(v: unknown): v is YamlMap {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
}

export function mergeDict(conf: YamlMap, base: YamlMap): YamlMap {
  const out: YamlMap = { ...base };
  for (const [k, v] of Object.entries(conf)) {
    if (!(k in out)) {
      out[k] = v;
      continue;
    }
    const b = out[k];
    if (isYamlMap(b)) {
      if (v === null || v === undefined) continue;
      // MapProxy would crash merging a non-mapping into a mapping; the override winning is the sensible reading.
      out[k] = isYamlMap(v) ? mergeDict(v, b) : v;
    } else if (Array.isArray(b)) {
      if (v === null || v === undefined) continue;
      if (!Array.isArray(v)) out[k] = v;
      else if (REPLACED_LIST_KEYS.has(k)) out[k] = v;
      else if (k === 'layers') out[k] = mergeLayers(v, b);
      else if (v.length === 0) out[k] = null;
      else out[k] = [...b, ...v];
    } else {
      out[k] = v;
    }
  }
  return out;
}

function layerName(l: unknown): string | undefined {
  if (!isYamlMap(l)) return undefined;
  const n = l['name'];
  return n === undefined || n === null ? undefined : String(n);
}

/**
 * Layer lists merge by `name`. MapProxy crashes on unnamed layers here (issue #490); we treat an unnamed layer
 * as never matching, so it is kept (base) or appended (override).
 */
export function mergeLayers(conf: unknown[], base: unknown[]): unknown[] {
  const out: unknown[] = [];
  const remaining = new Set<string>();
  for (const c of conf) {
    const n = layerName(c);
    if (n !== undefined) remaining.add(n);
  }
  for (const b of base) {
    const bn = layerName(b);
    const match = bn === undefined ? undefined : conf.find((c) => layerName(c) === bn);
    if (bn !== undefined && match !== undefined && remaining.has(bn)) {
      out.push(mergeDict(match as YamlMap, b as YamlMap));
      remaining.delete(bn);
    } else {
      out.push(b);
    }
  }
  for (const c of conf) {
    const n = layerName(c);
    if (n === undefined || remaining.has(n)) {
      out.push(c);
      if (n !== undefined) remaining.delete(n);
    }
  }
  return out;
}
