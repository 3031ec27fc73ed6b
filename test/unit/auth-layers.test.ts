import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AccessDenied } from '../../src/core/auth/access-denied.js';
import type { AuthResult } from '../../src/core/auth/authorize.js';
import { askAuthorize } from '../../src/core/auth/hook-answer.js';
import { HooksModuleError, loadHooksModule } from '../../src/core/auth/hooks-module.js';
import { infoPointPermitted } from '../../src/core/auth/info-point.js';
import { tilePlacement } from '../../src/core/auth/limited-tile.js';
import { mapLayersByName } from '../../src/core/auth/map-layers-by-name.js';
import { filteredLayerTree } from '../../src/core/auth/wms-capability-tree.js';
import { filterPermittedLayers } from '../../src/core/auth/wms-layers.js';
import { withHooks } from '../../src/core/auth/with-hooks.js';
import { limitedToCoverage } from '../../src/core/geo/coverage-config.js';
import { tileGrid } from '../../src/core/geo/grid.js';
import { getSRS } from '../../src/core/geo/srs.js';
import type { CoreRequest } from '../../src/core/http.js';
import type { WmsLayer } from '../../src/core/layer/wms-layer.js';
import { solidLayer, wmsLayer } from './service-fakes.js';

const req = (authorize?: () => AuthResult): CoreRequest => ({ method: 'GET', path: '/x', query: '', headers: {}, ...(authorize ? { hooks: { authorize } } : {}) });

function tree(): WmsLayer {
  const a = solidLayer([255, 0, 0]);
  const b = solidLayer([0, 255, 0], { bbox: [0, 0, 10, 10] });
  const own = solidLayer([0, 0, 255]);
  return wmsLayer(undefined, {
    children: [
      wmsLayer('group', { children: [wmsLayer('a', { mapLayers: [a] }), wmsLayer('b', { mapLayers: [b], bbox: [0, 0, 10, 10] })] }),
      wmsLayer('withown', { mapLayers: [own], children: [wmsLayer('child', { mapLayers: [a] })] }),
    ],
  });
}
const names = (l: WmsLayer): string[] => [...(l.name ? [l.name] : []), ...l.children.flatMap(names)];

describe('askAuthorize', () => {
  it('no hook permits (null); unauthenticated ends the request with 401', async () => {
    assert.equal(await askAuthorize(req(), 'tms', ['x'], null), null);
    await assert.rejects(askAuthorize(req(() => ({ authorized: 'unauthenticated' })), 'tms', ['x'], null), (e) => e instanceof AccessDenied && e.status === 401);
  });
  it('an answer without `authorized` is a programming error, not a permission', async () => {
    await assert.rejects(askAuthorize(req(() => ({}) as AuthResult), 'tms', [], null), TypeError);
  });
});

describe('mapLayersByName (MapProxy map_layers_for_query)', () => {
  it('a group without sources names each leaf; a layer with its own sources names itself', () => {
    const t = tree();
    assert.deepEqual(mapLayersByName(t.children[0]!).map(([n]) => n), ['a', 'b']);
    assert.deepEqual(mapLayersByName(t.children[1]!).map(([n]) => n), ['withown']);
  });
});

describe('filterPermittedLayers (MapProxy filter_actual_layers)', () => {
  const actual = new Map([['a', [1]], ['b', [2]]]);
  it('a forbidden layer named in the request refuses it; one reached through a group is left out', () => {
    const permission = { layers: new Map([['a', null]]), coverage: null };
    assert.throws(() => filterPermittedLayers(actual, ['a', 'b'], permission), (e) => e instanceof AccessDenied && e.status === 403);
    assert.deepEqual([...filterPermittedLayers(actual, ['group'], permission).keys()], ['a']);
  });
  it('all keeps everything unlimited', () => {
    assert.deepEqual([...filterPermittedLayers(actual, ['a'], { layers: 'all', coverage: null }).values()].map((v) => v.limitedTo), [null, null]);
  });
});

