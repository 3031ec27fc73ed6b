// 10 000 seeded hostile requests against every route of the in-process app (WMS of every version, WMTS
// KVP and REST with the default and a custom restful_template, TMS, /tiles, KML, demo, unknown paths):
// no answer is a 500, every error is the protocol's own document with a 4xx, nothing is written outside
// the cache directory, and no request takes longer than the budget.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp, type App } from '../../src/core/app.js';
import { CUSTOM_RESTFUL_TEMPLATE, fuzzTargets, listTree, writeFuzzConfig } from '../support/fuzz-config.js';
import { answerProblem, hostileRequests, type FuzzRequest } from '../support/hostile-requests.js';

const SEED = 20261206;
const REQUESTS = 10_000;
/** Longest a single request may take (a shared 2-core machine; honest requests take milliseconds). */
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 3000);

function describeRequest(r: FuzzRequest): string {
  return JSON.stringify({ method: r.method, path: r.path, query: r.query.slice(0, 300), headers: r.headers });
}

describe('hostile requests against every route', () => {
  let root = '';
  const apps: { name: string; app: App; cacheRel: string; template?: string }[] = [];
  const errors: unknown[] = [];

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'mapproxy-ts-fuzz-'));
    // Deep cache directories: a path escaping them by a few '..' still lands inside `root`, where we look.
    for (const [name, template] of [['default', undefined], ['custom', CUSTOM_RESTFUL_TEMPLATE]] as const) {
      const cacheRel = `${name}/a/b/c/cache`;
      mkdirSync(join(root, cacheRel), { recursive: true });
      const file = writeFuzzConfig(join(root, name), join(root, cacheRel), template);
      const app = await createApp(file, { log: { warn: () => {}, error: (...args: unknown[]) => errors.push(args) } });
      apps.push({ name, app, cacheRel, template });
    }
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it(`${REQUESTS} requests: no 500, protocol error documents, nothing outside the cache, each within ${BUDGET_MS} ms`, async () => {
    const before = listTree(root, apps.map((a) => a.cacheRel));
    const problems: string[] = [];
    let slowest = 0;
    const statuses = new Map<number, number>();
    for (const [i, { name, app, template }] of apps.entries()) {
      const requests = hostileRequests(SEED + i, REQUESTS / apps.length, fuzzTargets(template));
      for (const req of requests) {
        const start = performance.now();
        const res = await app.handle({ ...req, remoteAddr: '127.0.0.1' });
        const ms = performance.now() - start;
        slowest = Math.max(slowest, ms);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const body = typeof res.body === 'string' ? Buffer.from(res.body) : res.body;
        const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k.toLowerCase(), v]));
        const problem = answerProblem(req, { status: res.status, headers, body });
        if (problem) problems.push(`${name}: ${problem}\n  ${describeRequest(req)}`);
        if (ms > BUDGET_MS) problems.push(`${name}: took ${Math.round(ms)} ms\n  ${describeRequest(req)}`);
      }
    }
    assert.deepEqual(problems.slice(0, 25), [], `${problems.length} problems`);
    assert.deepEqual(errors, [], 'internal errors logged');
    assert.deepEqual(listTree(root, apps.map((a) => a.cacheRel)), before, 'files outside the cache directories');
    // The requests reached the services: tiles and maps were drawn, and errors of every kind answered.
    assert.ok((statuses.get(200) ?? 0) > REQUESTS / 10, `statuses ${JSON.stringify([...statuses])}`);
    assert.ok((statuses.get(400) ?? 0) > 0 && (statuses.get(404) ?? 0) > 0, `statuses ${JSON.stringify([...statuses])}`);
    assert.ok(listTree(join(root, apps[0]!.cacheRel)).length > 0, 'tiles cached');
    console.log(`statuses ${JSON.stringify([...statuses].sort((a, b) => a[0] - b[0]))}, slowest ${Math.round(slowest)} ms`);
  });
});
