import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_GRIDS } from '../../src/core/geo/grid.js';
import { OwsService } from '../../src/core/service/ows.js';
import { WmtsKvpService, WmtsRestService } from '../../src/core/service/wmts/service.js';
import { request, SCHEMAS, tileLayer, xmllint } from './service-fakes.js';

const text = (r: { body: Buffer | string }) => r.body.toString().replace(/&#x27;/g, "'");

describe('WMTS', () => {
  const web = tileLayer('osm', DEFAULT_GRIDS.GLOBAL_WEBMERCATOR, { title: 'OSM' });
  const geo = tileLayer('osm', { name: 'GEO_NW', srs: 'EPSG:4326', origin: 'nw' });
  const merc = tileLayer('osm', DEFAULT_GRIDS.GLOBAL_MERCATOR);
  const sw = tileLayer('sw_only', { name: 'SW_GEO', srs: 'EPSG:4326', origin: 'sw' });
  const md = { title: 'WMTS test', contact: { person: 'Ann', organization: 'Org' } };
  const kvp = new OwsService([new WmtsKvpService({ layers: [web, geo, merc, sw], md })]);
  const rest = new WmtsRestService({ layers: [web, geo, merc, sw], md });
  const getKvp = (q: string, headers: Record<string, string> = {}) => kvp.handle(request(`/service?SERVICE=WMTS&${q}`, headers));
  const getRest = (p: string, headers: Record<string, string> = {}) => rest.handle(request(p, headers), p);
  const TILE = 'REQUEST=GetTile&VERSION=1.0.0&LAYER=osm&STYLE=default&TILEMATRIXSET=GLOBAL_WEBMERCATOR&FORMAT=image/png';

  it('serves KVP tiles with TILEMATRIX "01" or "1" in nw origin', async () => {
    web.requested.length = 0;
    const r = await getKvp(`${TILE}&TILEMATRIX=01&TILEROW=0&TILECOL=1`);
    assert.equal(r.status, 200);
    assert.match(r.headers['Cache-Control']!, /^public, max-age=259200/);
    await getKvp(`${TILE}&TILEMATRIX=1&TILEROW=1&TILECOL=1`);
    assert.deepEqual(web.requested, [[1, 0, 1], [1, 1, 1]]);
    merc.requested.length = 0;
    await getKvp(`${TILE.replace('GLOBAL_WEBMERCATOR', 'GLOBAL_MERCATOR')}&TILEMATRIX=1&TILEROW=0&TILECOL=0`);
    assert.deepEqual(merc.requested, [[0, 1, 1]]); // sw grid with 2 rows at level 1: y' = 1 - 0
  });

  it('maps errors to OWS exception codes and statuses', async () => {
    const missing = await getKvp('REQUEST=GetTile&VERSION=1.0.0&LAYER=osm');
    assert.equal(missing.status, 400);
    assert.match(text(missing), /missing parameters \['style', 'tilematrixset', 'tilematrix', 'tilerow', 'tilecol', 'format'\]/);
    assert.match(text(missing), /exceptionCode="MissingParameterValue"/);
    const out = await getKvp(`${TILE}&TILEMATRIX=1&TILEROW=5&TILECOL=0`);
    assert.equal(out.status, 400);
    assert.match(text(out), /exceptionCode="TileOutOfRange"/);
    const layer = await getKvp(`${TILE.replace('LAYER=osm', 'LAYER=x')}&TILEMATRIX=1&TILEROW=0&TILECOL=0`);
    assert.equal(layer.status, 400);
    assert.match(text(layer), /unknown layer: x/);
    const fmt = await getKvp(`${TILE.replace('image/png', 'image/jpeg')}&TILEMATRIX=1&TILEROW=0&TILECOL=0`);
    assert.match(text(fmt), /invalid format \(jpeg\)/);
    const fi = await getKvp('REQUEST=GetFeatureInfo&LAYER=osm');
    assert.equal(fi.status, 400);
    assert.match(text(fi), /exceptionCode="MissingParameterValue"[\s\S]*missing parameters/);
    const unknown = await getKvp('REQUEST=Foo');
    assert.match(text(unknown), /unknown WMTS request type/);
  });

  it('serves REST tiles with default and custom templates, and 304s', async () => {
    web.requested.length = 0;
    const r = await getRest('/wmts/osm/GLOBAL_WEBMERCATOR/02/3/1.png');
    assert.equal(r.status, 200);
    assert.deepEqual(web.requested, [[3, 1, 2]]);
    const again = await getRest('/wmts/osm/GLOBAL_WEBMERCATOR/02/3/1.png', { 'if-none-match': r.headers['ETag']! });
    assert.equal(again.status, 304);
    const custom = new WmtsRestService({ layers: [web], md, restfulTemplate: '/{TileMatrixSet}/{Layer}/{Time}/{TileMatrix}/{TileCol}/{TileRow}.png' });
    const ok = await custom.handle(request('/'), '/wmts/GLOBAL_WEBMERCATOR/osm/default/1/0/0.png');
    assert.equal(ok.status, 200);
    const dim = await custom.handle(request('/'), '/wmts/GLOBAL_WEBMERCATOR/osm/2020/1/0/0.png');
    assert.equal(dim.status, 400);
    assert.match(text(dim), /unknown dimension: time/);
    const bad = await getRest('/wmts/osm/foo');
    assert.equal(bad.status, 400);
    assert.match(text(bad), /<ows:Exception exceptionCode="InvalidParameterValue">\s*<ows:ExceptionText>invalid request \(\/wmts\/osm\/foo\)/);
  });

  it('publishes valid capabilities for KVP and REST', async () => {
    const k = text(await getKvp('REQUEST=GetCapabilities', { host: 'w.example' }));
    assert.equal(xmllint(k, ['--schema', `${SCHEMAS}/wmts/1.0/wmtsGetCapabilities_response.xsd`]), '');
    assert.match(k, /<ows:Get xlink:href="http:\/\/w.example\/service\?">/);
    assert.match(k, /<ows:Identifier>GLOBAL_WEBMERCATOR<\/ows:Identifier>\s*<ows:SupportedCRS>EPSG:3857<\/ows:SupportedCRS>/);
    assert.match(k, /<ows:Identifier>00<\/ows:Identifier>\s*<ScaleDenominator>559082264.0287178<\/ScaleDenominator>\s*<TopLeftCorner>-20037508.342789244 20037508.342789244<\/TopLeftCorner>/);
    // geodetic: degrees scaled by metres per degree, top left written lat/lon
    assert.match(k, /<ScaleDenominator>559082264.0287179<\/ScaleDenominator>\s*<TopLeftCorner>90.0 -180.0<\/TopLeftCorner>\s*<TileWidth>256<\/TileWidth>\s*<TileHeight>256<\/TileHeight>\s*<MatrixWidth>1<\/MatrixWidth>/);
    assert.ok(!k.includes('ResourceURL'));
    // grids whose rows do not end at the top edge cannot be addressed from the north-west: not published
    assert.ok(!k.includes('SW_GEO') && !k.includes('sw_only'));
    const r = await getRest('/wmts/1.0.0/WMTSCapabilities.xml', { 'x-forwarded-proto': 'https', host: 'w.example' });
    assert.equal(r.headers['Content-Type'], 'application/xml');
    const t = text(r);
    assert.equal(xmllint(t, ['--schema', `${SCHEMAS}/wmts/1.0/wmtsGetCapabilities_response.xsd`]), '');
    assert.match(t, /template="https:\/\/w.example\/wmts\/osm\/\{TileMatrixSet\}\/\{TileMatrix\}\/\{TileCol\}\/\{TileRow\}.png"/);
    assert.match(t, /<ServiceMetadataURL xlink:href="https:\/\/w.example\/wmts\/1.0.0\/WMTSCapabilities.xml"\/>/);
    assert.ok(!t.includes('OperationsMetadata'));
  });
});
