import type { Dimensions } from '../cache/cache.js';
import { WriteFailureLog } from '../cache/write-failure-log.js';
import type { TileCoord } from '../geo/grid.js';
import type { MetaTile } from '../geo/meta-grid.js';
import { ImageResult } from '../image/image.js';
import { cropTiles } from '../image/split.js';
import { encodePalettedTiles, encodePalettedTilesFromPngStaged, isPalettedPng, type StagedTiles } from '../image/encode.js';
import type { TileWindow } from '../image/quantize.js';
import { WHITE, type RawImage } from '../image/raw-image.js';
import type { Size } from '../geo/bbox.js';
import { SourceError, type MapQuery } from '../source/source.js';
import { mapConcurrent } from './concurrency.js';
import { querySources } from './query-sources.js';
import { clipImageResult } from '../image/clip.js';
import { LockFileError, type HeldLock } from './file-locks.js';
import type { CoreMetrics } from '../metrics.js';
import { blankTile, coordKey, type Tile } from './tile.js';
import { createdTile, heldUntilDone, settledCreation, type Creation } from './creation.js';
import type { TileManagerOptions } from './tile-options.js';

/** What the creator asks of the tile manager: the re-check of the cache under the lock, and the metrics. */
export interface CachedTileLookup {
  readonly metrics: CoreMetrics;
  /** A fresh cached tile, or null when missing or stale. */
  loadCached(coord: TileCoord, dimensions?: Dimensions): Promise<Tile | null>;
  /** A cached tile even when stale (served when the source fails). */
  loadAny(coord: TileCoord, dimensions?: Dimensions): Promise<Tile | null>;
}

/**
 * Creates missing tiles from the sources: grouped by meta tile, one creation per meta tile at a
 * time, re-checking the cache once the lock is held, then split, encode, store. The only place
 * that decides to call a source for a cache.
 *
 * The guard has three stages: requests of this process for the same meta tile share one
 * promise (single flight); the creation then takes a slot of the process's creation queue
 * (bounded memory and file descriptors); then the tile lock (a TileLock): the lock file, which excludes other
 * workers, the seeder and MapProxy itself, and, when configured, a lease in Redis that excludes other hosts
 * (see docs/locking.md, docs/scale-out.md).
 */
export class TileCreator {
  private readonly writeFailures: WriteFailureLog;

  constructor(
    private readonly manager: CachedTileLookup,
    private readonly opts: TileManagerOptions,
  ) {
    this.writeFailures = new WriteFailureLog({ cache: opts.name, metrics: manager.metrics, log: opts.log });
  }

  /**
   * The tiles of `coords`, created by the sources. Each resolves as soon as it is stored: a cold miss is answered
   * while its meta tile's other tiles are still written (they are stored before the meta tile's lock is released).
   */
  async createTiles(coords: readonly TileCoord[], dimensions?: Dimensions): Promise<Map<string, Tile>> {
    const result = new Map<string, Tile>();
    if (this.opts.sources.length === 0) return result;

    const metaGrid = this.opts.metaGrid;
    if (!metaGrid) {
      const created = await mapConcurrent(coords, this.opts.concurrentTileCreators, (c) => this.createSingleTile(c, dimensions));
      created.forEach((t) => result.set(coordKey(t.coord), t));
      return result;
    }
    const metaTiles = new Map<string, { meta: MetaTile; asked: TileCoord[] }>();
    for (const c of coords) {
      const meta = metaGrid.metaTile(c);
      const key = coordKey(meta.mainTile);
      const entry = metaTiles.get(key) ?? { meta, asked: [] };
      entry.asked.push(c);
      metaTiles.set(key, entry);
    }
    // bulk meta tiles one after the other, each with concurrent_tile_creators requests, as MapProxy
    const entries = [...metaTiles.values()];
    const creations = this.opts.bulkMetaTiles
      ? await mapConcurrent(entries, 1, ({ meta }) => this.createBulkMetaTile(meta, dimensions))
      : await mapConcurrent(entries, this.opts.concurrentTileCreators, ({ meta, asked }) => this.createMetaTile(meta, asked, dimensions));
    for (const [i, creation] of creations.entries()) {
      for (const coord of entries[i].asked) {
        const tile = await createdTile(creation, coord);
        if (tile) result.set(coordKey(coord), tile);
      }
    }
    return result;
  }

