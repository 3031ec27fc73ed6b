import type { Size } from '../geo/bbox.js';
import type { LegendSource } from '../source/legend-source.js';

/**
 * The legends of one WMS layer. A layer with legends of its own (a `legendurl`, or sources with
 * `legendgraphic` / `legendurl`) announces a LegendURL in capabilities, as MapProxy does; a group
 * without its own combines its layers' legends on GetLegendGraphic but announces none (MapProxy
 * announces none there either, and fails on the request).
 */
export interface LayerLegends {
  /** Bottom layer first: the last is drawn at the top of the combined image. */
  readonly sources: readonly LegendSource[];
  /** True for the layer's own legends: capabilities carry a LegendURL. */
  readonly announced: boolean;
}

/** The legends of a layer: its own when it has any, else those of its layers in order. */
export function layerLegends(own: readonly LegendSource[], children: readonly (LayerLegends | undefined)[]): LayerLegends | undefined {
  if (own.length > 0) return { sources: own, announced: true };
  const inherited = children.flatMap((c) => c?.sources ?? []);
  return inherited.length > 0 ? { sources: inherited, announced: false } : undefined;
}

/**
 * The size capabilities announce (MapProxy's legend_size): as wide as the widest of the layer's own
 * legends and as high as all of them stacked, each fetched (and cached) without SCALE.
 */
export async function legendSize(legends: LayerLegends): Promise<Size> {
  const sizes = await Promise.all(legends.sources.map((s) => s.size()));
  return [Math.max(0, ...sizes.map((s) => s[0])), sizes.reduce((h, s) => h + s[1], 0)];
}
