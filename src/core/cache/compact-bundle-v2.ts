import { rename } from 'node:fs/promises';
import {
  BUNDLE_GRID, BUNDLE_TILES, BundleDamagedError, createFileOnce, fileExists, handleSize, lastPerSlot, readAt, removeFile,
  sizedRecord, sizeOf, withReadOnly, withReadWrite, writeAt, writeU64,
  type Bundle, type BundleModes, type BundleRead, type BundleRecord, type BundleSlot, type BundleUsage,
} from './compact-bundle.js';

/**
 * ArcGIS compact cache version 2 (ArcGIS 10.3+): one `.bundle` file, a 64-byte header, then an index of 8 bytes
 * per tile (row by row: size in the upper 24 bits, offset of the tile's bytes in the lower 40; ArcGIS leaves
 * 4 for "no tile"), then the tiles, each after its 4-byte size.
 */
const HEADER_SIZE = 64;
const INDEX_SIZE = BUNDLE_TILES * 8;
const DATA_START = HEADER_SIZE + INDEX_SIZE;
/** The index keeps a tile's size in 24 bits. */
const MAX_TILE_BYTES = 2 ** 24 - 1;
const OFFSET_LIMIT = 2 ** 40;

/** Header field positions (MapProxy's '<4I3Q6I'). */
const MAX_RECORD_AT = 8;
const FILE_SIZE_AT = 24;

/** A new, empty bundle as MapProxy's BundleV2._init_index writes it. */
function emptyBundle(): Buffer {
  const buf = Buffer.alloc(DATA_START);
  const ints = [3, BUNDLE_TILES, 0, 5];
  ints.forEach((v, i) => buf.writeUInt32LE(v, i * 4));
  writeU64(buf, 0, 16); // slack space
  writeU64(buf, DATA_START, FILE_SIZE_AT);
  writeU64(buf, 40, 32); // user header offset
  [20 + INDEX_SIZE, 3, 16, BUNDLE_TILES, 5, INDEX_SIZE].forEach((v, i) => buf.writeUInt32LE(v, 40 + i * 4));
  for (let i = 0; i < BUNDLE_TILES; i++) buf.writeUInt32LE(4, HEADER_SIZE + i * 8);
  return buf;
}

const entryAt = (slot: BundleSlot): number => HEADER_SIZE + (slot.col + BUNDLE_GRID * slot.row) * 8;

/** An index entry: size and offset; size 0 for no tile. */
function decodeEntry(entry: Buffer, at = 0): { offset: number; size: number } {
  const hi = entry.readUInt32LE(at + 4);
  return { size: hi >>> 8, offset: (hi & 0xff) * 2 ** 32 + entry.readUInt32LE(at) };
}

function encodeEntry(offset: number, size: number): Buffer {
  const buf = Buffer.allocUnsafe(8);
  buf.writeUInt32LE(offset % 2 ** 32, 0);
  buf.writeUInt32LE(((size << 8) | Math.floor(offset / 2 ** 32)) >>> 0, 4);
  return buf;
}

export class BundleV2 implements Bundle {
  readonly file: string;
  readonly lockFile: string;
  readonly files: readonly string[];

  /** `col0`, `row0`: the bundle's first tile (a version 2 bundle does not record it). */
  constructor(readonly base: string, readonly col0: number, readonly row0: number, private readonly modes: BundleModes = {}) {
    this.file = `${base}.bundle`;
    this.lockFile = `${base}.lck`;
    this.files = [this.file];
  }

