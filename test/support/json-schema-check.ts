// A JSON Schema checker for the keywords the OGC API bundles (OpenAPI 3.0 schema objects) and the OpenAPI 3.0
// document schema (draft-04) use: $ref within the same document, type, nullable, enum, required, properties,
// patternProperties, additionalProperties, items, allOf/anyOf/oneOf/not, min/max (with draft-04 boolean
// exclusives), minItems/maxItems, minLength, pattern. `format` and `discriminator` are annotations here.

type Schema = Record<string, unknown> | boolean;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(v: unknown, t: string): boolean {
  const actual = typeOf(v);
  return actual === t || (t === 'number' && actual === 'integer');
}

const deepEqual = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export class SchemaChecker {
  constructor(private readonly root: Record<string, unknown>) {}

  private resolve(ref: string): Schema {
    if (ref === '#') return this.root;
    if (!ref.startsWith('#/')) throw new Error(`only local references are supported: ${ref}`);
    let node: unknown = this.root;
    for (const part of ref.slice(2).split('/')) {
      node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
      if (node === undefined) throw new Error(`unresolved reference ${ref}`);
    }
    return node as Schema;
  }

  /** The errors of `value` against the schema at `ref` (e.g. '#/components/schemas/landingPage'); [] when valid. */
  check(value: unknown, ref: string): string[] {
    const errors: string[] = [];
    this.walk(value, this.resolve(ref), '$', errors);
    return errors;
  }

  private walk(v: unknown, schema: Schema, path: string, errors: string[]): void {
    if (schema === true) return;
    if (schema === false) {
      errors.push(`${path}: not allowed`);
      return;
    }
    if (typeof schema.$ref === 'string') {
      this.walk(v, this.resolve(schema.$ref), path, errors);
      return;
    }
    if (v === null && schema['nullable'] === true) return;
    const t = schema['type'];
    if (typeof t === 'string' && !typeMatches(v, t)) {
      errors.push(`${path}: expected ${t}, got ${typeOf(v)}`);
      return;
    }
    if (Array.isArray(t) && !t.some((x) => typeMatches(v, x as string))) {
      errors.push(`${path}: expected one of ${t.join(', ')}, got ${typeOf(v)}`);
      return;
    }
    if (Array.isArray(schema['enum']) && !schema['enum'].some((e) => deepEqual(e, v))) errors.push(`${path}: ${JSON.stringify(v)} not in enum`);
    for (const sub of (schema['allOf'] as Schema[] | undefined) ?? []) this.walk(v, sub, path, errors);
    const count = (list: Schema[]) => list.filter((s) => { const e: string[] = []; this.walk(v, s, path, e); return e.length === 0; }).length;
    if (Array.isArray(schema['anyOf']) && count(schema['anyOf'] as Schema[]) === 0) errors.push(`${path}: matches none of anyOf`);
    if (Array.isArray(schema['oneOf']) && count(schema['oneOf'] as Schema[]) !== 1) errors.push(`${path}: matches ${count(schema['oneOf'] as Schema[])} of oneOf`);
    if (schema['not'] !== undefined) {
      const e: string[] = [];
      this.walk(v, schema['not'] as Schema, path, e);
      if (e.length === 0) errors.push(`${path}: matches a 'not' schema`);
    }
    if (typeof v === 'number') {
      const min = schema['minimum'] as number | undefined;
      const max = schema['maximum'] as number | undefined;
      if (min !== undefined && (schema['exclusiveMinimum'] === true ? v <= min : v < min)) errors.push(`${path}: ${v} below minimum ${min}`);
      if (max !== undefined && (schema['exclusiveMaximum'] === true ? v >= max : v > max)) errors.push(`${path}: ${v} above maximum ${max}`);
    }
    if (typeof v === 'string') {
      if (typeof schema['minLength'] === 'number' && v.length < schema['minLength']) errors.push(`${path}: shorter than ${schema['minLength']}`);
      if (typeof schema['pattern'] === 'string' && !new RegExp(schema['pattern'], 'u').test(v)) errors.push(`${path}: does not match ${schema['pattern']}`);
    }
    if (Array.isArray(v)) {
      if (typeof schema['minItems'] === 'number' && v.length < schema['minItems']) errors.push(`${path}: fewer than ${schema['minItems']} items`);
      if (typeof schema['maxItems'] === 'number' && v.length > schema['maxItems']) errors.push(`${path}: more than ${schema['maxItems']} items`);
      if (schema['items'] !== undefined && !Array.isArray(schema['items'])) v.forEach((item, i) => this.walk(item, schema['items'] as Schema, `${path}[${i}]`, errors));
    }
    if (typeOf(v) === 'object') {
      const obj = v as Record<string, unknown>;
      for (const r of (schema['required'] as string[] | undefined) ?? []) if (!(r in obj)) errors.push(`${path}: missing required '${r}'`);
      const props = (schema['properties'] ?? {}) as Record<string, Schema>;
      const patterns = Object.entries((schema['patternProperties'] ?? {}) as Record<string, Schema>).map(([p, s]) => [new RegExp(p, 'u'), s] as const);
      for (const [k, val] of Object.entries(obj)) {
        let matched = false;
        if (k in props) {
          matched = true;
          this.walk(val, props[k]!, `${path}.${k}`, errors);
        }
        for (const [re, s] of patterns) {
          if (re.test(k)) {
            matched = true;
            this.walk(val, s, `${path}.${k}`, errors);
          }
        }
        const extra = schema['additionalProperties'];
        if (!matched && extra !== undefined && extra !== true) this.walk(val, extra as Schema, `${path}.${k}`, errors);
      }
    }
  }
}
