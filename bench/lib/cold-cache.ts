// The cold-miss cache is emptied before each cold-miss run. The server measured before may still be storing the
// tiles of the requests wrk gave up on when its time ran out (a gunicorn sync worker finishes a request whose
// client left): removing the directory then races those writes (ENOTEMPTY, which cost MapProxy its cold-miss-2
// row), and a tile stored after the removal would be a hit in the next run, which walks the same list again.
//
// The tiles are set aside (renamed next to the directory, removed with the workspace), not deleted: on an ext4
// without a journal (this machine's) creating a file skips, one by one, every inode of its block group deleted in
// the last 60 to 360 s, so the server measured right after a deletion paid kernel CPU for the tiles of the one
// before (the same effect bench/lib/seeding.ts avoids).
import { existsSync, readdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './procs.js';

/** Entries under `dir` and their newest modification time: what changes while a server still stores tiles. */
export function treeSignature(dir: string): string {
  let entries = 0;
  let newest = 0;
  const walk = (d: string) => {
    let names: string[];
    try { names = readdirSync(d); } catch { return; }
    for (const name of names) {
      const p = join(d, name);
      let st;
      try { st = statSync(p); } catch { continue; }
      entries++;
      newest = Math.max(newest, st.mtimeMs);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return `${entries}/${newest}`;
}

export interface EmptyOptions {
  /** How long the tree must stay unchanged. */
  quietMs?: number;
  pollMs?: number;
  /** Give up waiting for quiet after this long and remove anyway. */
  maxWaitMs?: number;
}

/**
 * Waits until nothing is written under `dir` for `quietMs`, then sets it aside (`<dir>.set-aside-<n>`; retrying,
 * should a last write still land), and checks it is gone. Resolves with the milliseconds spent waiting.
 */
export async function emptyColdCache(dir: string, o: EmptyOptions = {}): Promise<number> {
  const quietMs = o.quietMs ?? 1000;
  const pollMs = o.pollMs ?? 200;
  const maxWaitMs = o.maxWaitMs ?? 30_000;
  const start = Date.now();
  let last = treeSignature(dir);
  let stableSince = Date.now();
  while (Date.now() - stableSince < quietMs && Date.now() - start < maxWaitMs) {
    await sleep(pollMs);
    const now = treeSignature(dir);
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    }
  }
  for (let attempt = 0; ; attempt++) {
    try {
      if (existsSync(dir)) renameSync(dir, asideName(dir));
      if (treeSignature(dir) === '0/0') break;
    } catch (err) {
      if (attempt >= 5) throw err;
    }
    if (attempt >= 5) throw new Error(`${dir} is still written to after ${Date.now() - start} ms`);
    await sleep(quietMs);
  }
  return Date.now() - start;
}

let asides = 0;

/** A name beside `dir` that nothing uses yet. */
function asideName(dir: string): string {
  for (;;) {
    const name = `${dir}.set-aside-${process.pid}-${asides++}`;
    if (!existsSync(name)) return name;
  }
}
