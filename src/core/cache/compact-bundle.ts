import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import { dirname } from 'node:path';
import { makeDirectories } from './make-directories.js';

/**
 * What the two ArcGIS compact cache formats share: a bundle holds the tiles of a 128×128 block of one level,
 * appended one after the other, and an index of where each tile is. MapProxy's cache/compact.py is the model:
 * the byte layouts are its own, so bundles pass between MapProxy and us either way.
 */

/** Tiles per bundle side. */
export const BUNDLE_GRID = 128;
export const BUNDLE_TILES = BUNDLE_GRID * BUNDLE_GRID;

/** A tile's place in its bundle: column and row counted from the bundle's first tile. */
export interface BundleSlot {
  readonly col: number;
  readonly row: number;
}

export interface BundleRecord {
  readonly slot: BundleSlot;
  readonly data: Buffer;
}

/** What reading some tiles of a bundle gave: the tiles (null where missing) and what was wrong, if anything. */
export interface BundleRead {
  readonly tiles: (Buffer | null)[];
  /** Why some tiles could not be read (a truncated file, an index entry pointing outside the data); null: none. */
  readonly damage: string | null;
}

/** How much of a bundle holds live tiles (for counting and defragmenting). */
export interface BundleUsage {
  readonly tiles: number;
  /** Bytes a bundle holding just these tiles would have. */
  readonly usedBytes: number;
  /** Bytes the bundle has (with the tiles that were overwritten or removed). */
  readonly fileBytes: number;
}

/**
 * One bundle file (v2) or pair of files (v1). Reads are synchronous (a few preads of a page-cached file, as the
 * file cache reads tiles); writes are asynchronous and must run under the bundle's lock (`lockFile`).
 */
export interface Bundle {
  /** The bundle's path without extension, e.g. `…/L05/R0080C0100`. */
  readonly base: string;
  /** The bundle's first tile: column and row of the level (0x100 and 0x80 for `R0080C0100`). */
  readonly col0: number;
  readonly row0: number;
  /** MapProxy's lock file of this bundle: every writer, MapProxy's included, holds it while writing. */
  readonly lockFile: string;
  /** The files this bundle consists of. */
  readonly files: readonly string[];
  read(slots: readonly BundleSlot[]): BundleRead;
  /** Appends the tiles and points the index at them: data first, so a reader never sees a half-written tile. */
  append(records: readonly BundleRecord[]): Promise<void>;
  /** Marks the tiles as missing; their bytes stay until the bundle is defragmented. */
  clear(slots: readonly BundleSlot[]): Promise<void>;
  usage(): BundleUsage;
  /**
   * Puts the files of `fresh` (a bundle of the same block, written aside) in place of this bundle's, so that a
   * reader sees either the old bundle or the new one. Runs under this bundle's lock.
   */
  replaceBy(fresh: Bundle): Promise<void>;
  /** Removes the bundle's files (under its lock). */
  delete(): Promise<void>;
}

/** How new bundle files and level directories are created (MapProxy's file_permissions, directory_permissions). */
export interface BundleModes {
  readonly fileMode?: number;
  readonly dirMode?: number;
}

/** The bundle is not what its format promises where a write would rely on it: writing into it would make it worse. */
export class BundleDamagedError extends Error {
  override readonly name = 'BundleDamagedError';
  constructor(readonly file: string, readonly problem: string) {
    super(`compact bundle ${file} is damaged: ${problem}`);
  }
}

const isErrno = (err: unknown, ...codes: string[]): boolean => codes.includes((err as NodeJS.ErrnoException | null)?.code ?? '');

/** Opens a file for reading; null when it does not exist (a missing bundle is a bundle of missing tiles). */
export function openIfExists(path: string): number | null {
  try {
    return fs.openSync(path, 'r');
  } catch (err) {
    if (isErrno(err, 'ENOENT', 'ENOTDIR')) return null;
    throw err;
  }
}

/** `length` bytes at `position`, fewer at the end of the file. */
export function readAt(fd: number, length: number, position: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got < length ? buf.subarray(0, got) : buf;
}

