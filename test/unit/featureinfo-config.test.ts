// Feature-info options: read and checked with errors that name the key, warnings for options that have no
// effect, and the layers they make queryable.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../src/core/config/load-config.js';
import { ConfigError } from '../../src/core/config/errors.js';
import { buildRuntime } from '../../src/core/runtime/runtime.js';
import { WmsInfoSource } from '../../src/core/source/wms-info-source.js';
import { writeConfigDir } from './config-helpers.js';

const BASE = `
services:
  wms:
  wmts:
sources:
  fi:
    type: wms
    req: {url: 'http://127.0.0.1:9/wms', layers: a}
    wms_opts: {featureinfo: true}
  map_only:
    type: wms
    req: {url: 'http://127.0.0.1:9/wms', layers: b}
  fi_only:
    type: wms
    req: {url: 'http://127.0.0.1:9/wms', layers: c}
    wms_opts: {featureinfo: true, map: false}
caches:
  inner: {grids: [GLOBAL_WEBMERCATOR], sources: [fi, map_only], cache: {type: file, directory: /tmp/mpts-fi-inner}}
  outer: {grids: [GLOBAL_WEBMERCATOR], sources: [inner], cache: {type: file, directory: /tmp/mpts-fi-outer}}
layers:
  - {name: direct, title: Direct, sources: [fi]}
  - {name: plain, title: Plain, sources: [map_only]}
  - {name: cached, title: Cached, sources: [outer, fi_only]}
  - name: group
    title: Group
    layers:
      - {name: member, title: Member, sources: [fi]}
      - {name: other, title: Other, sources: [map_only]}
`;

function load(yaml: string) {
  const dir = writeConfigDir({ 'mapproxy.yaml': yaml });
  const file = join(dir, 'mapproxy.yaml');
  return { file, dir, load: () => loadConfig(file, { env: {} }) };
}

function assertConfigError(fn: () => unknown, ...parts: RegExp[]) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    for (const p of parts) assert.match(e.message, p);
    return true;
  });
}

describe('feature info configuration', () => {
  it('refuses unknown feature info types by key', () => {
    const t = load(BASE.replace('  wms:\n', '  wms:\n    featureinfo_types: [text, csv]\n'));
    assertConfigError(t.load, /services\.wms\.featureinfo_types: unknown feature info type 'csv' \(expected one of text, html, xml, json\)/);
    const x = load(BASE.replace('  wms:\n', '  wms:\n    featureinfo_xslt: {gml: a.xsl}\n'));
    assertConfigError(x.load, /services\.wms\.featureinfo_xslt\.gml: unknown feature info type 'gml'/);
  });

  it('refuses WMTS info formats that are no mime type or have a suffix REST URLs cannot carry', () => {
    const m = load(BASE.replace('  wmts:\n', '  wmts:\n    featureinfo_formats: [{mimetype: html}]\n'));
    assertConfigError(m.load, /services\.wmts\.featureinfo_formats\[0\]\.mimetype: expected a mime type/);
    const s = load(BASE.replace('  wmts:\n', '  wmts:\n    featureinfo_formats: [{mimetype: text/html, suffix: h.t}]\n'));
    assertConfigError(s.load, /services\.wmts\.featureinfo_formats\[0\]\.suffix: expected letters/);
  });

  it('warns about feature info options of a source without featureinfo: true', () => {
    const c = load(BASE.replace("layers: b}\n", "layers: b}\n    wms_opts: {featureinfo_format: text/html, query_layers: b}\n"));
    const warnings = c.load().warnings.join('\n');
    assert.match(warnings, /sources\.map_only\.wms_opts\.featureinfo_format: has no effect without featureinfo: true/);
    assert.match(warnings, /sources\.map_only\.wms_opts\.query_layers: has no effect without featureinfo: true/);
  });

  it('names a missing stylesheet when the configuration is built', async () => {
    const c = load(BASE.replace('    wms_opts: {featureinfo: true}\n', "    wms_opts: {featureinfo: true, featureinfo_xslt: missing.xsl}\n"));
    await assert.rejects(buildRuntime(c.load()), new RegExp(`sources\\.fi\\.wms_opts\\.featureinfo_xslt: stylesheet ${c.dir}/missing\\.xsl not found`));
    const s = load(BASE.replace('  wms:\n', '  wms:\n    featureinfo_xslt: {html: nope.xsl}\n'));
    await assert.rejects(buildRuntime(s.load()), /services\.wms\.featureinfo_xslt\.html: stylesheet .*nope\.xsl not found/);
  });

  it('makes layers queryable through their sources, caches of caches, groups and feature-info-only sources', async () => {
    const runtime = await buildRuntime(load(BASE).load());
    try {
      const byName = new Map<string, { queryable: boolean; infoLayers?: readonly { name: string; sources: readonly unknown[] }[] }>();
      const walk = (l: NonNullable<typeof runtime.wmsRoot>) => {
        if (l.name) byName.set(l.name, l);
        l.children.forEach(walk);
      };
      walk(runtime.wmsRoot!);
      assert.equal(byName.get('direct')!.queryable, true);
      assert.equal(byName.get('plain')!.queryable, false);
      // outer → inner → fi (map_only has no feature info), and fi_only next to the cache
      assert.equal(byName.get('cached')!.infoLayers![0]!.sources.length, 2);
      assert.ok(byName.get('cached')!.infoLayers![0]!.sources.every((s) => s instanceof WmsInfoSource));
      assert.equal(byName.get('group')!.queryable, true);
      assert.deepEqual(byName.get('group')!.infoLayers!.map((l) => l.name), ['member']);
      // the feature-info-only source draws nothing, and does not keep the cache from being published as tiles
      const cachedTiles = runtime.tileLayers.filter((t) => t.name === 'cached');
      assert.equal(cachedTiles.length, 1);
      assert.equal(cachedTiles[0]!.infoSources!.length, 2);
    } finally {
      await runtime.close();
    }
  });
});
