// WMS-C side by side with MapProxy 1.15 on one configuration and one set of stored tiles (a file cache both read;
// the sources point at a closed port and are never asked, every tile the requests need is stored). Compared: the
// TileSets of the tiled 1.1.0 and 1.1.1 capabilities, the bytes and caching headers of exact tiles, the pixels
// where MapProxy draws the tile onto the requested background, conditional requests, and the errors.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decode } from '../../src/core/image/encode.js';
import { imageFormat } from '../../src/core/image/format.js';
import { ImageResult } from '../../src/core/image/image.js';
import type { RawImage } from '../../src/core/image/raw-image.js';
import { startReferenceMapProxy, type ReferenceMapProxy } from '../support/mapproxy-reference.js';
import { startOurServer, type OurServer } from '../support/our-app.js';
import { OGC_SCHEMA_DIR, validateXml, xmllintAvailable } from '../support/xml-schema.js';

const skip = !existsSync('/usr/lib/python3/dist-packages/mapproxy') ? 'MapProxy 1.15 not installed' : false;

const W = 20037508.342789244;
/** Tile (0,0,1) of GLOBAL_WEBMERCATOR (origin north-west): the upper left quarter of the world. */
const UPPER_LEFT = `-${W},0,0,${W}`;

function yaml(dir: string): string {
  // the sources' `transparent` decides the cache's, in both implementations
  const cache = (name: string, transparent: boolean, format = 'image/png') => `
  ${name}:
    grids: [GLOBAL_WEBMERCATOR]
    format: ${format}
    sources: [${transparent ? 'clear' : 'opaque'}]
    cache: {type: file, directory: ${JSON.stringify(join(dir, name))}}`;
  return `
services:
  wms: {srs: ['EPSG:3857', 'EPSG:4326'], versions: ['1.1.0', '1.1.1'], md: {title: WMS-C}}
layers:
  - {name: clear, title: Transparent PNG cache, sources: [clear_cache]}
  - {name: opaque, title: Opaque PNG cache, sources: [opaque_cache]}
  - name: group
    title: Group
    layers:
      - {name: photo, title: JPEG cache, sources: [jpeg_cache]}
  - {name: geodetic, title: Geodetic, sources: [geodetic_cache]}
caches:${cache('clear_cache', true)}${cache('opaque_cache', false)}${cache('jpeg_cache', false, 'image/jpeg')}
  geodetic_cache:
    grids: [GLOBAL_GEODETIC]
    sources: [opaque]
    cache: {type: file, directory: ${JSON.stringify(join(dir, 'geodetic_cache'))}}
sources:
  clear: {type: wms, req: {url: 'http://127.0.0.1:9/wms', layers: x, transparent: true}}
  opaque: {type: wms, req: {url: 'http://127.0.0.1:9/wms', layers: x}}
globals: {image: {paletted: false}}
`;
}

/** Writes tile (0,0,1) of a cache (tc layout) and returns its bytes. */
async function storeTile(dir: string, cache: string, rgba: [number, number, number, number], format: string): Promise<Buffer> {
  const data = Buffer.alloc(256 * 256 * 4);
  for (let i = 0; i < data.length; i += 4) data.set(i < data.length / 2 ? rgba : [rgba[0], rgba[1], 255 - rgba[2], rgba[3]], i);
  const raw: RawImage = { width: 256, height: 256, data };
  const bytes = await ImageResult.fromRaw(raw, { transparent: rgba[3] < 255 }).encode(imageFormat(format));
  const ext = format === 'image/jpeg' ? 'jpeg' : 'png';
  const file = join(dir, cache, '01', '000', '000', '000', '000', '000', `000.${ext}`);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, bytes);
  return bytes;
}

interface Answer {
  status: number;
  body: Buffer;
  headers: Headers;
}

const tileSets = (xml: string) => [...xml.matchAll(/<TileSet>[\s\S]*?<\/TileSet>/g)].map((m) => m[0].split('\n').map((l) => l.trim()).join('\n'));
const exception = (body: Buffer) => /<ServiceException(?:\s[^>]*)?>([^<]*)</.exec(body.toString())?.[1]?.trim();

