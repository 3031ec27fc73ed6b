import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createApp, type OurApp } from '../support/our-app.js';
import { SchemaChecker } from '../support/json-schema-check.js';
import { debugOgcapiConfig } from '../support/ogcapi-debug-config.js';

/*
 * The OpenAPI document of /ogcapi taken at its word: every reference in it resolves (its own and those into the
 * OGC Maps and Tiles bundles, read from the copies shipped in ogc-schemas/), and every path it lists is asked
 * with example parameters, its JSON answer checked against the schema its 200 response names, its 400 answer
 * (an unknown parameter) and 404 answer (an unknown collection or tile matrix set) against theirs. The unit test
 * checks chosen documents; this one follows the document, so a path added later is checked too.
 */
const SCHEMAS = fileURLToPath(new URL('../../../shared/reference/ogc-schemas/', import.meta.url));
const load = (p: string) => JSON.parse(readFileSync(join(SCHEMAS, p), 'utf8')) as Record<string, unknown>;
const BUNDLES: Record<string, Record<string, unknown>> = {
  'https://schemas.opengis.net/ogcapi/maps/part1/1.0/openapi/ogcapi-maps-1.bundled.json': load('ogcapi/ogcapi-maps-1.bundled.json'),
  'https://schemas.opengis.net/ogcapi/tiles/part1/1.0/openapi/ogcapi-tiles-1.bundled.json': load('ogcapi/ogcapi-tiles-1.bundled.json'),
};
const CHECKERS = new Map(Object.entries(BUNDLES).map(([url, doc]) => [url, new SchemaChecker(doc)]));
const openapiSchema = new SchemaChecker(load('openapi/openapi-3.0.x.json'));

/** The bundles' extent-uad defect (see ogcapi-service.test.ts): `additionalProperties` also applies to `spatial`. */
const BUNDLE_DEFECT = /\.extent\.spatial: matches 0 of oneOf$/;


const EXAMPLES: Record<string, string> = { collectionId: 'dbg', tileMatrixSetId: 'WebMercatorQuad', tileMatrix: '1', tileRow: '0', tileCol: '1' };

type Json = Record<string, unknown>;

