import type { CoreRequest, CoreResponse, RequestParams } from '../../http.js';
import { baseUrl } from '../../http.js';
import { namedLayers, type WmsLayer } from '../../layer/wms-layer.js';
import type { OwsHandler } from '../ows.js';
import { XsltError } from '../../source/xslt-transform.js';
import { isSourceError, RequestError } from '../request-error.js';
import { serviceResponse } from '../response.js';
import { infoFormatMimeType, WMS_CAPABILITIES_MIMETYPE, wmsCapabilities } from './capabilities.js';
import { renderWmsError } from './exceptions.js';
import { answerFeatureInfo } from './featureinfo.js';
import { answerLegendGraphic } from './legend-graphic.js';
import { advertisedInfoTypes } from './info-formats.js';
import { legendSizes } from './legend-sizes.js';
import { wmscTileSets } from './wmsc-tilesets.js';
import { renderGetMap } from './get-map.js';
import { authorizedCapabilityTree } from '../../auth/wms-capability-tree.js';
import { checkedMapDimensions } from './get-map-dimensions.js';
import { srsExtents, type SrsExtent } from './layer-bboxes.js';
import type { WmsServiceOptions } from './options.js';
import {
  exceptionContext,
  MAX_IMAGE_SIDE,
  parseLegendGraphicRequest,
  parseMapRequest,
  parseRequestType,
  validateFormat,
  validateSrs,
  type ExceptionContext,
  type WmsFeatureInfoRequest,
  type WmsMapRequest,
} from './request.js';
import { negotiateVersion, WMS_VERSIONS, type WmsVersion } from './version.js';

/**
 * The WMS behind the KVP endpoint: version negotiation, validation in MapProxy's order,
 * capabilities, GetMap, and protocol errors rendered in the negotiated version.
 */
export class WmsService implements OwsHandler {
  readonly service = 'wms';
  private readonly layers: Map<string, WmsLayer>;
  private readonly srsExtents: SrsExtent[];
  private readonly versions: WmsVersion[];

  constructor(private readonly opts: WmsServiceOptions) {
    this.layers = namedLayers(opts.rootLayer);
    this.srsExtents = srsExtents(opts.bboxSrs, opts.srs);
    this.versions = opts.versions.length > 0 ? opts.versions : [...WMS_VERSIONS];
  }

  async handleKvp(req: CoreRequest, params: RequestParams): Promise<CoreResponse> {
    const requested = params.get('version') ?? params.get('wmtver');
    const version = negotiateVersion(requested, this.versions);
    const type = parseRequestType(params);
    const exc = exceptionContext(params, version, type, this.opts.maxOutputPixels);
    try {
      switch (type) {
        case 'capabilities':
          return await this.capabilities(req, version, (params.get('tiled') ?? 'false').toLowerCase() === 'true');
        case 'map':
          return await this.map(parseMapRequest(params, version, 'map', exc, this.opts.strict) as WmsMapRequest, exc, params, req);
        case 'featureinfo':
          return await this.featureInfo(parseMapRequest(params, version, 'featureinfo', exc, this.opts.strict) as WmsFeatureInfoRequest, params, req);
        case 'legendgraphic':
          if (version === '1.1.1' || version === '1.3.0') {
            const legendReq = parseLegendGraphicRequest(params, version, exc, this.opts.strict);
            return await answerLegendGraphic(legendReq, params.get('scale'), { layers: this.layers, imageFormats: this.opts.imageFormats });
          }
          break;
      }
      throw new RequestError(`unknown WMS request type '${type ?? 'None'}'`);
    } catch (err) {
      if (err instanceof RequestError) return renderWmsError(err, exc, this.opts.imageFormats);
      throw err;
    }
  }

  private async capabilities(req: CoreRequest, version: WmsVersion, tiled: boolean): Promise<CoreResponse> {
    const infoTypes = advertisedInfoTypes(this.opts);
    const rootLayer = await authorizedCapabilityTree(req, this.opts.rootLayer, this.layers.keys());
    const visible = namedLayers(rootLayer);
    const doc = wmsCapabilities({
      version,
      md: this.opts.md,
      url: `${baseUrl(req)}${req.path}`,
      rootLayer,
      imageFormats: this.opts.imageFormats.map((f) => f.mimeType),
      infoFormats: infoTypes.map((t) => infoFormatMimeType(version, t)),
      srs: this.opts.srs,
      srsExtents: this.srsExtents,
      maxOutputPixels: this.opts.maxOutputPixels,
      legendSizes: await legendSizes(this.opts.rootLayer),
      // MapProxy announces every tile layer; we leave out those the authorization hides from this client
      tileSets: tiled ? wmscTileSets((this.opts.tileLayers ?? []).filter((l) => visible.has(l.name))) : [],
      ...(this.opts.inspireMd ? { inspireMd: this.opts.inspireMd } : {}),
    });
    return serviceResponse(doc, { mimetype: WMS_CAPABILITIES_MIMETYPE[version] });
  }

  /**
   * Size limit (always an XML exception), layers, format and SRS: MapProxy's check_map_request. A side
   * longer than we can draw is too large whatever max_output_pixels allows.
   */
  private checkMapRequest(req: WmsMapRequest | WmsFeatureInfoRequest, exc: ExceptionContext): void {
    const max = this.opts.maxOutputPixels;
    if ((max > 0 && req.size[0] * req.size[1] > max) || Math.max(...req.size) > MAX_IMAGE_SIDE) {
      exc.imageExceptionsAllowed = false;
      throw new RequestError('image size too large');
    }
    this.validateLayers(req.layers);
    validateFormat(req, this.opts.imageFormats.map((f) => f.mimeType));
    validateSrs(req, this.opts.srs);
  }

  private validateLayers(names: readonly string[]): void {
    for (const name of names) {
      if (!this.layers.has(name)) throw new RequestError(`unknown layer: ${name}`, { code: 'LayerNotDefined' });
    }
  }

  private async map(parsed: WmsMapRequest, exc: ExceptionContext, params: RequestParams, httpReq: CoreRequest): Promise<CoreResponse> {
    this.checkMapRequest(parsed, exc);
    const req = checkedMapDimensions(parsed, params, this.layers);
    const format = this.opts.imageFormats.find((f) => f.mimeType === req.format)!;
    return renderGetMap(req, {
      request: httpReq,
      layers: this.layers,
      format,
      srsExtents: this.srsExtents,
      onSourceErrors: this.opts.onSourceErrors,
      attribution: this.opts.attribution,
      maxTileAge: this.opts.maxTileAge,
    });
  }

  /** MapProxy's check_featureinfo_request (layers, SRS; no size or format check), then the sources are asked. */
  private async featureInfo(req: WmsFeatureInfoRequest, params: RequestParams, httpReq: CoreRequest): Promise<CoreResponse> {
    this.validateLayers([...req.layers, ...req.queryLayers]);
    validateSrs(req, this.opts.srs);
    try {
      return await answerFeatureInfo(req, params, { layers: this.layers, transformers: this.opts.infoTransformers ?? new Map(), request: httpReq });
    } catch (err) {
      if (isSourceError(err) || err instanceof XsltError) throw new RequestError(err.message, { internal: true });
      throw err;
    }
  }
}
