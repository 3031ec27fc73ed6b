import { pyFloat } from '../util/py-format.js';

/**
 * JSON as Python's json module reads and writes it, for merging feature-info answers exactly as
 * MapProxy does: numbers keep Python's int/float distinction (a float `10.0` stays `10.0`, an int
 * `10` stays `10`), and json.dumps' default style is written (', ' and ': ', non-ASCII as \uXXXX).
 */
/** Objects are Maps: Python keeps keys in insertion order, a JS object would move integer-like keys first. */
export type PyJson = null | boolean | string | PyNumber | PyJson[] | Map<string, PyJson>;

/** A number with the lexical kind Python would give it. */
export class PyNumber {
  constructor(readonly text: string, readonly isFloat: boolean) {}
  toString(): string {
    return this.isFloat ? pyFloat(Number(this.text)) : BigInt(this.text).toString();
  }
}

const MAX_JSON_DEPTH = 1000;

export function parsePyJson(source: string): PyJson {
  let pos = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at offset ${pos}`);
  };
  const ws = () => {
    while (pos < source.length && ' \t\n\r'.includes(source[pos]!)) pos++;
  };
  let depth = 0;
  const value = (): PyJson => {
    ws();
    // Python's json gives up at its recursion limit too; this keeps hostile nesting off our stack
    if (depth > MAX_JSON_DEPTH) fail('nested too deeply');
    const c = source[pos];
    if (c === '{') {
      pos++;
      depth++;
      const obj = new Map<string, PyJson>();
      ws();
      if (source[pos] === '}') {
        pos++;
        depth--;
        return obj;
      }
      for (;;) {
        ws();
        if (source[pos] !== '"') fail('expected a key');
        const key = string();
        ws();
        if (source[pos++] !== ':') fail("expected ':'");
        // a repeated key keeps the last value but the first position, as a Python dict does
        obj.set(key, value());
        ws();
        const sep = source[pos++];
        if (sep === '}') {
          depth--;
          return obj;
        }
        if (sep !== ',') fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      pos++;
      depth++;
      const arr: PyJson[] = [];
      ws();
      if (source[pos] === ']') {
        pos++;
        depth--;
        return arr;
      }
      for (;;) {
        arr.push(value());
        ws();
        const sep = source[pos++];
        if (sep === ']') {
          depth--;
          return arr;
        }
        if (sep !== ',') fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (source.startsWith(word, pos)) {
        pos += word.length;
        return v;
      }
    }
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/.exec(source.slice(pos, pos + 400));
    if (!m) fail('unexpected character');
    pos += m![0].length;
    return new PyNumber(m![0], m![1] !== undefined || m![2] !== undefined);
  };
  const string = (): string => {
    const start = pos;
    pos++;
    let out = '';
    for (;;) {
      const c = source[pos++];
      if (c === undefined) {
        pos = start;
        fail('unterminated string');
      }
      if (c === '"') return out;
      if (c === '\\') {
        const e = source[pos++];
        if (e === 'u') {
          out += String.fromCharCode(Number.parseInt(source.slice(pos, pos + 4), 16));
          pos += 4;
        } else out += ({ b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\', '/': '/' } as Record<string, string>)[e!] ?? fail('bad escape');
      } else out += c;
    }
  };
  const result = value();
  ws();
  if (pos < source.length) fail('extra data');
  return result;
}

function dumpString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

/** json.dumps(value) with Python's defaults. */
export function dumpPyJson(v: PyJson): string {
  if (v === null) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'string') return dumpString(v);
  if (v instanceof PyNumber) return v.toString();
  if (Array.isArray(v)) return `[${v.map(dumpPyJson).join(', ')}]`;
  return `{${[...v].map(([k, x]) => `${dumpString(k)}: ${dumpPyJson(x)}`).join(', ')}}`;
}

/** Python truthiness of a JSON value (MapProxy 7 skips empty answers). */
export function pyTruthy(v: PyJson): boolean {
  if (v === null || v === false || v === '') return false;
  if (v instanceof PyNumber) return Number(v.text) !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  return true;
}
