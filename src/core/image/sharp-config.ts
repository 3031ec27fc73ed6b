import sharp from 'sharp';

export interface SharpSettings {
  /** libvips threads per operation (default 1: every worker process is already one of N). */
  concurrency?: number;
  /** libvips operation cache size in MB (default 16; 0 disables it). */
  cacheMemoryMB?: number;
}

/** Keep libvips small per worker; call once at worker start, not at import time. */
export function configureSharp(settings: SharpSettings = {}): void {
  sharp.concurrency(settings.concurrency ?? 1);
  const memory = settings.cacheMemoryMB ?? 16;
  if (memory <= 0) sharp.cache(false);
  else sharp.cache({ memory, files: 0, items: 64 });
}
