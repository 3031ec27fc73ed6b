// Real Apache httpd in front of our core, configured from config/deploy/apache-http.conf and
// config/deploy/apache-fastcgi.conf (only the socket path substituted).
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { checkTmsTile, checkWmsCapabilities, checkWmtsCapabilities } from './deploy-checks.js';
import {
  coreConfig, deployConfig, freePort, removeDir, startApache, startCore, tempDir, type Running,
} from './deploy-support.js';

for (const [kind, file] of [['http', 'apache-http.conf'], ['fastcgi', 'apache-fastcgi.conf']] as const) {
  describe(`Apache with ${file}`, () => {
    const dir = tempDir();
    const running: Running[] = [];
    let port = 0;

    before(async () => {
      const socketPath = join(dir, `${kind}.sock`);
      // Apache's children run as an unprivileged user: the socket must be writable for them.
      running.push(await startCore(kind, coreConfig(dir), socketPath, '666'));
      port = await freePort();
      running.push(await startApache(dir, deployConfig(file, { socketPath, port }), port));
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
