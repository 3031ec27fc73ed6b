import { basename } from 'node:path';
import { createApp, type App, type AppOptions } from '../app.js';
import { ConfigError } from '../config/errors.js';
import { textResponse, type CoreRequest, type CoreResponse } from '../http.js';
import { changedFiles, mergeStamps, stampConfigFiles, type FileStamp } from './config-stamps.js';
import { ServingApp } from './serving-app.js';

/** Where reload news goes: errors always, successful reloads when the log has `info`. */
export type ReloadLog = Pick<Console, 'warn' | 'error'> & Partial<Pick<Console, 'info'>>;

export interface ConfigReloaderOptions {
  appOptions: AppOptions;
  log: ReloadLog;
  /** Look at the files' mtimes at most this often (ms); requests in between use the app as it is. */
  checkIntervalMs: number;
  /**
   * What a vanished main configuration file means: 'keep' serves the last good app (a development reloader,
   * where an editor may briefly remove the file), 'not-found' answers 404 until the file is back (MultiMapProxy,
   * where deleting `<name>.yaml` removes the app).
   */
  onMissingFile: 'keep' | 'not-found';
}

/**
 * One configuration file kept live: built on first use, rebuilt when it or one of its `base:` files changes.
 * The check and the rebuild run under a single flight, so concurrent requests wait for one rebuild instead of
 * starting their own. A configuration that fails to load is reported once (per change of its files) and the last
 * good app keeps serving; with no good app, requests get a 500 naming the configuration.
 */
export class ConfigReloader {
  private serving: ServingApp | null = null;
  /** The files the serving app was built from. */
  private stamps: FileStamp[] = [];
  /** The files of the last failed attempt; while set, only a change to them triggers another attempt. */
  private failedStamps: FileStamp[] | null = null;
  private missing = false;
  private lastCheck = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<void> | null = null;
  private active = 0;
  private idleWaiters: (() => void)[] = [];
  private closing: Promise<void> | null = null;
  /** Replaced apps still finishing their requests. */
  private readonly retiring = new Set<Promise<void>>();

  constructor(
    readonly configFile: string,
    private readonly opts: ConfigReloaderOptions,
  ) {}

  /** The app answering requests now, if any. */
  get current(): App | null {
    return this.serving?.app ?? null;
  }

  /** Builds the app now; rejects with the load error when there is no app to serve. */
  async start(): Promise<App> {
    const err = await this.rebuild();
    if (!this.serving) throw err;
    return this.serving.app;
  }

  async handle(req: CoreRequest): Promise<CoreResponse> {
    if (this.closing) return textResponse(503, 'service unavailable');
    this.active++;
    try {
      await this.refresh();
      const serving = this.serving;
      if (serving) return await serving.handle(req);
      if (this.missing) return textResponse(404, 'not found');
      return textResponse(500, `configuration ${basename(this.configFile)} could not be loaded; see the server log`);
    } finally {
      this.active--;
      if (this.active === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /** Stops taking requests, waits for those in flight, then closes the app's runtime. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.active > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      await this.refreshing;
      if (this.serving) this.retire(this.serving);
      this.serving = null;
      await Promise.all([...this.retiring]);
    })();
    return this.closing;
  }

  /** Check (at most every checkIntervalMs) and rebuild if needed; never rejects. */
  private refresh(): Promise<void> {
    if (this.refreshing) return this.refreshing;
    const now = Date.now();
    if (now - this.lastCheck < this.opts.checkIntervalMs) return Promise.resolve();
    this.lastCheck = now;
    this.refreshing = this.checkAndRebuild().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async checkAndRebuild(): Promise<void> {
    const attempted = this.serving !== null || this.failedStamps !== null || this.missing;
    if (attempted) {
      const changed = await changedFiles(this.failedStamps ?? this.stamps);
      if (changed.length === 0) return;
    }
    await this.rebuild();
  }

  /** Returns the load error, if the attempt failed. */
  private async rebuild(): Promise<unknown> {
    const { appOptions, log } = this.opts;
    const before = stampConfigFiles(this.configFile, appOptions.env ?? process.env);
    if (this.opts.onMissingFile === 'not-found' && before[0].mtimeMs === null) {
      this.missing = true;
      this.failedStamps = before;
      const gone = this.serving;
      this.serving = null;
      if (gone) {
        log.info?.(`configuration ${this.configFile} was removed`);
        this.retire(gone);
      }
      return new ConfigError('configuration file not found', this.configFile);
    }
    let app: App;
    try {
      app = await createApp(this.configFile, { ...appOptions, log });
    } catch (err) {
      this.failedStamps = before;
      this.reportFailure(err);
      return err;
    }
    this.stamps = mergeStamps(before, app.config.files);
    this.failedStamps = null;
    this.missing = false;
    const previous = this.serving;
    this.serving = new ServingApp(app, log);
    if (previous) {
      log.info?.(`configuration ${this.configFile} reloaded`);
      this.retire(previous);
    }
    return undefined;
  }

  private retire(app: ServingApp): void {
    const done = app.retire().finally(() => this.retiring.delete(done));
    this.retiring.add(done);
  }

  private reportFailure(err: unknown): void {
    const keeping = this.serving ? '; still serving the previous configuration' : '';
    const what = `configuration ${this.configFile} could not be loaded${keeping}`;
    // A ConfigError's message already names the file and key path; anything else needs its stack.
    if (err instanceof ConfigError) this.opts.log.error(`${what}: ${err.message}`);
    else this.opts.log.error(`${what}:`, err);
  }
}
