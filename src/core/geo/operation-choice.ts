import type { BBox } from './bbox.js';
import type { DatumOperation } from './datum-operations.js';

/** An operation with its area of use as envelopes in the coordinates of the points to transform. */
export interface Candidate {
  readonly op: DatumOperation;
  /** One envelope, or two for an area across the antimeridian. */
  readonly envelopes: readonly BBox[];
  /** Ranks operations of equal accuracy: the smaller area is the more specific. */
  readonly pseudoArea: number;
}

/** PROJ's measure for comparing areas of use: proportional to the area on the sphere. */
export function pseudoArea([w, s, e, n]: BBox): number {
  const width = e >= w ? e - w : e + 360 - w;
  return width * (Math.sin((n * Math.PI) / 180) - Math.sin((s * Math.PI) / 180));
}

function inside(c: Candidate, x: number, y: number): boolean {
  return c.envelopes.some((b) => x >= b[0] && y >= b[1] && x <= b[2] && y <= b[3]);
}

/**
 * The operation PROJ suggests for a point: among those whose area holds it, the best known accuracy; equal
 * accuracies go to the smaller area; an offshore area never displaces another. -1 when no area holds it.
 */
function suggest(cands: readonly Candidate[], x: number, y: number, excluded: readonly number[]): number {
  let best = -1;
  let bestAccuracy = Infinity;
  for (let i = 0; i < cands.length; i++) {
    if (excluded.includes(i)) continue;
    const alt = cands[i]!;
    if (!inside(alt, x, y)) continue;
    if (best < 0) {
      best = i;
      bestAccuracy = alt.op.accuracy;
      continue;
    }
    const cur = cands[best]!;
    const better =
      (alt.op.accuracy >= 0 &&
        (alt.op.accuracy < bestAccuracy ||
          (alt.op.accuracy === bestAccuracy && alt.pseudoArea < cur.pseudoArea && !(alt.op.unknownArea && !cur.op.unknownArea)))) ||
      bestAccuracy < 0;
    if (better && !alt.op.offshore) {
      best = i;
      bestAccuracy = alt.op.accuracy;
    }
  }
  return best;
}

/**
 * Applies to one point what PROJ's proj_trans applies: the suggested operation; where it fails (a grid that
 * does not reach the point) the next suggestion, up to three tries; then the first operation that needs no
 * grid. A single operation is used everywhere. Returns false when nothing transforms the point.
 */
export function applyChosen(
  cands: readonly Candidate[], x: number, y: number, apply: (op: DatumOperation) => boolean,
): boolean {
  if (cands.length === 1) return apply(cands[0]!.op);
  const excluded: number[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const i = suggest(cands, x, y, excluded);
    if (i < 0) break;
    if (apply(cands[i]!.op)) return true;
    excluded.push(i);
  }
  const gridless = cands.find((c) => !c.op.needsGrids);
  return gridless ? apply(gridless.op) : false;
}
