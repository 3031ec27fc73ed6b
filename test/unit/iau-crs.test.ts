// The IAU_2015 CRS of other worlds (PROJ's proj.db, as MapProxy 7 reaches them through pyproj) against PROJ
// itself (Debian's python3-pyproj): every projected CRS from its geographic one, axis order, the body's
// geographic CRS, and the refusal to transform between bodies.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import table from '../../src/core/geo/data/iau-crs.json' with { type: 'json' };
import type { Point } from '../../src/core/geo/bbox.js';
import { MapExtent } from '../../src/core/geo/extent.js';
import { tileGrid } from '../../src/core/geo/grid.js';
import { getSRS, TransformationError, UnknownSRSError } from '../../src/core/geo/srs.js';
import { selectSrs } from '../../src/core/geo/srs-selection.js';
import { projTransform as proj, type ProjJob as Job } from '../support/pyproj.js';

const geographic = table.geographic as Record<string, { name: string; axes: string; proj4: string; planetocentric?: boolean }>;
const projected = table.projected as unknown as Record<string, [number, number, string]>;

/** 5×5 points around the projection's centre (longitude 0 or 180), within 60° of it. */
function lattice(conversion: string): Point[] {
  const clon = /\+lon_0=180\b/.test(conversion) ? 180 : 0;
  const pts: Point[] = [];
  for (const dlon of [-60, -29.5, 0.5, 30.25, 60]) {
    for (const lat of [-60, -29.5, 0.5, 30.25, 60]) {
      const lon = clon + dlon;
      pts.push([lon > 180 ? lon - 360 : lon, lat]);
    }
  }
  return pts;
}

