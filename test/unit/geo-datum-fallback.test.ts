import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BBox, Point } from '../../src/core/geo/bbox.js';
import { loadShiftGrid } from '../../src/core/geo/datum-grids.js';
import { datumOperationsFor, type DatumOperation } from '../../src/core/geo/datum-operations.js';
import { applyGridShift } from '../../src/core/geo/grid-shift.js';
import { applyChosen, pseudoArea, type Candidate } from '../../src/core/geo/operation-choice.js';
import { getSRS, TransformationError } from '../../src/core/geo/srs.js';
import { envelopeOfValidPart } from '../../src/core/geo/valid-envelope.js';

const PYPROJ = join(dirname(fileURLToPath(import.meta.url)), '..', 'support', 'pyproj_transform.py');

function proj(from: string, to: string, points: Point[]): (Point | null)[] {
  const out = execFileSync('/usr/bin/python3', [PYPROJ], { input: JSON.stringify([{ from, to, points }]), stdio: ['pipe', 'pipe', 'ignore'] });
  return (JSON.parse(out.toString()) as (Point | null)[][])[0]!;
}

function near(a: Point, b: Point, tol: number): boolean {
  return Math.abs(a[0] - b[0]) <= tol && Math.abs(a[1] - b[1]) <= tol;
}

function silently<T>(fn: () => T): { result: T; lines: number } {
  const saved = [console.log, console.warn, console.error];
  let lines = 0;
  console.log = console.warn = console.error = () => { lines++; };
  try {
    return { result: fn(), lines };
  } finally {
    [console.log, console.warn, console.error] = saved;
  }
}

