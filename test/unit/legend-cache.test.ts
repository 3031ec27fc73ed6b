// The on-disk legend cache: MapProxy's file names (md5 of the identifier and str(scale)), one file per source
// and scale, fixed legends stored once for every scale, failing clients left out and not stored, and the
// GetLegendGraphic request built as MapProxy's WMSLegendClient builds it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { imageFormat } from '../../src/core/image/format.js';
import { ImageResult } from '../../src/core/image/image.js';
import { LegendCache, legendHash, legendIdentifier } from '../../src/core/source/legend-cache.js';
import { WmsLegendClient } from '../../src/core/source/legend-client.js';
import type { LegendClient, LegendQuery } from '../../src/core/source/legend-query.js';
import { LegendSource } from '../../src/core/source/legend-source.js';
import { OrderedParams } from '../../src/core/source/params.js';
import { SourceError } from '../../src/core/source/source.js';
import type { UpstreamRequest } from '../../src/core/source/wms-request.js';
import type { WmsTransport } from '../../src/core/source/wms-transport.js';
import { tempDir } from '../support/configs.js';
import { PYTHON } from '../support/mapproxy-reference.js';

const png = (width: number, height: number, r: number) =>
  sharp({ create: { width, height, channels: 4, background: { r, g: 0, b: 0, alpha: 1 } } }).png().toBuffer();

/** A client that answers from memory, counts its calls and can be told to fail. */
class FakeClient implements LegendClient {
  calls: LegendQuery[] = [];
  failing = false;
  constructor(readonly identifier: readonly [string, string | null], private readonly image: () => Promise<Buffer>) {}
  async getLegend(query: LegendQuery): Promise<ImageResult> {
    this.calls.push(query);
    if (this.failing) throw new SourceError('upstream down');
    return ImageResult.fromEncoded(await this.image());
  }
  async getJsonLegend(query: LegendQuery): Promise<Buffer> {
    this.calls.push(query);
    if (this.failing) throw new SourceError('upstream down');
    return Buffer.from(JSON.stringify({ Legend: [{ layerName: this.identifier[1], title: 'ä', size: 10.0, n: 3 }] }));
  }
}

const FORMAT = imageFormat('image/png');

