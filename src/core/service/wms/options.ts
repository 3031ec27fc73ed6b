import type { BBox } from '../../geo/bbox.js';
import type { ImageFormat } from '../../image/format.js';
import type { InspireMetadata } from '../../config/inspire-md.js';
import type { TileLayer } from '../../layer/tile-layer.js';
import type { WmsLayer } from '../../layer/wms-layer.js';
import type { InfoType } from '../../source/featureinfo-doc.js';
import type { XsltTransformer } from '../../source/xslt-transform.js';
import type { ServiceMetadata } from '../service-metadata.js';
import type { WmsVersion } from './version.js';

/** A `services.wms.bbox_srs` entry: an SRS code, or an SRS with a fixed extent that also clips GetMap. */
export type BBoxSrs = string | { srs: string; bbox: BBox };

/** `services.wms`, resolved by the config layer. */
export interface WmsServiceOptions {
  /** The published layer tree; its root is the top-level `<Layer>` (a nameless root is a pure group). */
  rootLayer: WmsLayer;
  md: ServiceMetadata;
  /** `services.wms.srs`, upper-case codes. */
  srs: string[];
  /** `services.wms.bbox_srs`; empty → EPSG:3857/4326/900913 where enabled. */
  bboxSrs: BBoxSrs[];
  /** `services.wms.image_formats`, resolved; requests must name one of these mime types exactly. */
  imageFormats: ImageFormat[];
  /** `services.wms.versions`. */
  versions: WmsVersion[];
  /** width×height limit; 0 disables the check. */
  maxOutputPixels: number;
  onSourceErrors: 'notify' | 'raise';
  /** false (default): GetFeatureInfo may omit FORMAT and STYLES. */
  strict: boolean;
  /** `services.wms.featureinfo_types` (text, html, xml, json); default [text, html, xml]. */
  infoTypes?: string[];
  /** `services.wms.featureinfo_xslt`: info type → stylesheet for merged feature info. */
  infoTransformers?: ReadonlyMap<InfoType, XsltTransformer>;
  /** `services.wms.attribution.text`, drawn onto every non-tiled GetMap. */
  attribution?: { text: string };
  /** The cached layers, announced as WMS-C TileSets by `GetCapabilities&tiled=true` (1.1.x). */
  tileLayers?: readonly TileLayer[];
  /** `globals.tiles.expires_hours` in seconds: max-age of an exact tile answered by a `tiled=true` GetMap. */
  maxTileAge?: number;
  /** `services.wms.inspire_md`: INSPIRE view service metadata in the 1.3.0 capabilities. */
  inspireMd?: InspireMetadata;
}