describe('datum grids with PROJ\'s fallback', () => {
  const wgs84 = getSRS('EPSG:4326');

  it('uses BETA2007 inside Germany and PROJ\'s Helmert south of the grid (EPSG:31466–31469)', () => {
    for (const code of ['EPSG:31466', 'EPSG:31467', 'EPSG:31468', 'EPSG:31469']) {
      // 50° N is inside the grid, 46.5° N (Switzerland, Italy) outside it.
      const pts: Point[] = [[9, 50], [8, 46.5], [10.5, 45], [13, 46.8]];
      const want = proj('EPSG:4326', code, pts);
      const got = wgs84.transformTo(getSRS(code), pts);
      got.forEach((p, i) => assert.ok(near(p, want[i]!, 0.01), `${code} ${pts[i]}: ${p} vs PROJ ${want[i]}`));
      const back = getSRS(code).transformTo(wgs84, got);
      back.forEach((p, i) => assert.ok(near(p, pts[i]!, 1e-7), `${code} back ${p} vs ${pts[i]}`));
    }
  });

  it('transforms without the grid installed, as PROJ does (OSTN15 for EPSG:27700, NTv2_0 for NAD27)', () => {
    for (const [code, pts] of [['EPSG:27700', [[-1.5, 52], [-4, 56.5], [5, 50]]], ['EPSG:26732', [[-160, 58], [-150, 61]]]] as const) {
      const want = proj('EPSG:4326', code, pts as unknown as Point[]);
      const got = wgs84.transformTo(getSRS(code), pts as unknown as Point[]);
      got.forEach((p, i) => assert.ok(near(p, want[i]!, 0.01), `${code} ${pts[i]}: ${p} vs PROJ ${want[i]}`));
    }
  });

  it('logs nothing for points outside a grid', () => {
    const gk = getSRS('EPSG:31467');
    const pts: Point[] = [];
    for (let lat = 40; lat < 60; lat += 0.5) for (let lon = 0; lon < 20; lon += 0.5) pts.push([lon, lat]);
    const { result, lines } = silently(() => wgs84.transformTo(gk, pts));
    assert.equal(lines, 0);
    assert.ok(result.every(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  });

  it('leaves an operation out when its grid is not installed', () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-grids-'));
    const withGrid = datumOperationsFor(31467)!;
    const without = datumOperationsFor(31467, [empty])!;
    assert.ok(withGrid[0]!.needsGrids);
    assert.equal(without.length, withGrid.length - 1);
    assert.ok(without.every((op) => !op.needsGrids));
    assert.equal(datumOperationsFor(3857), null);
  });
});

describe('NTv2 grid shift', () => {
  const beta = loadShiftGrid(['BETA2007.gsb'])!;

  it('inverts its own shift and reports points outside the grid', () => {
    const p: [number, number] = [9.3, 50.7];
    assert.ok(applyGridShift([beta], p, false));
    assert.ok(Math.abs(p[0] - 9.3) > 1e-5); // DHDN → ETRS89 moves the point by tens of metres
    assert.ok(applyGridShift([beta], p, true));
    assert.ok(near(p, [9.3, 50.7], 1e-10), String(p));
    const outside: [number, number] = [9, 40];
    assert.equal(applyGridShift([beta], outside, false), false);
    assert.deepEqual(outside, [9, 40]);
  });
});

describe('PROJ\'s choice of operation per point', () => {
  const op = (name: string, accuracy: number, area: BBox, o: Partial<DatumOperation> = {}): DatumOperation => ({
    name, accuracy, area, offshore: false, unknownArea: false, needsGrids: false,
    toWgs84: () => true, fromWgs84: () => true, ...o,
  });
  const cand = (o: DatumOperation): Candidate => ({ op: o, envelopes: [o.area], pseudoArea: pseudoArea(o.area) });
  const chosen = (cands: Candidate[], x: number, y: number, fails: string[] = []) => {
    let name = '';
    const ok = applyChosen(cands, x, y, (o) => (fails.includes(o.name) ? false : ((name = o.name), true)));
    return ok ? name : null;
  };

  const grid = op('grid', 1, [0, 0, 10, 10], { needsGrids: true });
  const east = op('east', 2, [5, 0, 10, 10]);
  const wide = op('wide', 3, [0, 0, 10, 10]);
  const world = op('ballpark', -1, [-180, -90, 180, 90]);

  it('takes the best accuracy among the areas that hold the point', () => {
    const cands = [wide, east, grid].map(cand);
    assert.equal(chosen(cands, 7, 5), 'grid');
    assert.equal(chosen(cands, 7, 5, ['grid']), 'east');
    assert.equal(chosen(cands, 2, 5, ['grid']), 'wide');
  });

  it('outside every area, or when the suggestions fail, takes the first operation without a grid', () => {
    const cands = [grid, east, wide].map(cand);
    assert.equal(chosen(cands, 20, 20), 'east');
    // A single operation is applied everywhere; where its grid does not reach, nothing transforms the point.
    assert.equal(chosen([grid].map(cand), 20, 20), 'grid');
    assert.equal(chosen([grid].map(cand), 20, 20, ['grid']), null);
    // A ballpark covers the world but ranks below every known accuracy.
    assert.equal(chosen([grid, wide, world].map(cand), 3, 3), 'grid');
    assert.equal(chosen([grid, wide, world].map(cand), 30, 3), 'ballpark');
  });

  it('never lets an offshore area displace another, and prefers the smaller area at equal accuracy', () => {
    const offshore = op('offshore', 0.5, [0, 0, 10, 10], { offshore: true });
    assert.equal(chosen([wide, offshore].map(cand), 3, 3), 'wide');
    const small = op('small', 3, [0, 0, 4, 4]);
    assert.equal(chosen([wide, small].map(cand), 3, 3), 'small');
  });
});

describe('bbox transformations never shrink silently', () => {
  it('covers the whole part of the bbox that transforms when some edge points fail', () => {
    // World Mercator (EPSG:3395) has no image of the pole: the top edge of this bbox fails, its sides do not.
    const bbox: BBox = [-10, 80, 10, 90];
    const got = getSRS('EPSG:4326').transformBBoxTo(getSRS('EPSG:3395'), bbox);
    const at89 = getSRS('EPSG:4326').transformTo(getSRS('EPSG:3395'), [[0, 89.9]])[0]!;
    assert.ok(got[3] >= at89[1], `${got} ends below the image of 89.9° N (${at89[1]})`);
  });

  it('finds the edge of a domain inside the bbox', () => {
    // A transform defined only inside the unit disc: no edge point of this bbox maps, its middle does.
    const disc = (pts: Point[]) => pts.map(([x, y]): Point => (x * x + y * y < 1 ? [x, y] : [NaN, NaN]));
    const env = envelopeOfValidPart([-2, -2, 2, 2], disc)!;
    for (const v of env) assert.ok(Math.abs(Math.abs(v) - 1) < 1e-3, String(env));
    assert.equal(envelopeOfValidPart([5, 5, 6, 6], disc), null);
  });

  it('throws when no part of the bbox transforms', () => {
    assert.throws(() => getSRS('EPSG:4326').transformBBoxTo(getSRS('EPSG:3395'), [-10, 90, 10, 90]), TransformationError);
  });
});

describe('bbox transformations across the antimeridian', () => {
  it('keep a box across 180° narrow instead of spanning the world between its halves', () => {
    const merc = getSRS('EPSG:4326').transformBBoxTo(getSRS('EPSG:3857'), [170, -10, 190, 10]);
    const width20deg = 20 * (20037508.342789244 / 180);
    assert.ok(Math.abs(merc[2] - merc[0] - width20deg) < 1, String(merc));
    const geo = getSRS('EPSG:3857').transformBBoxTo(getSRS('EPSG:4326'), [19e6, -1e6, 21e6, 1e6]);
    assert.ok(geo[0] > 170 && geo[2] > 180 && geo[2] < 190, String(geo));
  });

  it('still snaps a world bbox onto the mercator square', () => {
    const m = 20037508.342789244;
    assert.deepEqual(getSRS('EPSG:4326').transformBBoxTo(getSRS('EPSG:3857'), [-180, -90, 180, 90]), [-m, -m, m, m]);
  });

  it('reads web mercator only within its square', () => {
    // Past the square's northings lie no mercator coordinates: the box is clamped onto the square's edge.
    const geo = getSRS('EPSG:3857').transformBBoxTo(getSRS('EPSG:4326'), [-1e6, 1e7, 1e6, 4e7]);
    assert.ok(Math.abs(geo[3] - 85.0511287798) < 1e-6, String(geo));
  });
});

describe('bbox transformations within the world', () => {
  it('take a world tile through its four corners as the whole world', () => {
    const m = 20037508.342789244;
    const geo = getSRS('EPSG:3857').transformBBoxTo(getSRS('EPSG:4326'), [-m, -m, m, m], 4);
    assert.ok(Math.abs(geo[0] + 180) < 1e-9 && Math.abs(geo[2] - 180) < 1e-9, String(geo));
  });
});