describe('legend cache', () => {
  it('names legends as MapProxy 1.15 names them', () => {
    const ids = [
      legendIdentifier([['http://example/wms?', 'areas'], ['http://example/wms?', 'roads']]),
      legendIdentifier([['file:///srv/legend ä.png', null]]),
    ];
    const cases: [string, number | undefined][] = [[ids[0]!, undefined], [ids[0]!, 5000], [ids[1]!, 1e-7], [ids[1]!, 12345.678]];
    const script = `
import json, sys
from mapproxy.cache.legend import legend_hash
# MapProxy's scale is always float(SCALE) or None
print(json.dumps([legend_hash(i, None if s is None else float(s)) for i, s in json.loads(sys.argv[1])]))`;
    const reference = JSON.parse(execFileSync(PYTHON, ['-c', script, JSON.stringify(cases.map(([i, s]) => [i, s ?? null]))]).toString()) as string[];
    assert.equal(ids[0], 'http://example/wms?areashttp://example/wms?roads');
    assert.deepEqual(cases.map(([i, s]) => legendHash(i, s)), reference);
  });

  it('stores a legend per scale and answers later requests from disk', async () => {
    const dir = tempDir('legend-cache-');
    try {
      const client = new FakeClient(['http://example/wms?', 'areas'], () => png(20, 10, 200));
      const cache = new LegendCache({ dir: join(dir, 'legends'), filePermissions: '640' });
      const source = new LegendSource({ clients: [client], cache, cacheFormat: FORMAT });
      await source.getLegend({ format: 'image/png' });
      await source.getLegend({ format: 'image/png', scale: 5000 });
      await source.getLegend({ format: 'image/png', scale: 5000 });
      await source.getLegend({ format: 'image/png' });
      assert.equal(client.calls.length, 2);
      const files = readdirSync(join(dir, 'legends')).sort();
      assert.deepEqual(files, [`${legendHash(source.identifier, undefined)}.png`, `${legendHash(source.identifier, 5000)}.png`].sort());
      assert.equal(statSync(join(dir, 'legends', files[0]!)).mode & 0o777, 0o640);
      // a single legend is stored as it came
      assert.ok(readFileSync(join(dir, 'legends', files[0]!)).equals(await png(20, 10, 200)));
      assert.deepEqual(await source.size(), [20, 10]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps one file for a fixed legend whatever the scale', async () => {
    const dir = tempDir('legend-cache-');
    try {
      const client = new FakeClient(['file:///srv/legend.png', null], () => png(8, 8, 20));
      const source = new LegendSource({ clients: [client], cache: new LegendCache({ dir }), cacheFormat: FORMAT, static: true });
      await source.getLegend({ format: 'image/png', scale: 1000 });
      await source.getLegend({ format: 'image/png', scale: 2000 });
      assert.equal(client.calls.length, 1);
      assert.deepEqual(readdirSync(dir), [`${legendHash('file:///srv/legend.png', undefined)}.png`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves a failing client out and stores nothing, so the next request tries again', async () => {
    const dir = tempDir('legend-cache-');
    try {
      const good = new FakeClient(['http://a/?', 'one'], () => png(10, 5, 100));
      const bad = new FakeClient(['http://b/?', 'two'], () => png(10, 5, 50));
      bad.failing = true;
      const errors: string[] = [];
      const source = new LegendSource({ clients: [good, bad], cache: new LegendCache({ dir }), cacheFormat: FORMAT, log: { error: (m) => errors.push(m) } });
      const first = await (await source.getLegend({ format: 'image/png' })).raw();
      assert.deepEqual([first.width, first.height], [10, 5]);
      assert.deepEqual(errors, ['upstream down']);
      assert.deepEqual(readdirSync(dir), []);
      bad.failing = false;
      const second = await (await source.getLegend({ format: 'image/png' })).raw();
      assert.deepEqual([second.width, second.height], [10, 10]);
      assert.equal(readdirSync(dir).length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('JSON legends', () => {
  it('merge the first Legend entry of each client as MapProxy 7 writes them, skipping failing clients, uncached', async () => {
    const dir = tempDir('legend-cache-');
    try {
      const a = new FakeClient(['http://a/?', 'one'], () => png(1, 1, 0));
      const b = new FakeClient(['http://b/?', 'two'], () => png(1, 1, 0));
      const c = new FakeClient(['http://c/?', 'three'], () => png(1, 1, 0));
      c.failing = true;
      const source = new LegendSource({ clients: [a, b, c], cache: new LegendCache({ dir }), cacheFormat: FORMAT, log: { error: () => {} } });
      const json = await source.getJsonLegend({ format: 'application/json' });
      assert.equal(json, '{"Legend": [{"layerName": "one", "title": "\\u00e4", "size": 10, "n": 3}, {"layerName": "two", "title": "\\u00e4", "size": 10, "n": 3}]}');
      await source.getJsonLegend({ format: 'application/json' });
      assert.equal(a.calls.length, 2);
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('WmsLegendClient', () => {
  it('builds the GetLegendGraphic request as MapProxy does', () => {
    const seen: UpstreamRequest[] = [];
    const transport: WmsTransport = { retrieve: async (r) => (seen.push(r), { headers: {}, body: Buffer.alloc(0), url: r.url }) };
    const template = new OrderedParams([['map', '/srv/x.map'], ['transparent', 'True'], ['layer', 'a b']]);
    const client = new WmsLegendClient('http://ms/cgi?', template, '1.1.1', transport);
    assert.deepEqual(client.identifier, ['http://ms/cgi?', 'a b']);
    assert.equal(
      client.request({ format: 'image/png', scale: 5000 }).url,
      'http://ms/cgi?map=%2Fsrv%2Fx.map&transparent=True&layer=a%20b&format=image%2Fpng&scale=5000.0&request=GetLegendGraphic&service=WMS&sld_version=1.1.0&version=1.1.1&styles=',
    );
    // a format in `req` wins over the client's
    const fixed = new WmsLegendClient('http://ms/cgi', new OrderedParams([['format', 'image/gif'], ['layer', 'l']]), '1.3.0', transport);
    assert.equal(fixed.request({ format: 'image/jpeg' }).url, 'http://ms/cgi?format=image%2Fgif&layer=l&request=GetLegendGraphic&service=WMS&sld_version=1.1.0&version=1.3.0&styles=');
  });

  it('refuses an answer that is not an image', async () => {
    const transport: WmsTransport = { retrieve: async (r) => ({ headers: { 'content-type': 'text/xml' }, body: Buffer.from('<ServiceExceptionReport/>'), url: r.url }) };
    const client = new WmsLegendClient('http://ms/?', new OrderedParams([['layer', 'l']]), '1.1.1', transport);
    await assert.rejects(client.getLegend({ format: 'image/png' }), /no image returned from source WMS/);
  });
});

describe('legend files', () => {
  it('are written under a temporary name and renamed', async () => {
    const dir = tempDir('legend-cache-');
    try {
      const cache = new LegendCache({ dir });
      await cache.store('x', undefined, Buffer.from('one'));
      await cache.store('x', undefined, Buffer.from('two'));
      assert.deepEqual(readdirSync(dir), [`${legendHash('x', undefined)}.png`]);
      assert.equal((await cache.load('x', undefined))?.toString(), 'two');
      assert.equal(await cache.load('y', undefined), null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
