// Upstream request lines read exactly as MapProxy's mapproxy.source.request logger writes them; the reference is
// Debian's MapProxy 1.15 (mapproxy/client/log.py, unchanged in MapProxy 7) run on the same requests.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { RequestInfo } from '../../src/core/client/http-client.js';
import { upstreamRequestFields, upstreamRequestLine } from '../../src/core/log/upstream-request-line.js';
import { PYTHON } from '../support/mapproxy-reference.js';

const CASES: RequestInfo[] = [
  { method: 'GET', url: 'http://wms.example/service?SERVICE=WMS&REQUEST=GetMap&BBOX=0,0,1,1', status: 200, size: 20480, durationMs: 153.9 },
  // a tie: 1280 bytes are 1.25 KiB, which Python writes as 1.2
  { method: 'GET', url: 'http://tiles.example/1/0/0.png', status: 200, size: 1280, durationMs: 2.2 },
  { method: 'GET', url: 'http://tiles.example/1/0/1.png', status: 200, size: 1536, durationMs: 0.4 },
  { method: 'GET', url: 'http://wms.example/service?LAYERS=a b', status: 500, durationMs: 12 },
  { method: 'POST', url: 'http://wms.example/service', durationMs: 60000, error: 'timed out' },
];

/** MapProxy's log_request on each case, its log lines as it formats them. */
function mapproxyLines(cases: RequestInfo[]): string[] {
  const script = `
import json, logging, sys
from mapproxy.client.log import log_request
logging.basicConfig(level=logging.INFO, format='%(message)s', stream=sys.stdout)
for c in json.load(sys.stdin):
    log_request(c['url'], c.get('status'), size=c.get('size'), method=c['method'], duration=c['durationMs'] / 1000.0)
`;
  const run = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(cases), encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.trimEnd().split('\n');
}

test("the line has MapProxy's words and numbers: method, URL without spaces, status, KiB, milliseconds", () => {
  assert.deepEqual(CASES.map(upstreamRequestLine), mapproxyLines(CASES));
  assert.equal(upstreamRequestLine(CASES[0]), 'GET http://wms.example/service?SERVICE=WMS&REQUEST=GetMap&BBOX=0,0,1,1 200 20.0 153');
  assert.equal(upstreamRequestLine(CASES[4]), 'POST http://wms.example/service - - 60000');
});

test('the structured fields carry bytes and milliseconds, and the error of a failed request', () => {
  assert.deepEqual(upstreamRequestFields('osm', CASES[1]), {
    source: 'osm', method: 'GET', url: 'http://tiles.example/1/0/0.png', status: 200, bytes: 1280, ms: 2.2,
  });
  assert.deepEqual(upstreamRequestFields('wms', CASES[4]), {
    source: 'wms', method: 'POST', url: 'http://wms.example/service', status: null, bytes: null, ms: 60000, error: 'timed out',
  });
});
