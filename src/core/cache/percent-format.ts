/**
 * Python's printf-style formatting with a mapping (`'%(z)d-%(x)s' % values`), as MapProxy applies it to
 * configured templates such as the CouchDB `tile_id`. Only the conversions such templates can use are known:
 * integers (d, i, u, x, X, o) and strings (s); anything else is rejected when the template is parsed, so a
 * configuration error shows at start-up and not on the first tile.
 */

type Conversion = 'd' | 'i' | 'u' | 'x' | 'X' | 'o' | 's';

interface Placeholder {
  readonly key: string;
  readonly flags: string;
  readonly width: number;
  readonly precision: number | null;
  readonly conversion: Conversion;
}

/** A parsed template: literal text and placeholders in order. */
export type PercentTemplate = readonly (string | Placeholder)[];

const SPEC = /%(?:\(([^)]*)\))?([#0\- +]*)(\d*)(?:\.(\d+))?[hlL]?([a-zA-Z%])/g;
const CONVERSIONS = new Set<string>(['d', 'i', 'u', 'x', 'X', 'o', 's']);

export class PercentFormatError extends Error {
  override readonly name = 'PercentFormatError';
}

/** Parses `template`; throws PercentFormatError for placeholders without a key or with unknown conversions. */
export function parsePercentTemplate(template: string): PercentTemplate {
  const parts: (string | Placeholder)[] = [];
  let last = 0;
  for (const m of template.matchAll(SPEC)) {
    const literal = template.slice(last, m.index);
    last = m.index + m[0].length;
    if (m[0] === '%%') {
      parts.push(literal + '%');
      continue;
    }
    if (m[1] === undefined) throw new PercentFormatError(`'${m[0]}' at position ${m.index}: expected %(name)s or %(name)d`);
    const conversion = m[5] as string;
    if (conversion === '%' || !CONVERSIONS.has(conversion)) {
      throw new PercentFormatError(`'${m[0]}': unsupported conversion '${conversion}' (expected one of d, i, u, x, X, o, s)`);
    }
    if (literal) parts.push(literal);
    parts.push({
      key: m[1],
      flags: m[2] ?? '',
      width: m[3] ? Number(m[3]) : 0,
      precision: m[4] !== undefined ? Number(m[4]) : null,
      conversion: conversion as Conversion,
    });
  }
  const rest = template.slice(last);
  if (rest.includes('%')) throw new PercentFormatError(`incomplete format at position ${last + rest.indexOf('%')}`);
  if (rest) parts.push(rest);
  return parts;
}

/** Formats `template` with `values`; a missing key throws (Python's KeyError), a string for %d too (TypeError). */
export function percentFormat(template: PercentTemplate, values: Readonly<Record<string, string | number>>): string {
  let out = '';
  for (const part of template) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    const value = values[part.key];
    if (value === undefined) throw new PercentFormatError(`unknown key '${part.key}' (expected one of ${Object.keys(values).join(', ')})`);
    out += formatOne(part, value);
  }
  return out;
}

function formatOne(p: Placeholder, value: string | number): string {
  const left = p.flags.includes('-');
  if (p.conversion === 's') {
    let s = String(value);
    if (p.precision !== null) s = s.slice(0, p.precision);
    return left ? s.padEnd(p.width) : s.padStart(p.width);
  }
  if (typeof value !== 'number') throw new PercentFormatError(`%${p.conversion} format: a number is required for '${p.key}', not a string`);
  const n = Math.trunc(value);
  const base = p.conversion === 'x' || p.conversion === 'X' ? 16 : p.conversion === 'o' ? 8 : 10;
  let digits = Math.abs(n).toString(base);
  if (p.conversion === 'X') digits = digits.toUpperCase();
  if (p.precision !== null) digits = digits.padStart(p.precision, '0');
  const prefix = p.flags.includes('#') && base !== 10 ? (base === 16 ? (p.conversion === 'X' ? '0X' : '0x') : '0o') : '';
  const sign = (n < 0 ? '-' : p.flags.includes('+') ? '+' : p.flags.includes(' ') ? ' ' : '') + prefix;
  if (left) return (sign + digits).padEnd(p.width);
  // zero padding goes between the sign (and 0x) and the digits, as in Python
  if (p.flags.includes('0')) return sign + digits.padStart(p.width - sign.length, '0');
  return (sign + digits).padStart(p.width);
}
