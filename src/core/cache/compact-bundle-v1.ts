import { rename, type FileHandle } from 'node:fs/promises';
import {
  BUNDLE_GRID, BUNDLE_TILES, BundleDamagedError, createFileOnce, fileExists, handleSize, lastPerSlot, readAt, readU64,
  removeFile, replaceFile, sizedRecord, sizeOf, stillAt, withReadOnly, withReadWrite, writeAt, writeU64,
  type Bundle, type BundleModes, type BundleRead, type BundleRecord, type BundleSlot, type BundleUsage,
} from './compact-bundle.js';

/**
 * ArcGIS compact cache version 1 (ArcGIS 10.0–10.2): a `.bundlx` index of 5-byte offsets (column by column)
 * between a 16-byte header and footer, and a `.bundle` with a 60-byte header, a table of 4 bytes per tile
 * (zeros: MapProxy's and ArcGIS's empty index entries point into it) and then the tiles, each after its 4-byte
 * size. The header counts the tiles and bytes written, as MapProxy's BundleDataV1 keeps it.
 */
const INDEX_HEADER = Buffer.from([3, 0, 0, 0, 16, 0, 0, 0, 0, 0x40, 0, 0, 5, 0, 0, 0]);
const INDEX_FOOTER = Buffer.from([0, 0, 0, 0, 16, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0]);
const INDEX_ENTRIES_END = INDEX_HEADER.length + BUNDLE_TILES * 5;
const BUNDLE_HEADER_SIZE = 60;
const DATA_START = BUNDLE_HEADER_SIZE + BUNDLE_TILES * 4;
/** Offsets are 5 bytes. */
const OFFSET_LIMIT = 2 ** 40;

/** Bundle header fields (MapProxy's '<4I3Q5I'): byte positions. */
const MAX_TILE_AT = 8;
const TILE_COUNT_AT = 16; // number of tiles × 4
const BYTES_AT = 24;

/** A new index: every tile points at its zero entry of the bundle's table (MapProxy's BundleIndexV1._init_index). */
function emptyIndex(): Buffer {
  const buf = Buffer.alloc(INDEX_ENTRIES_END + INDEX_FOOTER.length);
  INDEX_HEADER.copy(buf, 0);
  for (let i = 0; i < BUNDLE_TILES; i++) buf.writeUIntLE(BUNDLE_HEADER_SIZE + i * 4, INDEX_HEADER.length + i * 5, 5);
  INDEX_FOOTER.copy(buf, INDEX_ENTRIES_END);
  return buf;
}

/** A new bundle for the block starting at column `col0`, row `row0` (MapProxy's BundleDataV1._init_bundle). */
function emptyBundle(col0: number, row0: number): Buffer {
  const buf = Buffer.alloc(DATA_START);
  [3, BUNDLE_TILES, 16, 5].forEach((v, i) => buf.writeUInt32LE(v, i * 4));
  writeU64(buf, 0, TILE_COUNT_AT);
  writeU64(buf, DATA_START, BYTES_AT);
  writeU64(buf, 40, 32);
  [16, row0, row0 + BUNDLE_GRID - 1, col0, col0 + BUNDLE_GRID - 1].forEach((v, i) => buf.writeUInt32LE(v, 40 + i * 4));
  return buf;
}

const entryAt = (slot: BundleSlot): number => INDEX_HEADER.length + (slot.col * BUNDLE_GRID + slot.row) * 5;

export class BundleV1 implements Bundle {
  readonly dataFile: string;
  readonly indexFile: string;
  readonly lockFile: string;
  readonly files: readonly string[];

  /** `col0`, `row0`: the bundle's first tile, written into its header. */
  constructor(readonly base: string, readonly col0: number, readonly row0: number, private readonly modes: BundleModes = {}) {
    this.dataFile = `${base}.bundle`;
    this.indexFile = `${base}.bundlx`;
    this.lockFile = `${base}.lck`;
    this.files = [this.dataFile, this.indexFile];
  }

