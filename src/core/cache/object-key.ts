import { pyJoin } from '../config/paths.js';
import type { TileCoord } from '../geo/grid.js';
import type { Dimensions } from './cache.js';
import { type DirectoryLayout, levelPath, tilePath } from './paths.js';

/**
 * The object key (S3) or blob name (Azure) of a tile, as MapProxy's s3.py and azureblob.py build it: the file
 * cache's path of the tile below `basePath`, joined the way Python's os.path.join does (nothing normalised,
 * so `tiles//a` stays as written), without leading slashes. A bucket MapProxy filled is read as it is.
 */
export function objectKey(layout: DirectoryLayout, basePath: string, coord: TileCoord, ext: string, dims?: Dimensions): string {
  return stripLeadingSlashes(pyJoin(basePath, tilePath(layout, '', coord, ext, dims)));
}

/**
 * The key prefix every tile of a level starts with (`<base>/2/` for tms), for removing a level by listing it;
 * null for layouts without a level directory (reverse_tms, quadkey).
 */
export function levelKeyPrefix(layout: DirectoryLayout, basePath: string, level: number): string | null {
  const dir = levelPath(layout, '', level);
  return dir === null ? null : stripLeadingSlashes(pyJoin(basePath, dir)) + '/';
}

/** Python's str.lstrip('/'). */
function stripLeadingSlashes(key: string): string {
  return key.replace(/^\/+/, '');
}
