import { statSync } from 'node:fs';
import type { RefreshBeforeConfig } from '../config/types.js';
import { ConfigError } from '../config/errors.js';

/** `refresh_before` / `remove_before` as a timestamp (seconds), taken once at the start of a run as MapProxy does. */
export function beforeTimestamp(conf: RefreshBeforeConfig, now: number, keyPath: string): number {
  switch (conf.type) {
    case 'time':
      return conf.timestamp;
    case 'age':
      return now - conf.seconds;
    case 'mtime':
      try {
        return statSync(conf.file).mtimeMs / 1000;
      } catch (err) {
        throw new ConfigError(`can't read the modification time of ${conf.file}: ${(err as Error).message}`, undefined, keyPath);
      }
  }
}
