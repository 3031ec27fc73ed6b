// MapProxy's canvas for the parts of tiles and maps that no source pixel reaches: opaque white for a cache whose
// sources are all opaque, transparent when one of them is (TileSplitter and TileMerger create their canvas from
// the cache's image options); beyond the cache's extent always transparent (SubImageSource).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createApp, type App } from '../../src/core/app.js';
import { decode } from '../../src/core/image/encode.js';
import { encodeRgbaPngSync } from '../../src/core/image/png-encode.js';
import { localHttpServer } from '../support/local-http.js';

const dir = mkdtempSync(join(tmpdir(), 'mapproxy-ts-edges-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A WMS upstream answering every GetMap with an opaque (TRANSPARENT=false) or half-transparent red image. */
async function upstream(): Promise<string> {
  const { base } = await localHttpServer((req, res) => {
    const q = new URLSearchParams(req.url!.split('?')[1]);
    const w = Number(q.get('WIDTH') ?? q.get('width'));
    const h = Number(q.get('HEIGHT') ?? q.get('height'));
    const alpha = (q.get('TRANSPARENT') ?? q.get('transparent'))?.toLowerCase() === 'true' ? 128 : 255;
    const data = Buffer.alloc(w * h * 4);
    for (let i = 0; i < data.length; i += 4) data.set([200, 40, 40, alpha], i);
    res.writeHead(200, { 'Content-Type': 'image/png' });
    res.end(encodeRgbaPngSync({ data, width: w, height: h }, { alpha: alpha < 255 }));
  });
  return base;
}

async function get(app: App, path: string, query = ''): Promise<{ status: number; body: Buffer }> {
  const res = await app.handle({ method: 'GET', path, query, headers: { host: 'localhost' } });
  return { status: res.status, body: res.body as Buffer };
}

const rgba = (img: { data: Buffer; width: number }, x: number, y: number) => [...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4)];

describe('edges of caches on grids that are not tile-aligned', () => {
  it('fills tiles and maps with white for an opaque cache, with transparency for a transparent one', async () => {
    const url = await upstream();
    // 1000 m × 700 m at 10 m/px: the only tile of level 0 (2560 m) reaches far past the grid's bbox, and the meta
    // tile's buffer is cut at the bbox (MapProxy's MetaGrid), so the upstream image is 100 × 70 px.
    const app = await createApp(writeConfig(`
services: {tms: {use_grid_names: true}, wms: {md: {title: T}, srs: ['EPSG:3857']}}
layers:
  - {name: opaque, title: O, sources: [opaque_cache]}
  - {name: clear, title: C, sources: [clear_cache]}
  - {name: opaque24, title: O24, sources: [opaque24_cache]}
grids:
  local: {srs: 'EPSG:3857', bbox: [0, 0, 1000, 700], res: [10], origin: sw}
caches:
  opaque_cache: {grids: [local], sources: [opaque_src], meta_size: [2, 2], meta_buffer: 10, cache: {type: file, directory: ${JSON.stringify(join(dir, 'o'))}}}
  opaque24_cache: {grids: [local], sources: [opaque_src], image: {colors: 0}, meta_size: [2, 2], meta_buffer: 10, cache: {type: file, directory: ${JSON.stringify(join(dir, 'o24'))}}}
  clear_cache: {grids: [local], sources: [clear_src], meta_size: [2, 2], meta_buffer: 10, cache: {type: file, directory: ${JSON.stringify(join(dir, 'c'))}}}
sources:
  opaque_src: {type: wms, req: {url: '${url}/', layers: x, transparent: false}}
  clear_src: {type: wms, req: {url: '${url}/', layers: x, transparent: true}}
`));
    try {
      for (const [layer, outside] of [['opaque', [255, 255, 255, 255]], ['opaque24', [255, 255, 255, 255]], ['clear', null]] as const) {
        const tile = await get(app, `/tms/1.0.0/${layer}/local/0/0/0.png`);
        assert.equal(tile.status, 200, tile.body.toString());
        const img = await decode(tile.body);
        assert.deepEqual(rgba(img, 50, 250).slice(0, 3), [200, 40, 40], `${layer}: inside the grid`);
        // Beyond x = 100 px and above 70 px from the bottom the grid has no pixels.
        if (outside) assert.deepEqual(rgba(img, 200, 100), outside, `${layer}: tile part outside the grid`);
        else assert.equal(rgba(img, 200, 100)[3], 0, `${layer}: tile part outside the grid`);

        // A map of the whole grid at another scale, asked for as transparent: the bicubic taps of the last row and
        // column reach past the grid, into the tiles' canvas. An opaque cache stays opaque to the edge.
        const map = await get(app, '/service', `SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=${layer}&STYLES=&SRS=EPSG:3857&BBOX=0,0,1000,700&WIDTH=73&HEIGHT=51&FORMAT=image/png&TRANSPARENT=true`);
        assert.equal(map.status, 200, map.body.toString());
        const m = await decode(map.body);
        if (outside) assert.deepEqual(rgba(m, 10, 10), [200, 40, 40, 255], `${layer}: map inside the grid`);
        else assert.equal(rgba(m, 10, 10)[3], 128, `${layer}: map inside the grid`);
        const alphas = new Set<number>();
        for (let i = 3; i < m.data.length; i += 4) alphas.add(m.data[i]!);
        if (outside) assert.deepEqual([...alphas], [255], `${layer}: the map's edge is transparent`);
        // Beyond the cache's extent MapProxy's SubImageSource pastes on a transparent canvas, for any cache.
        const beyond = await decode((await get(app, '/service', `SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=${layer}&STYLES=&SRS=EPSG:3857&BBOX=0,0,2000,1400&WIDTH=200&HEIGHT=140&FORMAT=image/png&TRANSPARENT=true`)).body);
        assert.equal(rgba(beyond, 150, 20)[3], 0, `${layer}: map outside the cache's extent`);
      }
    } finally {
      await app.runtime.close();
    }
  });
});

function writeConfig(yaml: string): string {
  const file = join(dir, 'mapproxy.yaml');
  writeFileSync(file, yaml);
  return file;
}
