export { loadConfig, type LoadConfigOptions } from './load-config.js';
export { ConfigError } from './errors.js';
export { resolveImageOptions, formatExt } from './image-options.js';
export { splitTaggedName } from './references.js';
export { UNSUPPORTED } from './unsupported.js';
export { DEFAULTS } from './defaults.js';
export { parseColor } from './color.js';
export type * from './types.js';
export type { ServerConfig } from './server.js';
