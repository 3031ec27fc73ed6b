import { createRequire } from 'node:module';

type Undici = typeof import('undici');

let loaded: Undici | undefined;

/**
 * undici, required on first use: it is some 400 modules and 19 MB of memory, which a configuration without
 * HTTP sources or HTTP caches (and the daemon's master, which reads configurations) never needs. Synchronous,
 * so that clients and pools are still made where they were.
 */
export function undici(): Undici {
  loaded ??= createRequire(import.meta.url)('undici') as Undici;
  return loaded;
}
