import { pathToFileURL } from 'node:url';
import type { AuthorizeFn } from './authorize.js';
import type { DecorateImgFn } from './decorate-img.js';
import type { RequestHooks } from './request-hooks.js';
import { readAccessRules } from './rules/access-rules.js';
import { jwtVerifiers, rulesAuthorize } from './rules/rules-authorize.js';

/** A `server.hooks` module that cannot serve: missing, failing to load, or exporting no hook. */
export class HooksModuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HooksModuleError';
  }
}

/**
 * Loads the `server.hooks` module: named exports `authorize` and/or `decorateImg` (or a default export object
 * with them). Each worker imports it itself, so a hook may keep per-process state (a key cache, a JWKS client).
 * A module exporting neither, or a non-function under either name, is refused at start rather than served open.
 */
export async function loadHooksModule(path: string, opts: { env?: Record<string, string | undefined> } = {}): Promise<RequestHooks> {
  // an access rules file (our declarative extension) instead of code
  if (/\.ya?ml$/i.test(path)) {
    try {
      const rules = readAccessRules(path, opts.env ?? process.env);
      return { authorize: rulesAuthorize(rules, await jwtVerifiers(rules)) };
    } catch (err) {
      throw new HooksModuleError(`server.hooks: ${(err as Error).message}`);
    }
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    throw new HooksModuleError(`server.hooks: cannot load ${path}: ${(err as Error).message}`);
  }
  const source = mod.authorize !== undefined || mod.decorateImg !== undefined ? mod : ((mod.default ?? {}) as Record<string, unknown>);
  const hooks: RequestHooks = {};
  for (const name of ['authorize', 'decorateImg'] as const) {
    const fn = source[name];
    if (fn === undefined) continue;
    if (typeof fn !== 'function') throw new HooksModuleError(`server.hooks: ${path} exports ${name} that is not a function`);
    if (name === 'authorize') hooks.authorize = fn as AuthorizeFn;
    else hooks.decorateImg = fn as DecorateImgFn;
  }
  if (!hooks.authorize && !hooks.decorateImg) throw new HooksModuleError(`server.hooks: ${path} exports neither authorize nor decorateImg`);
  return hooks;
}
