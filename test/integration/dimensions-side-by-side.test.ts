// Dimensions side by side with MapProxy 1.15 on one configuration, in front of a real MapServer whose layer
// honours TIME through `wms_timeextent`/`wms_timeitem` (one feature per time). Each implementation has its own
// MapServer (to tell their upstream requests apart) and its own file cache. Compared: the dimension elements of
// the WMS 1.1.1, WMS 1.3.0 and WMTS capabilities, the upstream requests and the cache files of the same tiles,
// the exceptions, and the pixels. Where we differ on purpose (an undeclared WMS value) the test shows both sides.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decode } from '../../src/core/image/encode.js';
import { startCgiRunner, type CgiRunner } from '../support/cgi-runner.js';
import { MAPSERV_BINARY, mapServerAvailable } from '../support/mapserver.js';
import { TIMES, writeTimedMapServer } from '../support/timed-mapserver.js';
import { startReferenceMapProxy, type ReferenceMapProxy } from '../support/mapproxy-reference.js';
import { createApp, get, type OurApp } from '../support/our-app.js';
import { waitUntilEqual } from '../support/wait-until.js';

const skip = !mapServerAvailable() || !existsSync('/usr/lib/python3/dist-packages/mapproxy') ? 'MapServer or MapProxy 1.15 not installed' : false;

function mapproxyYaml(upstream: string, cacheDir: string): string {
  return `
services:
  wms: {srs: ['EPSG:4326', 'EPSG:3857'], versions: ['1.1.1', '1.3.0'], md: {title: Dimensions}}
  wmts:
    restful: true
    kvp: true
    restful_template: '/{Layer}/{TileMatrixSet}/{Time}/{Elevation}/{TileMatrix}/{TileCol}/{TileRow}.{Format}'
layers:
  - name: timed
    title: Timed
    sources: [timed_cache]
    dimensions:
      time: {values: ["2020-09-22T11:20:00Z/2020-09-22T15:20:00Z/PT2H"], default: "2020-09-22T15:20:00Z"}
      elevation: {values: [0, 500], default: "0"}
caches:
  timed_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [ms]
    meta_size: [1, 1]
    meta_buffer: 0
    cache: {type: file, directory: ${JSON.stringify(cacheDir)}}
sources:
  ms: {type: wms, req: {url: '${upstream}', layers: timed}, forward_req_params: [time, elevation]}
globals: {image: {paletted: false}}
`;
}

interface Side {
  fetch(pathAndQuery: string): Promise<{ status: number; body: Buffer; type: string }>;
  requests: string[];
  cacheDir: string;
}

/** The dimension elements of a document, as [tag, attributes, text]. */
function elements(xml: string, tag: string): { attrs: Record<string, string>; text: string }[] {
  const out: { attrs: Record<string, string>; text: string }[] = [];
  for (const m of xml.matchAll(new RegExp(`<${tag}((?:\\s+[\\w:]+="[^"]*")*)\\s*(?:/>|>([^<]*)</${tag}>)`, 'g'))) {
    const attrs: Record<string, string> = {};
    for (const a of m[1]!.matchAll(/([\w:]+)="([^"]*)"/g)) attrs[a[1]!] = a[2]!;
    out.push({ attrs, text: m[2] ?? '' });
  }
  return out;
}

/** WMTS `<Dimension>` blocks as [identifier, default, values]. */
function wmtsDimensions(xml: string): [string, string, string[]][] {
  return [...xml.matchAll(/<Dimension>([\s\S]*?)<\/Dimension>/g)].map((m) => [
    /<ows:Identifier>([^<]*)</.exec(m[1]!)![1]!,
    /<Default>([^<]*)</.exec(m[1]!)![1]!,
    [...m[1]!.matchAll(/<Value>([^<]*)</g)].map((v) => v[1]!),
  ]);
}

const params = (q: string) => new Map([...new URLSearchParams(q)].map(([k, v]) => [k.toLowerCase(), v]));
const sortedParams = (q: string) => [...params(q)].sort(([a], [b]) => a.localeCompare(b));

function files(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (!e.endsWith('.lck')) out.push(relative(root, p));
    }
  };
  walk(root);
  return out.filter((f) => !f.startsWith('tile_locks')).sort();
}

