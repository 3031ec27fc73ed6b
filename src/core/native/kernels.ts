import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The native pixel kernels (src/core/native/kernels/*.c, built by node-gyp at install into
 * build/Release/pixel_kernels.node). There is no JavaScript fallback: a missing build is an install error,
 * reported here with what to do, not a silent slowdown.
 *
 * This is the raw addon; the image layer calls it through typed wrappers that check sizes before crossing
 * (the C side checks them again: it trusts no size it did not compute).
 */
export interface PixelKernels {
  hasTransparency(rgba: Uint8Array): boolean;
  singleColor(rgba: Uint8Array): boolean;
}

const ADDON = 'pixel_kernels.node';

/** The addon's path: $MAPPROXY_TS_KERNELS, else build/Release of the nearest enclosing checkout or package. */
export function kernelsPath(): string {
  const forced = process.env.MAPPROXY_TS_KERNELS;
  if (forced) return forced;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'build', 'Release', ADDON);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(
    `the native pixel kernels (${ADDON}) are not built: run \`npm run build:kernels\` (needs g++, make and python3)`,
  );
}

function load(): PixelKernels {
  const path = kernelsPath();
  try {
    return createRequire(import.meta.url)(path) as PixelKernels;
  } catch (err) {
    throw new Error(`could not load the native pixel kernels from ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Loaded once per process, on first import of the image layer. */
export const kernels: PixelKernels = load();

/** For the startup log and /metrics: which implementation draws pixels. */
export const KERNELS_IMPLEMENTATION = 'native';
