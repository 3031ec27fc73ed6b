import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { dirname, join } from 'node:path';
import { makeDirectories } from '../cache/make-directories.js';
import { pyFloat } from '../util/py-format.js';

/**
 * The name of a combined legend in the cache (MapProxy's legend_identifier): every client's URL,
 * each followed by the layer asked of it when there is one, concatenated.
 */
export function legendIdentifier(parts: readonly (readonly [url: string, layer: string | null])[]): string {
  return parts.map(([url, layer]) => url + (layer ?? '')).join('');
}

/** MapProxy's legend_hash: md5 of the identifier and Python's str() of the scale ('None' without one). */
export function legendHash(identifier: string, scale: number | undefined): string {
  return createHash('md5')
    .update(identifier, 'utf8')
    .update(scale === undefined ? 'None' : pyFloat(scale), 'ascii')
    .digest('hex');
}

export interface LegendCacheOptions {
  /** `<globals.cache.base_dir>/legends`, as MapProxy places it. */
  readonly dir: string;
  /** Octal strings (`globals.cache.directory_permissions` / `file_permissions`), as MapProxy 7 applies them. */
  readonly directoryPermissions?: string;
  readonly filePermissions?: string;
}

/**
 * Legends on disk as MapProxy's LegendCache keeps them: `<dir>/<md5>.png`, one file per legend
 * source and scale, written to a temporary name and renamed (a reader sees the old file or the new
 * one). The two implementations share these files.
 */
export class LegendCache {
  constructor(readonly options: LegendCacheOptions) {}

  location(identifier: string, scale: number | undefined): string {
    return join(this.options.dir, `${legendHash(identifier, scale)}.png`);
  }

  /** The stored PNG, or null when there is none (or it cannot be read: it is fetched again). */
  async load(identifier: string, scale: number | undefined): Promise<Buffer | null> {
    try {
      return await fs.promises.readFile(this.location(identifier, scale));
    } catch {
      return null;
    }
  }

  async store(identifier: string, scale: number | undefined, png: Buffer): Promise<void> {
    const location = this.location(identifier, scale);
    const created = await makeDirectories(dirname(location));
    const { directoryPermissions, filePermissions } = this.options;
    if (created && directoryPermissions) await fs.promises.chmod(dirname(location), Number.parseInt(directoryPermissions, 8));
    const isNew = !fs.existsSync(location);
    const tmp = `${location}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await fs.promises.writeFile(tmp, png);
      await fs.promises.rename(tmp, location);
    } catch (err) {
      await fs.promises.rm(tmp, { force: true });
      throw err;
    }
    if (isNew && filePermissions) await fs.promises.chmod(location, Number.parseInt(filePermissions, 8));
  }
}
