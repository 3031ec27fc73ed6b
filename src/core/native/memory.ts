import { kernel } from './kernels.js';

/** The C allocator's figures (glibc's mallinfo2), in bytes. */
export interface MallocStats {
  /** Bytes the arenas took from the system (main heap and thread arenas). */
  arenaBytes: number;
  /** Bytes in chunks mapped on their own (allocations above the mmap threshold). */
  mmappedBytes: number;
  /** Bytes handed out and not yet freed, mapped chunks included. */
  inUseBytes: number;
  /** Free bytes inside the arenas: resident until released, unless the pages were never touched. */
  freeBytes: number;
}

const stats = kernel<() => MallocStats | null>('mallocStats');
const release = kernel<() => Promise<boolean>>('releaseFreeMemory');
const releaseScratch = kernel<(idleMs: number) => number>('releaseIdleScratch');

/** The allocator's figures, or null where the C library has no such call (musl, macOS). */
export function mallocStats(): MallocStats | null {
  return stats();
}

/** Hands the allocator's free pages back to the system (glibc's malloc_trim), on the libuv pool. */
export function releaseFreeMemory(): Promise<boolean> {
  return release();
}

/**
 * Frees the work memory of the kernel threads (kernels/thread_scratch.h) that no job has used for `idleMs`: a
 * map's or a meta tile's worth per thread, kept while work of that size goes on. Returns the bytes freed.
 */
export function releaseIdleScratch(idleMs: number): number {
  return releaseScratch(idleMs);
}

/** How long the kernel threads' work memory stays unused before it is freed. */
export const SCRATCH_IDLE_MS = 2000;

export interface IdleReleaseOptions {
  /** How often the allocator is looked at. */
  intervalMs?: number;
  /** How many looks back the memory in use is remembered: what a burst of work needed recently. */
  windowSamples?: number;
  /** Free bytes the arenas may keep beyond what recent work used at most. */
  slackBytes?: number;
  stats?: () => MallocStats | null;
  release?: () => Promise<boolean>;
  /** The process's resident set in bytes. */
  rss?: () => number;
}

/**
 * Free arena bytes a worker keeps beyond its recent peak use. 24 MB let the free chunks between live image buffers
 * stay resident at the peaks of the bench's WMS scenarios (15-29 MB free of 55-60 MB of arenas, worker probe):
 * 8 MB measured 5-10 MB lower peaks per worker (2 workers and 1, bench workspace, tms then every WMS scenario,
 * capabilities and cold misses), the trims it costs being a madvise and a few thousand page faults each, at most
 * one per 4 MB of regrowth.
 */
const DEFAULT_SLACK_BYTES = 8 * 1024 * 1024;

/**
 * Decides when free allocator memory goes back to the system. Image buffers make glibc's arenas grow by tens of
 * megabytes during a burst of maps or meta tiles (its mmap threshold rises with the first big buffer freed, so
 * later ones come from the arenas), and that memory stays resident long after: a worker that drew big maps a
 * minute ago still holds them while it serves small tiles. Releasing on every free instead (a fixed mmap
 * threshold) measured 3x slower maps, every buffer then being faulted in afresh. So the arenas are trimmed only
 * when they hold more than `slackBytes` beyond the recent work's peak use: never while maps keep reusing that
 * memory, once when the work that needed it has stopped. A trimmed arena keeps its size (its free pages are just
 * no longer resident), so a further release also waits until the resident set has grown back by half the slack,
 * or until the use has fallen well below the use at the last release (which, made under load, gave back little).
 */
export class IdleMemoryRelease {
  private readonly recent: number[] = [];
  private releasing = false;
  /** The resident set when the last release finished, and the use when it started. */
  private rssAfterRelease = 0;
  private inUseAtRelease = 0;
  /** Releases started so far. */
  releases = 0;
  private readonly windowSamples: number;
  private readonly slackBytes: number;
  private readonly stats: () => MallocStats | null;
  private readonly release: () => Promise<boolean>;
  private readonly rss: () => number;

  constructor(opts: IdleReleaseOptions = {}) {
    this.windowSamples = opts.windowSamples ?? 20;
    this.slackBytes = opts.slackBytes ?? DEFAULT_SLACK_BYTES;
    this.stats = opts.stats ?? mallocStats;
    this.release = opts.release ?? releaseFreeMemory;
    this.rss = opts.rss ?? process.memoryUsage.rss;
  }

  /** One look at the allocator; starts a release when the arenas hold much more than recent work used. */
  sample(): boolean {
    const s = this.stats();
    if (!s) return false;
    this.recent.push(s.inUseBytes);
    if (this.recent.length > this.windowSamples) this.recent.shift();
    if (this.releasing || this.recent.length < this.windowSamples) return false;
    const recentPeak = Math.max(...this.recent);
    if (s.arenaBytes + s.mmappedBytes <= recentPeak + this.slackBytes || s.freeBytes < this.slackBytes) return false;
    const regrown = this.rss() >= this.rssAfterRelease + this.slackBytes / 2;
    // A release under load gives back little: once that load has stopped, its memory is worth one more.
    const loadStopped = recentPeak + this.slackBytes <= this.inUseAtRelease;
    if (!regrown && !loadStopped) return false;
    this.releasing = true;
    this.inUseAtRelease = s.inUseBytes;
    this.releases++;
    // The trimmed arenas start a new window: the next release waits for the figures after this one.
    this.recent.length = 0;
    void this.release()
      .catch(() => false)
      .finally(() => {
        this.releasing = false;
        this.rssAfterRelease = this.rss();
      });
    return true;
  }
}

/**
 * Looks at the allocator every `intervalMs` (default 50 ms: a map takes tens of milliseconds, so a window of 20
 * looks, one second, sees the peaks of the work in flight) for the life of the process (the timer does not keep
 * it alive); returns a function that stops it.
 */
export function releaseMemoryWhenIdle(opts: IdleReleaseOptions = {}): () => void {
  // Every second, the kernel threads' work memory that has not been used for SCRATCH_IDLE_MS: a worker that drew
  // big maps or meta tiles a while ago keeps none of it while it serves cached tiles or capabilities.
  const scratchTimer = setInterval(() => releaseIdleScratch(SCRATCH_IDLE_MS), 1000);
  scratchTimer.unref();
  if (!mallocStats()) return () => clearInterval(scratchTimer);
  const policy = new IdleMemoryRelease(opts);
  const timer = setInterval(() => policy.sample(), opts.intervalMs ?? 50);
  timer.unref();
  return () => {
    clearInterval(timer);
    clearInterval(scratchTimer);
  };
}

const releaseBuffers = kernel<(list: readonly ArrayBuffer[]) => number>('releaseArrayBuffers');

/**
 * Frees the memory of each ArrayBuffer now, by detaching it (its views then read as empty), instead of when V8
 * collects it. Only for buffers the caller alone holds and no kernel job is using. Returns the bytes freed.
 */
export function releaseArrayBuffers(list: readonly ArrayBuffer[]): number {
  return list.length ? releaseBuffers(list) : 0;
}
