import type { TileCoord } from '../geo/grid.js';
import { BasicTileCache, type CachedTile, type RemoveOptions, type TileCache, type TileToStore } from './cache.js';

/** The store of one level's file, which the level cache can also drop whole. */
export interface LevelFile extends TileCache {
  /** Counts (and names, for onRemove) the file's tiles and, unless a dry run, removes the file. */
  removeFile(level: number, opts?: RemoveOptions): number;
}

/**
 * A cache with one SQLite file per level in one directory (MapProxy's MBTilesLevelCache and GeopackageLevelCache):
 * each call goes to its level's store, opened on first use and kept; removing a whole level removes its file.
 */
export abstract class SqliteLevelFiles extends BasicTileCache {
  private readonly levels = new Map<number, LevelFile>();
  private closed = false;

  /** The store of `level`'s file. */
  protected abstract openLevel(level: number): LevelFile;

  /** The directory of the level files, for messages. */
  protected abstract tileDirectory(): string;

  protected level(level: number): LevelFile {
    let store = this.levels.get(level);
    if (!store) {
      if (this.closed) throw new Error(`${this.tileDirectory()} is closed`);
      store = this.openLevel(level);
      this.levels.set(level, store);
    }
    return store;
  }

  load(coord: TileCoord): Promise<CachedTile | null> {
    return this.level(coord[2]).load(coord);
  }

  /** One query per level (a meta tile is one level). */
  override async loadMany(coords: readonly TileCoord[]): Promise<(CachedTile | null)[]> {
    const out: (CachedTile | null)[] = new Array(coords.length).fill(null);
    for (const [level, indices] of byLevel(coords)) {
      const found = await this.level(level).loadMany(indices.map((i) => coords[i]!));
      indices.forEach((i, k) => (out[i] = found[k] ?? null));
    }
    return out;
  }

  isCached(coord: TileCoord): Promise<boolean> {
    return this.level(coord[2]).isCached(coord);
  }

  override timestamp(coord: TileCoord): Promise<number | null> {
    return this.level(coord[2]).timestamp(coord);
  }

  store(coord: TileCoord, data: Buffer): Promise<void> {
    return this.level(coord[2]).store(coord, data);
  }

  /** One transaction per level file. */
  override async storeMany(tiles: readonly TileToStore[]): Promise<void> {
    const coords = tiles.map((t) => t.coord);
    for (const [level, indices] of byLevel(coords)) await this.level(level).storeMany(indices.map((i) => tiles[i]!));
  }

  remove(coord: TileCoord): Promise<void> {
    return this.level(coord[2]).remove(coord);
  }

  override async removeMany(coords: readonly TileCoord[]): Promise<void> {
    for (const [level, indices] of byLevel(coords)) await this.level(level).removeMany(indices.map((i) => coords[i]!));
  }

  /** Every tile: the level's file goes (MapProxy's remove_all); older tiles only: one DELETE in the file. */
  override async removeLevel(level: number, before: number, opts: RemoveOptions = {}): Promise<number | null> {
    const store = this.level(level);
    if (before === 0) return store.removeFile(level, opts);
    return store.removeLevel(level, before, opts);
  }

  tileName(coord: TileCoord): string {
    return this.level(coord[2]).tileName(coord);
  }

  override async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.levels.values()].map((s) => s.close()));
    this.levels.clear();
  }
}

/** Indices of `coords` grouped by level, in order of first appearance. */
function byLevel(coords: readonly TileCoord[]): Map<number, number[]> {
  const out = new Map<number, number[]>();
  coords.forEach((c, i) => {
    const list = out.get(c[2]);
    if (list) list.push(i);
    else out.set(c[2], [i]);
  });
  return out;
}
