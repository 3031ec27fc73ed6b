// The daemon's loggers: JSON lines a collector can parse, levels, the access and upstream loggers off by default,
// errors with their stack, and the readable format for terminals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_LOG_SETTINGS, type LogSettings } from '../../src/worker/log/log-settings.js';
import { processLoggers } from '../../src/worker/log/process-logger.js';
import { prettyLine } from '../../src/worker/log/pretty-line.js';

function capture(settings: Partial<LogSettings>, worker?: number) {
  const lines: string[] = [];
  const loggers = processLoggers({ ...DEFAULT_LOG_SETTINGS, ...settings }, worker, { write: (s: string) => lines.push(s) });
  return { loggers, lines, json: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

test('one JSON object a line, with time, level name, pid, worker and message', () => {
  const { loggers, lines, json } = capture({}, 3);
  loggers.log.info('worker 3 (pid 1): serving', { uws: '20.30.0' });
  loggers.log.warn('cache c: tiles are stored again');
  assert.ok(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n')));
  const [a, b] = json();
  assert.equal(a.level, 'info');
  assert.equal(a.msg, 'worker 3 (pid 1): serving');
  assert.equal(a.uws, '20.30.0');
  assert.equal(a.worker, 3);
  assert.equal(a.pid, process.pid);
  assert.ok(!Number.isNaN(Date.parse(a.time as string)));
  assert.equal(b.level, 'warn');
});

test('the level drops less severe lines; an Error keeps its message and stack', () => {
  const { loggers, json } = capture({ level: 'warn' });
  loggers.log.info('not written');
  loggers.log.debug('not written');
  loggers.log.error('master: unexpected error (continuing)', new Error('boom'));
  const [line, ...rest] = json();
  assert.equal(rest.length, 0);
  assert.equal(line.msg, 'master: unexpected error (continuing)');
  const err = line.err as { message: string; stack: string };
  assert.equal(err.message, 'boom');
  assert.match(err.stack, /log-process-logger\.test\.ts/);
  assert.equal(line.worker, undefined);
});

test('no access log and no upstream lines by default; turned on they log at info and debug', () => {
  const off = capture({});
  assert.equal(off.loggers.access, null);
  assert.equal(off.loggers.upstreamEnabled, false);
  off.loggers.upstream.debug('GET http://x/ 200 1.0 3');
  assert.equal(off.lines.length, 0);

  const on = capture({ access: true, upstream: true, level: 'warn' });
  assert.equal(on.loggers.upstreamEnabled, true);
  on.loggers.access!.info('127.0.0.1 "GET /tms/1.0.0/" 200 512 1.2ms -', { status: 200 });
  on.loggers.upstream.debug('GET http://x/ 200 1.0 3', { source: 'wms' });
  on.loggers.log.info('still filtered by the level');
  const [access, upstream, ...rest] = on.json();
  assert.equal(rest.length, 0);
  assert.deepEqual([access.logger, access.level, access.status], ['mapproxy.access', 'info', 200]);
  assert.deepEqual([upstream.logger, upstream.level, upstream.source], ['mapproxy.source.request', 'debug', 'wms']);
});

test('level debug shows upstream requests without the upstream switch', () => {
  const { loggers, json } = capture({ level: 'debug' });
  assert.equal(loggers.upstreamEnabled, true);
  loggers.upstream.debug('GET http://x/ 200 1.0 3');
  assert.equal(json()[0].logger, 'mapproxy.source.request');
});

test('pretty: time, level and message on one line; fields as key=value; access lines without repeating fields', () => {
  const { loggers, lines } = capture({ format: 'pretty', access: true }, 1);
  loggers.log.warn('worker 1 (pid 9): something', { code: 'EROFS', path: '/a b' });
  loggers.access!.info('127.0.0.1 "GET /x" 200 3 1ms hit', { status: 200, cache: 'hit' });
  loggers.log.error('failed', new Error('boom'));
  assert.match(lines[0], /^\d\d:\d\d:\d\d\.\d{3} WARN  worker 1 \(pid 9\): something code=EROFS path="\/a b"\n$/);
  assert.match(lines[1], /^\d\d:\d\d:\d\d\.\d{3} INFO  \[mapproxy\.access 1\] 127\.0\.0\.1 "GET \/x" 200 3 1ms hit\n$/);
  assert.match(lines[2], /^\d\d:\d\d:\d\d\.\d{3} ERROR failed\nError: boom\n {4}at /);
  assert.equal(prettyLine('not json'), 'not json\n');
});
