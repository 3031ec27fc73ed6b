import { AccessDenied } from '../../auth/access-denied.js';
import { authorizedCapabilityTree } from '../../auth/wms-capability-tree.js';
import type { CoreRequest } from '../../http.js';
import { namedLayers, type WmsLayer } from '../../layer/wms-layer.js';
import { OgcApiError } from './errors.js';
import type { OgcapiServiceOptions } from './options.js';
import { tileMatrixSets, type TileMatrixSet } from './tile-matrix-sets.js';

/** What the API publishes: collections (the named WMS layers) and tile matrix sets (the grids). */
export class Published {
  readonly collections: Map<string, WmsLayer>;
  readonly tileMatrixSets: Map<string, TileMatrixSet>;
  /** Collections that exist but the authorization hook hides from this request (a view's; empty otherwise). */
  private readonly hidden: ReadonlySet<string>;

  constructor(
    readonly opts: OgcapiServiceOptions,
    view?: { whole: Published; collections: Map<string, WmsLayer> },
  ) {
    if (view) {
      this.collections = view.collections;
      this.tileMatrixSets = view.whole.tileMatrixSets;
      this.hidden = new Set([...view.whole.collections.keys()].filter((n) => !view.collections.has(n)));
      return;
    }
    this.collections = namedLayers(opts.rootLayer);
    this.tileMatrixSets = opts.enableTiles ? tileMatrixSets(opts.grids) : new Map();
    this.hidden = new Set();
    for (const name of opts.defaultDatasetLayers ?? []) {
      if (!this.collections.has(name)) throw new Error(`services.ogcapi.default_dataset_layers: unknown layer '${name}'`);
    }
  }

  /**
   * What the documents (landing page, collections, tilesets) show this request: the collections the hook permits
   * when asked `ogcapi.capabilities` — the tree WMS capabilities show, extents cut to `limited_to` — or everything
   * without a hook. A hidden collection is refused (403), not unknown (404).
   */
  async visibleTo(req: CoreRequest): Promise<Published> {
    if (!req.hooks?.authorize) return this;
    const root = this.opts.rootLayer;
    const tree = await authorizedCapabilityTree(req, root, this.collections.keys(), 'ogcapi.capabilities');
    return tree === root ? this : new Published(this.opts, { whole: this, collections: namedLayers(tree) });
  }

  /** Whether the dataset's default layers are all shown (its map and tiles are announced only then). */
  get hasDataset(): boolean {
    return (this.opts.defaultDatasetLayers ?? []).length > 0 && this.opts.defaultDatasetLayers!.every((n) => this.collections.has(n));
  }

  collection(id: string): WmsLayer {
    const layer = this.collections.get(id);
    if (!layer) throw this.hidden.has(id) ? AccessDenied.forbidden('layer') : OgcApiError.collectionNotFound();
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
      for (const n of names) {
        if (this.hidden.has(n)) throw AccessDenied.forbidden('layer');
        if (!this.collections.has(n)) throw OgcApiError.invalidParameter(`unknown collection ${n}`);
      }
      return names;
    }
    if (!this.opts.defaultDatasetLayers) {
      throw OgcApiError.internal(`Dataset ${what} request but no default_dataset_layers defined in server configuration`);
    }
    if (this.opts.defaultDatasetLayers.some((n) => this.hidden.has(n))) throw AccessDenied.forbidden('layer');
    return [...this.opts.defaultDatasetLayers];
  }

  /** The nominal scale of a set of layers (the largest of theirs), or undefined. */
  nominalScale(names: readonly string[]): number | undefined {
    const scales = names.map((n) => this.opts.nominalScales.get(n) ?? 0);
    const max = Math.max(0, ...scales);
    return max > 0 ? max : undefined;
  }
}