  /**
   * One creation per meta tile at a time, in this process and across processes. The creation is handed out as soon
   * as the task gives it; the flight, the queue slot and the lock are held until it is done.
   */
  private guarded(key: string, lockCoord: TileCoord, task: () => Promise<Creation>): Promise<Creation> {
    const flights = this.opts.locks;
    const run = (): Promise<Creation> => this.queued(() => this.fileLocked(lockCoord, task));
    const until = (creation: Creation) => creation.done;
    if (!flights.isRunning(key)) return flights.run(key, run, until);
    // someone in this process creates it already: the time spent waiting is reported
    const started = performance.now();
    return flights
      .run(key, run, until)
      .finally(() => this.manager.metrics.lockWait(this.opts.name, (performance.now() - started) / 1000));
  }

  private queued(task: () => Promise<Creation>): Promise<Creation> {
    const queue = this.opts.creationQueue;
    return queue ? heldUntilDone((work) => queue.run(work), task) : task();
  }

  private async fileLocked(coord: TileCoord, task: () => Promise<Creation>): Promise<Creation> {
    const locker = this.opts.tileLocker;
    if (!locker) return task();
    let held: HeldLock;
    try {
      held = await locker.lock(coord);
    } catch (err) {
      // No lock file can be made (full or read-only disk): the tile is still wanted. In-process single flight
      // still guards it; other processes may create it too, which costs upstream requests, not correctness.
      if (!(err instanceof LockFileError) || this.opts.storeFailures === 'fail') throw err;
      this.writeFailures.failed(err, 'creating the tile without the cross-process lock');
      return task();
    }
    if (held.waitedMs > 0) this.manager.metrics.lockWait(this.opts.name, held.waitedMs / 1000);
    let creation: Creation;
    try {
      creation = await task();
    } catch (err) {
      await held.release();
      throw err;
    }
    // released once every tile is stored: who waited on the lock then finds them all in the cache
    const done = creation.done.then(() => held.release());
    return { tiles: creation.tiles, done };
  }

  /** The sources' image for a tile or meta tile, limited to the cache's coverage. */
  private async render(query: MapQuery): Promise<ImageResult | null> {
    const coverage = this.opts.coverage;
    if (coverage && !coverage.intersects(query.bbox, query.srs)) return null;
    const image = await querySources(this.opts.sources, query);
    return image && coverage ? clipImageResult(image, coverage, query) : image;
  }

  private lockKey(main: TileCoord, dimensions?: Dimensions): string {
    const dims = dimensions ? JSON.stringify(dimensions) : '';
    return `${this.opts.cache.lockId}-${main[0]}-${main[1]}-${main[2]}${dims}`;
  }

  private query(bbox: MapQuery['bbox'], size: MapQuery['size'], dimensions?: Dimensions): MapQuery {
    return {
      bbox,
      size,
      srs: this.opts.grid.srs,
      format: this.opts.requestFormat,
      transparent: this.opts.transparent,
      dimensions,
    };
  }

  private async createSingleTile(coord: TileCoord, dimensions?: Dimensions): Promise<Tile> {
    const creation = await this.guarded(this.lockKey(coord, dimensions), coord, async () => settledCreation([await this.singleTile(coord, dimensions)]));
    return (await createdTile(creation, coord)) ?? blankTile(coord);
  }

