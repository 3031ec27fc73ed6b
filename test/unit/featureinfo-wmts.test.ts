// WMTS GetFeatureInfo with fake info sources: KVP and REST, the tile's bbox and the pixel as the click,
// info formats by mime type and by suffix, and the errors MapProxy 7 gives.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_GRIDS } from '../../src/core/geo/grid.js';
import { OwsService } from '../../src/core/service/ows.js';
import { WmtsKvpService, WmtsRestService } from '../../src/core/service/wmts/service.js';
import type { WmtsServiceOptions } from '../../src/core/service/wmts/options.js';
import { featureInfoDoc, type FeatureInfoDoc } from '../../src/core/source/featureinfo-doc.js';
import type { InfoQuery, InfoSource } from '../../src/core/source/info-query.js';
import { request, tileLayer } from './service-fakes.js';

class FakeInfo implements InfoSource {
  readonly queries: InfoQuery[] = [];
  constructor(private readonly answer: FeatureInfoDoc | null) {}
  async getInfo(q: InfoQuery): Promise<FeatureInfoDoc | null> {
    this.queries.push(q);
    return this.answer;
  }
}

const INFO_FORMATS = [{ mimetype: 'text/html', suffix: 'html' }, { mimetype: 'application/json', suffix: 'json' }];

function setup(overrides: Partial<WmtsServiceOptions> = {}) {
  const info = new FakeInfo(featureInfoDoc('{"features": [1]}', 'application/json'));
  const layers = [
    { ...tileLayer('web', DEFAULT_GRIDS.GLOBAL_WEBMERCATOR), infoSources: [info, info] },
    { ...tileLayer('merc', DEFAULT_GRIDS.GLOBAL_MERCATOR), infoSources: [info] },
    tileLayer('plain', DEFAULT_GRIDS.GLOBAL_WEBMERCATOR),
  ];
  const opts: WmtsServiceOptions = { layers, md: { title: 'wmts' }, infoFormats: INFO_FORMATS, ...overrides };
  const kvp = new OwsService([new WmtsKvpService(opts)]);
  const rest = new WmtsRestService(opts);
  return {
    info,
    kvp: (q: string) =>
      kvp.handle(request(`/service?SERVICE=WMTS&REQUEST=GetFeatureInfo&VERSION=1.0.0&STYLE=&FORMAT=image/png&TILEMATRIXSET=GLOBAL_WEBMERCATOR&${q}`)),
    rest: (path: string) => rest.handle(request(path), path),
    capabilities: () => rest.handle(request('/wmts/1.0.0/WMTSCapabilities.xml'), '/wmts/1.0.0/WMTSCapabilities.xml'),
  };
}

const text = (r: { body: Buffer | string }) => r.body.toString();

