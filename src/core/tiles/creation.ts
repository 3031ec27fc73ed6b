import type { TileCoord } from '../geo/grid.js';
import { coordKey, type Tile } from './tile.js';

/**
 * A tile creation under its guard (single flight, creation queue, tile lock): each of its tiles as soon as it is
 * ready, and the end of the whole creation. A cold miss is answered with its own tile while the creation goes on
 * with the meta tile's other tiles; the guard is held until `done`, so whoever waits for it (another process on
 * the lock, a request of this process joining the flight) finds every tile.
 */
export interface Creation {
  /** Each tile of the creation by coordKey, resolved once it is stored (or its store failure logged). */
  readonly tiles: ReadonlyMap<string, Promise<Tile>>;
  /** Settles, never rejects, when the creation is over: every tile stored, or its failure logged. */
  readonly done: Promise<void>;
}

/** A creation whose tiles are all ready now. */
export function settledCreation(tiles: readonly Tile[]): Creation {
  return { tiles: new Map(tiles.map((t) => [coordKey(t.coord), Promise.resolve(t)])), done: Promise.resolve() };
}

/** The tile of `coord` from a creation; undefined when the creation does not have it. */
export function createdTile(creation: Creation, coord: TileCoord): Promise<Tile> | undefined {
  return creation.tiles.get(coordKey(coord));
}

/**
 * Runs `task` inside `hold` (a queue slot, a lock) and hands its creation out as soon as the task gives it, while
 * `hold` is kept until the creation is done.
 */
export function heldUntilDone(hold: (work: () => Promise<void>) => Promise<void>, task: () => Promise<Creation>): Promise<Creation> {
  return new Promise<Creation>((resolve, reject) => {
    hold(async () => {
      const creation = await task();
      resolve(creation);
      await creation.done;
    }).catch(reject);
  });
}
