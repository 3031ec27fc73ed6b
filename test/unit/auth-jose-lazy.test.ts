/**
 * jose is loaded only when an access rules file has a JWT rule: in a process where importing `jose` fails, a
 * rules file without JWTs loads and answers, and one with a JWT rule is where the import is attempted.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';

const HOOKS_MODULE = resolve('src/core/auth/hooks-module.ts');

/** A resolve hook that refuses `jose`, registered before anything of ours is imported. */
const CHILD = (rulesFile: string) => `
import { register } from 'node:module';
const hook = 'export async function resolve(s, c, next) { if (s === "jose") throw new Error("jose was imported"); return next(s, c); }';
register('data:text/javascript,' + encodeURIComponent(hook), import.meta.url);
const { loadHooksModule } = await import(${JSON.stringify(HOOKS_MODULE)});
try {
  const hooks = await loadHooksModule(${JSON.stringify(rulesFile)});
  const a = await hooks.authorize('tms', ['x'], { request: { method: 'GET', path: '/tms', query: '', headers: {}, remoteAddr: '10.1.2.3' }, queryExtent: null });
  console.log('answer ' + a.authorized);
} catch (err) {
  console.log('failed ' + err.message);
}
`;

async function run(rules: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'auth-jose-lazy-'));
  writeFileSync(join(dir, 'access.yaml'), rules);
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD(join(dir, 'access.yaml'))], { encoding: 'utf8' });
  return stdout.trim();
}

describe('jose is loaded lazily', () => {
  it('rules without JWTs never import it', async () => {
    assert.equal(await run('rules:\n  - cidr: 10.0.0.0/8\n    layers: "*"\n'), 'answer full');
  });
  it('a JWT rule imports it when the rules are loaded', async () => {
    assert.match(await run('rules:\n  - jwt: { secret: "0123456789abcdef0123456789abcdef" }\n    layers: "*"\n'), /^failed .*jose was imported/);
  });
});
