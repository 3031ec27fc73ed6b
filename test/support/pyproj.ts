// Coordinates transformed by PROJ itself (pyproj under Debian's Python), the reference our geo module is checked against.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Point } from '../../src/core/geo/bbox.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'pyproj_transform.py');

/** Points to transform from one CRS to another; PROJ answers null for a point it cannot transform. */
export interface ProjJob { from: string; to: string; points: Point[] }

/** Every job's points as PROJ transforms them (test/support/pyproj_transform.py), in one Python run. */
export function projTransform(jobs: ProjJob[]): (Point | null)[][] {
  const out = execFileSync('/usr/bin/python3', [SCRIPT], {
    input: JSON.stringify(jobs), maxBuffer: 1 << 28, stdio: ['pipe', 'pipe', 'ignore'],
  });
  return JSON.parse(out.toString()) as (Point | null)[][];
}
