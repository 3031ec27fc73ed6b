// INSPIRE view service metadata side by side with MapProxy 1.15 on MapProxy's own fixtures (inspire.yaml: linked,
// inspire_full.yaml: embedded): the same namespaces and schema locations on the root element, the same
// ExtendedCapabilities element by element, the same style names; both documents valid against the INSPIRE
// schemas (inspire_vs 1.0 with common 1.0, as Debian's MapProxy ships them).
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inspireSchemas } from '../support/inspire-schemas.js';
import { startReferenceMapProxy, type ReferenceMapProxy } from '../support/mapproxy-reference.js';
import { startOurServer, type OurServer } from '../support/our-app.js';
import { SHARED_DIR, validateXml, xmllintAvailable } from '../support/xml-schema.js';

const FIXTURES = join(SHARED_DIR, 'reference', 'mapproxy-fixtures');
const skip = !existsSync('/usr/lib/python3/dist-packages/mapproxy') ? 'MapProxy 1.15 not installed' : false;

const WMS130 = '/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0';

/** The ExtendedCapabilities block as trimmed lines. */
function extended(xml: string): string[] {
  const m = /<inspire_vs:ExtendedCapabilities>[\s\S]*?<\/inspire_vs:ExtendedCapabilities>/.exec(xml);
  return m ? m[0].split('\n').map((l) => l.trim()).filter(Boolean) : [];
}
const rootElement = (xml: string) => /<WMS_Capabilities[^>]*>/.exec(xml)![0];
const styleNames = (xml: string) => [...xml.matchAll(/<Style>\s*<Name>([^<]*)<\/Name>/g)].map((m) => m[1]);

for (const fixture of ['inspire.yaml', 'inspire_full.yaml']) {
  describe(`INSPIRE ${fixture} side by side with MapProxy 1.15`, { skip }, () => {
    let dir: string;
    let ours: OurServer;
    let ref: ReferenceMapProxy;
    let oursXml: string;
    let theirsXml: string;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'inspire-sbs-'));
      copyFileSync(join(FIXTURES, fixture), join(dir, fixture));
      ours = await startOurServer(join(dir, fixture));
      ref = await startReferenceMapProxy(join(dir, fixture));
      oursXml = await (await fetch(ours.url + WMS130)).text();
      theirsXml = await (await fetch(ref.url + WMS130)).text();
    });
    after(async () => {
      await ours?.stop();
      await ref?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('the same root namespaces and schema locations', () => {
      assert.match(rootElement(theirsXml), /inspire_vs\.xsd/);
      assert.equal(rootElement(oursXml), rootElement(theirsXml));
    });

    it('the same ExtendedCapabilities, element by element', () => {
      const theirs = extended(theirsXml);
      assert.ok(theirs.length > 10, 'MapProxy writes extended capabilities');
      assert.deepEqual(extended(oursXml), theirs);
    });

    it('the same style names', () => {
      assert.deepEqual(styleNames(oursXml), styleNames(theirsXml));
    });

    it('both documents are valid against the INSPIRE view service schema', { skip: !xmllintAvailable() || !existsSync(inspireSchemas.wms) }, async () => {
      const [a, b] = [await validateXml(oursXml, { xsd: inspireSchemas.wmsWrapper() }), await validateXml(theirsXml, { xsd: inspireSchemas.wmsWrapper() })];
      assert.ok(a.valid, a.errors.join('\n'));
      assert.ok(b.valid, `the reference validates too: ${b.errors.join('\n')}`);
    });
  });
}
