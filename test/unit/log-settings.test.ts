// Log settings: the command line over `server.log`, `auto` decided by the terminal, wrong values named with their
// key path; and the access log entry of one request.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { logSettings, resolveSettings } from '../../src/cli/daemon-settings.js';
import { accessEntry } from '../../src/worker/log/access-line.js';
import { debugConfig } from '../support/configs.js';

const dir = mkdtempSync(join(tmpdir(), 'log-settings-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function configWith(server: string): string {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, `${debugConfig('Log settings', join(dir, 'cache'))}\nserver:\n${server}\n`);
  return file;
}

test('defaults: level info, nothing per request, JSON unless the output is a terminal', () => {
  assert.deepEqual(logSettings({}, {}, false), { level: 'info', format: 'json', access: false, upstream: false });
  assert.equal(logSettings({}, {}, true).format, 'pretty');
});

test('server.log is read with its key paths; the command line wins over it', () => {
  const file = configWith('  log: {level: debug, format: json, access: true, upstream: true}');
  const s = resolveSettings('app', file, { workers: '1' });
  assert.deepEqual(s.log, { level: 'debug', format: 'json', access: true, upstream: true });
  const cli = resolveSettings('app', file, { workers: '1', logLevel: 'warn', logFormat: 'pretty', accessLog: false, upstreamLog: false });
  assert.deepEqual(cli.log, { level: 'warn', format: 'pretty', access: false, upstream: false });
});

test('wrong values are refused, naming the key or the option', () => {
  assert.throws(() => resolveSettings('app', configWith('  log: {level: loud}'), {}), /server\.log\.level: expected one of fatal, error, warn, info, debug, trace, silent, got 'loud'/);
  assert.throws(() => resolveSettings('app', configWith('  log: {format: xml}'), {}), /server\.log\.format: expected one of json, pretty, auto/);
  assert.ok(resolveSettings('app', configWith('  log: {acces: true}'), {}).warnings.some((w) => w.includes('server.log.acces: unknown option')));
  assert.throws(() => logSettings({ logLevel: 'verbose' }, {}), /--log-level expects one of/);
  assert.throws(() => logSettings({ logFormat: 'xml' }, {}), /--log-format expects json, pretty or auto/);
});

test('an access entry: client, request line, status, bytes sent, time and X-Cache', () => {
  const req = { method: 'GET', path: '/tms/1.0.0/osm/EPSG3857/1/0/0.png', query: '', headers: { 'user-agent': 'QGIS/3.34' }, remoteAddr: '10.0.0.7' };
  const { message, fields } = accessEntry(req, { status: 200, headers: { 'X-Cache': 'hit' }, body: Buffer.alloc(1234) }, 3.456);
  assert.equal(message, '10.0.0.7 "GET /tms/1.0.0/osm/EPSG3857/1/0/0.png" 200 1234 3.5ms hit');
  assert.deepEqual(fields, {
    client: '10.0.0.7', method: 'GET', url: '/tms/1.0.0/osm/EPSG3857/1/0/0.png', status: 200, bytes: 1234, ms: 3.5, cache: 'hit', userAgent: 'QGIS/3.34',
  });
  const head = accessEntry(
    { ...req, method: 'HEAD', query: 'a=1', scriptName: '/mp', headers: { 'x-forwarded-for': '203.0.113.9' } },
    { status: 200, headers: {}, body: 'xyz' },
    1,
  );
  assert.equal(head.message, '10.0.0.7 "HEAD /mp/tms/1.0.0/osm/EPSG3857/1/0/0.png?a=1" 200 0 1ms -');
  assert.equal(head.fields.forwardedFor, '203.0.113.9');
  assert.equal(head.fields.bytes, 0);
});
