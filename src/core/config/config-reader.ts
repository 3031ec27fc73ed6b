import { ConfigError, describeValue } from './errors.js';
import { isYamlMap, type YamlMap } from './merge-dict.js';

/** State shared while one configuration is read: where it came from and the warnings collected so far. */
export class ReadContext {
  readonly warnings: string[] = [];
  constructor(
    /** Named in messages: the main file, plus its base files when there are any. */
    readonly fileLabel: string,
    /** Directory of the MAIN config file; every relative path (except `base:`) resolves against it. */
    readonly configDir: string,
  ) {}

  warn(keyPath: string, message: string): void {
    this.warnings.push(`${this.fileLabel}: ${keyPath ? keyPath + ': ' : ''}${message}`);
  }

  error(keyPath: string, message: string): ConfigError {
    return new ConfigError(message, this.fileLabel, keyPath);
  }
}

export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/**
 * A mapping of the YAML tree being read. Typed getters check and convert one key each and remember it;
 * `finish()` warns about every key that no getter asked for (MapProxy warns about unknown keys, it does not fail).
 */
export class MapReader {
  private readonly used = new Set<string>();

  constructor(
    readonly ctx: ReadContext,
    readonly path: string,
    readonly raw: YamlMap,
  ) {}

  /** Reads a mapping value: null/absent is an empty mapping (YAML's empty section). */
  static of(ctx: ReadContext, path: string, value: unknown): MapReader {
    if (value === null || value === undefined) return new MapReader(ctx, path, {});
    if (!isYamlMap(value)) throw ctx.error(path, `expected a mapping, got ${describeValue(value)}`);
    return new MapReader(ctx, path, value);
  }

  keyPath(key: string): string {
    return joinPath(this.path, key);
  }

  error(key: string, message: string): ConfigError {
    return this.ctx.error(this.keyPath(key), message);
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined;
  }

  /** Present with a non-null value. */
  isSet(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  keys(): string[] {
    return Object.keys(this.raw);
  }

  /** The raw value; marks the key as known. */
  get(key: string): unknown {
    this.used.add(key);
    return this.raw[key];
  }

  /** Marks keys as known without reading them (accepted, but without effect here). */
  accept(...keys: string[]): void {
    for (const k of keys) this.used.add(k);
  }

  map(key: string): MapReader | undefined {
    const v = this.get(key);
    if (v === undefined || v === null) return undefined;
    if (!isYamlMap(v)) throw this.error(key, `expected a mapping, got ${describeValue(v)}`);
    return new MapReader(this.ctx, this.keyPath(key), v);
  }

  mapOrEmpty(key: string): MapReader {
    return this.map(key) ?? new MapReader(this.ctx, this.keyPath(key), {});
  }

  str(key: string): string | undefined {
    const v = this.get(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
    throw this.error(key, `expected a string, got ${describeValue(v)}`);
  }

  reqStr(key: string): string {
    const v = this.str(key);
    if (v === undefined) throw this.error(key, 'missing required value (expected a string)');
    return v;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const v = this.str(key);
    if (v === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(v)) {
      throw this.error(key, `expected one of ${allowed.map((a) => `'${a}'`).join(', ')}, got '${v}'`);
    }
    return v as T;
  }

  num(key: string): number | undefined {
    const v = this.get(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && !Number.isNaN(v)) return v;
    throw this.error(key, `expected a number, got ${describeValue(v)}`);
  }

  int(key: string): number | undefined {
    const v = this.num(key);
    if (v !== undefined && !Number.isInteger(v)) throw this.error(key, `expected an integer, got ${v}`);
    return v;
  }

  bool(key: string): boolean | undefined {
    const v = this.get(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    throw this.error(key, `expected true or false, got ${describeValue(v)}`);
  }

  list(key: string): unknown[] | undefined {
    const v = this.get(key);
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) throw this.error(key, `expected a list, got ${describeValue(v)}`);
    return v;
  }

  strList(key: string): string[] | undefined {
    const v = this.list(key);
    if (v === undefined) return undefined;
    return v.map((item, i) => {
      if (typeof item === 'string') return item;
      if (typeof item === 'number') return String(item);
      throw this.ctx.error(joinPath(this.keyPath(key), i), `expected a string, got ${describeValue(item)}`);
    });
  }

  numList(key: string, length?: number, what = 'numbers'): number[] | undefined {
    const v = this.list(key);
    if (v === undefined) return undefined;
    if (length !== undefined && v.length !== length) {
      throw this.error(key, `expected a list of ${length} ${what}, got ${v.length} items`);
    }
    return v.map((item, i) => {
      if (typeof item === 'number' && !Number.isNaN(item)) return item;
      throw this.ctx.error(joinPath(this.keyPath(key), i), `expected a number, got ${describeValue(item)}`);
    });
  }

  /** `[w, h]`-style pairs of positive integers (tile_size, meta_size). */
  intPair(key: string): [number, number] | undefined {
    const v = this.numList(key, 2, 'integers');
    if (v === undefined) return undefined;
    if (!v.every((n) => Number.isInteger(n) && n > 0)) {
      throw this.error(key, `expected a list of two positive integers, got [${v.join(', ')}]`);
    }
    return [v[0]!, v[1]!];
  }

  /** A bbox as `[minx, miny, maxx, maxy]` or the string `"minx,miny,maxx,maxy"`. */
  bbox(key: string): [number, number, number, number] | undefined {
    const v = this.get(key);
    if (v === undefined || v === null) return undefined;
    return parseBBox(v, this.ctx, this.keyPath(key));
  }

  /** The keys no getter asked for (yet). */
  unread(): string[] {
    return Object.keys(this.raw).filter((k) => !this.used.has(k));
  }

  /** Warns about every key no getter asked for. */
  finish(): void {
    for (const k of Object.keys(this.raw)) {
      if (!this.used.has(k)) this.ctx.warn(this.keyPath(k), 'unknown option, ignored');
    }
  }
}

export function parseBBox(v: unknown, ctx: ReadContext, keyPath: string): [number, number, number, number] {
  let parts: unknown[];
  if (typeof v === 'string') parts = v.split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
  else if (Array.isArray(v)) parts = v;
  else throw ctx.error(keyPath, `expected a bbox [minx, miny, maxx, maxy], got ${describeValue(v)}`);
  if (parts.length !== 4 || !parts.every((n) => typeof n === 'number' && Number.isFinite(n))) {
    throw ctx.error(keyPath, `expected a bbox of four numbers [minx, miny, maxx, maxy], got ${JSON.stringify(v)}`);
  }
  return parts as [number, number, number, number];
}
