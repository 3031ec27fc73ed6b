import type { MapReader } from './config-reader.js';
import { expandDateTimeRange } from './datetime-range.js';
import { describeValue } from './errors.js';
import { Iso8601Error } from './iso8601-datetime.js';

/** One entry of a layer's `dimensions:`, with its values expanded as MapProxy expands them. */
export interface DimensionConfig {
  /** The name as configured ('tiME', 'Elevation', 'dim_reference_time'): capabilities show it in this spelling. */
  readonly name: string;
  /** The values a request may ask for, in order; interval notation already expanded. */
  readonly values: readonly string[];
  /** The value used when a request does not name one (or names 'default'); need not be one of `values`. */
  readonly default: string;
}

const scalar = (v: unknown): v is string | number => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));

/**
 * Reads `layers[].dimensions` as MapProxy's `LayerConfiguration.dimensions()`:
 * - several values are taken as they are (numbers as text);
 * - a single value of a dimension whose name contains 'time' is an ISO 8601 time or interval and is expanded
 *   (`2020-09-22T11:20:00Z/2020-09-22T14:20:00Z/PT2H`); any other single value is split at '/';
 * - `default` is the configured one, else the last value; an empty default (or 0) falls back to the first value.
 * Names are case-insensitive: the last spelling of a name wins, as in MapProxy's dict keyed by lower case.
 */
export function readLayerDimensions(r: MapReader): DimensionConfig[] | undefined {
  const dims = r.map('dimensions');
  if (!dims) return undefined;
  const byName = new Map<string, DimensionConfig>();
  for (const name of dims.keys()) {
    const d = dims.mapOrEmpty(name);
    const raw = d.get('values');
    if (raw === undefined || raw === null) throw d.error('values', 'missing required values of the dimension');
    if (!Array.isArray(raw)) throw d.error('values', `expected a list of values, got ${describeValue(raw)}`);
    if (raw.length === 0) throw d.error('values', 'a dimension needs at least one value');
    raw.forEach((v, i) => {
      if (!scalar(v)) throw d.ctx.error(`${d.keyPath('values')}[${i}]`, `expected a string or number, got ${describeValue(v)}`);
    });
    let values: string[];
    if (raw.length === 1) {
      const text = String(raw[0]);
      if (name.toLowerCase().includes('time')) {
        try {
          values = expandDateTimeRange(text);
        } catch (err) {
          if (err instanceof Iso8601Error) throw d.error('values', `not an ISO 8601 time or interval: ${err.message}`);
          throw err;
        }
      } else {
        values = text.trim().split('/');
      }
    } else {
      values = raw.map((v) => String(v));
    }
    const configured = d.get('default');
    if (configured !== undefined && configured !== null && !scalar(configured)) {
      throw d.error('default', `expected a string or number, got ${describeValue(configured)}`);
    }
    // MapProxy: conf.get('default', values[-1]), then `if not default: default = values[0]`
    let dflt = configured === undefined ? values[values.length - 1]! : configured;
    if (dflt === null || dflt === '' || dflt === 0) dflt = values[0]!;
    d.finish();
    byName.set(name.toLowerCase(), { name, values, default: String(dflt) });
  }
  dims.finish();
  return [...byName.values()];
}
