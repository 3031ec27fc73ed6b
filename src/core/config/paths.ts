import { isAbsolute, resolve } from 'node:path';

/**
 * Joins like Python's `os.path.join(base, path)`: an absolute `path` wins, nothing is normalised.
 * MapProxy derives lock-file names from the md5 of such joined directory strings, so we keep its exact form
 * (e.g. `/etc/mapproxy/./cache_data/osm_EPSG3857`) to stay compatible with its tile locks.
 */
export function pyJoin(base: string, ...parts: string[]): string {
  let out = base;
  for (const p of parts) {
    if (isAbsolute(p)) out = p;
    else if (out === '' || out.endsWith('/')) out = out + p;
    else out = out + '/' + p;
  }
  return out;
}

/** Python's `os.path.abspath(os.path.join(base, path))`: normalised absolute path. */
export function absPath(base: string, path: string): string {
  return resolve(base, path);
}
