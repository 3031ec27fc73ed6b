// CRSs whose definition names a datum grid, against PROJ (Debian's python3-pyproj, what MapProxy uses): the
// grid where it reaches, PROJ's fallback operation (Helmert or ballpark) elsewhere, an answer without the grid.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import table from '../../src/core/geo/data/datum-operations.json' with { type: 'json' };
import type { Point } from '../../src/core/geo/bbox.js';
import { getSRS } from '../../src/core/geo/srs.js';
import { projTransform as proj, type ProjJob as Job } from '../support/pyproj.js';

const SUPPORT = join(dirname(fileURLToPath(import.meta.url)), '..', 'support');
const PYTHON = '/usr/bin/python3';
function areasOf(codes: readonly string[]): Record<string, [number, number, number, number] | null> {
  const out = execFileSync(PYTHON, [join(SUPPORT, 'pyproj_areas.py'), ...codes], { stdio: ['ignore', 'pipe', 'ignore'] });
  return JSON.parse(out.toString());
}

/** 9×9 points over the CRS's area of use widened by 1.5° (so the lattice leaves the grid), off the grid lines. */
function lattice([w, s, e, n]: readonly number[]): Point[] {
  if (e < w) e += 360;
  const [x0, y0, x1, y1] = [w - 1.5, Math.max(-89, s - 1.5), e + 1.5, Math.min(89, n + 1.5)];
  const pts: Point[] = [];
  for (let i = 0; i <= 8; i++) {
    for (let j = 0; j <= 8; j++) {
      const lon = x0 + ((x1 - x0) * i) / 8 + 0.0123;
      pts.push([lon > 180 ? lon - 360 : lon, y0 + ((y1 - y0) * j) / 8 + 0.0071]);
    }
  }
  return pts;
}

function ours(from: string, to: string, p: Point): Point | null {
  try {
    return getSRS(from).transformTo(getSRS(to), [p])[0]!;
  } catch {
    return null;
  }
}

describe('CRSs with datum grids against PROJ', () => {
  const codes = Object.keys((table as { crs: Record<string, unknown> }).crs);

  it('names every epsg-index code with a grid', () => {
    // 309 codes, from DHDN (BETA2007) over NZGD49 and OSGB36 (OSTN15) to NAD27 (NTv2_0).
    for (const c of ['31466', '31467', '31468', '31469', '27200', '4272', '27700', '4267', '26732', '2204']) {
      assert.ok(codes.includes(c), c);
    }
  });

  it('agrees with PROJ on a lattice inside and around every CRS, both ways', () => {
    const areas = areasOf(codes);
    const fwdJobs: Job[] = codes.map((c) => ({ from: 'EPSG:4326', to: `EPSG:${c}`, points: lattice(areas[c] ?? [-180, -89, 180, 89]) }));
    const fwd = proj(fwdJobs);
    // Back from PROJ's own coordinates, so both directions are compared on the same ground points.
    const invJobs: Job[] = codes.map((c, k) => ({ from: `EPSG:${c}`, to: 'EPSG:4326', points: fwd[k]!.filter((p): p is Point => p !== null) }));
    const inv = proj(invJobs);
    const failures: string[] = [];
    const check = (job: Job, ref: readonly (Point | null)[], tol: number) => {
      job.points.forEach((p, i) => {
        const want = ref[i] ?? null;
        const got = ours(job.from, job.to, p);
        if (!want) return; // PROJ has no answer either (outside the projection)
        if (!got) failures.push(`${job.from}→${job.to} (${p}): no result, PROJ ${want}`);
        else if (Math.abs(got[0] - want[0]) > tol || Math.abs(got[1] - want[1]) > tol) {
          failures.push(`${job.from}→${job.to} (${p}): ${got} vs PROJ ${want}`);
        }
      });
    };
    fwdJobs.forEach((job, k) => check(job, fwd[k]!, getSRS(job.to).isLatLong ? 1e-6 : 0.1));
    invJobs.forEach((job, k) => check(job, inv[k]!, 1e-6));
    const total = fwdJobs.reduce((n, j) => n + j.points.length, 0) * 2;
    assert.deepEqual(failures.slice(0, 20), [], `${failures.length} of ${total} points differ from PROJ`);
  });
});
