import type { Dimensions } from '../cache/cache.js';
import type { DimensionConfig } from '../config/layer-dimensions.js';

/** One dimension a layer declares. */
export interface LayerDimension {
  /** The name as configured ('tiME'): what capabilities show where no other spelling applies. */
  readonly identifier: string;
  /** Lower-case name: the key in requests, cache directories and the query sent to sources. */
  readonly key: string;
  readonly values: readonly string[];
  readonly default: string;
}

/** A request names a value the layer does not declare for one of its dimensions. */
export class DimensionValueError extends Error {
  override readonly name = 'DimensionValueError';
  constructor(
    readonly dimension: string,
    readonly value: string,
  ) {
    // MapProxy's TileLayer.checked_dimensions message
    super(`invalid dimension value (${dimension}=${value}).`);
  }
}

/**
 * The dimensions a layer declares (TIME, ELEVATION, others), and the one rule for turning what a request asks
 * into the values that select tiles and go upstream: MapProxy's `checked_dimensions`. Every declared dimension
 * gets a value: the requested one when the layer lists it, the default when the request names none or
 * 'default'; anything else is refused, so an undeclared value never reaches a cache or a source.
 */
export class LayerDimensions {
  readonly list: readonly LayerDimension[];

  constructor(configs: readonly DimensionConfig[]) {
    this.list = configs.map((c) => ({ identifier: c.name, key: c.name.toLowerCase(), values: c.values, default: c.default }));
  }

  get size(): number {
    return this.list.length;
  }

  has(key: string): boolean {
    return this.list.some((d) => d.key === key.toLowerCase());
  }

  /**
   * The value of every declared dimension, keyed by lower-case name. `requested(key)` gives what the request
   * says for a dimension (undefined when nothing). Throws DimensionValueError for a value not declared.
   */
  resolve(requested: (key: string) => string | undefined): Dimensions {
    const out: Record<string, string> = {};
    for (const d of this.list) {
      const value = requested(d.key);
      if (value !== undefined && d.values.includes(value)) out[d.key] = value;
      else if (value === undefined || value === '' || value === 'default') out[d.key] = d.default;
      else throw new DimensionValueError(d.key, value);
    }
    return out;
  }
}