/** A JSON pointer fragment (`#/a/b~1c`) in a document. */
function pointer(doc: unknown, fragment: string): unknown {
  let node = doc;
  for (const part of fragment.replace(/^#\/?/, '').split('/').filter((p) => p !== '')) {
    node = (node as Json | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

/** Where a reference of the served document leads: its own document or a bundle, and the node there. */
function follow(api: Json, ref: string): { bundle: string | null; fragment: string; node: unknown } {
  const hash = ref.indexOf('#');
  const base = hash < 0 ? ref : ref.slice(0, hash);
  const fragment = hash < 0 ? '#' : ref.slice(hash);
  if (base === '') return { bundle: null, fragment, node: pointer(api, fragment) };
  const bundle = BUNDLES[base];
  assert.ok(bundle, `reference into an unknown document: ${ref}`);
  return { bundle: base, fragment, node: pointer(bundle, fragment) };
}

function refsOf(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refsOf(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsOf(v, out);
    }
  }
  return out;
}

describe('the /ogcapi OpenAPI document, path by path', () => {
  let dir: string;
  let app: OurApp;
  let api: Json;
  const get = async (path: string, query = '') => {
    const res = await app.handle({ method: 'GET', path: `/ogcapi${path === '/' ? '' : path}`, query, headers: { host: 'localhost' } });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) headers[k.toLowerCase()] = v;
    return { status: res.status, type: headers['content-type'] ?? '', body: typeof res.body === 'string' ? Buffer.from(res.body) : res.body };
  };

  /** Checks `body` against the JSON schema of the response `ref` names (a response object of a bundle). */
  const checkAgainst = (responseRef: string, type: string, body: Buffer, what: string) => {
    const target = follow(api, responseRef);
    assert.ok(target.bundle, `${what}: ${responseRef} is in a bundle`);
    const content = (target.node as { content?: Record<string, { schema?: unknown }> }).content ?? {};
    const media = Object.keys(content).find((m) => m.split(';')[0] === type.split(';')[0]) ?? Object.keys(content).find((m) => m.includes('json'));
    assert.ok(media, `${what}: ${responseRef} has JSON content (${Object.keys(content).join(', ')})`);
    const schemaRef = `${target.fragment}/content/${media.replace(/~/g, '~0').replace(/\//g, '~1')}/schema`;
    const errors = CHECKERS.get(target.bundle)!.check(JSON.parse(body.toString()), schemaRef).filter((e) => !BUNDLE_DEFECT.test(e));
    assert.deepEqual(errors, [], `${what} against ${responseRef}`);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ogcapi-openapi-'));
    const file = join(dir, 'mapproxy.yaml');
    writeFileSync(file, debugOgcapiConfig(join(dir, 'cache')));
    app = await createApp(file);
    const res = await get('/api', 'f=json');
    assert.equal(res.status, 200);
    api = JSON.parse(res.body.toString()) as Json;
  });
  after(async () => {
    await app.runtime.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('validates against the OpenAPI 3.0 schema and every reference in it resolves', () => {
    assert.deepEqual(openapiSchema.check(api, '#'), []);
    const refs = [...new Set(refsOf(api))];
    assert.ok(refs.length > 20, `${refs.length} references`);
    const dangling = refs.filter((r) => follow(api, r).node === undefined);
    assert.deepEqual(dangling, []);
  });

  it('answers every path it lists, JSON answers valid against the schema of their 200 response', async () => {
    const paths = Object.entries(api['paths'] as Record<string, { get: { responses: Record<string, { $ref: string }> } }>);
    assert.ok(paths.length >= 10, paths.map(([p]) => p).join(' '));
    let json = 0;
    let images = 0;
    for (const [template, item] of paths) {
      const path = template.replace(/\{(\w+)\}/g, (_, name: string) => EXAMPLES[name] ?? assert.fail(`no example for {${name}} of ${template}`));
      const ok = item.get.responses['200']!.$ref;
      const imageResponse = /\/(Map|MapTile)$/.test(ok);
      const res = await get(path, imageResponse ? '' : 'f=json');
      assert.equal(res.status, 200, `${path}: ${res.body.toString().slice(0, 300)}`);
      if (imageResponse) {
        assert.match(res.type, /^image\/(png|jpeg)/, path);
        images++;
      } else {
        checkAgainst(ok, res.type, res.body, path);
        json++;
      }
    }
    assert.ok(json >= 8 && images >= 4, `${json} JSON answers, ${images} images`);
  });

  it('answers unknown parameters and unknown resources with the exception its 400 and 404 responses name', async () => {
    const paths = Object.entries(api['paths'] as Record<string, { get: { responses: Record<string, { $ref: string }> } }>);
    let notFound = 0;
    for (const [template, item] of paths) {
      const path = template.replace(/\{(\w+)\}/g, (_, name: string) => EXAMPLES[name]!);
      // image answers take no f=json: the exception is JSON whatever was asked
      const f = /\/(Map|MapTile)$/.test(item.get.responses['200']!.$ref) ? '' : 'f=json&';
      const bad = await get(path, `${f}no-such-parameter=1`);
      assert.equal(bad.status, 400, `${path}?no-such-parameter: ${bad.status}`);
      checkAgainst(item.get.responses['400']!.$ref, bad.type, bad.body, `${path} 400`);
      const missing = item.get.responses['404']?.$ref;
      // a 404 needs an id to get wrong (/map/tiles lists one, as MapProxy 7's document, but has none)
      if (!missing || !/\{(collectionId|tileMatrixSetId)\}/.test(template)) continue;
      const unknown = template
        .replace('{collectionId}', 'no_such_collection')
        .replace('{tileMatrixSetId}', template.includes('{collectionId}') ? EXAMPLES['tileMatrixSetId']! : 'NoSuchTileMatrixSet')
        .replace(/\{(\w+)\}/g, (_, name: string) => EXAMPLES[name]!);
      const res = await get(unknown, f.slice(0, -1));
      assert.equal(res.status, 404, `${unknown}: ${res.status} ${res.body.toString().slice(0, 200)}`);
      checkAgainst(missing, res.type, res.body, `${unknown} 404`);
      notFound++;
    }
    assert.ok(notFound >= 5, `${notFound} paths with a 404 answer`);
  });
});
