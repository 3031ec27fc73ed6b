import { createRequire } from 'node:module';
import type * as UWS from '@trufflesuite/uws-js-unofficial';

export type Uws = typeof UWS;

const PACKAGE = '@trufflesuite/uws-js-unofficial';

export class UwsNotNativeError extends Error {
  override readonly name = 'UwsNotNativeError';
}

/**
 * Loads uWebSockets.js and insists on its native binary. The package is CommonJS and, when its `.node` file does
 * not load (wrong Node ABI, too old a glibc) or UWS_USE_FALLBACK is set, it quietly returns a slow pure-JS
 * imitation instead; serving on that would look fine and perform badly, so we refuse to start.
 */
export function loadNativeUws(): Uws {
  const require = createRequire(import.meta.url);
  const uws = require(PACKAGE) as Uws;
  const native = Object.keys(require.cache).some((id) => id.includes('uws-js-unofficial') && id.endsWith('.node'));
  if (!native) {
    throw new UwsNotNativeError(
      `the native uWebSockets.js binary (${PACKAGE}) did not load for Node ${process.versions.node} ` +
        `(ABI ${process.versions.modules}, ${process.platform}-${process.arch})` +
        (process.env.UWS_USE_FALLBACK ? ' because UWS_USE_FALLBACK is set' : '') +
        '; refusing to serve on its slow JavaScript fallback. Run Node 20 on Linux (x64 or arm64) with glibc >= 2.27',
    );
  }
  return uws;
}
