// INSPIRE view service metadata: `inspire_md` read with MapProxy's required keys, written into WMS 1.3.0 (as
// MapProxy) and WMTS KVP capabilities (our extension, the OWS 1.1 form of the INSPIRE guidance), both checked
// against the INSPIRE schemas that Debian's MapProxy ships.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/core/config/errors.js';
import { loadConfig } from '../../src/core/config/load-config.js';
import { createApp, get } from '../support/our-app.js';
import { inspireSchemas } from '../support/inspire-schemas.js';
import { validateXml, xmllintAvailable } from '../support/xml-schema.js';
import { writeConfigDir } from './config-helpers.js';

const LINKED = `
    inspire_md:
      type: linked
      languages: {default: ger}
      metadata_url: {url: 'http://example.org/csw?id=1&x=2', media_type: application/vnd.iso.19139+xml}`;

const EMBEDDED = `
    inspire_md:
      type: embedded
      languages: {default: eng}
      resource_locators:
        - {url: 'http://example.org/service?a=1&b=2', media_type: application/vnd.ogc.wms_xml}
      temporal_reference: {date_of_creation: '2015-05-01', date_of_last_revision: 2016-02-03}
      metadata_points_of_contact:
        - {organisation_name: Example & Co., email: md@example.org}
      conformities:
        - title: COMMISSION REGULATION (EU) No 1089/2010
          date_of_publication: 2010-12-08
          uris: ['OJ:L:2010:323:0011:0102:EN:PDF']
          resource_locators: [{url: 'http://eur-lex.europa.eu/', media_type: text/html}]
          degree: notEvaluated
      mandatory_keywords: [infoMapAccessService]
      keywords:
        - {title: GEMET - INSPIRE themes, date_of_publication: 2008-06-01, keyword_value: Orthoimagery}
      metadata_date: 2015-07-23
      metadata_url: {url: 'http://example.org/md', media_type: application/xml}`;

function config(wms: string, wmts = ''): string {
  return `
services:
  wms:
    md: {title: INSPIRE}${wms}
  wmts:
    restful: true
    kvp: true${wmts}
layers:
  - name: ortho
    title: Orthoimagery
    sources: [ortho_cache]
    legendurl: http://example.org/legend.png
caches:
  ortho_cache: {grids: [GLOBAL_WEBMERCATOR], sources: [], disable_storage: true}
`;
}

async function appFor(yaml: string) {
  const dir = writeConfigDir({ 'mapproxy.yaml': yaml });
  return createApp(join(dir, 'mapproxy.yaml'));
}

/** The text of every element named `tag` (prefix included), in document order. */
const texts = (xml: string, tag: string) => [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]);
const children = (xml: string, tag: string) => {
  const block = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml)?.[1] ?? '';
  return [...block.matchAll(/^\s{4}<(inspire_common:\w+)/gm)].map((m) => m[1]);
};

const WMS130 = '/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0';
const WMTS_KVP = '/service?SERVICE=WMTS&REQUEST=GetCapabilities';

