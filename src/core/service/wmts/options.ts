import type { InspireMetadata } from '../../config/inspire-md.js';
import type { WmtsLegendUrls } from './legend-urls.js';
import type { TileLayer } from '../../layer/tile-layer.js';
import type { ServiceMetadata } from '../service-metadata.js';

/** `services.wmts`, resolved. */
export interface WmtsServiceOptions {
  layers: readonly TileLayer[];
  /** `services.wmts.md` merged over the WMS metadata. */
  md: ServiceMetadata;
  /** `services.wmts.restful_template`; default '/{Layer}/{TileMatrixSet}/{TileMatrix}/{TileCol}/{TileRow}.{Format}'. */
  restfulTemplate?: string;
  /** `services.wmts.restful_featureinfo_template`; default DEFAULT_RESTFUL_FEATUREINFO_TEMPLATE. */
  restfulFeatureinfoTemplate?: string;
  /** `services.wmts.featureinfo_formats`: the info formats of GetFeatureInfo, by mime type and REST suffix. */
  infoFormats?: readonly { mimetype: string; suffix: string }[];
  /** `globals.tiles.expires_hours` in seconds. */
  maxTileAge?: number;
  /** LegendURL templates of the layers that have them, by layer name. */
  legendUrls?: ReadonlyMap<string, WmtsLegendUrls>;
  /** `services.wmts.inspire_md` (our extension): INSPIRE extended capabilities in the KVP capabilities. */
  inspireMd?: InspireMetadata;
}

export const DEFAULT_RESTFUL_TEMPLATE = '/{Layer}/{TileMatrixSet}/{TileMatrix}/{TileCol}/{TileRow}.{Format}';
export const DEFAULT_RESTFUL_FEATUREINFO_TEMPLATE = '/{Layer}/{TileMatrixSet}/{TileMatrix}/{TileCol}/{TileRow}/{I}/{J}.{InfoFormat}';
