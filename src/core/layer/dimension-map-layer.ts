import type { Dimensions } from '../cache/cache.js';
import type { Coverage } from '../geo/coverage.js';
import type { MapExtent } from '../geo/extent.js';
import type { ResolutionRange } from '../geo/resolution-range.js';
import type { ImageResult } from '../image/image.js';
import type { MapQuery } from '../source/source.js';
import type { LayerDimensions } from './layer-dimensions.js';
import type { MapLayer } from './map-layer.js';

/**
 * The WMS parameters that name a dimension, most specific first: TIME and ELEVATION by their names, every other
 * dimension as `DIM_<name>` (WMS 1.1.1 and 1.3.0, annex C). A name that already starts with `dim_` (MapProxy's
 * examples: `dim_reference_time`) is also taken as it is, which is how MapProxy reads it.
 */
export function wmsDimensionParams(key: string): string[] {
  const k = key.toLowerCase();
  if (k === 'time' || k === 'elevation') return [k];
  return k.startsWith('dim_') ? [k, `dim_${k}`] : [`dim_${k}`];
}

/**
 * One source of one WMS layer, with what the layer says about dimensions. The query arrives with the request's
 * dimension parameters (TIME, ELEVATION, DIM_*, and any parameter a direct source forwards) as the client sent
 * them; the layer turns them into what its source sees:
 * - a layer that declares dimensions gets each declared one from the request or its default (the same values
 *   WMTS uses, so both share one cache directory per value); an undeclared value is refused
 *   (DimensionValueError; the WMS service checks this before anything is drawn);
 * - a cache sees only the declared dimensions, never a parameter the layer does not declare: it would open a
 *   cache directory (and an upstream request) for any value a client makes up;
 * - a source used directly also gets the other parameters, as MapProxy forwards them to it (`forward_req_params`).
 */
export class DimensionMapLayer implements MapLayer {
  constructor(
    private readonly inner: MapLayer,
    readonly dimensions: LayerDimensions | undefined,
    /** The inner layer is a cache: only declared dimensions reach it. */
    private readonly cached: boolean,
    /** `forward_req_params` of a direct WMS source: request parameters copied into its query (any name). */
    readonly forwardReqParams: readonly string[] = [],
  ) {}

  get extent(): MapExtent {
    return this.inner.extent;
  }
  get transparent(): boolean {
    return this.inner.transparent;
  }
  get opacity(): number | undefined {
    return this.inner.opacity;
  }
  get resRange(): ResolutionRange | undefined {
    return this.inner.resRange;
  }
  /** Read by GetMap to decide whether the layer hides those below it. */
  get coverage(): Coverage | undefined {
    return (this.inner as { readonly coverage?: Coverage }).coverage;
  }

  /** Refuses a value the layer does not declare (DimensionValueError). */
  check(requested: Dimensions | undefined): void {
    this.declared(requested);
  }

  private declared(requested: Dimensions | undefined): Dimensions {
    if (!this.dimensions?.size) return {};
    const byParam = new Map(Object.entries(requested ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    return this.dimensions.resolve((key) => {
      for (const p of wmsDimensionParams(key)) if (byParam.has(p)) return byParam.get(p);
      return undefined;
    });
  }

  /** The dimensions the inner layer is asked with; undefined when none. */
  dimensionsFor(requested: Dimensions | undefined): Dimensions | undefined {
    const declared = this.declared(requested);
    const out: Record<string, string> = {};
    if (!this.cached) {
      const declaredParams = new Set(this.dimensions?.list.flatMap((d) => wmsDimensionParams(d.key)) ?? []);
      for (const [k, v] of Object.entries(requested ?? {})) if (!declaredParams.has(k.toLowerCase())) out[k] = v;
    }
    Object.assign(out, declared);
    return Object.keys(out).length ? out : undefined;
  }

  async getMap(query: MapQuery): Promise<ImageResult | null> {
    const dimensions = this.dimensionsFor(query.dimensions);
    const { dimensions: _requested, ...rest } = query;
    return this.inner.getMap(dimensions ? { ...rest, dimensions } : rest);
  }
}
