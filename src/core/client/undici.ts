import { createRequire } from 'node:module';

type Undici = typeof import('undici');

/** The part of undici the HTTP client uses: its connection pools, their errors and the redirect interceptor. */
export type UndiciParts = Pick<Undici, 'Agent' | 'Pool' | 'Client' | 'errors'> & {
  readonly interceptors: Pick<Undici['interceptors'], 'redirect'>;
};

let loaded: UndiciParts | undefined;

/**
 * undici, required on first use: a configuration without HTTP sources or HTTP caches (and the daemon's master,
 * which reads configurations) never needs it. Synchronous, so that clients and pools are still made where they
 * were. The first upstream request of a worker waits for this load, which is why it takes only the parts used.
 */
export function undici(): UndiciParts {
  loaded ??= loadParts();
  return loaded;
}

/**
 * undici's index loads all it has (fetch, WebSocket, caches, mocks, proxies: some 400 modules, 160 ms of CPU and
 * 19 MB); the dispatchers alone are 33 modules, 70 ms and 11 MB. undici has no exports map, so its files can be
 * required one by one. The index also mixes the request API into Dispatcher.prototype: done here the same way.
 * Should a later undici move these files, the index is loaded instead.
 */
function loadParts(): UndiciParts {
  const require = createRequire(import.meta.url);
  try {
    const Dispatcher = require('undici/lib/dispatcher/dispatcher') as { prototype: object };
    Object.assign(Dispatcher.prototype, require('undici/lib/api') as object);
    return {
      Agent: require('undici/lib/dispatcher/agent') as Undici['Agent'],
      Pool: require('undici/lib/dispatcher/pool') as Undici['Pool'],
      Client: require('undici/lib/dispatcher/client') as Undici['Client'],
      errors: require('undici/lib/core/errors') as Undici['errors'],
      interceptors: { redirect: require('undici/lib/interceptor/redirect') as Undici['interceptors']['redirect'] },
    };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    return require('undici') as Undici;
  }
}
