import { WmsSource, type WmsSourceOptions } from './wms-source.js';
import type { ArcGisExportRequest } from './arcgis-request.js';
import { ArcGisTransport } from './arcgis-error.js';

/** What an ArcGIS source is configured with: a WMS source's geometry and error options, without what only WMS has. */
export type ArcGisSourceOptions = Omit<
  WmsSourceOptions<ArcGisExportRequest>,
  'httpMethod' | 'forwardReqParams' | 'transparentColor' | 'transparentColorTolerance'
>;

/**
 * An ArcGIS REST MapServer or ImageServer as a map source. MapProxy's ArcGISSource is its WMSSource with another
 * client, so is ours: the same resolution range, coverage clipping, supported SRS with reprojection, supported
 * formats and `on_error`; only the request (an export) and the reading of error answers differ. Requests are
 * always GET and never combined with other sources.
 */
export function arcGisSource(options: ArcGisSourceOptions): WmsSource<ArcGisExportRequest> {
  return new WmsSource({ ...options, transport: new ArcGisTransport(options.transport), httpMethod: 'GET' });
}
