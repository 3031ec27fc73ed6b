import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startOurServer, type OurServer } from '../support/our-app.js';
import { debugOgcapiConfig } from '../support/ogcapi-debug-config.js';

/*
 * OWSLib as a client of /ogcapi over HTTP. Debian 12's OWSLib 0.27 reads OGC APIs through owslib.ogcapi.API
 * (landing page, OpenAPI document, conformance) and Collections; it has no maps or tiles module yet, so the
 * tilesets are read with the same classes' request helper, and tiles are fetched from the links they return.
 */
const SCRIPT = fileURLToPath(new URL('../support/owslib_ogcapi.py', import.meta.url));

interface OwsLibResult {
  error?: string;
  message?: string;
  landing_rels: string[];
  openapi_version: string;
  openapi_paths: string[];
  conforms_to: string[];
  collection_ids: string[];
  collection: { id: string; crs: string[]; bbox: number[][]; links: { rel: string; type?: string; href: string }[] };
  tileset_links: [string, string | undefined, string][];
}

describe('OGC API with OWSLib as the client', () => {
  let dir: string;
  let server: OurServer;
  let result: OwsLibResult;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ogcapi-owslib-'));
    const file = join(dir, 'mapproxy.yaml');
    writeFileSync(file, debugOgcapiConfig(join(dir, 'cache')));
    server = await startOurServer(file);
    const { stdout } = await promisify(execFile)('/usr/bin/python3', [SCRIPT, `${server.url}/ogcapi/`, 'dbg'], { timeout: 60_000 });
    result = JSON.parse(stdout) as OwsLibResult;
    assert.equal(result.error, undefined, `${result.error}: ${result.message}`);
  });
  after(async () => {
    await server.stop();
    await server.app.runtime.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the OpenAPI 3.0 document through the service-desc link, with the Maps and Tiles paths', () => {
    assert.ok(result.landing_rels.includes('service-desc'));
    assert.match(result.openapi_version, /^3\.0\./);
    for (const p of ['/conformance', '/collections', '/collections/{collectionId}/map', '/collections/{collectionId}/map/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}']) {
      assert.ok(result.openapi_paths.includes(p), `${p} in ${result.openapi_paths.join(' ')}`);
    }
  });

  it('reads the conformance declaration with the Maps and Tiles core classes', () => {
    assert.ok(result.conforms_to.includes('http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core'), result.conforms_to.join(' '));
    assert.ok(result.conforms_to.some((c) => c.startsWith('http://www.opengis.net/spec/ogcapi-maps-1/1.0/conf/core')));
    assert.ok(result.conforms_to.some((c) => c.startsWith('http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core')));
  });

  it('lists the collection and describes it with its CRS, extent and map link', () => {
    assert.deepEqual(result.collection_ids, ['dbg']);
    assert.equal(result.collection.id, 'dbg');
    assert.ok(result.collection.crs.includes('http://www.opengis.net/def/crs/EPSG/0/3857'));
    // the layer's extent is its cache's web mercator grid, in CRS84
    const [[w, s, e, n]] = result.collection.bbox as [[number, number, number, number]];
    assert.deepEqual([w, e], [-180, 180]);
    assert.ok(Math.abs(s + 85.0511287798) < 1e-6 && Math.abs(n - 85.0511287798) < 1e-6, `${s} ${n}`);
    const map = result.collection.links.find((l) => l.rel === 'http://www.opengis.net/def/rel/ogc/1.0/map' && l.type === 'image/png');
    assert.ok(map, JSON.stringify(result.collection.links));
    assert.ok(map.href.startsWith(`${server.url}/ogcapi/collections/dbg/map`));
  });

  it('gets a tile URL template from the tilesets whose tiles are the WMTS tiles', async () => {
    const item = result.tileset_links.find(([rel, type, href]) => rel === 'item' && type === 'image/png' && href.includes('/WebMercatorQuad/'));
    assert.ok(item, JSON.stringify(result.tileset_links));
    const url = item[2].replace('{tileMatrix}', '2').replace('{tileRow}', '1').replace('{tileCol}', '3');
    const tile = Buffer.from(await (await fetch(url)).arrayBuffer());
    const wmts = Buffer.from(await (await fetch(`${server.url}/wmts/dbg/GLOBAL_WEBMERCATOR/2/3/1.png`)).arrayBuffer());
    assert.ok(tile.length > 100 && tile.equals(wmts));
  });
});
