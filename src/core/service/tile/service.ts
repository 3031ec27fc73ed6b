import type { CoreRequest, CoreResponse } from '../../http.js';
import { baseUrl, RequestParams } from '../../http.js';
import type { Origin } from '../../geo/grid.js';
import type { TileLayer } from '../../layer/tile-layer.js';
import { authorizedTileLayers, authorizeTileLayer } from '../../auth/tile-layers.js';
import { tileAccessFor } from '../../auth/tile-access.js';
import { RequestError } from '../request-error.js';
import { serviceResponse } from '../response.js';
import type { Service } from '../service.js';
import type { ServiceMetadata } from '../service-metadata.js';
import { DEFAULT_MAX_TILE_AGE, tileResponse } from '../tile-response.js';
import { tmsCapabilities, tmsRootResource, tmsTileMap } from './capabilities.js';
import { plainTileError, tmsError } from './errors.js';
import { TileLayerIndex } from './layer-index.js';
import { loadPublishedTile } from './published-tile.js';
import { parseOriginParam, parseTilesPath, parseTmsPath, type TileServiceRequest } from './request.js';

/** `services.tms`, resolved. */
export interface TmsServiceOptions {
  layers: readonly TileLayer[];
  /** `services.tms.md`, defaulting to the WMS metadata. */
  md: ServiceMetadata;
  useGridNames: boolean;
  /** `services.tms.origin`: default origin of /tiles (never of /tms, which is always sw). */
  origin?: Origin;
  /** `globals.tiles.expires_hours` in seconds. */
  maxTileAge?: number;
}

/** TMS 1.0.0 (`/tms`, with global profiles) and the simple `/tiles` service (no profiles, any origin). */
export class TmsService implements Service {
  readonly names = ['tiles', 'tms'] as const;
  private readonly index: TileLayerIndex;

  constructor(private readonly opts: TmsServiceOptions) {
    this.index = new TileLayerIndex(opts.layers, opts.useGridNames);
  }

  async handle(req: CoreRequest, path: string): Promise<CoreResponse> {
    const isTms = path.startsWith('/tms');
    try {
      const parsed = isTms ? parseTmsPath(path) : parseTilesPath(path);
      return await this.answer(req, path, parsed, isTms);
    } catch (err) {
      if (err instanceof RequestError) return isTms ? tmsError(err) : plainTileError(err);
      throw err;
    }
  }

  private findLayer(layer: string, spec: string | undefined) {
    const found = this.index.find(layer, spec);
    if (!found) throw new RequestError(`unknown layer: ${layer}`);
    return found;
  }

  private async answer(req: CoreRequest, path: string, parsed: TileServiceRequest, isTms: boolean): Promise<CoreResponse> {
    // MapProxy links documents relative to the URL that was requested.
    const url = `${baseUrl(req)}${path}`;
    switch (parsed.kind) {
      case 'root':
        return serviceResponse(tmsRootResource(this.opts.md, url), { mimetype: 'text/xml' });
      case 'capabilities':
        if (parsed.layer !== undefined) {
          const published = this.findLayer(parsed.layer, parsed.spec);
          await authorizeTileLayer(req, 'tms', published.layer.name, null);
          return serviceResponse(tmsTileMap(url, published), { mimetype: 'text/xml' });
        }
        const permitted = await authorizedTileLayers(req, 'tms', this.index.all, (l) => l.namePath.join('_'), (l) => l.layer.name);
        return serviceResponse(tmsCapabilities(this.opts.md, url, permitted), { mimetype: 'text/xml' });
      case 'tile': {
        const published = this.findLayer(parsed.layer, parsed.spec);
        const origin: Origin | null = isTms ? 'sw' : (parseOriginParam(new RequestParams(req.query).get('origin')) ?? this.opts.origin ?? null);
        const tile = await loadPublishedTile(published.layer, published.grid, {
          coord: parsed.coord,
          format: parsed.format,
          origin,
          useProfiles: isTms,
        }, tileAccessFor(req, 'tms', published.layer));
        return tileResponse(
          req,
          { data: tile.data, contentType: tile.mimeType, timestamp: tile.timestamp, cacheable: tile.cacheable, cacheStatus: tile.cacheStatus },
          { maxAge: this.opts.maxTileAge ?? DEFAULT_MAX_TILE_AGE, noCacheWhenUncacheable: true },
        );
      }
    }
  }
}