describe('WMTS GetFeatureInfo', () => {
  it('asks the layer\'s sources with the tile as the map and I/J as the click (KVP)', async () => {
    const { kvp, info } = setup();
    const r = await kvp('LAYER=web&TILEMATRIX=01&TILEROW=0&TILECOL=1&INFOFORMAT=application/json&I=10&J=250&FEATURE_COUNT=3');
    assert.equal(r.status, 200, text(r));
    assert.equal(r.headers['Content-Type'], 'application/json');
    assert.equal(text(r), '{"features": [1, 1]}');
    const q = info.queries[0]!;
    assert.deepEqual(q.bbox, [0, 0, 20037508.342789244, 20037508.342789244]);
    assert.deepEqual(q.size, [256, 256]);
    assert.deepEqual(q.pos, [10, 250]);
    assert.equal(q.srs.code, 'EPSG:3857');
    assert.equal(q.infoFormat, 'application/json');
    assert.equal(q.featureCount, '3');
  });

  it('takes a suffix of featureinfo_formats for its mime type, in KVP and in REST', async () => {
    const { kvp, rest } = setup();
    const k = await kvp('LAYER=web&TILEMATRIX=1&TILEROW=0&TILECOL=0&INFOFORMAT=json&I=1&J=1');
    assert.equal(k.headers['Content-Type'], 'application/json');
    const r = await rest('/wmts/web/GLOBAL_WEBMERCATOR/1/0/0/5/6.json');
    assert.equal(r.status, 200, text(r));
    assert.equal(r.headers['Content-Type'], 'application/json');
  });

  it('counts REST rows from the north-west also on a grid counted from the south-west', async () => {
    const { rest, info } = setup();
    await rest('/wmts/merc/GLOBAL_MERCATOR/1/0/0/5/6.html');
    // row 0 from the top at level 1 is the northern half
    assert.deepEqual(info.queries[0]!.bbox, [-20037508.342789244, 0, 0, 20037508.342789244]);
  });

  it('refuses unknown info formats, layers without sources, unknown layers and tiles outside the grid', async () => {
    const { kvp, rest } = setup();
    const fmt = await kvp('LAYER=web&TILEMATRIX=1&TILEROW=0&TILECOL=0&INFOFORMAT=text/plain&I=1&J=1');
    assert.equal(fmt.status, 400);
    assert.match(text(fmt), /exceptionCode="InvalidParameterValue"[\s\S]*unknown infoformat: text\/plain/);
    const plain = await kvp('LAYER=plain&TILEMATRIX=1&TILEROW=0&TILECOL=0&INFOFORMAT=html&I=1&J=1');
    assert.equal(plain.status, 501);
    assert.match(text(plain), /OperationNotSupported[\s\S]*layer plain not queryable/);
    const layer = await rest('/wmts/nope/GLOBAL_WEBMERCATOR/1/0/0/5/6.html');
    assert.match(text(layer), /unknown layer: nope/);
    const outside = await rest('/wmts/web/GLOBAL_WEBMERCATOR/1/5/0/5/6.html');
    assert.match(text(outside), /TileOutOfRange/);
    const missing = await kvp('LAYER=web&TILEMATRIX=1&TILEROW=0&TILECOL=0&INFOFORMAT=html');
    assert.match(text(missing), /missing parameters \[&#x27;i&#x27;, &#x27;j&#x27;\]/);
  });

  it('answers an empty body with the requested mime type when no source has anything', async () => {
    const empty = new FakeInfo(null);
    const opts: WmtsServiceOptions = { layers: [{ ...tileLayer('web', DEFAULT_GRIDS.GLOBAL_WEBMERCATOR), infoSources: [empty] }], md: {}, infoFormats: INFO_FORMATS };
    const rest = new WmtsRestService(opts);
    const r = await rest.handle(request('/wmts/web/GLOBAL_WEBMERCATOR/0/0/0/1/1.html'), '/wmts/web/GLOBAL_WEBMERCATOR/0/0/0/1/1.html');
    assert.equal(r.status, 200);
    assert.equal(text(r), '');
    assert.equal(r.headers['Content-Type'], 'text/html; charset=utf-8');
  });

  it('follows a custom FeatureInfo template, dimensions only at their default', async () => {
    const { rest } = setup({ restfulFeatureinfoTemplate: '/fi/{Time}/{Layer}/{TileMatrixSet}/{TileMatrix}/{TileCol}/{TileRow}/{I}/{J}.{InfoFormat}' });
    assert.equal((await rest('/wmts/fi/default/web/GLOBAL_WEBMERCATOR/1/0/0/5/6.html')).status, 200);
    assert.match(text(await rest('/wmts/fi/2020/web/GLOBAL_WEBMERCATOR/1/0/0/5/6.html')), /unknown dimension: time/);
    assert.throws(() => setup({ restfulFeatureinfoTemplate: '/{Layer}/{TileMatrixSet}/{TileMatrix}/{TileCol}/{TileRow}.{InfoFormat}' }), /missing required variables/);
  });

  it('lists InfoFormats and FeatureInfo ResourceURLs for queryable layers only', async () => {
    const caps = text(await setup().capabilities());
    const layer = (name: string) => new RegExp(`<ows:Identifier>${name}</ows:Identifier>[\\s\\S]*?</Layer>`).exec(caps)![0];
    assert.match(layer('web'), /<InfoFormat>text\/html<\/InfoFormat>\s*<InfoFormat>application\/json<\/InfoFormat>/);
    assert.match(layer('web'), /<ResourceURL format="application\/json" resourceType="FeatureInfo" template="http:\/\/localhost\/wmts\/web\/\{TileMatrixSet\}\/\{TileMatrix\}\/\{TileCol\}\/\{TileRow\}\/\{I\}\/\{J\}\.json"\/>/);
    assert.doesNotMatch(layer('plain'), /InfoFormat|FeatureInfo/);
  });
});
