import type { TileLayer } from '../../layer/tile-layer.js';
import type { WmsLayer } from '../../layer/wms-layer.js';

/** What the demo shows: whichever services are enabled. */
export interface DemoOptions {
  wms?: { rootLayer: WmsLayer; srs: readonly string[]; imageFormats: readonly string[] };
  tms?: { layers: readonly TileLayer[]; useGridNames: boolean };
  wmts?: { layers: readonly TileLayer[]; restful: boolean; kvp: boolean; restfulTemplate?: string };
  /**
   * XYZ tile URL template (`{z}/{x}/{y}`, Web Mercator) of the map under each viewer's layer, as MapProxy 7's demo
   * shows one (`services.demo.background.url`, else `globals.background.url`); undefined shows none.
   */
  backgroundUrl?: string;
}
