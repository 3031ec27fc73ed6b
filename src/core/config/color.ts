/**
 * MapProxy's `parse_color`: `[r, g, b]`/`[r, g, b, a]` lists, or `#rrggbb`, `#rrggbbaa`, `0xrrggbb` strings.
 * Returns null for anything else.
 */
export function parseColor(v: unknown): [number, number, number] | [number, number, number, number] | null {
  if (Array.isArray(v) && v.length >= 3 && v.length <= 4 && v.every((n) => Number.isInteger(n) && n >= 0 && n <= 255)) {
    return v as [number, number, number];
  }
  if (typeof v !== 'string') return null;
  let s = v;
  if (s.startsWith('0x')) s = s.slice(2);
  if (s.startsWith('#')) s = s.slice(1);
  if (!/^[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$/.test(s)) return null;
  const n = (i: number) => parseInt(s.slice(i, i + 2), 16);
  return s.length === 8 ? [n(0), n(2), n(4), n(6)] : [n(0), n(2), n(4)];
}
