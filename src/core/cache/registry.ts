import type { CacheBackend } from './backend.js';
import { fileBackend } from './file-cache.js';

/**
 * Every `cache.type` there is: one line per backend. The configuration reader takes a backend's options from
 * here and the runtime opens its stores from here; nothing else knows which backends exist.
 */
const BACKENDS: readonly CacheBackend[] = [
  fileBackend,
];

const byType = new Map(BACKENDS.map((b) => [b.type, b]));

export function cacheBackend(type: string): CacheBackend | undefined {
  return byType.get(type);
}

export function cacheTypes(): string[] {
  return [...byType.keys()];
}
