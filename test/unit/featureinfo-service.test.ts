// The WMS GetFeatureInfo answer with fake info sources: which sources are asked with what, how the
// answer's mime type follows the merged type and the version, empty answers, failing sources, and the
// service-wide stylesheet choice.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { imageFormat } from '../../src/core/image/format.js';
import type { WmsLayer } from '../../src/core/layer/wms-layer.js';
import { OwsService } from '../../src/core/service/ows.js';
import type { WmsServiceOptions } from '../../src/core/service/wms/options.js';
import { WmsService } from '../../src/core/service/wms/service.js';
import { featureInfoDoc, type FeatureInfoDoc } from '../../src/core/source/featureinfo-doc.js';
import type { InfoQuery, InfoSource } from '../../src/core/source/info-query.js';
import { SourceError } from '../../src/core/source/source.js';
import { XsltTransformer, findXsltproc } from '../../src/core/source/xslt-transform.js';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request, wmsLayer } from './service-fakes.js';

class FakeInfo implements InfoSource {
  readonly queries: InfoQuery[] = [];
  constructor(private readonly answer: FeatureInfoDoc | null | Error) {}
  async getInfo(q: InfoQuery): Promise<FeatureInfoDoc | null> {
    this.queries.push(q);
    if (this.answer instanceof Error) throw this.answer;
    return this.answer;
  }
}

function queryable(name: string, sources: InfoSource[]): WmsLayer {
  return { ...wmsLayer(name), queryable: sources.length > 0, infoLayers: sources.length ? [{ name, sources }] : [] };
}

function setup(layers: WmsLayer[], overrides: Partial<WmsServiceOptions> = {}) {
  const opts: WmsServiceOptions = {
    rootLayer: wmsLayer(undefined, { children: layers }),
    md: { title: 'fi' },
    srs: ['EPSG:4326', 'EPSG:3857'],
    bboxSrs: [],
    imageFormats: [imageFormat('image/png')],
    versions: ['1.1.1', '1.3.0'],
    maxOutputPixels: 4000 * 4000,
    onSourceErrors: 'notify',
    strict: false,
    ...overrides,
  };
  const ows = new OwsService([new WmsService(opts)]);
  return (q: string) => ows.handle(request(`/service?SERVICE=WMS&REQUEST=GetFeatureInfo&STYLES=&WIDTH=100&HEIGHT=50&${q}`));
}

const text = (r: { body: Buffer | string }) => r.body.toString();

