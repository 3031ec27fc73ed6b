import sharp from 'sharp';

export interface SharpSettings {
  /** libvips threads per operation (default 1: every worker process is already one of N). */
  concurrency?: number;
  /** libvips operation cache size in MB (default 0: off — a tile server rarely repeats an operation on the same input). */
  cacheMemoryMB?: number;
}

/** Keep libvips small per worker; call once at worker start, not at import time. */
export function configureSharp(settings: SharpSettings = {}): void {
  sharp.concurrency(settings.concurrency ?? 1);
  const memory = settings.cacheMemoryMB ?? 0;
  if (memory <= 0) sharp.cache(false);
  else sharp.cache({ memory, files: 0, items: 64 });
}
