import type { ReadContext } from './config-reader.js';
import type { ConfigError } from './errors.js';

/**
 * Every MapProxy feature that a configuration may ask for but that we do not implement yet, in one place.
 * Supporting a feature means deleting its entry here (and writing the code that reads it).
 * Values are the human-readable feature names used in the error messages.
 */
export const UNSUPPORTED = {
  /** `services.<name>` */
  services: new Map<string, string>([]),
  /** `sources.<name>.type` */
  sourceTypes: new Map<string, string>([
    ['mapnik', 'Mapnik source'],
  ]),
  /** Keys of `caches.<name>` */
  cacheOptions: new Map<string, string>([]),
  /** Keys of a layer in `layers` */
  layerOptions: new Map<string, string>([]),
  /** Dotted keys under `globals` */
  globalOptions: new Map<string, string>([['renderd.address', 'renderd tile creation (globals.renderd)']]),
  /** Other features, detected by the code that reads them */
  features: {
    bandMerge: 'band merging (cache sources as an r/g/b/a/l mapping)',
    ogrWhere: 'OGR datasources with where',
    ogrDatasource: 'OGR datasources (only WKT and GeoJSON files are read)',
    expireTiles: 'expire_tiles coverages',
  },
} as const;

/** The error for an unsupported feature: the message always contains "not supported" and names the feature. */
export function notSupported(ctx: ReadContext, keyPath: string, feature: string): ConfigError {
  return ctx.error(keyPath, `${feature} is not supported yet`);
}
