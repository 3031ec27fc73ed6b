import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyColdCache, treeSignature } from '../../bench/lib/cold-cache.js';

test('the cold cache is removed only once a server stopped storing tiles in it, and none comes back', async () => {
  const root = mkdtempSync(join(tmpdir(), 'cold-cache-'));
  const dir = join(root, 'cold');
  try {
    mkdirSync(join(dir, '12', '0'), { recursive: true });
    writeFileSync(join(dir, '12', '0', '0.png'), 'x');
    // A server still finishing requests: a tile in a new directory every 100 ms for 600 ms.
    let stored = 0;
    const writer = setInterval(() => {
      if (stored >= 6) return clearInterval(writer);
      stored++;
      mkdirSync(join(dir, '12', String(stored)), { recursive: true });
      writeFileSync(join(dir, '12', String(stored), '0.png'), 'x');
    }, 100);
    const waited = await emptyColdCache(dir, { quietMs: 400, pollMs: 50 });
    assert.equal(stored, 6, 'removed while tiles were still being stored');
    assert.ok(waited >= 600, `waited only ${waited} ms`);
    assert.equal(existsSync(dir), false);
    // set aside, not deleted (deleted inodes cost the next server's file creations on this ext4)
    const aside = readdirSync(root).filter((n) => n.startsWith('cold.set-aside-'));
    assert.equal(aside.length, 1);
    assert.equal(existsSync(join(root, aside[0]!, '12', '6', '0.png')), true);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a tree signature changes with every stored tile and is empty for a missing directory', () => {
  const root = mkdtempSync(join(tmpdir(), 'cold-cache-'));
  try {
    assert.equal(treeSignature(join(root, 'missing')), '0/0');
    const before = treeSignature(root);
    writeFileSync(join(root, 'a.png'), 'x');
    assert.notEqual(treeSignature(root), before);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
