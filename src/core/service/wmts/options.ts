import type { TileLayer } from '../../layer/tile-layer.js';
import type { ServiceMetadata } from '../service-metadata.js';

/** `services.wmts`, resolved. */
export interface WmtsServiceOptions {
  layers: readonly TileLayer[];
  /** `services.wmts.md` merged over the WMS metadata. */
  md: ServiceMetadata;
  /** `services.wmts.restful_template`; default '/{Layer}/{TileMatrixSet}/{TileMatrix}/{TileCol}/{TileRow}.{Format}'. */
  restfulTemplate?: string;
  /** `globals.tiles.expires_hours` in seconds. */
  maxTileAge?: number;
}

export const DEFAULT_RESTFUL_TEMPLATE = '/{Layer}/{TileMatrixSet}/{TileMatrix}/{TileCol}/{TileRow}.{Format}';
