// Headless Chromium for the browser tests: a screenshot of a page after it loaded (the command line's
// --screenshot), and a page driven through the DevTools protocol over a pipe (--remote-debugging-pipe: no port,
// no WebSocket library) for tests that click and read what the page shows.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { promisify } from 'node:util';

export const CHROMIUM = '/usr/bin/chromium';

const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars',
];

/** How long the page may load: virtual time for its timers and tiles, and a wall-clock limit for Chromium. */
export interface ScreenshotTimes {
  virtualMs?: number;
  timeoutMs?: number;
}

/**
 * A screenshot of `url` after the page had a few seconds (of virtual time) to load its tiles.
 * Asynchronous: the server under test may run in this very process and must go on answering.
 */
export async function screenshot(url: string, file: string, times: ScreenshotTimes = {}): Promise<void> {
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  try {
    let stderr = '';
    await promisify(execFile)(CHROMIUM, [
      ...FLAGS, `--user-data-dir=${profile}`, '--window-size=800,700',
      `--virtual-time-budget=${times.virtualMs ?? 8000}`, `--screenshot=${file}`, url,
    ], { encoding: 'utf8', timeout: times.timeoutMs ?? 60_000 }).catch((err: { stderr?: string; killed?: boolean; message?: string }) => {
      stderr = `${err.killed ? 'timed out: ' : ''}${err.stderr || err.message || String(err)}`;
    });
    assert.ok(existsSync(file), `no screenshot of ${url}: ${stderr}`);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
}

/** One tab of a headless Chromium of its own, driven through the DevTools protocol. */
export class ChromiumPage {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  private readonly listeners: ((m: CdpMessage) => void)[] = [];
  private sessionId = '';
  /** Sessions of out-of-process frames (Chromium gives a sandboxed iframe a process of its own), latest last. */
  private readonly frameSessions: string[] = [];
  private exited = false;

  private constructor(private readonly proc: ChildProcess, private readonly profile: string) {
    const out = proc.stdio[4] as Readable;
    let buffered = '';
    // messages are JSON texts, each ended by a NUL byte
    out.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let end;
      while ((end = buffered.indexOf('\0')) >= 0) {
        const msg = JSON.parse(buffered.slice(0, end)) as CdpMessage;
        buffered = buffered.slice(end + 1);
        if (msg.id !== undefined) {
          const p = this.pending.get(msg.id);
          this.pending.delete(msg.id);
          if (msg.error) p?.reject(new Error(msg.error.message));
          else p?.resolve(msg.result ?? {});
        } else {
          if (msg.method === 'Target.attachedToTarget') {
            const { sessionId, targetInfo } = msg.params as { sessionId: string; targetInfo: { type: string } };
            if (targetInfo.type === 'iframe') this.frameSessions.push(sessionId);
          }
          for (const l of [...this.listeners]) l(msg);
        }
      }
    });
    proc.on('exit', () => {
      this.exited = true;
      for (const p of this.pending.values()) p.reject(new Error('chromium exited'));
      this.pending.clear();
    });
  }

  /** Starts Chromium with one blank tab of `width` × `height` CSS pixels. */
  static async open(width = 800, height = 700): Promise<ChromiumPage> {
    const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
    const proc = spawn(CHROMIUM, [...FLAGS, `--user-data-dir=${profile}`, `--window-size=${width},${height}`, '--remote-debugging-pipe', 'about:blank'], {
      stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'],
    });
    const page = new ChromiumPage(proc, profile);
    const { targetId } = await page.send('Target.createTarget', { url: 'about:blank' }, null);
    const { sessionId } = await page.send('Target.attachToTarget', { targetId, flatten: true }, null);
    page.sessionId = sessionId as string;
    await page.send('Page.enable');
    await page.send('Runtime.enable');
    await page.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: true });
    await page.send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false });
    return page;
  }

  /** A DevTools command, to the tab, to another session, or (null) to the browser. */
  send(method: string, params: Record<string, unknown> = {}, session: string | null = this.sessionId): Promise<Record<string, unknown>> {
    if (this.exited) return Promise.reject(new Error('chromium exited'));
    const id = this.nextId++;
    const msg: CdpMessage = { id, method, params, ...(session === null ? {} : { sessionId: session }) };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      (this.proc.stdio[3] as Writable).write(JSON.stringify(msg) + '\0');
    });
  }

  /** Opens `url` and waits for its load event. */
  async goto(url: string): Promise<void> {
    const loaded = new Promise<void>((resolve) => {
      const l = (m: CdpMessage) => {
        if (m.method === 'Page.loadEventFired' && m.sessionId === this.sessionId) {
          this.listeners.splice(this.listeners.indexOf(l), 1);
          resolve();
        }
      };
      this.listeners.push(l);
    });
    const nav = await this.send('Page.navigate', { url });
    if (nav.errorText) throw new Error(`navigation to ${url} failed: ${String(nav.errorText)}`);
    await loaded;
  }

  /** The value of a JavaScript expression in the page (promises awaited), or in an execution context given. */
  async evaluate<T>(expression: string, contextId?: number, session?: string): Promise<T> {
    const r = await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true, ...(contextId ? { contextId } : {}) }, session);
    const exc = r.exceptionDetails as { text?: string; exception?: { description?: string } } | undefined;
    if (exc) throw new Error(`${expression}: ${exc.exception?.description ?? exc.text}`);
    return (r.result as { value: T }).value;
  }

  /** Waits until `expression` is truthy in the page; fails after `timeoutMs`. */
  async waitFor(expression: string, timeoutMs = 15_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (await this.evaluate<boolean>(`!!(${expression})`)) return;
      if (Date.now() > until) throw new Error(`timed out waiting for ${expression}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** A left click at a point of the viewport (CSS pixels), as a user's mouse sends it. */
  async click(x: number, y: number): Promise<void> {
    await this.send('Input.dispatchMouseEvent', { type: 'mouseMoved', x, y });
    await this.send('Input.dispatchMouseEvent', { type: 'mousePressed', x, y, button: 'left', buttons: 1, clickCount: 1 });
    await this.send('Input.dispatchMouseEvent', { type: 'mouseReleased', x, y, button: 'left', buttons: 0, clickCount: 1 });
  }

  /**
   * The value of `expression` inside the page's first child frame (an iframe), evaluated in a world of the
   * test's own: it reads what the frame shows even when the frame is sandboxed and the page cannot reach it.
   */
  async evaluateInChildFrame<T>(expression: string): Promise<T> {
    const { frameTree } = (await this.send('Page.getFrameTree')) as { frameTree: { childFrames?: { frame: { id: string } }[] } };
    const child = frameTree.childFrames?.[0];
    // a frame in the tab's process, else the latest frame Chromium moved into a process of its own
    const session = child ? this.sessionId : this.frameSessions.at(-1);
    if (!session) throw new Error('the page has no child frame');
    const frameId = child
      ? child.frame.id
      : ((await this.send('Page.getFrameTree', {}, session)) as { frameTree: { frame: { id: string } } }).frameTree.frame.id;
    const { executionContextId } = await this.send('Page.createIsolatedWorld', { frameId, worldName: 'test' }, session);
    return this.evaluate<T>(expression, executionContextId as number, session);
  }

  async close(): Promise<void> {
    if (!this.exited) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      await this.send('Browser.close', {}, null).catch(() => undefined);
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.profile, { recursive: true, force: true });
  }
}
