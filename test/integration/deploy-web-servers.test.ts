// Real nginx, lighttpd and Apache httpd in front of the real 2-worker daemon, each configured from the
// example files in config/deploy/ (only the socket path and the listen port substituted), over HTTP
// and over FastCGI, mounted under /proxy.
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { checkTmsTile, checkWmsCapabilities, checkWmtsCapabilities } from './deploy-checks.js';
import {
  coreConfig, deployConfig, freePort, removeDir, startApache, startCore, startLighttpd, startNginx, tempDir, type Running,
} from './deploy-support.js';

const SERVERS = [
  { name: 'nginx', prefix: 'nginx', start: startNginx, socketMode: '600' },
  { name: 'lighttpd', prefix: 'lighttpd', start: startLighttpd, socketMode: '600' },
  // Apache's children run as an unprivileged user: the socket must be writable for them.
  { name: 'Apache', prefix: 'apache', start: startApache, socketMode: '666' },
] as const;

for (const server of SERVERS) {
  for (const kind of ['http', 'fastcgi'] as const) {
    const file = `${server.prefix}-${kind}.conf`;
    describe(`${server.name} with ${file}`, () => {
      const dir = tempDir();
      const running: Running[] = [];
      let port = 0;

      before(async () => {
        const socketPath = join(dir, `${kind}.sock`);
        running.push(await startCore(kind, coreConfig(dir), socketPath, server.socketMode));
        port = await freePort();
        running.push(await server.start(dir, deployConfig(file, { socketPath, port }), port));
      });

      after(async () => {
        for (const r of running.reverse()) await r.stop();
        removeDir(dir);
      });

      test('WMS capabilities advertise http://127.0.0.1:<port>/proxy/service?', () => checkWmsCapabilities(port));
      test('WMTS capabilities advertise /proxy/wmts/ resource URLs', () => checkWmtsCapabilities(port));
      test('a TMS tile under /proxy is a cached PNG', () => checkTmsTile(port, join(dir, 'cache')));
    });
  }
}
