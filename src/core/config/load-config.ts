import { checkDimensionCaches } from './dimension-caches.js';
import { dirname, resolve } from 'node:path';
import { readCaches } from './caches.js';
import { MapReader, ReadContext } from './config-reader.js';
import { readGlobals } from './globals.js';
import { readGrids } from './grids.js';
import { readLayers } from './layers.js';
import { readConfigFiles } from './read-config-files.js';
import { checkReferences } from './references.js';
import { readServices } from './services.js';
import { readServer } from './server.js';
import { readSources } from './sources.js';
import type { LoadedConfig, ProxyConfig } from './types.js';

export type { LoadedConfig } from './types.js';
export { ConfigError } from './errors.js';

export interface LoadConfigOptions {
  /** Environment for `$VAR` expansion and the `mapserv` PATH search; default `process.env`. */
  env?: Record<string, string | undefined>;
}

/**
 * Loads a MapProxy `mapproxy.yaml` with its `base:` files into validated, typed configuration.
 * Throws ConfigError (file, key path, what was expected) on invalid or not yet supported configuration;
 * unknown keys and other non-fatal findings are returned as warnings.
 */
export function loadConfig(file: string, opts: LoadConfigOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const configFile = resolve(file);
  const configDir = dirname(configFile);
  const unset = new Set<string>();
  const { data, files } = readConfigFiles(configFile, { env, onUnsetVariable: (n) => unset.add(n) });
  const label = files.length > 1
    ? `${configFile} (with base ${files.slice(1).map((f) => f.path).join(', ')})`
    : configFile;
  const ctx = new ReadContext(label, configDir);
  for (const name of unset) ctx.warn('', `environment variable $${name} is not set; left as is`);

  const top = new MapReader(ctx, '', data);
  top.accept('parts'); // a parking place for YAML anchors, ignored by MapProxy
  const globals = readGlobals(ctx, top.get('globals'));
  const grids = readGrids(ctx, top.get('grids'), globals);
  const caches = readCaches(ctx, top.get('caches'), globals, grids);
  const sources = readSources(ctx, top.get('sources'), { globals, env });
  const { root, named } = readLayers(ctx, top.get('layers'));
  const services = readServices(ctx, top.get('services'));
  const server = readServer(ctx, top.get('server'));
  top.finish();

  const config: ProxyConfig = { globals, grids, sources, caches, rootLayer: root, namedLayers: named, services };
  if (server) config.server = server;
  checkReferences(ctx, config);
  checkDimensionCaches(ctx, config);
  return { config, files, warnings: ctx.warnings, configDir, configFile };
}