describe('dimensions side by side with MapProxy 1.15 and MapServer', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'mapproxy-ts-dims-sbs-'));
  let ms: CgiRunner[] = [];
  let ref: ReferenceMapProxy;
  let app: OurApp;
  const ours: Side = { requests: [], cacheDir: join(dir, 'ours-cache'), fetch: async () => { throw new Error('not started'); } };
  const theirs: Side = { requests: [], cacheDir: join(dir, 'ref-cache'), fetch: async () => { throw new Error('not started'); } };

  before(async () => {
    const { mapfile, configFile } = writeTimedMapServer(dir);
    for (const side of [ours, theirs]) {
      ms.push(await startCgiRunner({
        script: MAPSERV_BINARY,
        env: { MS_MAPFILE: mapfile, MAPSERVER_CONFIG_FILE: configFile },
        onRequest: (q) => side.requests.push(q),
      }));
    }
    writeFileSync(join(dir, 'ours.yaml'), mapproxyYaml(`${ms[0]!.url}mapserv?`, ours.cacheDir));
    writeFileSync(join(dir, 'ref.yaml'), mapproxyYaml(`${ms[1]!.url}mapserv?`, theirs.cacheDir));
    app = await createApp(join(dir, 'ours.yaml'));
    ref = await startReferenceMapProxy(join(dir, 'ref.yaml'));
    ours.fetch = async (pq) => {
      const r = await get(app, pq);
      return { status: r.status, body: r.body, type: r.headers['content-type'] ?? '' };
    };
    theirs.fetch = async (pq) => {
      const r = await fetch(`${ref.url}${pq}`);
      return { status: r.status, body: Buffer.from(await r.arrayBuffer()), type: r.headers.get('content-type') ?? '' };
    };
  });
  after(async () => {
    await ref?.stop();
    for (const m of ms) await m.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What each side asks MapServer for one request. */
  async function both(pq: string) {
    const start = [ours.requests.length, theirs.requests.length];
    const [a, b] = [await ours.fetch(pq), await theirs.fetch(pq)];
    return { ours: a, theirs: b, oursUp: ours.requests.slice(start[0]), theirsUp: theirs.requests.slice(start[1]) };
  }

  it('WMS 1.3.0 capabilities: the same Dimension elements (we add units="" where the schema requires units)', async () => {
    const r = await both('/service?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities');
    const strip = (e: { attrs: Record<string, string>; text: string }) => {
      const { units, ...rest } = e.attrs;
      return { ...rest, text: e.text, units: units || undefined };
    };
    const a = elements(r.ours.body.toString(), 'Dimension').map(strip);
    const b = elements(r.theirs.body.toString(), 'Dimension').map(strip);
    assert.equal(b.length, 2);
    assert.deepEqual(a, b);
  });

  it('WMS 1.1.1 capabilities: the same names, defaults and values (ours in Extent, as the DTD requires)', async () => {
    const r = await both('/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetCapabilities');
    const theirs = elements(r.theirs.body.toString(), 'Dimension').map((e) => [e.attrs['name'], e.attrs['default'], e.text]);
    const ours = elements(r.ours.body.toString(), 'Extent').map((e) => [e.attrs['name'], e.attrs['default'], e.text]);
    assert.equal(theirs.length, 2);
    assert.deepEqual(ours, theirs);
    assert.deepEqual(elements(r.ours.body.toString(), 'Dimension').map((e) => e.attrs), [{ name: 'time', units: 'ISO8601' }, { name: 'elevation', units: '' }]);
  });

  it('WMTS capabilities: the same Dimension elements and ResourceURL', async () => {
    const r = await both('/wmts/1.0.0/WMTSCapabilities.xml');
    assert.deepEqual(wmtsDimensions(r.ours.body.toString()), wmtsDimensions(r.theirs.body.toString()));
    assert.deepEqual(wmtsDimensions(r.ours.body.toString()).map((d) => d[0]), ['Time', 'Elevation']);
    const template = (x: string) => /resourceType="tile"\s+template="([^"]*)"/.exec(x)![1]!.replace(/^http:\/\/[^/]+/, '');
    assert.equal(template(r.ours.body.toString()), template(r.theirs.body.toString()));
  });

  it('WMTS tiles: the same upstream requests, pixels and cache files for values and defaults', async () => {
    for (const [time, elevation, expectLeft] of [[TIMES[0], '500', true], [TIMES[1], '0', false], ['default', 'default', false]] as const) {
      // tile 1/0/0 of GLOBAL_WEBMERCATOR (nw origin) is the north-west quarter: x < 0
      const r = await both(`/wmts/timed/GLOBAL_WEBMERCATOR/${time}/${elevation}/01/0/0.png`);
      assert.equal(r.ours.status, 200, r.ours.body.toString());
      assert.equal(r.theirs.status, 200);
      assert.equal(r.oursUp.length, 1);
      assert.deepEqual(sortedParams(r.oursUp[0]!), sortedParams(r.theirsUp[0]!));
      const [a, b] = [await decode(r.ours.body), await decode(r.theirs.body)];
      const px = (img: { data: Buffer; width: number }) => [...img.data.subarray((128 * img.width + 128) * 4, (128 * img.width + 128) * 4 + 3)];
      assert.deepEqual(px(a), px(b));
      assert.deepEqual(px(a), expectLeft ? [200, 30, 30] : [255, 255, 255], `${time}`);
    }
    // the last cold miss's other tiles are stored right after its answer
    assert.deepEqual(await waitUntilEqual(() => files(ours.cacheDir), () => files(theirs.cacheDir), 'the same cache files'), files(theirs.cacheDir));
    assert.ok(files(ours.cacheDir).includes('elevation-500/time-2020-09-22T11:20:00Z/01/000/000/000/000/000/000.png'), files(ours.cacheDir).join('\n'));
  });

  it('WMTS: the same exception for a value the layer does not declare, and no upstream request', async () => {
    for (const pq of [
      '/wmts/timed/GLOBAL_WEBMERCATOR/2042-01-01T00:00:00Z/default/01/0/0.png',
      '/service?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=timed&STYLE=&TILEMATRIXSET=GLOBAL_WEBMERCATOR&TILEMATRIX=01&TILEROW=0&TILECOL=0&FORMAT=png&ELEVATION=42',
    ]) {
      const r = await both(pq);
      assert.equal(r.ours.status, 400);
      assert.equal(r.theirs.status, 400);
      const code = (x: Buffer) => /exceptionCode="([^"]*)"[\s\S]*<ows:ExceptionText>([^<]*)</.exec(x.toString())!.slice(1);
      assert.deepEqual(code(r.ours.body), code(r.theirs.body));
      assert.deepEqual([r.oursUp.length, r.theirsUp.length], [0, 0]);
    }
  });

  it('WMS GetMap with declared values: the same upstream requests and cache files', async () => {
    const before = [files(ours.cacheDir), files(theirs.cacheDir)];
    const r = await both(`/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=timed&STYLES=&SRS=EPSG:3857&BBOX=-20037508.34,-20037508.34,20037508.34,20037508.34&WIDTH=256&HEIGHT=256&FORMAT=image/png&time=${TIMES[1]}&elevation=500`);
    assert.equal(r.ours.status, 200);
    assert.equal(r.theirs.status, 200);
    assert.deepEqual(r.oursUp.map(sortedParams).sort(), r.theirsUp.map(sortedParams).sort());
    assert.ok(r.oursUp.length > 0 && r.oursUp.every((q) => params(q).get('time') === TIMES[1] && params(q).get('elevation') === '500'));
    const added = (now: string[], was: string[]) => now.filter((f) => !was.includes(f));
    const theirsAdded = () => added(files(theirs.cacheDir), before[1]!);
    assert.deepEqual(await waitUntilEqual(() => added(files(ours.cacheDir), before[0]!), theirsAdded, 'the same new cache files'), theirsAdded());
  });

  it('WMS GetMap with an undeclared TIME: MapProxy caches and forwards it, we answer InvalidDimensionValue', async () => {
    const r = await both('/service?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=timed&STYLES=&CRS=EPSG:3857&BBOX=0,0,20037508.34,20037508.34&WIDTH=256&HEIGHT=256&FORMAT=image/png&TIME=1999-01-01T00:00:00Z');
    assert.equal(r.theirs.status, 200);
    assert.ok(r.theirsUp.length > 0 && r.theirsUp.every((q) => params(q).get('time') === '1999-01-01T00:00:00Z'));
    assert.ok(files(theirs.cacheDir).some((f) => f.includes('1999-01-01T00:00:00Z')), files(theirs.cacheDir).join('\n'));
    assert.equal(r.ours.status, 400);
    assert.match(r.ours.body.toString(), /<ServiceException code="InvalidDimensionValue">invalid dimension value \(time=1999-01-01T00:00:00Z\)\.<\/ServiceException>/);
    assert.equal(r.oursUp.length, 0);
    assert.ok(!files(ours.cacheDir).some((f) => f.includes('1999')));
  });
});
