// The INSPIRE view service schemas for xmllint: the copies Debian's MapProxy 1.15 ships for its own tests
// (inspire_vs 1.0 for WMS 1.3.0, INSPIRE common 1.0). The OWS 1.1 form used in WMTS capabilities,
// inspire_vs_ows11, is not among them; its schema is one declaration — inspire_vs:ExtendedCapabilities of
// inspire_common:ExtendedCapabilitiesType substituting ows:ExtendedCapabilities — which wmtsWrapper() writes
// next to a wrapper that imports it with the WMTS 1.0 schema, so a WMTS document is checked against both.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OGC_SCHEMA_DIR } from './xml-schema.js';

const MAPPROXY_SCHEMAS = '/usr/lib/python3/dist-packages/mapproxy/test/schemas';

let dir: string | undefined;
let wmtsWrapper: string | undefined;
let wmsWrapper: string | undefined;

function schemaDir(): string {
  if (dir) return dir;
  const made = mkdtempSync(join(tmpdir(), 'mapproxy-ts-inspire-xsd-'));
  process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  return (dir = made);
}

const url = (p: string) => pathToFileURL(p).href;

export const inspireSchemas = {
  /** inspire_vs 1.0: imports MapProxy's WMS 1.3.0 schema, so a whole WMS document validates against it. */
  wms: join(MAPPROXY_SCHEMAS, 'inspire', 'inspire_vs', '1.0', 'inspire_vs.xsd'),
  common: join(MAPPROXY_SCHEMAS, 'inspire', 'common', '1.0', 'common.xsd'),
  /** A schema for WMTS 1.0 capabilities with inspire_vs_ows11 extended capabilities (written once per process). */
  /** inspire_vs with the SLD capabilities schema, for documents that announce sld:GetLegendGraphic. */
  wmsWrapper(): string {
    if (wmsWrapper) return wmsWrapper;
    wmsWrapper = join(schemaDir(), 'wms-inspire.xsd');
    writeFileSync(wmsWrapper, `<?xml version="1.0" encoding="UTF-8"?>
<schema xmlns="http://www.w3.org/2001/XMLSchema">
  <import namespace="http://inspire.ec.europa.eu/schemas/inspire_vs/1.0" schemaLocation="${url(this.wms)}"/>
  <import namespace="http://www.opengis.net/sld" schemaLocation="${url(join(OGC_SCHEMA_DIR, 'sld', '1.1.0', 'sld_capabilities.xsd'))}"/>
</schema>
`);
    return wmsWrapper;
  },
  wmtsWrapper(): string {
    if (wmtsWrapper) return wmtsWrapper;
    const dir = schemaDir();
    const owsAll = url(join(OGC_SCHEMA_DIR, 'ows', '1.1.0', 'owsAll.xsd'));
    writeFileSync(join(dir, 'inspire_vs_ows_11.xsd'), `<?xml version="1.0" encoding="UTF-8"?>
<schema xmlns="http://www.w3.org/2001/XMLSchema" xmlns:ows="http://www.opengis.net/ows/1.1"
  xmlns:inspire_common="http://inspire.ec.europa.eu/schemas/common/1.0"
  targetNamespace="http://inspire.ec.europa.eu/schemas/inspire_vs_ows11/1.0" elementFormDefault="qualified">
  <import namespace="http://www.opengis.net/ows/1.1" schemaLocation="${owsAll}"/>
  <import namespace="http://inspire.ec.europa.eu/schemas/common/1.0" schemaLocation="${url(this.common)}"/>
  <element name="ExtendedCapabilities" type="inspire_common:ExtendedCapabilitiesType" substitutionGroup="ows:ExtendedCapabilities"/>
</schema>
`);
    wmtsWrapper = join(dir, 'wmts-inspire.xsd');
    writeFileSync(wmtsWrapper, `<?xml version="1.0" encoding="UTF-8"?>
<schema xmlns="http://www.w3.org/2001/XMLSchema">
  <import namespace="http://www.opengis.net/ows/1.1" schemaLocation="${owsAll}"/>
  <import namespace="http://www.opengis.net/wmts/1.0" schemaLocation="${url(join(OGC_SCHEMA_DIR, 'wmts', '1.0', 'wmtsGetCapabilities_response.xsd'))}"/>
  <import namespace="http://inspire.ec.europa.eu/schemas/inspire_vs_ows11/1.0" schemaLocation="${url(join(dir, 'inspire_vs_ows_11.xsd'))}"/>
</schema>
`);
    return wmtsWrapper;
  },
};
