// Seeding a Moon cache: a coverage in the Moon's equirectangular projection limits the tiles of a grid in the
// Moon's geographic CRS, the summary names the Moon's geographic CRS (MapProxy prints "EPSG:4326" whatever the
// world), and the cache directory is named after the grid's SRS as MapProxy names it.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { runSeedCommand } from '../../src/cli/seed-command.js';

describe('seeding a Moon grid', () => {
  let dir: string;
  /** Runs the seed command in process; its output (stdout and stderr) as text. */
  const seed = async (summary: boolean): Promise<string> => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const code = await runSeedCommand(
      { proxyConf: join(dir, 'mapproxy.yaml'), seedConf: join(dir, 'seed.yaml'), summary, progressFile: join(dir, 'progress.json') },
      { out, err: out, env: {} },
    );
    assert.equal(code, 0, Buffer.concat(chunks).toString());
    return Buffer.concat(chunks).toString();
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'iau-seed-'));
    writeFileSync(join(dir, 'mapproxy.yaml'), `
globals:
  cache: {base_dir: ${JSON.stringify(join(dir, 'cache'))}}
layers:
  - name: moon
    title: Moon
    sources: [moon_cache]
caches:
  moon_cache:
    grids: [moon_grid]
    sources: [dbg]
sources:
  dbg: {type: debug}
grids:
  moon_grid: {origin: ul, srs: 'IAU_2015:30100', bbox: [-180, -90, 180, 90]}
`);
    // ±30° of longitude and ±15° of latitude around the centre of the near side, in metres on the Moon
    const r = (1737400 * Math.PI) / 180;
    writeFileSync(join(dir, 'seed.yaml'), `
seeds:
  near_side:
    caches: [moon_cache]
    levels: {to: 2}
    coverages: [near_side]
coverages:
  near_side:
    bbox: [${-30 * r}, ${-15 * r}, ${30 * r}, ${15 * r}]
    srs: 'IAU_2015:30110'
`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('describes the coverage in the Moon geographic CRS', async () => {
    const out = await seed(true);
    assert.match(out, /Seeding cache 'moon_cache' with grid 'moon_grid' in IAU_2015:30100/);
    assert.match(out, /Limited to coverage in: -30\.00000, -15\.00000, 30\.00000, 15\.00000 \(IAU_2015:30100\)/);
  });

  it('seeds the tiles the coverage touches, in MapProxy’s directory for the grid', async () => {
    await seed(false);
    assert.ok(readdirSync(join(dir, 'cache')).includes('moon_cache_IAU_201530100'));
    const levels = readdirSync(join(dir, 'cache', 'moon_cache_IAU_201530100')).sort();
    assert.deepEqual(levels, ['00', '01', '02']);
    // level 2 is 4×2 tiles of 90°: the coverage straddles longitude 0 and the equator, so 2 columns × 2 rows
    const level2 = readdirSync(join(dir, 'cache', 'moon_cache_IAU_201530100', '02'), { recursive: true }).filter((f) => String(f).endsWith('.png'));
    assert.equal(level2.length, 4, level2.join(' '));
  });
});
