// The configuration and helpers shared by the multi-process lock tests.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One WMS source (layer 'ok' of the fake upstream) behind a 2×2 meta tile cache; shared tile and semaphore lock dirs. */
export function lockTestConfig(upstreamUrl: string, dir: string): string {
  return `
services:
  tms:
    use_grid_names: true
layers:
  - name: l
    title: l
    sources: [c]
caches:
  c:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [s]
    meta_size: [2, 2]
    meta_buffer: 0
    cache_dir: ${JSON.stringify(join(dir, 'cache'))}
sources:
  s:
    type: wms
    req:
      url: ${upstreamUrl}
      layers: ok
globals:
  cache:
    tile_lock_dir: ${JSON.stringify(join(dir, 'shared_locks'))}
    lock_dir: ${JSON.stringify(join(dir, 'sem_locks'))}
  http:
    client_timeout: 20
`;
}

/** Every tile file of the cache (not lock files), recursively. */
export function tileFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .map((e) => join(dir, e))
    .filter((p) => statSync(p).isFile() && !p.endsWith('.lck'));
}

