// The package as an operator installs it: `npm pack` in the checkout, `npm install -g` of the tarball into a
// temporary prefix (which builds the native pixel kernels there), then `mapproxy-ts serve` from another directory.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../support/configs.js';
import { Daemon, freePort, request, ROOT } from './daemon-support.js';

describe('packed install', () => {
  it('installs from the npm pack tarball into a fresh prefix and serves from any directory', { timeout: 600_000 }, async () => {
    const dir = tempDir();
    try {
      // As an operator's shell runs npm: without the npm_config_* settings `npm test` exports to its scripts.
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
      execFileSync('npm', ['pack', '--pack-destination', dir], { cwd: ROOT, env, stdio: 'pipe', timeout: 300_000 });
      const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
      assert.ok(tarball, 'npm pack wrote no tarball');
      const prefix = join(dir, 'prefix');
      mkdirSync(prefix);
      execFileSync('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', join(dir, tarball)], { cwd: dir, env, stdio: 'pipe', timeout: 400_000 });
      const installed = join(prefix, 'lib', 'node_modules', 'mapproxy-ts');
      // The compiled JavaScript and the native kernels built on this machine; no TypeScript runtime.
      assert.ok(existsSync(join(installed, 'dist', 'cli', 'main.js')));
      assert.ok(existsSync(join(installed, 'build', 'Release', 'pixel_kernels.node')));
      assert.ok(!existsSync(join(installed, 'node_modules', 'tsx')), 'tsx was installed as a run-time dependency');

      const work = join(dir, 'elsewhere');
      mkdirSync(work);
      writeFileSync(join(work, 'mapproxy.yaml'), `
services: {tms: }
layers: [{name: dbg, title: Debug, sources: [dbg_cache]}]
caches: {dbg_cache: {grids: [GLOBAL_WEBMERCATOR], sources: [dbg], cache: {type: file, directory: ./cache}}}
sources: {dbg: {type: debug}}
`);
      const port = await freePort();
      const daemon = new Daemon(['serve', 'mapproxy.yaml', '--bind', `127.0.0.1:${port}`, '--workers', '1'], {
        command: join(prefix, 'bin', 'mapproxy-ts'),
        cwd: work,
      });
      try {
        await daemon.waitFor(/pixel kernels: native/, 60_000);
        const tile = await request(port, '/tms/1.0.0/dbg/EPSG3857/1/0/0.png');
        assert.equal(tile.status, 200);
        assert.equal(tile.headers['content-type'], 'image/png');
        assert.ok(existsSync(join(work, 'cache')), 'the relative cache directory is not below the working directory');
      } finally {
        daemon.kill();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
