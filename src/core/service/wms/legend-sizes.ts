import type { Size } from '../../geo/bbox.js';
import { legendSize } from '../../layer/layer-legends.js';
import type { WmsLayer } from '../../layer/wms-layer.js';

/**
 * The LegendURL sizes of every layer that announces one, for capabilities. As in MapProxy this
 * fetches each legend once without SCALE (later documents and GetLegendGraphic read it from the
 * legend cache).
 */
export async function legendSizes(root: WmsLayer): Promise<ReadonlyMap<WmsLayer, Size>> {
  const announced: WmsLayer[] = [];
  const walk = (layer: WmsLayer) => {
    if (layer.legends?.announced) announced.push(layer);
    layer.children.forEach(walk);
  };
  walk(root);
  const sizes = await Promise.all(announced.map((l) => legendSize(l.legends!)));
  return new Map(announced.map((l, i) => [l, sizes[i]!]));
}
