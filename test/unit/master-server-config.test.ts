import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSettings } from '../../src/cli/daemon-settings.js';

const dir = mkdtempSync(join(tmpdir(), 'mapproxy-ts-server-'));
const BASE = 'services: {demo: }\nlayers: [{name: dbg, title: D, sources: [dbg]}]\nsources: {dbg: {type: debug}}\n';
function write(extra: string): string {
  const f = join(dir, 'mapproxy.yaml');
  writeFileSync(f, BASE + extra);
  return f;
}

describe('daemon settings from the server: section and the command line', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads server: and lets the command line win', () => {
    const f = write("server:\n  bind: [':9001', /tmp/x.sock]\n  workers: 3\n  socket_mode: '660'\n  metrics: {path: /m}\n");
    const s = resolveSettings('app', f, {});
    assert.equal(s.workers, 3);
    assert.deepEqual(s.binds, [{ host: '127.0.0.1', port: 9001 }, { socketPath: '/tmp/x.sock' }]);
    assert.equal(s.socketMode, 0o660);
    assert.deepEqual(s.metrics, { path: '/m', bind: undefined });
    const c = resolveSettings('app', f, { workers: '0', bind: ['127.0.0.1:7000'], metrics: false });
    assert.equal(c.workers, 0);
    assert.deepEqual(c.binds, [{ host: '127.0.0.1', port: 7000 }]);
    assert.equal(c.metrics, null);
  });

  it('names file and key path of an invalid server: value', () => {
    const f = write('server:\n  workers: many\n');
    assert.throws(() => resolveSettings('app', f, {}), (err: Error) => err.message.includes(f) && err.message.includes('server.workers'));
  });

  it('keeps MapProxy configurations without server: working with defaults', () => {
    const s = resolveSettings('app', write(''), {});
    assert.deepEqual(s.binds, [{ host: '127.0.0.1', port: 8080 }]);
    assert.ok(s.workers >= 1);
    assert.equal(s.shutdownTimeoutMs, 30_000);
  });
});
