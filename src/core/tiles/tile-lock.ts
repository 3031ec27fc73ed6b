import type { TileCoord } from '../geo/grid.js';
import type { HeldLock } from './file-locks.js';

/**
 * The cross-process stage of the creator's guard: one lock per (meta) tile, keyed on its main tile. The lock files
 * (TileLocker) exclude the processes of one host and MapProxy; RedisTileLock adds a lease that excludes other
 * hosts. The creator knows only this interface, so neither lock imports the creator nor each other's backend.
 */
export interface TileLock {
  /** Waits for the lock of `coord`; rejects with LockTimeout, or LockFileError when no lock file can be made. */
  lock(coord: TileCoord): Promise<HeldLock>;
}
