import type { CoreRequest, CoreResponse, RequestParams } from '../../http.js';
import { baseUrl } from '../../http.js';
import type { OwsHandler } from '../ows.js';
import { RequestError } from '../request-error.js';
import { serviceResponse } from '../response.js';
import type { Service } from '../service.js';
import { loadPublishedTile } from '../tile/published-tile.js';
import { tileAccessFor } from '../../auth/tile-access.js';
import { authorizedWmtsLayers } from '../../auth/wmts-layers.js';
import { DEFAULT_MAX_TILE_AGE, tileResponse } from '../tile-response.js';
import { wmtsCapabilities } from './capabilities.js';
import { checkRestDimensions } from './rest-dimensions.js';
import { wmtsError } from './errors.js';
import { WmtsLayerSet } from './layers.js';
import { answerWmtsFeatureInfo, parseKvpFeatureInfoRequest, restFeatureInfoRequest } from './featureinfo.js';
import { DEFAULT_RESTFUL_FEATUREINFO_TEMPLATE, DEFAULT_RESTFUL_TEMPLATE, type WmtsServiceOptions } from './options.js';
import { parseKvpTileRequest, parseWmtsRequestType, RestTemplate, type WmtsTileRequest } from './request.js';

const CAPABILITIES_PATH = '/1.0.0/WMTSCapabilities.xml';
const FEATUREINFO_VARS = ['TileCol', 'TileRow', 'TileMatrix', 'TileMatrixSet', 'Layer', 'I', 'J'];

/** GetTile shared by KVP and REST: layer and matrix set lookup, then the common tile path with nw origin. */
async function getTile(req: CoreRequest, layers: WmtsLayerSet, t: WmtsTileRequest, maxAge: number): Promise<CoreResponse> {
  const wl = layers.layers.get(t.layer);
  if (!wl) throw new RequestError(`unknown layer: ${t.layer}`, { code: 'InvalidParameterValue' });
  const set = wl.byMatrixSet.get(t.matrixSet);
  if (!set) throw new RequestError(`unknown tilematrixset: ${t.matrixSet}`, { code: 'InvalidParameterValue' });
  const tile = await loadPublishedTile(set.layer, set.grid, { coord: t.coord, format: t.format, origin: 'nw', useProfiles: false, dimensions: t.dimensions }, tileAccessFor(req, 'wmts', set.layer));
  // WMTS always sends max-age, even for uncacheable tiles (as MapProxy).
  return tileResponse(req, { data: tile.data, contentType: tile.mimeType, timestamp: tile.timestamp, cacheable: tile.cacheable, cacheStatus: tile.cacheStatus }, { maxAge });
}

/** WMTS KVP (`SERVICE=WMTS` on the OWS endpoint). */
export class WmtsKvpService implements OwsHandler {
  readonly service = 'wmts';
  private readonly layers: WmtsLayerSet;

  constructor(private readonly opts: WmtsServiceOptions) {
    this.layers = new WmtsLayerSet(opts.layers);
  }

  async handleKvp(req: CoreRequest, params: RequestParams): Promise<CoreResponse> {
    try {
      const type = parseWmtsRequestType(params);
      if (type === 'capabilities') {
        const layers = await authorizedWmtsLayers(req, this.layers);
        const doc = wmtsCapabilities({
          md: this.opts.md, url: `${baseUrl(req)}${req.path}`, layers, infoFormats: this.opts.infoFormats, legendUrls: legendTemplates(this.opts, 'kvp'),
          ...(this.opts.inspireMd ? { inspireMd: this.opts.inspireMd } : {}),
        });
        return serviceResponse(doc, { mimetype: 'application/xml' });
      }
      if (type === 'tile') return await getTile(req, this.layers, parseKvpTileRequest(params), this.opts.maxTileAge ?? DEFAULT_MAX_TILE_AGE);
      if (type === 'featureinfo') return await answerWmtsFeatureInfo(parseKvpFeatureInfoRequest(params), this.layers, this.opts.infoFormats ?? [], req);
      const request = params.get('request');
      throw new RequestError(`unknown WMTS request type '${request ? request.toLowerCase() : 'None'}'`, {
        code: request ? 'InvalidParameterValue' : 'MissingParameterValue',
      });
    } catch (err) {
      if (err instanceof RequestError) return wmtsError(err);
      throw err;
    }
  }
}

/** WMTS RESTful: `/wmts/1.0.0/WMTSCapabilities.xml` and tiles by `restful_template`. */
export class WmtsRestService implements Service {
  readonly names = ['wmts'] as const;
  private readonly layers: WmtsLayerSet;
  private readonly template: RestTemplate;
  private readonly fiTemplate: RestTemplate;

  constructor(private readonly opts: WmtsServiceOptions) {
    this.layers = new WmtsLayerSet(opts.layers);
    this.template = new RestTemplate(opts.restfulTemplate ?? DEFAULT_RESTFUL_TEMPLATE);
    this.fiTemplate = new RestTemplate(opts.restfulFeatureinfoTemplate ?? DEFAULT_RESTFUL_FEATUREINFO_TEMPLATE, FEATUREINFO_VARS);
  }

  async handle(req: CoreRequest, path: string): Promise<CoreResponse> {
    if (path.endsWith(CAPABILITIES_PATH)) {
      const url = `${baseUrl(req)}${path.slice(0, -CAPABILITIES_PATH.length)}`;
      const doc = wmtsCapabilities({
        md: this.opts.md,
        url,
        layers: await authorizedWmtsLayers(req, this.layers),
        restfulTemplate: this.template.template,
        infoFormats: this.opts.infoFormats,
        restfulFeatureinfoTemplate: this.fiTemplate.template,
        legendUrls: legendTemplates(this.opts, 'rest'),
      });
      return serviceResponse(doc, { mimetype: 'application/xml' });
    }
    try {
      // A path that fits neither the capabilities nor the restful_template (MapProxy: a plain 500).
      const t = this.template.match(path);
      if (!t) {
        // a tile path wins; then the FeatureInfo template (MapProxy's wmts_rest_request_parser)
        const fi = this.fiTemplate.groups(path);
        if (fi) {
          checkRestDimensions(this.layers, fi['Layer'] ?? '', Object.fromEntries(this.fiTemplate.dimensions.map((d) => [d, fi[`dim_${d.toLowerCase()}`]])));
          return await answerWmtsFeatureInfo(restFeatureInfoRequest(fi), this.layers, this.opts.infoFormats ?? [], req);
        }
        throw new RequestError(`invalid request (${path})`, { code: 'InvalidParameterValue' });
      }
      checkRestDimensions(this.layers, t.layer, t.dimensions);
      return await getTile(req, this.layers, t, this.opts.maxTileAge ?? DEFAULT_MAX_TILE_AGE);
    } catch (err) {
      if (err instanceof RequestError) return wmtsError(err);
      throw err;
    }
  }
}

/** The LegendURL templates of one flavour, by layer name. */
function legendTemplates(opts: WmtsServiceOptions, flavour: 'kvp' | 'rest'): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, urls] of opts.legendUrls ?? []) if (urls[flavour]) out.set(name, urls[flavour]);
  return out;
}