describe('inspire_md', () => {
  it('linked: the metadata URL and the language in WMS 1.3.0, valid against inspire_vs.xsd', async () => {
    const app = await appFor(config(LINKED));
    const doc = (await get(app, WMS130)).body.toString();
    assert.match(doc, /xmlns:inspire_common="http:\/\/inspire.ec.europa.eu\/schemas\/common\/1.0" xmlns:inspire_vs="http:\/\/inspire.ec.europa.eu\/schemas\/inspire_vs\/1.0" version="1.3.0"/);
    assert.match(doc, /sld_capabilities.xsd http:\/\/inspire.ec.europa.eu\/schemas\/inspire_vs\/1.0 http:\/\/inspire.ec.europa.eu\/schemas\/inspire_vs\/1.0\/inspire_vs.xsd">/);
    assert.deepEqual(children(doc, 'inspire_vs:ExtendedCapabilities'), ['inspire_common:MetadataUrl', 'inspire_common:SupportedLanguages', 'inspire_common:ResponseLanguage']);
    assert.deepEqual(texts(doc, 'inspire_common:URL'), ['http://example.org/csw?id=1&amp;x=2']);
    assert.deepEqual(texts(doc, 'inspire_common:Language'), ['ger', 'ger']);
    // the extended capabilities follow the exceptions, before the layers (the WMS 1.3.0 schema's order)
    assert.ok(doc.indexOf('</Exception>') < doc.indexOf('<inspire_vs:ExtendedCapabilities>'));
    assert.ok(doc.indexOf('</inspire_vs:ExtendedCapabilities>') < doc.indexOf('<Layer'));
    // the default style of a view service is inspire_common:DEFAULT
    assert.match(doc, /<Style>\s*<Name>inspire_common:DEFAULT<\/Name>/);
    if (xmllintAvailable() && existsSync(inspireSchemas.wms)) {
      const v = await validateXml(doc, { xsd: inspireSchemas.wmsWrapper() });
      assert.ok(v.valid, v.errors.join('\n'));
    }
  });

  it('embedded: every element in the order of MapProxy’s template, dates as written', async () => {
    const app = await appFor(config(EMBEDDED));
    const doc = (await get(app, WMS130)).body.toString();
    assert.deepEqual(children(doc, 'inspire_vs:ExtendedCapabilities'), [
      'inspire_common:ResourceLocator',
      'inspire_common:ResourceType',
      'inspire_common:TemporalReference',
      'inspire_common:Conformity',
      'inspire_common:MetadataPointOfContact',
      'inspire_common:MetadataDate',
      'inspire_common:SpatialDataServiceType',
      'inspire_common:MandatoryKeyword',
      'inspire_common:Keyword',
      'inspire_common:SupportedLanguages',
      'inspire_common:ResponseLanguage',
      'inspire_common:MetadataUrl',
    ]);
    assert.deepEqual(texts(doc, 'inspire_common:DateOfCreation'), ['2015-05-01']);
    assert.deepEqual(texts(doc, 'inspire_common:DateOfLastRevision'), ['2016-02-03']);
    assert.deepEqual(texts(doc, 'inspire_common:DateOfPublication'), ['2010-12-08', '2008-06-01']);
    assert.deepEqual(texts(doc, 'inspire_common:MetadataDate'), ['2015-07-23']);
    assert.deepEqual(texts(doc, 'inspire_common:OrganisationName'), ['Example &amp; Co.']);
    assert.deepEqual(texts(doc, 'inspire_common:URI'), ['OJ:L:2010:323:0011:0102:EN:PDF']);
    assert.deepEqual(texts(doc, 'inspire_common:KeywordValue'), ['infoMapAccessService', 'Orthoimagery']);
    assert.deepEqual(texts(doc, 'inspire_common:SpatialDataServiceType'), ['view']);
    if (xmllintAvailable() && existsSync(inspireSchemas.wms)) {
      const v = await validateXml(doc, { xsd: inspireSchemas.wmsWrapper() });
      assert.ok(v.valid, v.errors.join('\n'));
      // the schema does check the INSPIRE elements: without the required metadata date the document is invalid
      const broken = await validateXml(doc.replace(/<inspire_common:MetadataDate>[^<]*<\/inspire_common:MetadataDate>/, ''), { xsd: inspireSchemas.wmsWrapper() });
      assert.equal(broken.valid, false);
    }
  });

  it('other WMS versions and documents without inspire_md are unchanged', async () => {
    const app = await appFor(config(LINKED));
    const v111 = (await get(app, '/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.1.1')).body.toString();
    assert.doesNotMatch(v111, /inspire/);
    const plain = (await get(await appFor(config('')), WMS130)).body.toString();
    assert.doesNotMatch(plain, /inspire/);
    assert.match(plain, /<Style>\s*<Name>default<\/Name>/);
  });

  it('WMTS (our extension): the OWS 1.1 form in ows:OperationsMetadata of the KVP capabilities', async () => {
    const app = await appFor(config('', EMBEDDED));
    const kvp = (await get(app, WMTS_KVP)).body.toString();
    assert.match(kvp, /xmlns:inspire_vs="http:\/\/inspire.ec.europa.eu\/schemas\/inspire_vs_ows11\/1.0"/);
    assert.match(kvp, /wmtsGetCapabilities_response.xsd http:\/\/inspire.ec.europa.eu\/schemas\/inspire_vs_ows11\/1.0 http:\/\/inspire.ec.europa.eu\/schemas\/inspire_vs_ows11\/1.0\/inspire_vs_ows_11.xsd"/);
    const ops = /<ows:OperationsMetadata>([\s\S]*)<\/ows:OperationsMetadata>/.exec(kvp)![1]!;
    assert.ok(ops.lastIndexOf('</ows:Operation>') < ops.indexOf('<inspire_vs:ExtendedCapabilities>'));
    assert.deepEqual(texts(kvp, 'inspire_common:MetadataDate'), ['2015-07-23']);
    // the WMS capabilities of this configuration have none: inspire_md belongs to each service
    assert.doesNotMatch((await get(app, WMS130)).body.toString(), /inspire/);
    // the RESTful document has no OperationsMetadata to carry it
    const rest = (await get(app, '/wmts/1.0.0/WMTSCapabilities.xml')).body.toString();
    assert.doesNotMatch(rest, /inspire/);
    if (xmllintAvailable() && existsSync(inspireSchemas.common)) {
      const v = await validateXml(kvp, { xsd: inspireSchemas.wmtsWrapper() });
      assert.ok(v.valid, v.errors.join('\n'));
    }
  });

  it('a missing required value is an error at its key; an unknown key a warning', () => {
    const cases: [string, string][] = [
      [LINKED.replace(/\n\s+metadata_url:.*/, ''), 'services.wms.inspire_md.metadata_url: missing required value'],
      [LINKED.replace(/\n\s+languages:.*/, ''), 'services.wms.inspire_md.languages: missing required value'],
      [EMBEDDED.replace(/\n\s+metadata_date:.*/, ''), 'services.wms.inspire_md.metadata_date: missing required value'],
      [EMBEDDED.replace('          degree: notEvaluated\n', ''), 'services.wms.inspire_md.conformities[0].degree: missing required value'],
      [EMBEDDED.replace('media_type: text/html', 'type: text/html'), 'services.wms.inspire_md.conformities[0].resource_locators[0].media_type: missing required value'],
      [LINKED.replace('type: linked', 'type: linkd'), "services.wms.inspire_md.type: expected one of 'linked', 'embedded'"],
    ];
    for (const [md, message] of cases) {
      const dir = writeConfigDir({ 'mapproxy.yaml': config(md) });
      assert.throws(() => loadConfig(join(dir, 'mapproxy.yaml'), { env: {} }), (e: unknown) => {
        assert.ok(e instanceof ConfigError, String(e));
        assert.ok(e.message.includes(message), `${e.message} ∌ ${message}`);
        return true;
      });
    }
    const dir = writeConfigDir({ 'mapproxy.yaml': config(LINKED.replace('type: linked', 'type: linked\n      metadata_date: 2015-07-23')) });
    const { warnings } = loadConfig(join(dir, 'mapproxy.yaml'), { env: {} });
    assert.ok(warnings.some((w) => w.endsWith('services.wms.inspire_md.metadata_date: unknown option, ignored')), warnings.join('\n'));
  });
});
