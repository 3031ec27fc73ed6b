import cliProgress from 'cli-progress';
import type { SeedProgressStats, SeedReporter } from './reporter.js';

export interface ConsoleReporterOptions {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream;
  /** 0: everything; 1: no progress bar, progress lines only; 2: no progress output at all. */
  quiet: number;
  /** Seconds between progress lines when there is no bar (default 10). */
  intervalSeconds?: number;
}

const clock = (): string => new Date().toTimeString().slice(0, 8);

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

function rateAndEta(s: SeedProgressStats): { rate: number; eta: number } {
  const secs = s.elapsedMs / 1000;
  const rate = secs > 0 ? s.tilesDone / secs : 0;
  return { rate, eta: rate > 0 ? (s.tilesTotal - s.tilesDone) / rate : Infinity };
}

/**
 * Progress on a terminal as a bar (tiles done / total, rate, ETA); elsewhere as a log line every few seconds.
 * Messages and warnings are printed above the bar.
 */
export class ConsoleReporter implements SeedReporter {
  private multi: cliProgress.MultiBar | null = null;
  private bar: cliProgress.SingleBar | null = null;
  private lastLine = 0;
  private phase: 'seed' | 'cleanup' = 'seed';

  constructor(private readonly opts: ConsoleReporterOptions) {}

  private print(text: string, stream: NodeJS.WritableStream = this.opts.out): void {
    if (this.multi) this.multi.log(`${text}\n`);
    else stream.write(`${text}\n`);
  }

  message(text: string): void {
    if (this.opts.quiet < 2) this.print(text);
  }

  warn(text: string): void {
    this.print(`[${clock()}] ${text}`, this.opts.err);
  }

  start(phase: 'seed' | 'cleanup', tilesTotal: number): void {
    this.phase = phase;
    this.lastLine = Date.now();
    if (phase === 'seed' && this.opts.quiet === 0 && this.opts.out.isTTY && tilesTotal > 0) {
      this.multi = new cliProgress.MultiBar(
        {
          stream: this.opts.out,
          format: '{bar} {percentage}% | {value}/{total} tiles | {rate} tiles/s | ETA {etaText} | {task}',
          hideCursor: true,
          clearOnComplete: false,
          fps: 5,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar = this.multi.create(tilesTotal, 0, { rate: '0', etaText: '?', task: '' });
    }
  }

  progress(s: SeedProgressStats): void {
    if (this.bar) {
      const { rate, eta } = rateAndEta(s);
      this.bar.update(s.tilesDone, { rate: rate.toFixed(1), etaText: formatDuration(eta), task: `${s.task} level ${s.level ?? '-'}` });
      return;
    }
    if (this.opts.quiet >= 2) return;
    const now = Date.now();
    if (now - this.lastLine < (this.opts.intervalSeconds ?? 10) * 1000) return;
    this.lastLine = now;
    this.opts.out.write(`${this.line(s)}\n`);
  }

  private line(s: SeedProgressStats): string {
    if (s.phase === 'cleanup') return `[${clock()}] ${s.task} level ${s.level ?? '-'}: ${s.tilesRemoved} tiles removed`;
    const { rate, eta } = rateAndEta(s);
    const pct = s.tilesTotal ? ((s.tilesDone / s.tilesTotal) * 100).toFixed(2) : '100.00';
    return `[${clock()}] ${s.task} level ${s.level ?? '-'}: ${s.tilesDone}/${s.tilesTotal} tiles (${pct}%), ` +
      `${s.tilesCreated} created, ${rate.toFixed(1)} tiles/s, ETA ${formatDuration(eta)}`;
  }

  finish(s: SeedProgressStats): void {
    if (this.bar) {
      this.progress(s);
      this.multi!.stop();
      this.multi = null;
      this.bar = null;
    }
    if (this.opts.quiet >= 2) return;
    const secs = formatDuration(s.elapsedMs / 1000);
    if (this.phase === 'cleanup') this.opts.out.write(`[${clock()}] cleanup: ${s.tilesRemoved} tiles removed in ${secs}\n`);
    else this.opts.out.write(`[${clock()}] seed: ${s.tilesDone}/${s.tilesTotal} tiles done, ${s.tilesCreated} created in ${secs}\n`);
  }
}
