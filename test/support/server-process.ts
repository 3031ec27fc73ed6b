// A test server run as a child process: started, its port read from what it prints, stopped and started again
// on the same port and data directory. One place for the start-up timeout and the SIGTERM-then-SIGKILL stop the
// starters of s3rver and azurite share.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

export interface ServerProcess {
  readonly process: ChildProcess;
  readonly port: number;
}

/**
 * Runs `node <script> <args>` and resolves with the port once `listening` (a pattern whose first group is the
 * port) matches its output; rejects when it exits first or prints nothing matching within `timeoutMs`.
 */
export async function spawnServer(script: string, args: readonly string[], listening: RegExp, opts: { cwd?: string; timeoutMs?: number; name: string }): Promise<ServerProcess> {
  const proc = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd });
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${opts.name} did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (b: Buffer) => {
      output += b.toString();
      const m = listening.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${opts.name} exited with ${code} before listening:\n${output}`));
    });
  });
  return { process: proc, port };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export async function stopServer(proc: ChildProcess | null, graceMs = 5000): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill('SIGTERM');
  const killTimer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(killTimer);
}

/** A server that a test stops (a store that goes away) and starts again, with the same port and data. */
export interface RestartableServer {
  readonly port: number;
  stop(): Promise<void>;
  /** Starts the server again on the same port and directory, after stop(). */
  start(): Promise<void>;
  /** Stops the server and removes its data directory. */
  remove(): Promise<void>;
}

/** Starts a server with `launch(port)` (port 0 the first time: any free one) and keeps it restartable. */
export async function restartableServer(directory: string, launch: (port: number) => Promise<ServerProcess>): Promise<RestartableServer> {
  let child: ChildProcess | null = null;
  let port = 0;
  const start = async (): Promise<void> => {
    const started = await launch(port);
    child = started.process;
    port = started.port;
  };
  const stop = async (): Promise<void> => {
    await stopServer(child);
    child = null;
  };
  await start();
  return {
    get port() { return port; },
    stop,
    start,
    async remove() {
      await stop();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
