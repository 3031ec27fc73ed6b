import { getSRS, type SRS } from './srs.js';

/** `globals.srs.preferred_src_proj`: target SRS code → source SRS codes to prefer, in order. */
export type PreferredSrcProj = Readonly<Record<string, readonly string[]>>;

/**
 * The SRS to request from a source (or the grid to use) for a `target` SRS, as MapProxy's PreferredSrcSRS:
 * the target itself if available, else the first available of the preferred list for the target, else the first
 * available of the same kind (geographic vs projected), else the first available, looking at the CRS of the target's
 * celestial body before the others. Returns an element of `available`.
 */
export function selectSrs(target: SRS, available: readonly SRS[], preferred?: PreferredSrcProj): SRS {
  if (available.length === 0) throw new Error('no available source SRS');
  const exact = available.find((s) => s.equals(target));
  if (exact) return exact;
  if (preferred) {
    for (const [targetCode, codes] of Object.entries(preferred)) {
      if (!getSRS(targetCode).equals(target)) continue;
      for (const code of codes) {
        const want = getSRS(code);
        const hit = available.find((s) => s.equals(want));
        if (hit) return hit;
      }
    }
  }
  // a CRS of another world never transforms to the target: choose among the target's own world first
  const sameWorld = available.filter((s) => s.body === target.body);
  const pool = sameWorld.length ? sameWorld : available;
  return pool.find((s) => s.isLatLong === target.isLatLong) ?? pool[0]!;
}
