import { namedLayers, type WmsLayer } from '../../layer/wms-layer.js';
import { OgcApiError } from './errors.js';
import type { OgcapiServiceOptions } from './options.js';
import { tileMatrixSets, type TileMatrixSet } from './tile-matrix-sets.js';

/** What the API publishes: collections (the named WMS layers) and tile matrix sets (the grids). */
export class Published {
  readonly collections: Map<string, WmsLayer>;
  readonly tileMatrixSets: Map<string, TileMatrixSet>;

  constructor(readonly opts: OgcapiServiceOptions) {
    this.collections = namedLayers(opts.rootLayer);
    this.tileMatrixSets = opts.enableTiles ? tileMatrixSets(opts.grids) : new Map();
    for (const name of opts.defaultDatasetLayers ?? []) {
      if (!this.collections.has(name)) throw new Error(`services.ogcapi.default_dataset_layers: unknown layer '${name}'`);
    }
  }

  collection(id: string): WmsLayer {
    const layer = this.collections.get(id);
    if (!layer) throw OgcApiError.collectionNotFound();
    return layer;
  }

  tileMatrixSet(id: string): TileMatrixSet {
    const tms = this.tileMatrixSets.get(id);
    if (!tms) throw OgcApiError.tileMatrixSetNotFound();
    return tms;
  }

  /**
   * The layers of a dataset request (`/map`, `/map/tiles`): `collections=` when given, else the configured
   * default_dataset_layers; a 500 when neither names any (a configuration gap, as MapProxy 7 answers).
   */
  datasetLayers(collections: string | undefined, what: string): string[] {
    if (collections) {
      const names = collections.split(',');
      for (const n of names) if (!this.collections.has(n)) throw OgcApiError.invalidParameter(`unknown collection ${n}`);
      return names;
    }
    if (!this.opts.defaultDatasetLayers) {
      throw OgcApiError.internal(`Dataset ${what} request but no default_dataset_layers defined in server configuration`);
    }
    return [...this.opts.defaultDatasetLayers];
  }

  /** The nominal scale of a set of layers (the largest of theirs), or undefined. */
  nominalScale(names: readonly string[]): number | undefined {
    const scales = names.map((n) => this.opts.nominalScales.get(n) ?? 0);
    const max = Math.max(0, ...scales);
    return max > 0 ? max : undefined;
  }
}
