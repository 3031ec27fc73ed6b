/**
 * Request parameters with case-insensitive names that keep the spelling and position of their
 * first occurrence (MapProxy's NoCaseMultiDict), so upstream query strings come out in
 * MapProxy's order.
 */
export class OrderedParams {
  private readonly entries: [key: string, value: string][] = [];

  constructor(init?: Iterable<readonly [string, string]>) {
    if (init) for (const [k, v] of init) this.set(k, v);
  }

  private index(key: string): number {
    const lower = key.toLowerCase();
    return this.entries.findIndex(([k]) => k.toLowerCase() === lower);
  }

  get(key: string): string | undefined {
    const i = this.index(key);
    return i >= 0 ? this.entries[i][1] : undefined;
  }

  has(key: string): boolean {
    return this.index(key) >= 0;
  }

  /** Replaces the value in place, or appends a new parameter. */
  set(key: string, value: string): this {
    const i = this.index(key);
    if (i >= 0) this.entries[i][1] = value;
    else this.entries.push([key, value]);
    return this;
  }

  delete(key: string): this {
    const i = this.index(key);
    if (i >= 0) this.entries.splice(i, 1);
    return this;
  }

  copy(): OrderedParams {
    return new OrderedParams(this.entries);
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries.map(([k, v]) => [k, v] as [string, string])[Symbol.iterator]();
  }

  /** `key=value&…` with values quoted as Python's quote(value, safe=','); names are left as they are. */
  toQueryString(): string {
    return this.entries.map(([k, v]) => `${k}=${pyQuote(v)}`).join('&');
  }
}

const UNRESERVED = /[A-Za-z0-9_.\-~,]/;

/** Python's urllib.parse.quote(value, safe=','): UTF-8, upper-case hex, only unreserved characters and ',' kept. */
export function pyQuote(value: string): string {
  let out = '';
  for (const ch of value) {
    if (UNRESERVED.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Python's str() of a YAML scalar, as MapProxy puts it into requests (`true` → 'True'). */
export function pyStr(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}
