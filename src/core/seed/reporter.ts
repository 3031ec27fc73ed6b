/** A snapshot of a run, for progress displays. */
export interface SeedProgressStats {
  readonly phase: 'seed' | 'cleanup';
  /** `task/cache/grid` of the task being worked on. */
  readonly task: string;
  readonly level: number | null;
  readonly tilesDone: number;
  readonly tilesTotal: number;
  readonly tilesCreated: number;
  readonly tilesRemoved: number;
  readonly failedItems: number;
  readonly elapsedMs: number;
}

/** Where a run reports to: a terminal progress bar, log lines, or nothing (tests). */
export interface SeedReporter {
  message(text: string): void;
  warn(text: string): void;
  start(phase: 'seed' | 'cleanup', tilesTotal: number): void;
  /** Called often; implementations throttle. */
  progress(stats: SeedProgressStats): void;
  finish(stats: SeedProgressStats): void;
}

export const SILENT_REPORTER: SeedReporter = {
  message() {},
  warn() {},
  start() {},
  progress() {},
  finish() {},
};
