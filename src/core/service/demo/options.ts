import type { TileLayer } from '../../layer/tile-layer.js';
import type { WmsLayer } from '../../layer/wms-layer.js';

/** What the demo shows: whichever services are enabled. */
export interface DemoOptions {
  /** `infoFormats`: the INFO_FORMATs the WMS advertises (WMS 1.1.1 names); the viewer's click asks in one of them. */
  wms?: { rootLayer: WmsLayer; srs: readonly string[]; imageFormats: readonly string[]; infoFormats?: readonly string[] };
  tms?: { layers: readonly TileLayer[]; useGridNames: boolean };
  wmts?: {
    layers: readonly TileLayer[];
    restful: boolean;
    kvp: boolean;
    restfulTemplate?: string;
    /** `restful_featureinfo_template` and `featureinfo_formats`: how the viewer's click asks for feature info. */
    restfulFeatureinfoTemplate?: string;
    infoFormats?: readonly { mimetype: string; suffix: string }[];
  };
  /**
   * XYZ tile URL template (`{z}/{x}/{y}`, Web Mercator) of the map under each viewer's layer, as MapProxy 7's demo
   * shows one (`services.demo.background.url`, else `globals.background.url`); undefined shows none.
   */
  backgroundUrl?: string;
}
