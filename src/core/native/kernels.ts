import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The native pixel kernels (src/core/native/kernels/*.c, built by node-gyp at install into
 * build/Release/pixel_kernels.node). There is no JavaScript fallback: a missing build is an install error,
 * reported here with what to do, not a silent slowdown.
 *
 * This is the raw addon. The image layer calls it through the typed wrappers beside this file (one per kernel
 * file: pixels.ts, png.ts, …) that check sizes before crossing; the C side checks them again (it trusts no
 * size it did not compute).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type NativeFunction = (...args: any[]) => any;

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

function load(): Record<string, NativeFunction> {
  const path = kernelsPath();
  try {
    return createRequire(import.meta.url)(path) as Record<string, NativeFunction>;
  } catch (err) {
    throw new Error(`could not load the native pixel kernels from ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Loaded once per process, on first import of the image layer. */
const addon = load();

/** One function of the addon, typed by its wrapper; a build without it is an error at load, not at first use. */
export function kernel<F extends NativeFunction>(name: string): F {
  const f = addon[name];
  if (typeof f !== 'function') throw new Error(`the native pixel kernels lack ${name}(): rebuild them (npm run build:kernels)`);
  return f as F;
}

/** For the startup log and /metrics: which implementation draws pixels, and which SIMD variant this CPU runs. */
export function kernelsInfo(): { implementation: 'native'; simd: string } {
  const { simd } = kernel<() => { simd: string }>('kernelsInfo')();
  return { implementation: 'native', simd };
}
