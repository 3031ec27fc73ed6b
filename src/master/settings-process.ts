import { fork } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DaemonSettings, ServeCliOptions, ServeMode } from '../cli/daemon-settings.js';

/** What the master asks the checking process, and what it answers. */
export interface SettingsRequest { mode: ServeMode; target: string; cli: ServeCliOptions }
export type SettingsAnswer = { settings: DaemonSettings } | { error: string };

const PROGRAM = fileURLToPath(new URL(`./settings-check${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/**
 * resolveSettings (read and validate the whole configuration) in a short-lived process of its own. The master
 * supervises for as long as the daemon runs and reads the configuration only at start and on SIGHUP: loading the
 * configuration reader there (YAML, every cache backend's and source's option reader, the grids) would keep some
 * 17 MB resident in it for nothing. Rejects with the very message resolveSettings threw.
 */
export function resolveSettingsApart(mode: ServeMode, target: string, cli: ServeCliOptions): Promise<DaemonSettings> {
  return new Promise((resolve, reject) => {
    const child = fork(PROGRAM, [], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let answer: SettingsAnswer | undefined;
    child.once('message', (msg) => (answer = msg as SettingsAnswer));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (answer && 'settings' in answer) resolve(answer.settings);
      else if (answer) reject(new Error(answer.error));
      else reject(new Error(`the configuration check ended without an answer (${signal ? `killed by ${signal}` : `exit code ${code}`})`));
    });
    child.send({ mode, target, cli } satisfies SettingsRequest);
  });
}