  /** A tile without meta tiles, under its lock: the cache re-checked, else from the sources, stored. */
  private async singleTile(coord: TileCoord, dimensions?: Dimensions): Promise<Tile> {
    const fresh = await this.manager.loadCached(coord, dimensions);
    if (fresh) return fresh;
    const query = this.query(this.opts.grid.tileBBox(coord), this.opts.grid.tileSize, dimensions);
    let image: ImageResult | null;
    try {
      image = await this.render(query);
      if (image) await checkedRaw(image, query.size);
    } catch (err) {
      // A source failure with a stale tile in the cache serves the stale tile (MapProxy's single-tile path).
      const stale = await this.manager.loadAny(coord, dimensions);
      if (stale) return stale;
      throw err;
    }
    if (!image) return blankTile(coord);
    if (image.authorizeStale) {
      const stale = await this.manager.loadAny(coord, dimensions);
      if (stale) return stale;
    }
    const tile = await this.encodeTile(coord, image);
    if (image.cacheable) await this.store([tile], dimensions);
    this.manager.metrics.tilesCreated(this.opts.name, 1);
    return tile;
  }

  /** One tile from the sources' image of exactly that tile: watermarked, then encoded in the cache's format. */
  private async encodeTile(coord: TileCoord, image: ImageResult): Promise<Tile> {
    let out = image;
    if (this.opts.watermark) {
      const raw = await image.raw();
      const copy = { data: Buffer.from(raw.data), width: raw.width, height: raw.height };
      await this.opts.watermark.draw(copy, coord, this.opts.transparent || image.transparent);
      out = ImageResult.fromRaw(copy, { transparent: image.transparent, cacheable: image.cacheable });
    }
    // Quantized with alpha only for a transparent cache (or an image clipped to the coverage), as in createMetaTile.
    const data = await out.encode(this.opts.format, { transparent: this.opts.transparent || image.transparent });
    return { coord, data, timestamp: Date.now() / 1000, cacheable: image.cacheable };
  }

  /**
   * MapProxy's _create_bulk_meta_tile, for sources that cannot draw meta tiles (tile sources): under the meta
   * tile's lock, each of its tiles is requested on its own (concurrent_tile_creators at a time) and stored;
   * tiles no source has are left out (blank), the first failing request fails the meta tile.
   */
  private createBulkMetaTile(meta: MetaTile, dimensions?: Dimensions): Promise<Creation> {
    return this.guarded(this.lockKey(meta.mainTile, dimensions), meta.mainTile, async () => {
      const cached = await this.cachedMetaTile(meta, dimensions);
      if (cached) return settledCreation(cached);
      const created = await mapConcurrent(meta.tiles, this.opts.concurrentTileCreators, async ({ coord }) => {
        const query = this.query(this.opts.grid.tileBBox(coord), this.opts.grid.tileSize, dimensions);
        const image = await this.render(query);
        if (!image) return null;
        await checkedRaw(image, query.size);
        return this.encodeTile(coord, image);
      });
      const tiles = created.filter((t): t is Tile => t !== null);
      await this.store(tiles.filter((t) => t.cacheable), dimensions);
      this.manager.metrics.tilesCreated(this.opts.name, tiles.length);
      return settledCreation(tiles);
    });
  }

  /**
   * MapProxy's re-check under the lock (`all(is_cached(t) for t in meta_tile.tiles)`): the tiles in order, stopping
   * at the first one missing or stale (a cold miss costs one look-up, not 16). All of them when all are there.
   */
  private async cachedMetaTile(meta: MetaTile, dimensions?: Dimensions): Promise<Tile[] | null> {
    const tiles: Tile[] = [];
    for (const { coord } of meta.tiles) {
      const tile = await this.manager.loadCached(coord, dimensions);
      if (!tile) return null;
      tiles.push(tile);
    }
    return tiles;
  }

