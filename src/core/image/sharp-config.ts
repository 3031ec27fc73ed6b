import type sharpModule from 'sharp';

type Sharp = typeof sharpModule;

export interface SharpSettings {
  /** libvips threads per operation (default 1: every worker process is already one of N). */
  concurrency?: number;
  /** libvips operation cache size in MB (default 0: off — a tile server rarely repeats an operation on the same input). */
  cacheMemoryMB?: number;
}

let settings: SharpSettings = {};
let loading: Promise<Sharp> | undefined;
let loaded: Sharp | undefined;

function apply(sharp: Sharp): void {
  sharp.concurrency(settings.concurrency ?? 1);
  const memory = settings.cacheMemoryMB ?? 0;
  if (memory <= 0) sharp.cache(false);
  else sharp.cache({ memory, files: 0, items: 64 });
}

/**
 * Keep libvips small per worker; call once at worker start, not at import time. libvips itself is loaded on first
 * use (loadSharp), so the settings are applied then: PNG tiles never need it, and it costs some 18 MB per process.
 */
export function configureSharp(next: SharpSettings = {}): void {
  settings = next;
  if (loaded) apply(loaded);
}

/** Whether libvips (and with it fontconfig's configuration, see font-dir.ts) is loaded in this process. */
export function sharpLoaded(): boolean {
  return loading !== undefined;
}

/** sharp (libvips), loaded and configured on the first call; every codec call site goes through this. */
export function loadSharp(): Promise<Sharp> {
  loading ??= import('sharp').then((m) => {
    loaded = m.default;
    apply(loaded);
    return loaded;
  });
  return loading;
}
