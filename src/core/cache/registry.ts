import type { CacheBackend } from './backend.js';
import { couchdbBackend } from './couchdb-cache.js';
import { compactBackend } from './compact-cache.js';
import { fileBackend } from './file-cache.js';
import { geopackageBackend } from './geopackage-cache.js';
import { mbtilesBackend } from './mbtiles-cache.js';
import { sqliteBackend } from './sqlite-level-cache.js';
import { redisBackend } from './redis-cache.js';
import { s3Backend } from './s3-cache.js';
import { azureblobBackend } from './azureblob-cache.js';
import { tieredBackend } from './tiered-cache.js';

/**
 * Every `cache.type` there is: one line per backend. The configuration reader takes a backend's options from
 * here and the runtime opens its stores from here; nothing else knows which backends exist.
 */
const BACKENDS: readonly CacheBackend[] = [
  fileBackend,
  mbtilesBackend,
  sqliteBackend,
  geopackageBackend,
  compactBackend,
  redisBackend,
  couchdbBackend,
  s3Backend,
  azureblobBackend,
  // its tiers are read and opened by the other entries; functions are hoisted, so they can be handed over here
  tieredBackend({ cacheBackend, cacheTypes }),
];

const byType = new Map(BACKENDS.map((b) => [b.type, b]));

export function cacheBackend(type: string): CacheBackend | undefined {
  return byType.get(type);
}

export function cacheTypes(): string[] {
  return [...byType.keys()];
}
