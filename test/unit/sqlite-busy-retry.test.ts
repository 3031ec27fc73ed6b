// retryWhileBusy: SQLite refuses `journal_mode = WAL` at once, without its busy handler, while another process
// holds the write lock (met when several processes create one cache file together); the retry waits it out.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { retryWhileBusy } from '../../src/core/cache/sqlite-busy-retry.js';

const require = createRequire(import.meta.url);
const tmp = fs.mkdtempSync(join(tmpdir(), 'sqlite-busy-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Starts a process that holds `file`'s write lock (rollback journal) for `ms`; resolves once it holds it. */
function holdWriteLock(file: string, ms: number): Promise<{ exited: Promise<void> }> {
  const script = `
    const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
    const db = new Database(${JSON.stringify(file)});
    db.exec('BEGIN');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    db.exec('CREATE TABLE IF NOT EXISTS t (x)');
    console.log('held');
    setTimeout(() => { db.exec('COMMIT'); db.close(); }, ${ms});`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`holder exited with ${code}`)))));
  return new Promise((resolve, reject) => {
    child.stdout.once('data', () => resolve({ exited }));
    child.on('error', reject);
  });
}

test('journal_mode = WAL under another process write lock: SQLite fails at once, the retry waits until the lock is free', async () => {
  const file = join(tmp, 'a.db');
  const { exited } = await holdWriteLock(file, 1500);
  const db = new Database(file, { timeout: 10_000 });
  try {
    const started = Date.now();
    assert.throws(() => db.pragma('journal_mode = WAL'), { code: 'SQLITE_BUSY' });
    assert.ok(Date.now() - started < 5000, 'SQLite did not wait for its busy timeout (10 s)');
    assert.throws(() => retryWhileBusy(() => db.pragma('journal_mode = WAL'), 100), { code: 'SQLITE_BUSY' }, 'gives up after its timeout');
    assert.equal(retryWhileBusy(() => db.pragma('journal_mode = WAL', { simple: true }), 10_000), 'wal');
  } finally {
    db.close();
  }
  await exited;
  const check = new Database(file, { readonly: true });
  assert.equal(check.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(check.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 't'`).pluck().get(), 1, 'the holder committed');
  check.close();
});

test('other failures are not retried', () => {
  let calls = 0;
  assert.throws(() => retryWhileBusy(() => { calls++; throw Object.assign(new Error('no'), { code: 'SQLITE_CORRUPT' }); }, 10_000), /no/);
  assert.equal(calls, 1);
  assert.equal(retryWhileBusy(() => 'ok', 0), 'ok');
});
