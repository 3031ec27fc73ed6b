import { createRequire } from 'node:module';
import { kernelsInfo } from '../core/native/kernels.js';

/** What was built and runs here: the labels of mapproxy_build_info, and the start-up line. */
export interface BuildInfo {
  version: string;
  node: string;
  /** Version of the uWebSockets.js package (its native build follows the Node ABI); 'none' if not installed. */
  uws: string;
  /** The pixel kernels: implementation and the SIMD variant this CPU runs, e.g. 'native/avx2'. */
  kernels: string;
}

export function buildInfo(): BuildInfo {
  const require = createRequire(import.meta.url);
  const version = (require('../../package.json') as { version: string }).version;
  let uws = 'none';
  try {
    uws = (require('@trufflesuite/uws-js-unofficial/package.json') as { version: string }).version;
  } catch {
    // not installed (unix-socket-only deployments may do without)
  }
  const k = kernelsInfo();
  return { version, node: process.version, uws, kernels: `${k.implementation}/${k.simd}` };
}
