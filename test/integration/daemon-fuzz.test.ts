// Seeded hostile requests over HTTP against the real daemon (master + 2 workers, default and custom WMTS
// restful_template): no 500, the protocol's error documents, nothing written outside the cache directory,
// every request within the budget — and no worker died and was replaced on the way.
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CUSTOM_RESTFUL_TEMPLATE, fuzzTargets, listTree, writeFuzzConfig } from '../support/fuzz-config.js';
import { answerProblem, hostileRequests, requestTarget, type FuzzAnswer, type FuzzRequest } from '../support/hostile-requests.js';
import { Daemon, freePort } from './daemon-support.js';

const REQUESTS = 1500;
const CONCURRENCY = 8;
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 5000);

const dirs: string[] = [];
const daemons: Daemon[] = [];
after(() => {
  daemons.forEach((d) => d.kill());
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

/** One request on its own connection; headers node refuses to send (control characters) are left out. */
function send(port: number, req: FuzzRequest): Promise<FuzzAnswer> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    try {
      http.validateHeaderValue(k, v);
      headers[k] = v;
    } catch {
      // not expressible on the wire
    }
  }
  return new Promise((resolve, reject) => {
    const r = http.request(
      { host: '127.0.0.1', port, path: requestTarget(req), method: req.method, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

for (const [name, template] of [['default', undefined], ['custom', CUSTOM_RESTFUL_TEMPLATE]] as const) {
  describe(`the 2-worker daemon under hostile requests (${name} restful_template)`, () => {
    it(`${REQUESTS} requests: no 500, protocol error documents, no worker restarted`, async () => {
      const root = mkdtempSync(join(tmpdir(), 'mapproxy-ts-daemon-fuzz-'));
      dirs.push(root);
      const cacheRel = 'a/b/c/cache';
      mkdirSync(join(root, cacheRel), { recursive: true });
      const file = writeFuzzConfig(join(root, 'conf'), join(root, cacheRel), template);
      const port = await freePort();
      const daemon = new Daemon(['serve', file, '--workers', '2', '--bind', `127.0.0.1:${port}`]);
      daemons.push(daemon);
      for (let i = 0; i < 2; i++) await daemon.waitFor(new RegExp(`worker ${i} \\(pid \\d+\\) ready`));
      const pids = daemon.workerPids();
      const before = listTree(root, [cacheRel]);

      const requests = hostileRequests(name === 'default' ? 7 : 8, REQUESTS, fuzzTargets(template));
      const problems: string[] = [];
      let next = 0;
      const worker = async () => {
        while (next < requests.length) {
          const req = requests[next++]!;
          const start = performance.now();
          let answer: FuzzAnswer;
          try {
            answer = await send(port, req);
          } catch (err) {
            problems.push(`${(err as Error).message}: ${req.method} ${requestTarget(req).slice(0, 300)}`);
            continue;
          }
          const ms = performance.now() - start;
          const problem = answerProblem(req, answer);
          if (problem) problems.push(`${problem}\n  ${req.method} ${requestTarget(req).slice(0, 300)}`);
          if (ms > BUDGET_MS) problems.push(`took ${Math.round(ms)} ms: ${req.method} ${requestTarget(req).slice(0, 300)}`);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));

      assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problems`);
      assert.equal(daemon.proc.exitCode, null, 'the master is running');
      assert.equal([...daemon.output.matchAll(/worker \d+ \(pid \d+\) ready/g)].length, 2, `a worker was replaced:\n${daemon.output.slice(-2000)}`);
      for (const pid of pids.values()) assert.doesNotThrow(() => process.kill(pid, 0), `worker ${pid} alive`);
      assert.doesNotMatch(daemon.output, /internal error/, 'internal errors logged');
      assert.deepEqual(listTree(root, [cacheRel]), before, 'files outside the cache directory');
    });
  });
}