/** Writes all of `data` at `position`. */
export async function writeAt(handle: fs.promises.FileHandle, data: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

/** The level directory with MapProxy's ensure_directory semantics: every directory made gets `dirMode`. */
export async function ensureDirectory(dir: string, dirMode?: number): Promise<void> {
  const first = await makeDirectories(dir);
  if (first === undefined || dirMode === undefined) return;
  for (let d = dir; ; d = dirname(d)) {
    await fs.promises.chmod(d, dirMode);
    if (d === first || dirname(d) === d) break;
  }
}

/** A complete file under a temporary name next to `path`, with the configured mode; returns the temporary name. */
async function writeTemporary(path: string, content: Buffer, modes: BundleModes): Promise<string> {
  await ensureDirectory(dirname(path), modes.dirMode);
  const tmp = `${path}.tmp-${randomInt(0, 100_000_000)}`;
  const handle = await fs.promises.open(tmp, 'wx', 0o664);
  try {
    if (modes.fileMode !== undefined) await handle.chmod(modes.fileMode);
    await writeAt(handle, content, 0);
  } catch (err) {
    await handle.close().catch(() => {});
    await fs.promises.unlink(tmp).catch(() => {});
    throw err;
  }
  await handle.close();
  return tmp;
}

/**
 * Creates `path` with `content` unless it exists: a hard link of a complete temporary file never replaces a
 * bundle someone else (a MapProxy without our lock, say) made meanwhile, and never shows a partial file.
 * File systems without hard links get a rename, as MapProxy's write_atomic.
 */
export async function createFileOnce(path: string, content: Buffer, modes: BundleModes): Promise<void> {
  const tmp = await writeTemporary(path, content, modes);
  try {
    await fs.promises.link(tmp, path);
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return;
    if (!isErrno(err, 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS')) throw err;
    if (!fs.existsSync(path)) {
      await fs.promises.rename(tmp, path);
      return;
    }
  } finally {
    await fs.promises.unlink(tmp).catch(() => {});
  }
}

/** Replaces `path` with `content` atomically (rename of a complete temporary file). */
export async function replaceFile(path: string, content: Buffer, modes: BundleModes): Promise<void> {
  const tmp = await writeTemporary(path, content, modes);
  try {
    await fs.promises.rename(tmp, path);
  } catch (err) {
    await fs.promises.unlink(tmp).catch(() => {});
    throw err;
  }
}

export const fileExists = (path: string): boolean => fs.existsSync(path);

/** Removes a file; a missing one is fine. */
export async function removeFile(path: string): Promise<void> {
  await fs.promises.unlink(path).catch((err: unknown) => {
    if (!isErrno(err, 'ENOENT')) throw err;
  });
}

/** True while `path` is still the file open as `fd` (not replaced by a rename since it was opened). */
export function stillAt(fd: number, path: string): boolean {
  try {
    const open = fs.fstatSync(fd);
    const now = fs.statSync(path);
    return open.ino === now.ino && open.dev === now.dev;
  } catch {
    return false;
  }
}

/** The size of a file opened for reading. */
export const sizeOf = (fd: number): number => fs.fstatSync(fd).size;

/** A file's size, for a handle opened for writing. */
export async function handleSize(handle: fs.promises.FileHandle): Promise<number> {
  return (await handle.stat()).size;
}

/** Runs `use` with the file opened read-write, closing it afterwards; close errors (NFS, quotas) are reported. */
export async function withReadWrite<T>(path: string, use: (handle: fs.promises.FileHandle) => Promise<T>): Promise<T> {
  const handle = await fs.promises.open(path, 'r+');
  let result: T;
  try {
    result = await use(handle);
  } catch (err) {
    await handle.close().catch(() => {});
    throw err;
  }
  await handle.close();
  return result;
}

/** Runs `use` with the file opened for reading (null when it does not exist), closing it afterwards. */
export function withReadOnly<T>(path: string, use: (fd: number | null) => T): T {
  const fd = openIfExists(path);
  try {
    return use(fd);
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/** A little-endian unsigned 64-bit field as a number (bundle sizes stay far below 2^53). */
export const readU64 = (buf: Buffer, at: number): number => buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * 2 ** 32;

export function writeU64(buf: Buffer, value: number, at: number): void {
  buf.writeUInt32LE(value % 2 ** 32, at);
  buf.writeUInt32LE(Math.floor(value / 2 ** 32), at + 4);
}

/** The slot's tile record, `[u32 size][bytes]`, as both formats append it. */
export function sizedRecord(data: Buffer): Buffer {
  const size = Buffer.allocUnsafe(4);
  size.writeUInt32LE(data.length, 0);
  return Buffer.concat([size, data]);
}

/** Keeps the last record of each slot: a batch stores each tile once. */
export function lastPerSlot(records: readonly BundleRecord[]): BundleRecord[] {
  const bySlot = new Map<number, BundleRecord>();
  for (const r of records) {
    const key = r.slot.col * BUNDLE_GRID + r.slot.row;
    bySlot.delete(key);
    bySlot.set(key, r);
  }
  return [...bySlot.values()];
}
