import type { ImageResult } from '../image/image.js';

/** One GetLegendGraphic as a legend source sees it (MapProxy's LegendQuery). */
export interface LegendQuery {
  /** The requested mime type, e.g. 'image/png'. */
  readonly format: string;
  /** SCALE of the request (a scale denominator), forwarded to WMS sources; absent: none. */
  readonly scale?: number;
}

/** Where one legend image comes from: a WMS GetLegendGraphic or a fixed URL. */
export interface LegendClient {
  /**
   * What names this legend in the on-disk cache (MapProxy's identifier tuple): the source URL and
   * the layer asked of it, null for a fixed URL.
   */
  readonly identifier: readonly [url: string, layer: string | null];
  getLegend(query: LegendQuery): Promise<ImageResult>;
  /** The legend as JSON (FORMAT=application/json, MapProxy 7); the body as the server sent it. */
  getJsonLegend(query: LegendQuery): Promise<Buffer>;
}
