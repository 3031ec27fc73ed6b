import type { TileLayer } from '../../layer/tile-layer.js';
import { TileServiceGrid } from './service-grid.js';

/** A tile layer with its published grid and URL name parts ([layer, 'EPSG3857'] or [layer, grid name]). */
export interface PublishedTileLayer {
  readonly layer: TileLayer;
  readonly grid: TileServiceGrid;
  readonly namePath: readonly [string, string];
}

/**
 * Finds tile layers by URL the way MapProxy's TileServer does: `<layer>_<EPSGnnnn>` or
 * `<layer>/<EPSGnnnn>`, a bare `<layer>` falling back to EPSG900913 then EPSG4326; with
 * `use_grid_names` only `<layer>/<grid name>`.
 */
export class TileLayerIndex {
  readonly all: readonly PublishedTileLayer[];
  private readonly byKey = new Map<string, PublishedTileLayer>();

  constructor(
    layers: readonly TileLayer[],
    private readonly useGridNames: boolean,
  ) {
    const all: PublishedTileLayer[] = [];
    for (const layer of layers) {
      const spec = useGridNames ? layer.grid.name : layer.grid.srs.code.replace(':', '').toUpperCase();
      const entry: PublishedTileLayer = { layer, grid: new TileServiceGrid(layer.grid), namePath: [layer.name, spec] };
      const key = useGridNames ? `${layer.name}\u0000${spec}` : `${layer.name}_${spec}`;
      if (!this.byKey.has(key)) all.push(entry);
      this.byKey.set(key, entry);
    }
    this.all = all;
  }

  find(layer: string, spec: string | undefined): PublishedTileLayer | undefined {
    if (this.useGridNames) return spec === undefined ? undefined : this.byKey.get(`${layer}\u0000${spec}`);
    const name = spec === undefined ? layer : `${layer}_${spec}`;
    return this.byKey.get(name) ?? this.byKey.get(`${name}_EPSG900913`) ?? this.byKey.get(`${name}_EPSG4326`);
  }
}
