import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { startOurServer, type OurServer } from '../support/our-app.js';
import { debugOgcapiConfig } from '../support/ogcapi-debug-config.js';

const run = promisify(execFile);

/*
 * GDAL's OGCAPI driver as a real client of /ogcapi over HTTP: it finds the collection, reads its extent and
 * draws maps through the Maps API (gdalinfo, gdal_translate). Tiles are fetched over HTTP as a client would and
 * compared with WMTS. (GDAL 3.6, Debian 12's, cannot open the Tiles API of a web mercator tileset: see docs/ogcapi.md.)
 */

interface GdalInfo {
  driverShortName: string;
  size: [number, number];
  geoTransform: number[];
  coordinateSystem: { wkt: string };
  bands: unknown[];
}

describe('OGC API with GDAL as the client', () => {
  let dir: string;
  let server: OurServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ogcapi-gdal-'));
    const file = join(dir, 'mapproxy.yaml');
    writeFileSync(file, debugOgcapiConfig(join(dir, 'cache'), { wms: true }));
    server = await startOurServer(file);
  });
  after(async () => {
    await server.stop();
    await server.app.runtime.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gdalinfo opens a collection through the Maps API: CRS84 extent, RGBA', async () => {
    const { stdout } = await run('gdalinfo', ['-json', '-oo', 'API=MAP', `OGCAPI:${server.url}/ogcapi/collections/dbg`], { timeout: 60_000, cwd: dir });
    const info = JSON.parse(stdout) as GdalInfo;
    assert.equal(info.driverShortName, 'OGCAPI');
    assert.match(info.coordinateSystem.wkt, /ID\["EPSG",4326\]/);
    assert.equal(info.bands.length, 4);
    assert.ok(Math.abs(info.geoTransform[0]! + 180) < 1e-9, `west edge ${info.geoTransform[0]}`);
    assert.ok(Math.abs(info.geoTransform[3]! - 85.0511287798066) < 1e-9, `north edge ${info.geoTransform[3]}`);
  });

  it('gdal_translate draws a map from /map requests into a georeferenced raster', async () => {
    const out = join(dir, 'map.tif');
    await run('gdal_translate', ['-q', '-outsize', '512', '256', '-oo', 'API=MAP', `OGCAPI:${server.url}/ogcapi/collections/dbg`, out], { timeout: 60_000, cwd: dir });
    const info = JSON.parse((await run('gdalinfo', ['-json', '-stats', out], { cwd: dir })).stdout) as Omit<GdalInfo, 'bands'> & { bands: { maximum: number }[] };
    assert.deepEqual(info.size, [512, 256]);
    assert.ok(Math.abs(info.geoTransform[1]! - 360 / 512) < 1e-12);
    // the debug source draws its tile frames and labels: the map is not empty
    assert.ok(info.bands.some((b) => b.maximum > 0), 'some pixels drawn');
  });

  it('serves the WMTS tile bytes through the OGC API tile URL over HTTP', async () => {
    const template = `${server.url}/ogcapi/collections/dbg/map/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}.png`;
    const tileset = (await (await fetch(`${server.url}/ogcapi/collections/dbg/map/tiles/WebMercatorQuad`)).json()) as { links: { rel: string; type: string; href: string }[] };
    assert.equal(tileset.links.find((l) => l.rel === 'item' && l.type === 'image/png')?.href, template);
    for (const [z, row, col] of [[1, 0, 1], [3, 2, 5]] as const) {
      const wmts = Buffer.from(await (await fetch(`${server.url}/wmts/dbg/GLOBAL_WEBMERCATOR/${String(z).padStart(2, '0')}/${col}/${row}.png`)).arrayBuffer());
      const url = template.replace('{tileMatrix}', String(z)).replace('{tileRow}', String(row)).replace('{tileCol}', String(col));
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(wmts), `tile ${z}/${row}/${col}`);
    }
  });
});
