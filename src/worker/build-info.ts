import { createRequire } from 'node:module';
import type { Gauge, Registry } from 'prom-client';
import { kernelsInfo } from '../core/native/kernels.js';
import { describeUws } from './adapters/uws-native.js';

/** What was built and runs here: the labels of mapproxy_build_info, and the start-up line. */
export interface BuildInfo {
  version: string;
  node: string;
  /** The uWebSockets.js build chosen for this host, `package@version` (see uws-builds.ts); 'none' if none can load. */
  uws: string;
  /** The pixel kernels: implementation and the SIMD variant this CPU runs, e.g. 'native/avx2'. */
  kernels: string;
}

/** `uws` given: the build a worker reported (the master does not choose one itself: it asks no glibc, loads none). */
export function buildInfo(uws: string = describeUws()): BuildInfo {
  const require = createRequire(import.meta.url);
  const version = (require('../../package.json') as { version: string }).version;
  // uws: 'none' for unix-socket-only deployments that installed no build
  const k = kernelsInfo();
  return { version, node: process.version, uws, kernels: `${k.implementation}/${k.simd}` };
}

/**
 * `mapproxy_build_info` in these registries (value 1, the build as labels). prom-client's Gauge is handed in, so
 * that importing this file (for the start-up line) does not load prom-client in a master nobody scrapes yet.
 */
export function registerBuildInfo(GaugeClass: typeof Gauge, registers: Registry[], build: BuildInfo = buildInfo()): void {
  new GaugeClass({
    name: 'mapproxy_build_info',
    help: 'The running build: mapproxy-ts version, Node.js version, uWebSockets.js build and pixel kernels (value 1).',
    labelNames: ['version', 'node', 'uws', 'kernels'],
    aggregator: 'max',
    registers,
  }).set({ ...build }, 1);
}
