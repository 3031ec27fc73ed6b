/** MapProxy's durations (`120s`, `15m`, `0.5h`, `3d`) in seconds; throws on anything else. */
export function parseDuration(text: string): number {
  const m = /^(\d*\.?\d+)([smhd])/.exec(text);
  if (!m) throw new Error(`invalid duration '${text}', not in format: 10s, 0.5h, etc.`);
  const factor = { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * factor;
}
