import { openFdCount, readFdLimit } from '../fd-limit.js';

/**
 * Reading the soft open-files limit from /proc/self/limits is four syscalls and a parse, more than the look at the
 * descriptors itself. It changes only when someone runs prlimit on us, so it is read again when the descriptors
 * changed by this many since the last read (a flood of connections: within a look or two, well inside the reserve
 * kept below the limit), or after LIMIT_REFRESH_MS.
 */
const LIMIT_RECHECK_FDS = 16;
const LIMIT_REFRESH_MS = 5_000;

export interface AcceptGuardOptions {
  /** Connections (descriptors opened since the guard started) at which no new connection is taken. */
  maxConnections: number;
  /** Stop taking connections (close the listen socket: the kernel gives new ones to the other workers). */
  pause(): void;
  /** Take connections again. */
  resume(): void;
  log?: Pick<Console, 'warn'>;
  /** Default 20 ms: the reserve below the open-files limit must absorb what arrives between two looks. */
  intervalMs?: number;
  /** For tests; default: this process's open descriptors and soft open-files limit from /proc. */
  openFds?: () => number | null;
  fdLimit?: () => number | null;
}

/**
 * Keeps a listener from running out of file descriptors. uWS (uSockets) cannot take a connection when the
 * descriptors are exhausted (EMFILE) and then spins on its listen socket, which stays readable: the worker burns
 * a core and every new client waits in its accept queue, while idle keep-alive clients (closed only after 10 s)
 * hold the descriptors. Nothing in uWS reports connections, so the guard counts open descriptors (a stat of
 * /proc/self/fd, some microseconds) every 20 ms, stops listening before the limit — the kernel's SO_REUSEPORT group then hands
 * new connections to the other workers — and listens again once enough have closed. Connections already open
 * are served all along. The limit is `maxConnections` more descriptors than at start, and never closer to the
 * open-files limit than a reserve for cache files and upstream connections.
 */
export class AcceptGuard {
  private readonly log: Pick<Console, 'warn'>;
  private readonly openFds: () => number | null;
  private readonly fdLimit: () => number | null;
  private readonly baseline: number;
  private timer: NodeJS.Timeout | undefined;
  private pausedAt: number | null = null;
  private limit: { soft: number | null; open: number; at: number } | null = null;

  constructor(private readonly opts: AcceptGuardOptions) {
    this.log = opts.log ?? console;
    this.openFds = opts.openFds ?? openFdCount;
    this.fdLimit = opts.fdLimit ?? (() => readFdLimit()?.soft ?? null);
    this.baseline = this.openFds() ?? 0;
  }

  get paused(): boolean {
    return this.pausedAt !== null;
  }

  /** The descriptor count at which new connections stop (null: not measurable here). */
  ceiling(): number | null {
    return this.ceilingFor(this.fdLimit());
  }

  private ceilingFor(soft: number | null): number | null {
    if (soft === null) return null;
    const reserve = Math.max(32, Math.floor(Math.min(soft, 1 << 20) / 16));
    return Math.min(this.baseline + this.opts.maxConnections, soft - reserve);
  }

  start(): this {
    if (this.openFds() === null) return this; // no /proc: nothing to measure
    this.timer = setInterval(() => this.check(), this.opts.intervalMs ?? 20);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The soft limit as last read, read again when the descriptors moved or the last read is old (see LIMIT_RECHECK_FDS). */
  private softLimit(open: number): number | null {
    const now = performance.now();
    const last = this.limit;
    if (!last || Math.abs(open - last.open) >= LIMIT_RECHECK_FDS || now - last.at >= LIMIT_REFRESH_MS) {
      this.limit = { soft: this.fdLimit(), open, at: now };
    }
    return this.limit!.soft;
  }

  /** One look at the descriptors; public for tests. */
  check(): void {
    const open = this.openFds();
    if (open === null) return;
    const ceiling = this.ceilingFor(this.softLimit(open));
    if (ceiling === null) return;
    if (this.pausedAt === null && open >= ceiling) {
      this.pausedAt = Date.now();
      this.opts.pause();
      this.log.warn(
        `${open} file descriptors open (limit ${ceiling}: server.limits.max_connections, open-files limit ${this.fdLimit()}); ` +
          'not taking new connections until some close',
      );
    } else if (this.pausedAt !== null && open < ceiling - Math.max(1, Math.floor((ceiling - this.baseline) / 10))) {
      const seconds = ((Date.now() - this.pausedAt) / 1000).toFixed(1);
      this.pausedAt = null;
      this.opts.resume();
      this.log.warn(`${open} file descriptors open; taking new connections again after ${seconds} s`);
    }
  }
}