describe('filteredLayerTree (MapProxy FilteredRootLayer)', () => {
  it('a hidden parent hides its children; an empty group vanishes; a group with own sources stays', () => {
    assert.deepEqual(names(filteredLayerTree(tree(), { a: { map: true }, withown: { map: true } }, null)), ['withown']);
    assert.deepEqual(names(filteredLayerTree(tree(), { group: { map: true }, b: { map: true } }, null)), ['group', 'b']);
    assert.deepEqual(names(filteredLayerTree(tree(), { group: { map: true } }, null)), []);
  });
  it('a layer whose extent misses its limited_to is hidden; extents shrink; queryable needs featureinfo', () => {
    const limited = { srs: 'EPSG:4326', geometry: [20, 20, 30, 30] };
    const perms = { group: { map: true }, a: { map: true, featureinfo: true }, b: { map: true, limited_to: limited } };
    const t = filteredLayerTree(tree(), perms, null);
    assert.deepEqual(names(t), ['group', 'a']);
    const global = filteredLayerTree(tree(), perms, limitedToCoverage({ srs: 'EPSG:4326', geometry: [-5, -5, 5, 5] }));
    assert.deepEqual(global.children[0]!.extent.bbox, [-5, -5, 5, 5]);
    const q: WmsLayer = { ...wmsLayer('q', { mapLayers: [solidLayer([1, 2, 3])] }), queryable: true };
    const root = wmsLayer(undefined, { children: [q] });
    assert.equal(filteredLayerTree(root, { q: { map: true } }, null).children[0]!.queryable, false);
    assert.equal(filteredLayerTree(root, { q: { map: true, featureinfo: true } }, null).children[0]!.queryable, true);
  });
});

describe('limited_to geometry tests', () => {
  const cov = limitedToCoverage({ srs: 'EPSG:4326', geometry: [-180, -89, -90, 89] });
  it('tiles inside, straddling and outside', () => {
    const grid = tileGrid({ srs: 'EPSG:4326' });
    assert.equal(tilePlacement(null, grid, [0, 0, 10, 10]), 'inside');
    assert.equal(tilePlacement(cov, grid, [-170, -10, -100, 10]), 'inside');
    assert.equal(tilePlacement(cov, grid, [-100, -10, -80, 10]), 'partly');
    assert.equal(tilePlacement(cov, grid, [0, -10, 10, 10]), 'outside');
  });
  it('a feature info click is asked only inside', () => {
    const q = { bbox: [-180, -90, 0, 90] as const, size: [180, 180] as const, srs: getSRS('EPSG:4326') };
    assert.equal(infoPointPermitted(cov, { ...q, pos: [10, 90] }), true);
    assert.equal(infoPointPermitted(cov, { ...q, pos: [170, 90] }), false);
    assert.equal(infoPointPermitted(null, { ...q, pos: [170, 90] }), true);
  });
});

describe('hooks: per request and from a module', () => {
  it("a request's own hook wins over the app's", () => {
    const own = () => ({ authorized: 'none' }) as const;
    const app = () => ({ authorized: 'full' }) as const;
    assert.equal(withHooks({ ...req(), hooks: { authorize: own } }, { authorize: app }).hooks!.authorize, own);
    assert.equal(withHooks(req(), { authorize: app }).hooks!.authorize, app);
    assert.equal(withHooks(req(), {}).hooks, undefined);
  });
  it('loads named or default exports; refuses a module without hooks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'auth-hooks-'));
    writeFileSync(join(dir, 'named.mjs'), 'export function authorize() { return { authorized: "full" }; }\n');
    writeFileSync(join(dir, 'default.mjs'), 'export default { decorateImg: (i) => i };\n');
    writeFileSync(join(dir, 'none.mjs'), 'export const authorise = 1;\n');
    writeFileSync(join(dir, 'wrong.mjs'), 'export const authorize = "yes";\n');
    assert.equal(typeof (await loadHooksModule(join(dir, 'named.mjs'))).authorize, 'function');
    assert.equal(typeof (await loadHooksModule(join(dir, 'default.mjs'))).decorateImg, 'function');
    await assert.rejects(loadHooksModule(join(dir, 'none.mjs')), HooksModuleError);
    await assert.rejects(loadHooksModule(join(dir, 'wrong.mjs')), /not a function/);
    await assert.rejects(loadHooksModule(join(dir, 'missing.mjs')), /cannot load/);
  });
});
