// GDAL as a WMS-C client: its WMS driver reads the TileSets of `tiled=true` capabilities as subdatasets and then
// fetches only whole tiles with tiled GetMap requests, which we answer from the cache (anything else would be
// refused, and gdal_translate would fail). The four level-1 tiles are stored with distinct colours; the source
// points at a closed port and is never asked.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { blankImage } from '../../src/core/image/blank.js';
import { decode } from '../../src/core/image/encode.js';
import { imageFormat } from '../../src/core/image/format.js';
import { ImageResult } from '../../src/core/image/image.js';
import { gdalAvailable, gdalinfo, gdalTranslate, gdalWmsDsn, subdatasets } from '../support/clients.js';
import { startOurServer, type OurServer } from '../support/our-app.js';

const skip = !gdalAvailable() ? 'GDAL not installed' : false;

/** Colours of tile (x, y) of level 1, GLOBAL_WEBMERCATOR (origin north-west). */
const COLOURS: Record<string, [number, number, number]> = {
  '0,0': [200, 30, 30],
  '1,0': [30, 160, 40],
  '0,1': [30, 60, 200],
  '1,1': [220, 200, 20],
};

describe('GDAL as a WMS-C client', { skip }, () => {
  let dir: string;
  let ours: OurServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wmsc-gdal-'));
    const cacheDir = join(dir, 'tiles');
    writeFileSync(join(dir, 'mapproxy.yaml'), `
services:
  wms: {srs: ['EPSG:3857'], md: {title: WMS-C}}
layers:
  - {name: quads, title: Four tiles, sources: [quads_cache]}
caches:
  quads_cache: {grids: [GLOBAL_WEBMERCATOR], sources: [closed], cache: {type: file, directory: ${JSON.stringify(cacheDir)}}}
sources:
  closed: {type: wms, req: {url: 'http://127.0.0.1:9/wms', layers: x}}
`);
    for (const [key, rgb] of Object.entries(COLOURS)) {
      const [x, y] = key.split(',');
      const file = join(cacheDir, '01', '000', '000', `00${x}`, '000', '000', `00${y}.png`);
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, await ImageResult.fromRaw(blankImage([256, 256], { bgcolor: rgb })).encode(imageFormat('image/png')));
    }
    ours = await startOurServer(join(dir, 'mapproxy.yaml'));
  });
  after(async () => {
    await ours?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the TileSet as a tiled subdataset and draws the world from the four stored tiles', async () => {
    const info = await gdalinfo(`${gdalWmsDsn(`${ours.url}/service`)}&tiled=true`);
    const sets = subdatasets(info).filter((s) => /TILED=true/i.test(s.name));
    assert.equal(sets.length, 1, JSON.stringify(subdatasets(info)));
    assert.match(sets[0]!.name, /LAYERS=quads/);
    assert.match(sets[0]!.name, /TILESIZE=256/);

    const png = await gdalTranslate(sets[0]!.name, ['-outsize', '512', '512']);
    const img = await decode(png);
    assert.deepEqual([img.width, img.height], [512, 512]);
    const at = (px: number, py: number) => [...img.data.subarray((py * 512 + px) * 4, (py * 512 + px) * 4 + 3)];
    for (const [key, rgb] of Object.entries(COLOURS)) {
      const [x, y] = key.split(',').map(Number) as [number, number];
      // the middle of each quarter is that tile's colour, exactly (PNG, no resampling: one tile per 256 pixels)
      assert.deepEqual(at(x * 256 + 128, y * 256 + 128), rgb, `tile ${key}`);
    }
  });
});
