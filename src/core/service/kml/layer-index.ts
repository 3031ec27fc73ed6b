import type { TileLayer } from '../../layer/tile-layer.js';
import { TileServiceGrid } from '../tile/service-grid.js';

/** A tile layer as KML publishes it: its service grid and the URL name parts ([layer, 'EPSG3857'] or [layer, grid]). */
export interface KmlLayer {
  readonly layer: TileLayer;
  readonly grid: TileServiceGrid;
  readonly namePath: readonly [string, string];
}

/**
 * Finds KML layers by URL. Same keys as TMS (`<layer>_<EPSGnnnn>`, or `<layer>/<grid>` with
 * `use_grid_names`), but MapProxy's KML server tries a bare layer name with EPSG4326 before
 * EPSG900913 — the opposite order of TMS.
 */
export class KmlLayerIndex {
  private readonly byKey = new Map<string, KmlLayer>();

  constructor(
    layers: readonly TileLayer[],
    private readonly useGridNames: boolean,
  ) {
    for (const layer of layers) {
      const spec = useGridNames ? layer.grid.name : layer.grid.srs.code.replace(':', '').toUpperCase();
      const entry: KmlLayer = { layer, grid: new TileServiceGrid(layer.grid), namePath: [layer.name, spec] };
      this.byKey.set(this.key(layer.name, spec), entry);
    }
  }

  private key(layer: string, spec: string): string {
    return this.useGridNames ? `${layer}\u0000${spec}` : `${layer}_${spec}`;
  }

  find(layer: string, spec: string | undefined): KmlLayer | undefined {
    if (this.useGridNames) return spec === undefined ? undefined : this.byKey.get(this.key(layer, spec));
    const name = spec === undefined ? layer : `${layer}_${spec}`;
    return this.byKey.get(name) ?? this.byKey.get(`${name}_EPSG4326`) ?? this.byKey.get(`${name}_EPSG900913`);
  }
}