describe('WMS GetFeatureInfo', () => {
  it('asks each named layer once with the click, the 1.3.0 bbox in east/north order', async () => {
    const a = new FakeInfo(featureInfoDoc('a', 'text/plain'));
    const b = new FakeInfo(featureInfoDoc('b', 'text/plain'));
    const gfi = setup([queryable('a', [a]), queryable('b', [b])]);
    const r = await gfi('VERSION=1.3.0&CRS=EPSG:4326&BBOX=40,0,60,40&I=10&J=20&LAYERS=a,b&QUERY_LAYERS=b,a,b&INFO_FORMAT=text/plain&FEATURE_COUNT=7&FORMAT=image/png');
    assert.equal(r.status, 200);
    assert.equal(text(r), 'b\na');
    assert.equal(r.headers['Content-Type'], 'text/plain; charset=utf-8');
    assert.equal(a.queries.length, 1);
    assert.equal(b.queries.length, 1);
    const q = a.queries[0]!;
    assert.deepEqual(q.bbox, [0, 40, 40, 60]);
    assert.deepEqual(q.pos, [10, 20]);
    assert.deepEqual(q.size, [100, 50]);
    assert.equal(q.srs.code, 'EPSG:4326');
    assert.equal(q.featureCount, '7');
    assert.equal(q.format, 'image/png');
    assert.equal(q.infoFormat, 'text/plain');
  });

  it('sends XML as GML before 1.3.0 and as text/xml in 1.3.0, whatever the client asked', async () => {
    const gml = new FakeInfo(featureInfoDoc('<r><a/></r>', 'application/vnd.ogc.gml'));
    const gfi = setup([queryable('a', [gml])]);
    const r111 = await gfi('VERSION=1.1.1&SRS=EPSG:4326&BBOX=0,40,40,60&X=1&Y=1&LAYERS=a&QUERY_LAYERS=a&INFO_FORMAT=text/xml');
    assert.equal(r111.headers['Content-Type'], 'application/vnd.ogc.gml');
    assert.equal(text(r111), '<r><a/></r>');
    const r130 = await gfi('VERSION=1.3.0&CRS=EPSG:4326&BBOX=40,0,60,40&I=1&J=1&LAYERS=a&QUERY_LAYERS=a&INFO_FORMAT=application/vnd.ogc.gml');
    assert.equal(r130.headers['Content-Type'], 'text/xml; charset=utf-8');
  });

  it('answers an empty body with the client\'s INFO_FORMAT when no source has anything', async () => {
    const gfi = setup([queryable('a', [new FakeInfo(null)])]);
    const r = await gfi('VERSION=1.1.1&SRS=EPSG:4326&BBOX=0,40,40,60&X=1&Y=1&LAYERS=a&QUERY_LAYERS=a&INFO_FORMAT=text/html');
    assert.equal(r.status, 200);
    assert.equal(text(r), '');
    assert.equal(r.headers['Content-Type'], 'text/html; charset=utf-8');
  });

  it('refuses layers that are not queryable, and answers a failing source with a 500 ServiceException', async () => {
    const gfi = setup([queryable('plain', []), queryable('broken', [new FakeInfo(new SourceError('upstream down'))])]);
    const plain = await gfi('VERSION=1.1.1&SRS=EPSG:4326&BBOX=0,40,40,60&X=1&Y=1&LAYERS=plain&QUERY_LAYERS=plain');
    assert.equal(plain.status, 400);
    assert.match(text(plain), /<ServiceException>layer plain is not queryable<\/ServiceException>/);
    const broken = await gfi('VERSION=1.1.1&SRS=EPSG:4326&BBOX=0,40,40,60&X=1&Y=1&LAYERS=broken&QUERY_LAYERS=broken');
    assert.equal(broken.status, 500);
    assert.match(text(broken), /upstream down/);
  });

  it('refuses an SRS the service does not offer and positions that are no numbers', async () => {
    const gfi = setup([queryable('a', [new FakeInfo(null)])]);
    assert.match(text(await gfi('VERSION=1.3.0&CRS=EPSG:25832&BBOX=0,0,1,1&I=1&J=1&LAYERS=a&QUERY_LAYERS=a')), /code="InvalidCRS"/);
    assert.match(text(await gfi('VERSION=1.3.0&CRS=EPSG:4326&BBOX=0,0,1,1&I=x&J=1&LAYERS=a&QUERY_LAYERS=a')), /code="InvalidPoint"/);
  });

  it('transforms the merged answer with the stylesheet of the requested type, and lists those types', { skip: !findXsltproc() }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpts-fi-xsl-'));
    const xsl = join(dir, 'count.xsl');
    writeFileSync(xsl, '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"><xsl:template match="/"><n><xsl:value-of select="count(//f)"/></n></xsl:template></xsl:stylesheet>');
    const transformers = new Map([['xml', new XsltTransformer(xsl, undefined, findXsltproc()!)]] as const);
    const gfi = setup([queryable('a', [new FakeInfo(featureInfoDoc('<r><f/></r>', 'text/xml')), new FakeInfo(featureInfoDoc('<r><f/><f/></r>', 'text/xml'))])], {
      infoTransformers: transformers,
    });
    const r = await gfi('VERSION=1.1.1&SRS=EPSG:4326&BBOX=0,40,40,60&X=1&Y=1&LAYERS=a&QUERY_LAYERS=a&INFO_FORMAT=application/vnd.ogc.gml');
    assert.equal(text(r), '<n>3</n>');
    assert.equal(r.headers['Content-Type'], 'application/vnd.ogc.gml');
    const html = await gfi('VERSION=1.1.1&SRS=EPSG:4326&BBOX=0,40,40,60&X=1&Y=1&LAYERS=a&QUERY_LAYERS=a&INFO_FORMAT=text/html');
    // no stylesheet for html: the merged XML as it is, with its own type
    assert.equal(text(html), '<r><f/><f/><f/></r>');
    assert.equal(html.headers['Content-Type'], 'application/vnd.ogc.gml');
  });
});