  /**
   * One meta tile from the sources, split, encoded and stored. The `asked` tiles (those of the request that
   * started the creation) are handed out as soon as they are encoded and stored, while the others are encoded and
   * stored before the creation is done (paletted PNG from the source's PNG: one native job, the asked ones first).
   */
  private createMetaTile(meta: MetaTile, asked: readonly TileCoord[], dimensions?: Dimensions): Promise<Creation> {
    return this.guarded(this.lockKey(meta.mainTile, dimensions), meta.mainTile, async () => {
      // Another request (or process) may have created the tiles while we waited.
      const cached = await this.cachedMetaTile(meta, dimensions);
      if (cached) return settledCreation(cached);

      const image = await this.render(this.query(meta.bbox, meta.size, dimensions));
      if (!image) return settledCreation(meta.tiles.map((t) => blankTile(t.coord)));
      const tileSize = this.opts.grid.tileSize;
      const rects = meta.tiles.map((t) => ({ offset: t.offset, size: tileSize }));
      // Paletted PNG (MapProxy's default): every tile quantized as MapProxy stores it, off the event loop; alpha
      // is kept for a transparent cache and for an image clipped to the coverage (MapProxy clips to PNG).
      // Parts of a tile outside the meta image (a grid whose bbox is not tile-aligned) get the canvas of
      // MapProxy's TileSplitter: transparent for a transparent cache, else opaque white.
      const transparent = this.opts.transparent || image.transparent;
      // Seeding wants every tile stored and fails with the first store error: all at once, as before.
      const early = this.opts.storeFailures === 'fail' ? [] : askedIndices(meta, asked);
      const staged = this.palettedTilesFromPng(image, meta.size, rects, transparent, early);
      if (staged && early.length) {
        const firsts = await staged.asked;
        if (firsts) return this.stagedCreation(meta, image, staged, early, firsts, dimensions);
      }
      const datas = (await staged?.all) ?? (await this.tilesFromRaw(await checkedRaw(image, meta.size), meta, image, rects, transparent));
      const now = Date.now() / 1000;
      const tiles = datas.map(
        (data, i): Tile => ({ coord: meta.tiles[i].coord, data, timestamp: now, cacheable: image.cacheable }),
      );
      if (image.cacheable) await this.store(tiles, dimensions);
      this.manager.metrics.tilesCreated(this.opts.name, tiles.length);
      return settledCreation(tiles);
    });
  }

  /**
   * The asked tiles stored, then handed out; the others come from the rest of the native job and are stored
   * before the creation is done. A failure there is logged and counted (the asked tiles are good), and only
   * whoever waits for one of those tiles sees it.
   */
  private async stagedCreation(
    meta: MetaTile, image: ImageResult, staged: StagedTiles, early: readonly number[], firsts: readonly Buffer[], dimensions?: Dimensions,
  ): Promise<Creation> {
    const now = Date.now() / 1000;
    const tileAt = (i: number, data: Buffer): Tile => ({ coord: meta.tiles[i].coord, data, timestamp: now, cacheable: image.cacheable });
    const askedTiles = early.map((i, k) => tileAt(i, firsts[k]!));
    const askedStored = image.cacheable ? this.store(askedTiles, dimensions) : Promise.resolve();
    const others = meta.tiles.map((_, i) => i).filter((i) => !early.includes(i));
    // handled from now on: the job's end may fail while the asked tiles are stored
    const rest = staged.all.then(async (all) => {
      if (!all) throw new Error('the native job handed out tiles, then none');
      await askedStored;
      const tiles = others.map((i) => tileAt(i, all[i]!));
      if (image.cacheable && tiles.length) await this.store(tiles, dimensions);
      this.manager.metrics.tilesCreated(this.opts.name, meta.tiles.length);
      return tiles;
    });
    const tiles = new Map<string, Promise<Tile>>();
    askedTiles.forEach((t) => tiles.set(coordKey(t.coord), Promise.resolve(t)));
    others.forEach((i, k) => {
      const tile = rest.then((late) => late[k]!);
      tile.catch(() => undefined); // nobody may wait for it: its failure is logged below
      tiles.set(coordKey(meta.tiles[i].coord), tile);
    });
    const done = rest.then(
      () => undefined,
      (err: unknown) => this.writeFailures.failed(err, `the other tiles of meta tile ${coordKey(meta.mainTile)} are not cached`),
    );
    await askedStored;
    return { tiles, done };
  }