describe('WMS-C side by side with MapProxy 1.15', { skip }, () => {
  let dir: string;
  let ours: OurServer;
  let ref: ReferenceMapProxy;
  const stored: Record<string, Buffer> = {};
  const ask = async (base: string, pq: string, headers: Record<string, string> = {}): Promise<Answer> => {
    const r = await fetch(`${base}${pq}`, { headers });
    return { status: r.status, body: Buffer.from(await r.arrayBuffer()), headers: r.headers };
  };
  const both = (pq: string, headers: Record<string, string> = {}) => Promise.all([ask(ours.url, pq, headers), ask(ref.url, pq, headers)]);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wmsc-sbs-'));
    writeFileSync(join(dir, 'mapproxy.yaml'), yaml(dir));
    stored.clear = await storeTile(dir, 'clear_cache', [200, 30, 30, 128], 'image/png');
    stored.opaque = await storeTile(dir, 'opaque_cache', [30, 130, 200, 255], 'image/png');
    stored.photo = await storeTile(dir, 'jpeg_cache', [90, 160, 40, 255], 'image/jpeg');
    ours = await startOurServer(join(dir, 'mapproxy.yaml'));
    ref = await startReferenceMapProxy(join(dir, 'mapproxy.yaml'));
  });
  after(async () => {
    await ours?.stop();
    await ref?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const map = (q: string) => {
    const p = new URLSearchParams('SERVICE=WMS&REQUEST=GetMap&VERSION=1.1.1&STYLES=&SRS=EPSG:3857&WIDTH=256&HEIGHT=256&FORMAT=image/png&tiled=true');
    for (const [k, v] of new URLSearchParams(q)) p.set(k, v);
    return `/service?${p}`;
  };

  for (const version of ['1.1.1', '1.1.0']) {
    it(`tiled ${version} capabilities: the same TileSets and DOCTYPE declarations`, async () => {
      const [a, b] = await both(`/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=${version}&tiled=true`);
      const [oursXml, theirsXml] = [a.body.toString(), b.body.toString()];
      assert.equal(tileSets(oursXml).length, 4);
      assert.deepEqual(tileSets(oursXml), tileSets(theirsXml));
      const doctype = (x: string) => /<!DOCTYPE[\s\S]*?\]>/.exec(x)![0];
      assert.equal(doctype(oursXml), doctype(theirsXml));
      if (version === '1.1.1' && xmllintAvailable()) {
        const dtd = { dtd: join(OGC_SCHEMA_DIR, 'wmsc', '1.1.1', 'WMS_MS_Capabilities.dtd') };
        const [va, vb] = [await validateXml(oursXml, dtd), await validateXml(theirsXml, dtd)];
        assert.ok(va.valid, va.errors.join('\n'));
        assert.ok(vb.valid, `the reference validates too: ${vb.errors.join('\n')}`);
      }
    });
  }

  it('an exact tile: the stored bytes, ETag, Last-Modified and max-age on both sides', async () => {
    for (const [layer, q] of [['clear', 'TRANSPARENT=true'], ['opaque', ''], ['photo', 'FORMAT=image/jpeg']] as const) {
      const [a, b] = await both(map(`LAYERS=${layer}&BBOX=${UPPER_LEFT}&${q}`));
      assert.equal(a.status, 200, layer);
      assert.deepEqual(b.body, stored[layer], `MapProxy passes the ${layer} tile through`);
      assert.deepEqual(a.body, stored[layer], `we pass the ${layer} tile through`);
      for (const h of ['etag', 'last-modified', 'cache-control']) assert.equal(a.headers.get(h), b.headers.get(h), `${layer}: ${h}`);
      assert.ok(a.headers.get('etag'), layer);
      // and a client that has it gets 304 from both
      const [c, d] = await both(map(`LAYERS=${layer}&BBOX=${UPPER_LEFT}&${q}`), { 'If-None-Match': a.headers.get('etag')! });
      assert.deepEqual([c.status, d.status], [304, 304], layer);
    }
  });

  it('a transparent tile asked for without TRANSPARENT is drawn on the background: same pixels, no tile headers', async () => {
    const [a, b] = await both(map(`LAYERS=clear&BBOX=${UPPER_LEFT}`));
    assert.equal(a.status, 200);
    const [pa, pb] = [await decode(a.body), await decode(b.body)];
    assert.deepEqual([pa.width, pa.height], [pb.width, pb.height]);
    let maxDiff = 0;
    for (let i = 0; i < pa.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(pa.data[i]! - pb.data[i]!));
    assert.ok(maxDiff <= 1, `pixels differ by ${maxDiff}`);
    assert.equal(a.headers.get('etag'), null);
    assert.equal(b.headers.get('etag'), null);
  });

  it('anything but one whole tile: the same errors', async () => {
    const cases = [
      `LAYERS=opaque&BBOX=${UPPER_LEFT}&FORMAT=image/jpeg`,
      `LAYERS=opaque&BBOX=${UPPER_LEFT}&WIDTH=512`,
      `LAYERS=opaque&BBOX=-${W},-${W},10000000,0`,
      'LAYERS=opaque&BBOX=-10000000,-10000000,0,0',
      `LAYERS=opaque,photo&BBOX=${UPPER_LEFT}`,
    ];
    for (const q of cases) {
      const [a, b] = await both(map(q));
      const theirs = exception(b.body);
      assert.ok(theirs, `MapProxy refuses ${q}`);
      assert.equal(exception(a.body), theirs, q);
      // MapProxy answers its exceptions with 200, we with 400 (README: the WMS 400 difference)
      assert.deepEqual([a.status, b.status], [400, 200], q);
    }
  });
});
