import type { DenialReason } from './auth/denial-reason.js';

/**
 * What the core reports about its work. The worker passes in an implementation backed by
 * prom-client; the core itself keeps no registry (no global mutable state), and embedders that
 * do not care get NO_METRICS.
 */
export interface CoreMetrics {
  /** One tile looked up in a cache; `hit` false means it was missing or stale. */
  cacheLookup(cache: string, hit: boolean): void;
  /** Tiles created from the sources (and stored when cacheable). */
  tilesCreated(cache: string, count: number): void;
  /** Time spent waiting for another request's creation of the same meta tile. */
  lockWait(cache: string, seconds: number): void;
  /** A tile or tile lock file of a cache could not be written (`code`: the errno, e.g. ENOSPC, EROFS). */
  cacheWriteError(cache: string, code: string): void;
  /** One finished upstream request of a source (HTTP or CGI). */
  upstreamRequest(source: string, seconds: number, status: number | undefined, error: boolean): void;
  /** A request refused by authorization: 401 or 403 and why (a fixed set of reasons, never a credential). */
  accessDenied(reason: DenialReason, status: 401 | 403): void;
}

export const NO_METRICS: CoreMetrics = {
  cacheLookup() {},
  tilesCreated() {},
  lockWait() {},
  cacheWriteError() {},
  upstreamRequest() {},
  accessDenied() {},
};