describe('IAU_2015 CRS', () => {
  it('projects as PROJ does: every projected CRS from its geographic CRS, every body', () => {
    const jobs: Job[] = [];
    const ours: Point[][] = [];
    const failed: string[] = [];
    const refused: string[] = [];
    for (const [code, [base, conv]] of Object.entries(projected)) {
      const g = geographic[String(base)]!;
      const pts = lattice(table.conversions[conv]!.proj4);
      // west-positive longitudes: our x is the west longitude; pyproj's always_xy leaves a lat/west-lon CRS and
      // a planetocentric one in latitude-first order, so PROJ gets latitude first there
      const west = g.axes === 'NW';
      const input = west ? pts.map(([lon, lat]) => [-lon, lat] as Point) : pts;
      const latFirst = west || g.planetocentric === true;
      jobs.push({ from: `IAU_2015:${base}`, to: `IAU_2015:${code}`, points: latFirst ? input.map(([x, y]) => [y, x] as Point) : input });
      try {
        const [from, to] = [getSRS(`IAU_2015:${base}`), getSRS(`IAU_2015:${code}`)];
        // point by point: where PROJ fails too (a transverse mercator 60° off a comet's meridian), so may we
        ours.push(input.map((p) => {
          try {
            return from.transformTo(to, [p])[0]!;
          } catch (err) {
            if (err instanceof TransformationError) return [NaN, NaN] as Point;
            throw err;
          }
        }));
      } catch (err) {
        jobs.pop();
        if (err instanceof UnknownSRSError && /orthographic projection on an ellipsoid/.test(err.message)) refused.push(code);
        else failed.push(`IAU_2015:${code}: ${(err as Error).message}`);
      }
    }
    assert.ok(jobs.length > 1700, `${jobs.length} projected CRS`);
    assert.deepEqual(failed.slice(0, 10), [], `${failed.length} CRS fail`);
    // refused: exactly the orthographic maps (clon 0 and 180) of the ellipsoidal bodies
    const orthoOnEllipsoid = Object.entries(projected)
      .filter(([, [base, conv]]) => /\+proj=ortho\b/.test(table.conversions[conv]!.proj4) && !/\+R=/.test(geographic[String(base)]!.proj4))
      .map(([code]) => code);
    assert.equal(orthoOnEllipsoid.length, 38);
    assert.deepEqual(refused, orthoOnEllipsoid);
    const expected = proj(jobs);
    const bad: string[] = [];
    expected.forEach((pts, j) => {
      pts.forEach((e, i) => {
        const a = ours[j]![i]!;
        if (!e) {
          if (Number.isFinite(a[0])) bad.push(`${jobs[j]!.to} ${jobs[j]!.points[i]}: ${a} where PROJ fails`);
          return;
        }
        const tol = 1e-6 * Math.max(1, Math.abs(e[0]), Math.abs(e[1]));
        if (!(Math.abs(a[0] - e[0]) <= tol && Math.abs(a[1] - e[1]) <= tol)) bad.push(`${jobs[j]!.to} ${jobs[j]!.points[i]}: ${a} vs PROJ ${e}`);
      });
    });
    assert.deepEqual(bad.slice(0, 10), [], `${bad.length} points differ from PROJ`);
  });

  it("keeps the body's radius: a degree of the Moon's equator is 30.32 km", () => {
    const moon = getSRS('IAU_2015:30100');
    assert.equal(moon.semiMajorMeters, 1737400);
    const [[x]] = moon.transformTo(getSRS('IAU_2015:30110'), [[1, 0]]) as [[number, number]];
    assert.ok(Math.abs(x - (1737400 * Math.PI) / 180) < 1e-6, String(x));
    assert.equal(getSRS('IAU_2015:49900').semiMajorMeters, 3396190);
  });

  it('orders axes as PROJ: geographic CRS latitude first, projected CRS east (or west) first', () => {
    assert.equal(getSRS('IAU_2015:30100').isAxisOrderNE, true);
    assert.equal(getSRS('IAU_2015:30110').isAxisOrderNE, false);
    assert.equal(getSRS('IAU_2015:49901').isAxisOrderNE, true); // Mars planetographic: latitude, west longitude
    assert.equal(getSRS('IAU_2015:49911').isAxisOrderNE, false);
    assert.equal(getSRS('IAU_2015:30100').isLatLong, true);
    assert.equal(getSRS('IAU_2015:30110').isLatLong, false);
  });

  it('reads planetographic west longitudes as PROJ: 10°W on Mars is 10°E negated', () => {
    const [[lon, lat]] = getSRS('IAU_2015:49901').transformTo(getSRS('IAU_2015:49900'), [[10, 20]]) as [[number, number]];
    assert.equal(lon, -10);
    assert.ok(Math.abs(lat - 20) < 1e-9);
  });

  it("names the body's geographic CRS (MapProxy 7's get_geographic_srs) and extents merge in it", () => {
    assert.equal(getSRS('IAU_2015:30110').geographic.code, 'IAU_2015:30100');
    assert.equal(getSRS('IAU_2015:30100').geographic.code, 'IAU_2015:30100');
    assert.equal(getSRS('EPSG:3857').geographic.code, 'EPSG:4326');
    assert.equal(getSRS('IAU_2015:30110').body, 'Moon');
    assert.equal(getSRS('EPSG:25832').body, 'Earth');
    const r = (1737400 * Math.PI) / 180;
    const a = new MapExtent([-90 * r, 0, 0, 45 * r], getSRS('IAU_2015:30110'));
    const b = new MapExtent([10, -10, 20, 10], getSRS('IAU_2015:30100'));
    const u = a.union(b);
    assert.equal(u.srs.code, 'IAU_2015:30100');
    u.bbox.forEach((v, i) => assert.ok(Math.abs(v - [-90, -10, 20, 45][i]!) < 1e-9, `${u.bbox}`));
  });

  it('reads IAU:nnnnn as IAU_2015:nnnnn (PROJ maps the unversioned authority to its latest version)', () => {
    assert.ok(getSRS('IAU:30100').equals(getSRS('IAU_2015:30100')));
    assert.ok(getSRS('iau_2015:30110').equals(getSRS('IAU_2015:30110')));
  });

  it('refuses to transform between bodies, as PROJ does, and transforms IAU Earth to EPSG:4326', () => {
    const moon = getSRS('IAU_2015:30100');
    assert.throws(() => moon.transformTo(getSRS('EPSG:4326'), [[0, 0]]), (e: unknown) =>
      e instanceof TransformationError && /IAU_2015:30100 is a CRS of the Moon, EPSG:4326 of the Earth/.test(e.message));
    assert.throws(() => getSRS('EPSG:3857').transformBBoxTo(getSRS('IAU_2015:30110'), [0, 0, 1, 1]), TransformationError);
    assert.throws(() => moon.transformTo(getSRS('IAU_2015:49900'), [[0, 0]]), /of the Mars/);
    // the IAU's Earth sphere is the Earth: PROJ takes the ballpark (same longitude and latitude)
    const [[lon, lat]] = getSRS('IAU_2015:39900').transformTo(getSRS('EPSG:4326'), [[10, 20]]) as [[number, number]];
    assert.ok(Math.abs(lon - 10) < 1e-9 && Math.abs(lat - 20) < 1e-9, `${lon},${lat}`);
  });

  it('chooses a source CRS of the same body', () => {
    const available = [getSRS('EPSG:4326'), getSRS('IAU_2015:30110'), getSRS('IAU_2015:30100')];
    assert.equal(selectSrs(getSRS('IAU_2015:30115'), available).code, 'IAU_2015:30110');
    assert.equal(selectSrs(getSRS('IAU_2015:30165'), [getSRS('EPSG:4326'), getSRS('IAU_2015:30100')]).code, 'IAU_2015:30100');
  });

  it('refuses codes PROJ does not know, and orthographic maps of an ellipsoid', () => {
    assert.throws(() => getSRS('IAU_2015:30199'), UnknownSRSError);
    assert.throws(() => getSRS('IAU_2000:30100'), UnknownSRSError);
    assert.throws(() => getSRS('IAU_2015:49966'), (e: unknown) => e instanceof UnknownSRSError && /orthographic projection on an ellipsoid/.test(e.message));
  });

  it('converts planetocentric latitudes (the `…02` CRS, latitude from the centre) as PROJ does', () => {
    const pts: Point[] = [[20, 10], [-120.5, -45.25], [33, 89.5], [179, -0.5]];
    // PROJ's always_xy keeps a planetocentric CRS and a west-longitude one latitude first
    const flip = (p: readonly Point[]) => p.map(([x, y]) => [y, x] as Point);
    const bodies = ['199', '399', '499', '599', '1000036'];
    const jobs: Job[] = bodies.map((b) => ({ from: `IAU_2015:${b}02`, to: `IAU_2015:${b}00`, points: flip(pts) }));
    jobs.push({ from: 'IAU_2015:49902', to: 'IAU_2015:49901', points: flip(pts) });
    const [mars, ...spheres] = [proj(jobs).pop()!, ...proj(jobs.slice(0, -1))];
    const close = (a: Point, e: Point | null, what: string) =>
      assert.ok(e && Math.abs(a[0] - e[0]) < 1e-9 && Math.abs(a[1] - e[1]) < 1e-9, `${what}: ${a} vs PROJ ${e}`);
    bodies.forEach((b, j) => {
      const ours = getSRS(`IAU_2015:${b}02`).transformTo(getSRS(`IAU_2015:${b}00`), pts);
      ours.forEach((a, i) => close(a, spheres[j]![i]!, `${b}02→${b}00 ${pts[i]}`));
    });
    // Mars planetographic: west longitudes, the same latitudes as through the sphere
    getSRS('IAU_2015:49902').transformTo(getSRS('IAU_2015:49901'), pts).forEach((a, i) => close(a, flip([mars[i]!])[0]!, `49902→49901 ${pts[i]}`));
    assert.equal(getSRS('IAU_2015:49902').isAxisOrderNE, true);
    assert.equal(getSRS('IAU_2015:49912').geographic.code, 'IAU_2015:49902');
  });

  it("builds MapProxy 7's moon_grid: 1.40625° at level 0, tile 0/0/0 reaching 270° south of the north pole", () => {
    const grid = tileGrid({ name: 'moon_grid', srs: 'IAU_2015:30100', bbox: [-180, -90, 180, 90], origin: 'ul' });
    assert.equal(grid.resolutions[0], 1.40625);
    assert.deepEqual(grid.gridSize(1), [2, 1]);
    // MapProxy 7's test_tile: Content-Bbox -270,-180,90,180 for tile 0/0/0 (latitude first)
    assert.deepEqual(grid.tileBBox([0, 0, 0]), [-180, -270, 180, 90]);
    // a request in the Moon's equirectangular projection finds level 1
    const r = (1737400 * Math.PI) / 180;
    const { level } = grid.affectedBBoxAndLevel([-90 * r, -45 * r, 90 * r, 45 * r], [256, 128], getSRS('IAU_2015:30110'));
    assert.equal(level, 1);
  });
});
