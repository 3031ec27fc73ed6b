// Validates XML documents against the OGC schemas in ../shared/reference/ogc-schemas with Debian's
// `xmllint` (libxml2-utils), offline: an XML catalog maps http://schemas.opengis.net/ to the local copy.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root (two levels above test/support). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The shared folder next to the repository (`../shared` from the repo root). */
export const SHARED_DIR = resolve(REPO_ROOT, '..', 'shared');
export const OGC_SCHEMA_DIR = join(SHARED_DIR, 'reference', 'ogc-schemas');

/** Schema (or, for WMS 1.1.x, DTD) files per document kind, relative to OGC_SCHEMA_DIR. */
export const SCHEMAS = {
  'wms-1.3.0-capabilities': 'wms/1.3.0/capabilities_1_3_0.xsd',
  'wms-1.3.0-exception': 'wms/1.3.0/exceptions_1_3_0.xsd',
  'wms-1.1.1-capabilities': 'wms/1.1.1/WMS_MS_Capabilities.dtd',
  'wms-1.1.1-exception': 'wms/1.1.1/exception_1_1_1.dtd',
  'wms-1.1.0-capabilities': 'wms/1.1.0/capabilities_1_1_0.dtd',
  'wmts-1.0-capabilities': 'wmts/1.0/wmtsGetCapabilities_response.xsd',
  'ows-1.1-exception': 'ows/1.1.0/owsExceptionReport.xsd',
  'kml-2.2': 'kml/2.2.0/ogckml22.xsd',
} as const;
export type SchemaName = keyof typeof SCHEMAS;

export interface ValidationResult { valid: boolean; errors: string[] }

export function xmllintAvailable(): boolean {
  return existsSync('/usr/bin/xmllint') && existsSync(OGC_SCHEMA_DIR);
}

let catalogFile: string | undefined;

/** An XML catalog that resolves the canonical OGC schema URLs to the local copies. */
function catalog(): string {
  if (catalogFile && existsSync(catalogFile)) return catalogFile;
  const dir = mkdtempSync(join(tmpdir(), 'mapproxy-ts-xmlcatalog-'));
  const local = pathToFileURL(OGC_SCHEMA_DIR).href + '/';
  const rewrites = ['http://schemas.opengis.net/', 'https://schemas.opengis.net/']
    .map((prefix) => `  <rewriteSystem systemIdStartString="${prefix}" rewritePrefix="${local}"/>
  <rewriteURI uriStartString="${prefix}" rewritePrefix="${local}"/>`).join('\n');
  catalogFile = join(dir, 'catalog.xml');
  writeFileSync(catalogFile, `<?xml version="1.0"?>
<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">
${rewrites}
  <rewriteURI uriStartString="http://www.w3.org/2001/xml.xsd" rewritePrefix="${local}xml.xsd"/>
  <rewriteSystem systemIdStartString="http://www.w3.org/2001/xml.xsd" rewritePrefix="${local}xml.xsd"/>
</catalog>
`);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return catalogFile;
}

function runXmllint(args: string[], input: string | Buffer): Promise<{ code: number; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile('/usr/bin/xmllint', args, {
      env: { ...process.env, XML_CATALOG_FILES: catalog() },
      maxBuffer: 32 * 1024 * 1024,
    }, (err, _stdout, stderr) => {
      if (err && typeof err.code !== 'number') { reject(err); return; }
      resolvePromise({ code: err ? Number(err.code) : 0, stderr: String(stderr) });
    });
    child.stdin!.end(input);
  });
}

/**
 * Validates `xml` against one of the OGC schemas (XSD) or DTDs. Never touches the network:
 * DTD references in the document are not followed; the DTD given here is used instead.
 */
export async function validateXml(xml: string | Buffer, schema: SchemaName | { xsd: string } | { dtd: string }): Promise<ValidationResult> {
  const file = typeof schema === 'string' ? join(OGC_SCHEMA_DIR, SCHEMAS[schema]) : 'xsd' in schema ? schema.xsd : schema.dtd;
  if (!existsSync(file)) throw new Error(`schema not found: ${file}`);
  const isDtd = file.endsWith('.dtd');
  let doc = typeof xml === 'string' ? xml : xml.toString('utf8');
  if (isDtd) {
    // The document's DOCTYPE names the DTD by URL; drop the external reference (the DTD comes
    // from --dtdvalid) but keep any internal subset (MapProxy declares VendorSpecificCapabilities there).
    doc = doc.replace(/<!DOCTYPE\s+([\w:.-]+)\s+(?:SYSTEM\s+("[^"]*"|'[^']*')|PUBLIC\s+("[^"]*"|'[^']*')\s+("[^"]*"|'[^']*'))\s*(\[[\s\S]*?\])?\s*>/,
      (_m, root: string, _s, _p, _ps, subset: string | undefined) => (subset ? `<!DOCTYPE ${root} ${subset}>` : ''));
  }
  const args = ['--noout', '--nonet', ...(isDtd ? ['--dtdvalid', file] : ['--schema', file]), '-'];
  const { code, stderr } = await runXmllint(args, doc);
  const errors = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/ validates$/.test(l));
  return { valid: code === 0, errors: code === 0 ? [] : errors };
}

/** Reads a file and validates it (convenience for fixtures). */
export function validateXmlFile(path: string, schema: SchemaName): Promise<ValidationResult> {
  return validateXml(readFileSync(path), schema);
}
