// A small tmpfs for tests of full and read-only disks (the tests run as root, so mount works).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class Tmpfs {
  private constructor(readonly dir: string) {}

  /** Mounts a tmpfs of `sizeKb` kilobytes on a new directory. */
  static mount(sizeKb: number): Tmpfs {
    const dir = fs.mkdtempSync(join(tmpdir(), 'tmpfs-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0755`, 'tmpfs', dir]);
    return new Tmpfs(dir);
  }

  /** Writes a filler file until the file system refuses (ENOSPC): afterwards no file can take a byte. */
  fill(): void {
    const fd = fs.openSync(join(this.dir, 'filler'), 'a');
    const block = Buffer.alloc(4096, 0x55);
    try {
      for (;;) fs.writeSync(fd, block);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    } finally {
      fs.closeSync(fd);
    }
    // a short last write may have found a partial page; make sure even one byte does not fit now
    const probe = join(this.dir, 'probe');
    try {
      fs.writeFileSync(probe, 'x');
      fs.rmSync(probe);
      throw new Error('tmpfs still takes data after filling');
    } catch (err) {
      fs.rmSync(probe, { force: true });
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    }
  }

  /** Removes the filler: space for the tests' files again. */
  free(): void {
    fs.rmSync(join(this.dir, 'filler'), { force: true });
  }

  readOnly(): void {
    execFileSync('mount', ['-o', 'remount,ro', this.dir]);
  }

  readWrite(): void {
    execFileSync('mount', ['-o', 'remount,rw', this.dir]);
  }

  unmount(): void {
    execFileSync('umount', ['-l', this.dir]);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Every regular file under `dir` with its size, relative paths, sorted. */
export function filesWithSizes(dir: string): { path: string; size: number }[] {
  const out: { path: string; size: number }[] = [];
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const full = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    out.push({ path: full.slice(dir.length + 1), size: fs.statSync(full).size });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}