  /**
   * Each tile's entry is read again after its bytes: an entry a writer changed meanwhile (a reader may see such a
   * write half done) is read anew. An entry beyond the end first looks at the file's size again, since a writer
   * may have appended after the size was taken.
   */
  read(slots: readonly BundleSlot[]): BundleRead {
    return withReadOnly(this.file, (fd) => {
      const tiles: (Buffer | null)[] = slots.map(() => null);
      if (fd === null) return { tiles, damage: null };
      let fileSize = sizeOf(fd);
      if (fileSize < DATA_START) return { tiles, damage: `${fileSize} bytes, shorter than its header and index (${DATA_START})` };
      const fits = (end: number): boolean => end <= fileSize || end <= (fileSize = sizeOf(fd));
      let damage: string | null = null;
      const readSlot = (slot: BundleSlot, entry: Buffer): Buffer | string | null => {
        const { offset, size } = decodeEntry(entry);
        if (size === 0) return null;
        const where = `tile ${slot.col},${slot.row}`;
        if (offset < DATA_START + 4 || !fits(offset + size)) {
          return `the index places ${where} at bytes ${offset}..${offset + size}, outside the data (${DATA_START}..${fileSize})`;
        }
        const record = readAt(fd, size + 4, offset - 4);
        if (record.length < size + 4 || record.readUInt32LE(0) !== size) return `the index places ${where} at byte ${offset}, where no tile of ${size} bytes starts`;
        return record.subarray(4);
      };
      slots.forEach((slot, i) => {
        for (let attempt = 1; ; attempt++) {
          const entry = readAt(fd, 8, entryAt(slot));
          const got = readSlot(slot, entry);
          if (got !== null && attempt < 3 && !readAt(fd, 8, entryAt(slot)).equals(entry)) continue;
          if (typeof got === 'string') damage ??= got;
          else tiles[i] = got;
          return;
        }
      });
      return { tiles, damage };
    });
  }

  async append(records: readonly BundleRecord[]): Promise<void> {
    const tiles = lastPerSlot(records);
    for (const t of tiles) {
      if (t.data.length > MAX_TILE_BYTES) throw new Error(`a tile of ${t.data.length} bytes is larger than a version 2 bundle can index (${MAX_TILE_BYTES})`);
    }
    await createFileOnce(this.file, emptyBundle(), this.modes);
    await withReadWrite(this.file, async (handle) => {
      const end = await handleSize(handle);
      if (end < DATA_START) throw new BundleDamagedError(this.file, `${end} bytes, shorter than its header and index (${DATA_START})`);
      const header = Buffer.alloc(HEADER_SIZE);
      await handle.read(header, 0, HEADER_SIZE, 0);
      let maxRecord = header.readUInt32LE(MAX_RECORD_AT);
      const entries: { at: number; entry: Buffer }[] = [];
      let next = end;
      for (const t of tiles) {
        const offset = next + 4;
        if (offset + t.data.length >= OFFSET_LIMIT) throw new BundleDamagedError(this.file, 'the bundle would exceed the 1 TiB a version 2 index can address');
        entries.push({ at: entryAt(t.slot), entry: encodeEntry(offset, t.data.length) });
        maxRecord = Math.max(maxRecord, t.data.length);
        next = offset + t.data.length;
      }
      // the tiles' bytes first: an index entry is only written once what it points to is complete
      await writeAt(handle, Buffer.concat(tiles.map((t) => sizedRecord(t.data))), end);
      header.writeUInt32LE(maxRecord, MAX_RECORD_AT);
      writeU64(header, next, FILE_SIZE_AT);
      await writeAt(handle, header.subarray(MAX_RECORD_AT, FILE_SIZE_AT + 8), MAX_RECORD_AT);
      for (const e of entries) await writeAt(handle, e.entry, e.at);
    });
  }

  async clear(slots: readonly BundleSlot[]): Promise<void> {
    if (!fileExists(this.file)) return;
    await withReadWrite(this.file, async (handle) => {
      for (const slot of slots) await writeAt(handle, Buffer.alloc(8), entryAt(slot));
    });
  }

  /** One file: one rename, and a reader's open file stays the bundle it opened. */
  async replaceBy(fresh: Bundle): Promise<void> {
    await rename(fresh.files[0]!, this.file);
  }

  async delete(): Promise<void> {
    await removeFile(this.file);
  }

  usage(): BundleUsage {
    return withReadOnly(this.file, (fd) => {
      if (fd === null) return { tiles: 0, usedBytes: 0, fileBytes: 0 };
      const fileBytes = sizeOf(fd);
      const index = readAt(fd, INDEX_SIZE, HEADER_SIZE);
      let tiles = 0;
      let bytes = 0;
      for (let at = 0; at + 8 <= index.length; at += 8) {
        const { size } = decodeEntry(index, at);
        if (size === 0) continue;
        tiles++;
        bytes += size + 4;
      }
      return { tiles, usedBytes: bytes + DATA_START, fileBytes };
    });
  }
}
