import { mkdir, unlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import type { LoadedConfig } from '../../core/config/types.js';
import type { Runtime } from '../../core/runtime/runtime.js';

/** One thing /readyz looked at: its name, whether it is fine, and why not. */
export interface CheckResult {
  check: string;
  ok: boolean;
  error?: string;
}

/** How long one check may take; an upstream that needs longer to accept a connection counts as unreachable. */
export const CHECK_TIMEOUT_MS = 2_000;

/**
 * A cache directory is writable when a file can be created in it (and removed): access(W_OK) says yes on a
 * full disk, and a read-only bind mount is what operators get wrong most. The directory is created if missing,
 * as the cache itself would on its first store.
 */
export async function directoryWritable(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const probe = join(dir, `.mapproxy-readyz-${process.pid}`);
  await writeFile(probe, 'ready\n');
  await unlink(probe);
}

/** Every directory a storing cache writes to (tiles, tile locks), named after the caches using it. */
export function cacheDirectories(config: LoadedConfig): Map<string, string[]> {
  const dirs = new Map<string, string[]>();
  for (const cache of Object.values(config.config.caches)) {
    if (cache.backend.type === 'disabled') continue;
    for (const dir of new Set([cache.cacheDir, cache.tileLockDir])) {
      const users = dirs.get(dir) ?? [];
      if (!users.includes(cache.name)) users.push(cache.name);
      dirs.set(dir, users);
    }
  }
  return dirs;
}

/** Upstream servers (host and port) of HTTP sources, with the sources using them. */
export function upstreamServers(config: LoadedConfig): Map<string, { host: string; port: number; sources: string[] }> {
  const servers = new Map<string, { host: string; port: number; sources: string[] }>();
  for (const source of Object.values(config.config.sources)) {
    const url = source.type === 'wms' ? source.req.url : source.type === 'tile' ? source.url : undefined;
    if (!url) continue;
    let parsed: URL;
    try {
      // tile URL templates carry %(x)s placeholders, in the path only for every template MapProxy accepts
      parsed = new URL(url.replace(/%\(\w+\)s/g, '0'));
    } catch {
      continue; // the configuration reader let it through; a request to it fails and is logged there
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') continue;
    const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    const key = `${host}:${port}`;
    const entry = servers.get(key) ?? { host, port, sources: [] };
    entry.sources.push(source.name);
    servers.set(key, entry);
  }
  return servers;
}

/**
 * Reachable: it accepts a TCP connection within the timeout. Not an HTTP request, so probes never count as traffic
 * upstream nor need the source's credentials; a server that accepts and then answers errors shows in the logs
 * and in mapproxy_upstream_errors_total instead.
 */
export function tcpReachable(host: string, port: number, timeoutMs = CHECK_TIMEOUT_MS): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no connection within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Every cache's store answers a read of one tile's timestamp (a stat, a query, a GET) within the timeout. */
export async function storeChecks(config: LoadedConfig, runtime: Runtime): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  await Promise.all(
    Object.values(config.config.caches).map(async (cache) => {
      if (cache.backend.type === 'disabled') return;
      let managers;
      try {
        managers = runtime.caches.get(cache.name).managers;
      } catch (err) {
        results.push({ check: `cache ${cache.name}: store`, ok: false, error: describe(err) });
        return;
      }
      await Promise.all(
        managers.map(async (m) => {
          const check = `cache ${cache.name} (${m.grid.name}): store answers`;
          try {
            await withTimeout(m.cache.timestamp([0, 0, 0]), CHECK_TIMEOUT_MS);
            results.push({ check, ok: true });
          } catch (err) {
            results.push({ check, ok: false, error: describe(err) });
          }
        }),
      );
    }),
  );
  return results;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e instanceof Error ? (e.code && !e.message.includes(e.code) ? `${e.message} (${e.code})` : e.message) : String(err);
}
