import type { TileGrid } from '../../geo/grid.js';
import type { TileLayer } from '../../layer/tile-layer.js';
import { TileServiceGrid } from '../tile/service-grid.js';

/** A WMTS layer: one published name with a tile layer per TileMatrixSet (grid name). */
export interface WmtsLayer {
  readonly name: string;
  /** The first tile layer: title, format and extent of the WMTS layer. */
  readonly first: TileLayer;
  readonly byMatrixSet: ReadonlyMap<string, { layer: TileLayer; grid: TileServiceGrid }>;
}

/**
 * The layers and matrix sets WMTS publishes: only grids whose tiles can be addressed from the
 * north-west corner (MapProxy skips the others with a warning).
 */
export class WmtsLayerSet {
  readonly layers = new Map<string, WmtsLayer>();
  readonly matrixSets = new Map<string, TileGrid>();
  readonly skipped: string[] = [];

  constructor(tileLayers: readonly TileLayer[]) {
    for (const layer of tileLayers) {
      const grid = layer.grid;
      if (!grid.supportsAccessWithOrigin('nw')) {
        this.skipped.push(`${layer.name}/${grid.name}`);
        continue;
      }
      if (!this.matrixSets.has(grid.name)) this.matrixSets.set(grid.name, grid);
      let entry = this.layers.get(layer.name);
      if (!entry) {
        entry = { name: layer.name, first: layer, byMatrixSet: new Map() };
        this.layers.set(layer.name, entry);
      }
      const sets = entry.byMatrixSet as Map<string, { layer: TileLayer; grid: TileServiceGrid }>;
      if (!sets.has(grid.name)) sets.set(grid.name, { layer, grid: new TileServiceGrid(grid) });
    }
  }
}
