import { readdir, stat } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { APP_NAME } from './app-path.js';

const SUFFIX = '.yaml';

/** MapProxy's DirectoryConfLoader: the app `<name>` is the configuration `<dir>/<name>.yaml`. */
export class AppDirectory {
  constructor(readonly dir: string) {}

  /** The configuration file of an app name, or null for names that cannot be apps (no path traversal). */
  configFile(name: string): string | null {
    return APP_NAME.test(name) ? join(this.dir, name + SUFFIX) : null;
  }

  /** Whether `name` is a valid name with a configuration file. Synchronous so no request can slip in between. */
  has(name: string): boolean {
    const file = this.configFile(name);
    if (!file) return false;
    try {
      return statSync(file).isFile();
    } catch {
      return false;
    }
  }

  /** Names of all available apps, sorted. */
  async list(): Promise<string[]> {
    const entries = await readdir(this.dir);
    const names: string[] = [];
    for (const entry of entries) {
      if (!entry.endsWith(SUFFIX)) continue;
      const name = entry.slice(0, -SUFFIX.length);
      if (!APP_NAME.test(name)) continue;
      try {
        if ((await stat(join(this.dir, entry))).isFile()) names.push(name);
      } catch {
        // vanished while listing
      }
    }
    return names.sort();
  }
}