  /**
   * A paletted PNG cache fed the source's undecoded PNG: decoded, cut and written in one native job, the decoded
   * meta tile never a JavaScript buffer; the tiles at `early` handed out first. Null where that does not apply
   * (watermark, other bytes); null tiles when the PNG is not a clean one of `size`: tilesFromRaw then decodes and
   * checks it, with the usual errors.
   */
  private palettedTilesFromPng(image: ImageResult, size: Size, rects: TileWindow[], transparent: boolean, early: readonly number[]): StagedTiles | null {
    const png = image.encodedBytes;
    if (this.opts.watermark || !isPalettedPng(this.opts.format) || !png || image.hasRaw || image.sourceFormat !== 'png') return null;
    return encodePalettedTilesFromPngStaged(png, size, rects, this.opts.format, { transparent }, early);
  }

  /** The tiles of the decoded meta tile, encoded in the cache's format. */
  private tilesFromRaw(raw: RawImage, meta: MetaTile, image: ImageResult, rects: TileWindow[], transparent: boolean): Promise<Buffer[]> {
    if (this.opts.watermark) return this.watermarkedTiles(raw, meta, image);
    if (isPalettedPng(this.opts.format)) return encodePalettedTiles(raw, rects, this.opts.format, { transparent });
    return Promise.all(
      cropTiles(raw, rects, transparent ? { transparent: true } : { bgcolor: WHITE }).map((part) =>
        ImageResult.fromRaw(part, { transparent: image.transparent }).encode(this.opts.format),
      ),
    );
  }

  /** The tiles of a meta tile cut out on their own (canvas as TileSplitter's), each watermarked and encoded. */
  private async watermarkedTiles(raw: RawImage, meta: MetaTile, image: ImageResult): Promise<Buffer[]> {
    const transparent = this.opts.transparent || image.transparent;
    const rects = meta.tiles.map((t) => ({ offset: t.offset, size: this.opts.grid.tileSize }));
    const parts = cropTiles(raw, rects, transparent ? { transparent: true } : { bgcolor: WHITE });
    return Promise.all(
      parts.map(async (part, i) => {
        await this.opts.watermark?.draw(part, meta.tiles[i].coord, transparent);
        return ImageResult.fromRaw(part, { transparent: image.transparent }).encode(this.opts.format, { transparent });
      }),
    );
  }

  /**
   * Stores created tiles. A tile that cannot be stored is still a good tile: requests are answered with it
   * (each failure counted, the log throttled); seeding fails with the first error (`storeFailures: 'fail'`).
   */
  private async store(tiles: readonly Tile[], dimensions?: Dimensions): Promise<void> {
    let failures: unknown[];
    try {
      await this.opts.cache.storeMany(tiles.map((t) => ({ coord: t.coord, data: t.data as Buffer })), dimensions);
      return this.writeFailures.succeeded();
    } catch (err) {
      // an AggregateError names the tiles that failed; one error means the whole batch failed
      failures = err instanceof AggregateError ? err.errors : tiles.map(() => err);
    }
    if (this.opts.storeFailures === 'fail') throw failures[0];
    for (const err of failures) this.writeFailures.failed(err, 'serving tiles from the source without caching them');
  }
}

/**
 * The decoded answer of the sources, checked before anything is stored: a body that does not
 * decode, or an image of another size than asked (which would be split into shifted or padded
 * tiles), is a source error like a failed request, so nothing wrong reaches the cache.
 */
async function checkedRaw(image: ImageResult, size: Size): Promise<RawImage> {
  let raw: RawImage;
  try {
    raw = await image.raw();
  } catch (err) {
    throw new SourceError(`could not decode the image returned by the source: ${(err as Error).message}`, { cause: err });
  }
  if (raw.width !== size[0] || raw.height !== size[1]) {
    throw new SourceError(`the source returned an image of ${raw.width}x${raw.height} pixels instead of ${size[0]}x${size[1]}`);
  }
  return raw;
}

/** The indices in the meta tile of the asked tiles that are in it. */
function askedIndices(meta: MetaTile, asked: readonly TileCoord[]): number[] {
  const keys = new Set(asked.map(coordKey));
  return meta.tiles.flatMap((t, i) => (keys.has(coordKey(t.coord)) ? [i] : []));
}
