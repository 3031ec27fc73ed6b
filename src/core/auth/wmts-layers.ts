import type { CoreRequest } from '../http.js';
import type { WmtsLayerSet } from '../service/wmts/layers.js';
import { authorizedTileLayers } from './tile-layers.js';

/**
 * The WMTS layers a capabilities document lists (MapProxy asks `wmts` about every layer name); the
 * TileMatrixSets stay all listed, as in MapProxy.
 */
export async function authorizedWmtsLayers(req: CoreRequest, set: WmtsLayerSet): Promise<WmtsLayerSet> {
  if (!req.hooks?.authorize) return set;
  const all = [...set.layers.values()];
  const permitted = await authorizedTileLayers(req, 'wmts', all, (l) => l.name, (l) => l.name);
  if (permitted === all) return set;
  return { layers: new Map(permitted.map((l) => [l.name, l])), matrixSets: set.matrixSets, skipped: set.skipped };
}