  /**
   * The index is opened before the bundle, and checked to be still in place once read: a defragmentation
   * replaces the two files one after the other (first with an empty index), and an index read with the other
   * file's bundle would point at the wrong bytes. Such a read is done again.
   */
  read(slots: readonly BundleSlot[]): BundleRead {
    for (let attempt = 1; ; attempt++) {
      const result = this.readOnce(slots);
      if (result !== 'replaced') return result;
      if (attempt === 3) return { tiles: slots.map(() => null), damage: null };
    }
  }

  /** One pass; each entry is read again after its tile and the size looked at again, as for version 2. */
  private readOnce(slots: readonly BundleSlot[]): BundleRead | 'replaced' {
    const tiles: (Buffer | null)[] = slots.map(() => null);
    let damage: string | null = null;
    const replaced = withReadOnly(this.indexFile, (index) => withReadOnly(this.dataFile, (data) => {
      if (index === null || data === null) return false;
      const indexSize = sizeOf(index);
      if (indexSize < INDEX_ENTRIES_END) {
        damage = `its index ${this.indexFile} has ${indexSize} bytes, shorter than its ${INDEX_ENTRIES_END} bytes of entries`;
        return !stillAt(index, this.indexFile);
      }
      let dataSize = sizeOf(data);
      const fits = (end: number): boolean => end <= dataSize || end <= (dataSize = sizeOf(data));
      const readSlot = (slot: BundleSlot, offset: number): Buffer | string | null => {
        if (offset === 0) return null;
        const where = `tile ${slot.col},${slot.row}`;
        if (offset < BUNDLE_HEADER_SIZE || !fits(offset + 4)) {
          return `the index places ${where} at byte ${offset}, outside the bundle (${BUNDLE_HEADER_SIZE}..${dataSize})`;
        }
        const size = readAt(data, 4, offset).readUInt32LE(0);
        if (size === 0) return null;
        if (!fits(offset + 4 + size)) return `${where} at byte ${offset} claims ${size} bytes, beyond the end of the bundle (${dataSize})`;
        const tile = readAt(data, size, offset + 4);
        if (tile.length < size) return `${where} ends at byte ${offset + 4 + tile.length} of ${size}: the bundle shrank while it was read`;
        return tile;
      };
      const entryOf = (slot: BundleSlot): number => readAt(index, 5, entryAt(slot)).readUIntLE(0, 5);
      slots.forEach((slot, i) => {
        for (let attempt = 1; ; attempt++) {
          const offset = entryOf(slot);
          const got = readSlot(slot, offset);
          if (got !== null && attempt < 3 && entryOf(slot) !== offset) continue;
          if (typeof got === 'string') damage ??= got;
          else tiles[i] = got;
          return;
        }
      });
      return !stillAt(index, this.indexFile);
    }));
    return replaced ? 'replaced' : { tiles, damage };
  }

