import type { JsonSchema } from './config-schema.js';

export type ValuePath = (string | number)[];

export interface SchemaError {
  path: ValuePath;
  message: string;
  /** The error is about a key itself (not allowed here), so its line is the key's. */
  atKey?: boolean;
}

const typeOf = (v: unknown): string => {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'string'; // YAML timestamps: MapProxy's readers take them as times
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
};

const typeMatches = (want: string, v: unknown): boolean => {
  const t = typeOf(v);
  return want === t || (want === 'number' && t === 'integer');
};

const describe = (v: unknown): string => {
  const t = typeOf(v);
  if (t === 'string' || t === 'number' || t === 'integer' || t === 'boolean') return `${t} ${JSON.stringify(v instanceof Date ? v.toISOString() : v)}`;
  return t === 'object' ? 'a mapping' : t === 'array' ? 'a list' : 'nothing (null)';
};

const article = (t: string) => (t === 'object' ? 'a mapping' : t === 'array' ? 'a list' : /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);

/** Names the keys allowed instead when they are few enough to read, or the one a typo most likely meant. */
function unknownKey(key: string, known: string[]): string {
  if (known.length <= 10) return `unknown key '${key}' (expected one of ${known.join(', ')})`;
  const close = known.find((k) => k.replace(/_/g, '') === key.replace(/_/g, '') || k.startsWith(key) || key.startsWith(k));
  return close ? `unknown key '${key}' (did you mean '${close}'?)` : `unknown key '${key}'`;
}

/**
 * Checks a value against the subset of JSON Schema draft-07 that config-schema.ts uses (type, properties,
 * additionalProperties, required, items, minItems, maxItems, enum, anyOf, local $ref) and returns every error
 * with the path of the value, so each can be shown at its line.
 */
export function checkSchema(root: JsonSchema, value: unknown): SchemaError[] {
  const errors: SchemaError[] = [];
  const resolveRef = (s: JsonSchema): JsonSchema => {
    let cur = s;
    while (typeof cur.$ref === 'string') {
      const name = (cur.$ref as string).replace('#/definitions/', '');
      cur = (root.definitions as Record<string, JsonSchema>)[name]!;
    }
    return cur;
  };
  const check = (schema0: JsonSchema, v: unknown, path: ValuePath, out: SchemaError[]): void => {
    const schema = resolveRef(schema0);
    if (Array.isArray(schema.anyOf)) {
      // nested anyOf (a nullable choice) counts as one list of alternatives
      const flat = (list: JsonSchema[]): JsonSchema[] => list.flatMap((b) => {
        const r = resolveRef(b);
        return Array.isArray(r.anyOf) ? flat(r.anyOf as JsonSchema[]) : [b];
      });
      const branches = flat(schema.anyOf as JsonSchema[]).map((b) => {
        const errs: SchemaError[] = [];
        check(b, v, path, errs);
        return { b: resolveRef(b), errs };
      });
      if (branches.some((x) => x.errs.length === 0)) return;
      // the branch of the value's type says best what is wrong inside; else list the accepted kinds
      const sameType = branches.filter((x) => typeof x.b.type === 'string' && typeMatches(x.b.type as string, v));
      if (sameType.length === 1) {
        out.push(...sameType[0]!.errs);
        return;
      }
      const kinds = branches.map((x) => (typeof x.b.type === 'string' ? article(x.b.type as string) : Array.isArray(x.b.enum) ? `one of ${(x.b.enum as unknown[]).map((e) => JSON.stringify(e)).join(', ')}` : 'a value')).filter((k, i, all) => all.indexOf(k) === i);
      out.push({ path, message: `expected ${kinds.join(' or ')}, got ${describe(v)}` });
      return;
    }
    if (Array.isArray(schema.enum)) {
      if (!(schema.enum as unknown[]).some((e) => e === v)) out.push({ path, message: `expected one of ${(schema.enum as unknown[]).map((e) => JSON.stringify(e)).join(', ')}, got ${describe(v)}` });
      return;
    }
    if (typeof schema.type === 'string' && !typeMatches(schema.type, v)) {
      out.push({ path, message: `expected ${article(schema.type)}, got ${describe(v)}` });
      return;
    }
    if (Array.isArray(v)) {
      if (typeof schema.minItems === 'number' && v.length < schema.minItems) out.push({ path, message: `expected at least ${schema.minItems} items, got ${v.length}` });
      if (typeof schema.maxItems === 'number' && v.length > schema.maxItems) out.push({ path, message: `expected at most ${schema.maxItems} items, got ${v.length}` });
      if (schema.items) v.forEach((item, i) => check(schema.items as JsonSchema, item, [...path, i], out));
      return;
    }
    if (typeOf(v) === 'object') {
      const o = v as Record<string, unknown>;
      const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
      for (const req of (schema.required ?? []) as string[]) if (!(req in o)) out.push({ path, message: `'${req}' is required` });
      for (const [k, val] of Object.entries(o)) {
        if (k in props) check(props[k]!, val, [...path, k], out);
        else if (schema.additionalProperties === false) {
          out.push({ path: [...path, k], message: unknownKey(k, Object.keys(props)), atKey: true });
        } else if (typeof schema.additionalProperties === 'object') check(schema.additionalProperties as JsonSchema, val, [...path, k], out);
      }
    }
  };
  check(root, value, [], errors);
  return errors;
}

/** `caches.osm.grids[0]` as written in our error messages. */
export function formatPath(path: ValuePath): string {
  return path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${k}` : k), '');
}

/** The reverse of formatPath, for the key paths of ConfigError. */
export function parsePath(text: string): ValuePath {
  const out: ValuePath = [];
  for (const m of text.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}
