import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGridsCommand } from '../../src/cli/util-commands.js';
import { selectTasks } from '../../src/cli/seed-command.js';
import { formatScales } from '../../src/core/seed/scales.js';
import { BBoxCoverage, GeomCoverage } from '../../src/core/geo/coverage.js';
import { getSRS } from '../../src/core/geo/srs.js';
import { clipToCoverage } from '../../src/core/image/clip.js';
import type { RawImage } from '../../src/core/image/raw-image.js';

test('scales: output of mapproxy-util scales', () => {
  assert.equal(
    formatScales([1000000], { levels: 3 }),
    ['      280.0000000000 #  0     1000000.00000000', '      140.0000000000 #  1      500000.00000000', '       70.0000000000 #  2      250000.00000000'].join('\n'),
  );
  assert.equal(
    formatScales([250000, 500000], { unit: 'd', asResConfig: true }),
    ['    res: [', '         #  res            level     scale @90.7 DPI', '            0.0012576414, #  0      500000.00000000',
      '            0.0006288207, #  1      250000.00000000', '    ]'].join('\n'),
  );
  assert.equal(formatScales([10], { resToScale: true }), '    35714.2857142857 #  0          10.00000000');
  assert.deepEqual(formatScales([100, 50], { repeat: true, levels: 4 }).split('\n').map((l) => Number(l.split('#')[1]!.trim().split(/\s+/)[1])), [100, 50, 10, 5]);
});

test('grids: levels, resolutions and tile counts, also within a coverage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seed-grids-'));
  try {
    writeFileSync(join(dir, 'mapproxy.yaml'), `
services: {tms: }
layers: [{name: l, title: l, sources: [c]}]
caches:
  c: {grids: [mygrid], sources: []}
grids:
  mygrid: {srs: 'EPSG:25832', bbox: [280000, 5200000, 920000, 6100000], res: [1000, 500, 250.5], origin: nw}
  unused: {base: GLOBAL_GEODETIC}
`);
    writeFileSync(join(dir, 'seed.yaml'), `coverages: {quarter: {bbox: [280000, 5200000, 600000, 5650000], srs: 'EPSG:25832'}}`);
    const out: string[] = [];
    const err: string[] = [];
    assert.equal(runGridsCommand({ mapproxyConf: join(dir, 'mapproxy.yaml') }, (s) => out.push(s), (s) => err.push(s)), 0);
    assert.equal(out.join('\n'), [
      'mygrid:', '    Configuration:', '        bbox: [280000, 5200000, 920000, 6100000]', "        origin: 'nw'",
      '        res: [1000, 500, 250.5]', "        srs: 'EPSG:25832'", '        tile_size*: [256, 256]',
      '    Levels: Resolutions, # x * y = total tiles',
      '        00:  1000,  #      3 * 4      =         12',
      '        01:  500,   #      5 * 8      =         40',
      '        02:  250.5, #     10 * 15     =        150',
    ].join('\n'));
    out.length = 0;
    runGridsCommand({ mapproxyConf: join(dir, 'mapproxy.yaml'), list: true, all: true }, (s) => out.push(s), (s) => err.push(s));
    assert.ok(out.includes('unused') && out.includes('mygrid'));
    out.length = 0;
    runGridsCommand({ mapproxyConf: join(dir, 'mapproxy.yaml'), seedConf: join(dir, 'seed.yaml'), coverage: 'quarter' }, (s) => out.push(s), (s) => err.push(s));
    assert.match(out.join('\n'), /Coverage: quarter covers approx\. 25\.0000% of the grid BBOX/);
    assert.match(out.join('\n'), /02:  250\.5, #     10 \* 15     =        150 \(37\)/);
    assert.equal(runGridsCommand({ mapproxyConf: join(dir, 'mapproxy.yaml'), grid: 'nope' }, () => {}, (s) => err.push(s)), 1);
    assert.match(err.join('\n'), /grid not found: nope/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--seed/--cleanup select tasks as mapproxy-seed does', () => {
  assert.deepEqual(selectTasks(), { seeds: undefined, cleanups: undefined });
  assert.deepEqual(selectTasks(['a,b', 'c']), { seeds: ['a', 'b', 'c'], cleanups: [] });
  assert.deepEqual(selectTasks(undefined, ['ALL']), { seeds: [], cleanups: undefined });
  assert.deepEqual(selectTasks(['ALL'], ['x']), { seeds: undefined, cleanups: ['x'] });
});

test('clip: outside the coverage (and inside its holes) becomes transparent', () => {
  const srs = getSRS('EPSG:4326');
  const red: RawImage = { data: Buffer.alloc(10 * 10 * 4), width: 10, height: 10 };
  for (let i = 0; i < 100; i++) red.data.writeUInt32BE(0xff0000ff, i * 4);
  const alpha = (img: RawImage, x: number, y: number) => img.data[(y * img.width + x) * 4 + 3];
  // a square 0..8 with a hole 3..5, image bbox 0..10 (1 unit per pixel, y up)
  const cov = new GeomCoverage([[[[0, 0], [8, 0], [8, 8], [0, 8]], [[3, 3], [5, 3], [5, 5], [3, 5]]]], srs, true);
  const out = clipToCoverage(red, cov, [0, 0, 10, 10], [10, 10], srs);
  assert.equal(alpha(out, 0, 9), 255, 'bottom left inside');
  assert.equal(alpha(out, 9, 9), 0, 'right of the square');
  assert.equal(alpha(out, 0, 0), 0, 'above the square (top row is y 9..10)');
  assert.equal(alpha(out, 3, 5), 0, 'in the hole');
  assert.equal(alpha(out, 1, 5), 255);
  assert.equal(clipToCoverage(red, new BBoxCoverage([-1, -1, 11, 11], srs, true), [0, 0, 10, 10], [10, 10], srs), red, 'contained: untouched');
  assert.equal(alpha(clipToCoverage(red, new BBoxCoverage([20, 20, 30, 30], srs, true), [0, 0, 10, 10], [10, 10], srs), 5, 5), 0);
});
