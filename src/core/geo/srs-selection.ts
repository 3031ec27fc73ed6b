import type { SRS } from './srs.js';

/** globals.srs.preferred_src_proj: for a target SRS code, the source SRS codes to try in order. */
export type PreferredSrcProj = Readonly<Record<string, readonly string[]>>;

/**
 * The SRS to fetch from when the target is not available, as MapProxy's PreferredSrcSRS:
 * the target itself, else the configured preferences, else the first of the same kind
 * (geographic or projected), else the first.
 */
export function selectSrs(target: SRS, available: readonly SRS[], preferred?: PreferredSrcProj): SRS {
  if (available.length === 0) throw new Error('no available source SRS');
  const exact = available.find((s) => s.equals(target));
  if (exact) return exact;
  for (const code of preferred?.[target.code] ?? []) {
    const match = available.find((s) => s.code === code.toUpperCase());
    if (match) return match;
  }
  return available.find((s) => s.isLatLong === target.isLatLong) ?? available[0];
}
