import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, fork } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * scripts/bundle-entries.mjs (run by `npm run build` after tsc): the worker program and the configuration check
 * become single files over shared chunks, and every module keeps its own import.meta.url, so paths computed from it
 * (package.json, the kernels' build, the programs the master forks) resolve as unbundled.
 */
test('the bundled configuration check answers with the settings; each module keeps its own URL', async () => {
  const pkg = mkdtempSync(join(tmpdir(), 'bundle-'));
  cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
  // an installed package has its kernels built beside dist/; loading a configuration needs them
  symlinkSync(join(ROOT, 'build'), join(pkg, 'build'));
  mkdirSync(join(pkg, 'dist'));
  execFileSync(process.execPath, [join(ROOT, 'scripts/bundle-entries.mjs'), '--dist', join(pkg, 'dist')], { stdio: 'pipe' });

  const worker = readFileSync(join(pkg, 'dist/worker/cluster-entry.js'), 'utf8');
  // our modules are inside; npm packages stay imports of their own
  assert.doesNotMatch(worker, /from ["']\.\.?\/(?!chunks\/)/, 'no import of an unbundled module of ours');
  const chunks = readdirSync(join(pkg, 'dist/chunks')).filter((f) => f.endsWith('.js'));
  const all = [worker, ...chunks.map((f) => readFileSync(join(pkg, 'dist/chunks', f), 'utf8'))].join('\n');
  assert.match(all, /new URL\("\.\.\/worker\/build-info\.js", import\.meta\.url\)/);
  assert.match(all, /new URL\("\.\.\/core\/native\/kernels\.js", import\.meta\.url\)/);
  assert.doesNotMatch(all, /createRequire\(import\.meta\.url\)/, 'every createRequire is given the module\'s own URL');

  const child = fork(join(pkg, 'dist/master/settings-check.js'), [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const answer = await new Promise<unknown>((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`settings-check exited with ${code}`)));
    child.send({ mode: 'app', target: join(ROOT, 'config/mapproxy.yaml'), cli: { workers: '2', bind: ['127.0.0.1:18081'] } });
  });
  const settings = (answer as { settings?: { workers: number; binds: { port?: number }[]; target: string } }).settings;
  assert.ok(settings, JSON.stringify(answer));
  assert.equal(settings.workers, 2);
  assert.equal(settings.binds[0]?.port, 18081);
  assert.equal(settings.target, join(ROOT, 'config/mapproxy.yaml'));
});
