import { randomInt } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * The finished work items of one level, by their position in the (deterministic) walk: everything below
 * `watermark`, plus the few finished out of order above it (workers complete items in any order).
 */
export class LevelProgress {
  private watermark: number;
  private readonly above: Set<number>;

  constructor(state?: { done: number; extra?: number[] }) {
    this.watermark = state?.done ?? 0;
    this.above = new Set(state?.extra ?? []);
  }

  isDone(seq: number): boolean {
    return seq < this.watermark || this.above.has(seq);
  }

  markDone(seq: number): void {
    if (seq < this.watermark) return;
    this.above.add(seq);
    while (this.above.delete(this.watermark)) this.watermark++;
  }

  toJSON(): { done: number; extra: number[] } {
    return { done: this.watermark, extra: [...this.above].sort((a, b) => a - b) };
  }
}

interface UnitState {
  /** Describes what was walked (levels, coverage, meta size); progress of another walk is meaningless. */
  fingerprint: string;
  levels: Record<string, { done: number; extra?: number[] }>;
  /** Cleanup: levels already cleaned. */
  cleanedLevels?: number[];
}

interface FileFormat {
  format: 'mapproxy-ts-seed-progress';
  version: 1;
  units: Record<string, UnitState>;
}

/** Progress of one task unit (task × cache × grid). */
export class UnitProgress {
  private readonly levels = new Map<number, LevelProgress>();
  readonly cleanedLevels: Set<number>;

  constructor(readonly fingerprint: string, state?: UnitState) {
    for (const [level, s] of Object.entries(state?.levels ?? {})) this.levels.set(Number(level), new LevelProgress(s));
    this.cleanedLevels = new Set(state?.cleanedLevels ?? []);
  }

  level(level: number): LevelProgress {
    let p = this.levels.get(level);
    if (!p) this.levels.set(level, (p = new LevelProgress()));
    return p;
  }

  toJSON(): UnitState {
    const levels: UnitState['levels'] = {};
    for (const [l, p] of this.levels) levels[l] = p.toJSON();
    const out: UnitState = { fingerprint: this.fingerprint, levels };
    if (this.cleanedLevels.size) out.cleanedLevels = [...this.cleanedLevels].sort((a, b) => a - b);
    return out;
  }
}

/**
 * The `--continue` file: JSON (MapProxy's is a Python pickle; the two are not interchangeable), written
 * atomically so a crash leaves the previous version intact.
 */
export class ProgressStore {
  private readonly units = new Map<string, UnitProgress>();
  private readonly loaded: Record<string, UnitState>;
  /** Why an existing file was not used, for the log. */
  readonly warning?: string;

  constructor(readonly file: string, opts: { resume: boolean }) {
    let loaded: Record<string, UnitState> = {};
    if (opts.resume) {
      try {
        const data = JSON.parse(readFileSync(file, 'utf8')) as Partial<FileFormat>;
        if (data.format !== 'mapproxy-ts-seed-progress' || data.version !== 1 || typeof data.units !== 'object') {
          this.warning = `${file} is not a mapproxy-ts progress file; starting from the beginning`;
        } else loaded = data.units ?? {};
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
          this.warning = `cannot read progress file ${file} (${(err as Error).message}); starting from the beginning`;
        }
      }
    }
    this.loaded = loaded;
  }

  /** The progress of a unit; earlier progress is used only when the fingerprint matches. */
  unit(key: string, fingerprint: string): UnitProgress {
    let u = this.units.get(key);
    if (u && u.fingerprint === fingerprint) return u;
    const old = this.loaded[key];
    u = new UnitProgress(fingerprint, old && old.fingerprint === fingerprint ? old : undefined);
    this.units.set(key, u);
    return u;
  }

  save(): void {
    const units: Record<string, UnitState> = { ...this.loaded };
    for (const [k, u] of this.units) units[k] = u.toJSON();
    const data: FileFormat = { format: 'mapproxy-ts-seed-progress', version: 1, units };
    const tmp = `${this.file}.tmp-${randomInt(0, 1e9)}`;
    try {
      writeFileSync(tmp, JSON.stringify(data));
      renameSync(tmp, this.file);
    } catch (err) {
      // a full disk: leave the last complete progress file, not a truncated temporary one
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  remove(): void {
    rmSync(this.file, { force: true });
  }
}
