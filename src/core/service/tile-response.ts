import { createHash } from 'node:crypto';
import type { CoreRequest, CoreResponse } from '../http.js';
import { NO_CACHE_HEADERS } from '../http.js';
import { pyFloat } from '../util/py-format.js';
import type { CacheStatus } from '../tiles/tile.js';

/** MapProxy's default `globals.tiles.expires_hours` (72 h). */
export const DEFAULT_MAX_TILE_AGE = 72 * 3600;

/**
 * ETag = md5(str(timestamp) + str(size)) with Python's float formatting, as MapProxy computes it; a tile from a
 * store without times has the timestamp None.
 */
export function tileEtag(timestamp: number | null, size: number): string {
  return createHash('md5').update(`${timestamp === null ? 'None' : pyFloat(timestamp)}${size}`, 'ascii').digest('hex');
}

/** RFC 1123 date of a POSIX timestamp in seconds, e.g. 'Fri, 13 Feb 2009 23:31:30 GMT'. */
export function httpDate(timestamp: number): string {
  return new Date(Math.floor(timestamp) * 1000).toUTCString();
}

/** Seconds of an HTTP date, or null when unparseable (two-digit years are read as 20xx like MapProxy). */
export function parseHttpDate(value: string | undefined): number | null {
  if (!value) return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return null;
  const d = new Date(ms);
  if (d.getUTCFullYear() < 1970) d.setUTCFullYear(d.getUTCFullYear() + 2000);
  return Math.floor(d.getTime() / 1000);
}

export interface TileBody {
  data: Buffer;
  contentType: string;
  /** Seconds (float) of the tile's last modification; null when the store keeps no times. */
  timestamp: number | null;
  /** Bytes as stored; feeds the ETag. Defaults to data.length. */
  size?: number;
  cacheable: boolean;
  /** Sent as X-Cache (hit, miss or stale) so operators and CDNs see what the cache did. */
  cacheStatus?: CacheStatus;
}

/**
 * A tile response with MapProxy's caching headers: ETag, Last-Modified and public max-age for
 * cacheable tiles, the no-cache triple otherwise (when `noCacheWhenUncacheable`, as TMS does;
 * WMTS and KML always send max-age), a 304 answer to matching conditional requests, and X-Cache (ours, not
 * MapProxy's) saying whether the tile came from the cache.
 */
export function tileResponse(
  req: CoreRequest,
  tile: TileBody,
  opts: { maxAge?: number; noCacheWhenUncacheable?: boolean } = {},
): CoreResponse {
  const headers: Record<string, string> = { 'Content-Type': tile.contentType };
  if (tile.cacheStatus) headers['X-Cache'] = tile.cacheStatus;
  let etag: string | null = null;
  let timestamp: number | null = null;
  if (!tile.cacheable && opts.noCacheWhenUncacheable) {
    Object.assign(headers, NO_CACHE_HEADERS);
  } else {
    etag = tileEtag(tile.timestamp, tile.size ?? tile.data.length);
    headers['ETag'] = etag;
    const maxAge = opts.maxAge ?? DEFAULT_MAX_TILE_AGE;
    if (tile.timestamp) {
      timestamp = tile.timestamp;
      headers['Last-Modified'] = httpDate(tile.timestamp);
    }
    headers['Cache-Control'] = `public, max-age=${Math.trunc(maxAge)}, s-maxage=${Math.trunc(maxAge)}`;
  }
  if (isNotModified(req, etag, timestamp)) {
    delete headers['Content-Type'];
    return { status: 304, headers, body: Buffer.alloc(0) };
  }
  return { status: 200, headers, body: tile.data };
}

function isNotModified(req: CoreRequest, etag: string | null, timestamp: number | null): boolean {
  if (etag !== null && req.headers['if-none-match'] === etag) return true;
  if (timestamp === null) return false;
  const since = parseHttpDate(req.headers['if-modified-since']);
  return since !== null && timestamp <= since;
}