  async append(records: readonly BundleRecord[]): Promise<void> {
    const tiles = lastPerSlot(records);
    if (!fileExists(this.dataFile)) {
      await createFileOnce(this.dataFile, emptyBundle(this.col0, this.row0), this.modes);
      // an index without its bundle points into data that is gone: start it afresh with the new bundle
      await replaceFile(this.indexFile, emptyIndex(), this.modes);
    } else {
      await createFileOnce(this.indexFile, emptyIndex(), this.modes);
    }
    await withReadWrite(this.dataFile, (data) => withReadWrite(this.indexFile, async (index) => {
      const end = await handleSize(data);
      if (end < DATA_START) throw new BundleDamagedError(this.dataFile, `${end} bytes, shorter than its header and table (${DATA_START})`);
      const indexSize = await handleSize(index);
      if (indexSize < INDEX_ENTRIES_END) throw new BundleDamagedError(this.indexFile, `${indexSize} bytes, shorter than its ${INDEX_ENTRIES_END} bytes of entries`);
      const header = Buffer.alloc(BUNDLE_HEADER_SIZE);
      await data.read(header, 0, BUNDLE_HEADER_SIZE, 0);
      let maxTile = header.readUInt32LE(MAX_TILE_AT);
      let tileCount = readU64(header, TILE_COUNT_AT);
      let bytes = readU64(header, BYTES_AT);
      const entries: { at: number; offset: number }[] = [];
      let next = end;
      for (const t of tiles) {
        // MapProxy counts a tile as new unless its old entry points at a non-empty record
        if (!(await this.holdsRecord(data, index, t.slot, end))) tileCount += 4;
        if (next >= OFFSET_LIMIT) throw new BundleDamagedError(this.dataFile, 'the bundle would exceed the 1 TiB a version 1 index can address');
        entries.push({ at: entryAt(t.slot), offset: next });
        maxTile = Math.max(maxTile, t.data.length);
        bytes += t.data.length + 4;
        next += t.data.length + 4;
      }
      // the tiles' bytes first: an index entry is only written once what it points to is complete
      await writeAt(data, Buffer.concat(tiles.map((t) => sizedRecord(t.data))), end);
      header.writeUInt32LE(maxTile, MAX_TILE_AT);
      writeU64(header, tileCount, TILE_COUNT_AT);
      writeU64(header, bytes, BYTES_AT);
      await writeAt(data, header, 0);
      for (const e of entries) {
        const entry = Buffer.alloc(5);
        entry.writeUIntLE(e.offset, 0, 5);
        await writeAt(index, entry, e.at);
      }
    }));
  }

  private async holdsRecord(data: FileHandle, index: FileHandle, slot: BundleSlot, end: number): Promise<boolean> {
    const entry = Buffer.alloc(5);
    await index.read(entry, 0, 5, entryAt(slot));
    const offset = entry.readUIntLE(0, 5);
    if (offset === 0 || offset + 4 > end) return false;
    const size = Buffer.alloc(4);
    await data.read(size, 0, 4, offset);
    return size.readUInt32LE(0) > 0;
  }

  async clear(slots: readonly BundleSlot[]): Promise<void> {
    if (!fileExists(this.indexFile)) return;
    await withReadWrite(this.indexFile, async (index) => {
      for (const slot of slots) await writeAt(index, Buffer.alloc(5), entryAt(slot));
    });
  }

  /**
   * Three renames: an empty index first, so that a reader holding the old index while the new bundle comes
   * in finds its index replaced (see read); then the bundle, then its index.
   */
  async replaceBy(fresh: Bundle): Promise<void> {
    const [freshData, freshIndex] = fresh.files as [string, string];
    await replaceFile(this.indexFile, emptyIndex(), this.modes);
    await rename(freshData, this.dataFile);
    await rename(freshIndex, this.indexFile);
  }

  async delete(): Promise<void> {
    await removeFile(this.indexFile);
    await removeFile(this.dataFile);
  }

  usage(): BundleUsage {
    return withReadOnly(this.indexFile, (index) => withReadOnly(this.dataFile, (data) => {
      if (index === null || data === null) return { tiles: 0, usedBytes: 0, fileBytes: data === null ? 0 : sizeOf(data) };
      const fileBytes = sizeOf(data);
      const entries = readAt(index, INDEX_ENTRIES_END - INDEX_HEADER.length, INDEX_HEADER.length);
      let tiles = 0;
      let bytes = 0;
      for (let at = 0; at + 5 <= entries.length; at += 5) {
        const offset = entries.readUIntLE(at, 5);
        if (offset < BUNDLE_HEADER_SIZE || offset + 4 > fileBytes) continue;
        const size = readAt(data, 4, offset).readUInt32LE(0);
        if (size === 0 || offset + 4 + size > fileBytes) continue;
        tiles++;
        bytes += size + 4;
      }
      return { tiles, usedBytes: bytes + DATA_START, fileBytes };
    }));
  }
}
