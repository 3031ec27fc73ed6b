import { InProcessLimiter, type Release } from '../client/request-limiter.js';
import type { Size } from '../geo/bbox.js';
import type { DeferredPixels } from '../image/image.js';
import type { TilePixels } from '../image/tile-pixels.js';
import { releaseArrayBuffers } from '../native/memory.js';
import { POOL_THREADS } from '../native/pool.js';

/** A map's decoded tiles (null where there is none), and the buffers among them decoded for this map alone. */
export interface DecodedMapTiles {
  readonly pixels: readonly (TilePixels | null)[];
  readonly own: readonly ArrayBuffer[];
}

/** Smaller buffers (a one-colour tile's single row) are not worth a release: they die young anyway. */
const RELEASE_MIN_BYTES = 16 * 1024;

/**
 * The buffer behind a tile decoded for one map alone, when releasing it frees exactly that tile: its view covers
 * the whole ArrayBuffer (a slice of Node's shared pool, or of a bigger buffer, never does).
 */
export function ownBuffer(t: TilePixels): ArrayBuffer | null {
  const view = t.kind === 'paletted' ? t.px.indices : t.raw.data;
  const buffer = view.buffer;
  if (!(buffer instanceof ArrayBuffer) || view.byteOffset !== 0 || view.byteLength !== buffer.byteLength) return null;
  return buffer.byteLength >= RELEASE_MIN_BYTES ? buffer : null;
}

/**
 * Turns of the maps drawn on the libuv pool: one more map's tiles decoded at a time than the pool has threads, so
 * that a map is ready whenever a thread finishes one. The others wait with their tiles undecoded (a few kilobytes
 * of PNG each, not 64 KB of indices): one worker taking 8 concurrent 1024×768 maps held 8 maps' decoded tiles
 * while its 2 threads drew 2. One per runtime, shared by its cache layers (runtime/caches.ts), like the
 * decoded-tile tier.
 */
export class PoolMapTurns {
  private readonly limiter: InProcessLimiter;

  constructor(readonly slots = POOL_THREADS + 1) {
    this.limiter = new InProcessLimiter(slots);
  }

  /** Waits for a turn; the returned function ends it. */
  take(): Promise<Release> {
    return this.limiter.acquire('maps');
  }
}

/**
 * The deferred pixels of a map of `size` drawn from decoded tiles (`make`). The tiles are decoded (`decode`) when
 * the map is drawn, not before, and the buffers decoded for it alone are freed the moment the last kernel job
 * drawing it has ended, not when V8 collects them: under WMS load a map's tiles (1.2-1.6 MB of palette indices for
 * a 1024×768 map from 256² tiles) lived as long as the map waited for the pool, long enough for V8 to move them
 * to the old generation, which only a mark-compact frees, and a worker carried tens of megabytes of dead tiles.
 * Drawn again after that (another format of the same map), the tiles are decoded again. Draws in flight together
 * share one decoding, freed after the last. A map drawn on the pool waits for its turn (`turns`, null for a map
 * drawn on the event loop) before its tiles are decoded.
 */
export function releasingTiles(
  size: Size, turns: PoolMapTurns | null, decode: () => Promise<DecodedMapTiles>, make: (pixels: DecodedMapTiles['pixels']) => DeferredPixels,
): DeferredPixels {
  type Drawable = { deferred: DeferredPixels; own: readonly ArrayBuffer[] };
  let current: Promise<Drawable> | null = null;
  let drawing = 0;
  const use = async <T>(draw: (d: DeferredPixels) => Promise<T>): Promise<T> => {
    const turn = turns ? await turns.take() : null;
    current ??= decode().then((d) => ({ deferred: make(d.pixels), own: d.own }));
    const mine = current;
    let decoded: Drawable | undefined;
    drawing++;
    try {
      decoded = await mine;
      return await draw(decoded.deferred);
    } finally {
      // Every kernel job of every draw has ended here (their promises settle only when the job is done).
      if (--drawing === 0 && current === mine) {
        current = null;
        if (decoded) releaseArrayBuffers(decoded.own);
      }
      turn?.();
    }
  };
  return {
    size,
    draw: () => use((d) => d.draw()),
    palettedPng: (opts) => use((d) => d.palettedPng(opts)),
  };
}
