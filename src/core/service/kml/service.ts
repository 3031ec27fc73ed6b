import { createHash } from 'node:crypto';
import type { CoreRequest, CoreResponse } from '../../http.js';
import { baseUrl } from '../../http.js';
import type { TileLayer } from '../../layer/tile-layer.js';
import { authorizeTileLayer } from '../../auth/tile-layers.js';
import { kmlQueryExtent } from '../../auth/kml-extent.js';
import { tileAccessFor } from '../../auth/tile-access.js';
import { RequestError } from '../request-error.js';
import { serviceResponse } from '../response.js';
import type { Service } from '../service.js';
import { plainTileError } from '../tile/errors.js';
import { loadPublishedTile, tileExtension } from '../tile/published-tile.js';
import { DEFAULT_MAX_TILE_AGE, tileResponse } from '../tile-response.js';
import { KML_MIME_TYPE, renderKmlDocument } from './document.js';
import { KmlLayerIndex, type KmlLayer } from './layer-index.js';
import { parseKmlPath, type KmlRequest } from './request.js';
import { kmlDocumentTiles } from './super-overlay.js';

/** `services.kml`, resolved. */
export interface KmlServiceOptions {
  layers: readonly TileLayer[];
  useGridNames: boolean;
  /** `globals.tiles.expires_hours` in seconds; documents and tiles both carry it. */
  maxTileAge?: number;
}

/**
 * KML super-overlays for Google Earth (`/kml`): a document per tile linking the four tiles of
 * the next level, and the tile images themselves. KML always addresses tiles from the lower
 * left (sw) and never shifts levels for the global TMS profiles.
 */
export class KmlService implements Service {
  readonly names = ['kml'] as const;
  private readonly index: KmlLayerIndex;

  constructor(private readonly opts: KmlServiceOptions) {
    this.index = new KmlLayerIndex(opts.layers, opts.useGridNames);
  }

  async handle(req: CoreRequest, path: string): Promise<CoreResponse> {
    try {
      const parsed = parseKmlPath(path);
      const layer = this.index.find(parsed.layer, parsed.spec);
      if (!layer) throw new RequestError(`unknown layer: ${parsed.layer}`);
      return parsed.kind === 'document' ? await this.document(req, parsed, layer) : await this.tile(req, parsed, layer);
    } catch (err) {
      if (err instanceof RequestError) return plainTileError(err);
      throw err;
    }
  }

  private get maxAge(): number {
    return this.opts.maxTileAge ?? DEFAULT_MAX_TILE_AGE;
  }

  private async document(req: CoreRequest, parsed: KmlRequest, layer: KmlLayer): Promise<CoreResponse> {
    // MapProxy asks the hook about the document's tile before writing it; its limited_to does not change it
    if (req.hooks?.authorize) await authorizeTileLayer(req, 'kml', layer.layer.name, kmlQueryExtent(layer, parsed.coord));
    const { region, subtiles } = kmlDocumentTiles(layer.grid, parsed.coord);
    const doc = renderKmlDocument({
      name: parsed.layer,
      url: baseUrl(req),
      namePath: layer.namePath,
      ext: tileExtension(layer.layer.format),
      tileSize: layer.layer.grid.tileSize[0],
      region,
      subtiles,
    });
    // Documents have no timestamp: the ETag is the hash of the document itself.
    const etag = createHash('md5').update(doc, 'utf8').digest('hex');
    const res = serviceResponse(doc, { contentType: KML_MIME_TYPE });
    res.headers['ETag'] = etag;
    res.headers['Cache-Control'] = `public, max-age=${Math.trunc(this.maxAge)}, s-maxage=${Math.trunc(this.maxAge)}`;
    if (req.headers['if-none-match'] === etag) {
      delete res.headers['Content-Type'];
      return { ...res, status: 304, body: Buffer.alloc(0) };
    }
    return res;
  }

  private async tile(req: CoreRequest, parsed: Extract<KmlRequest, { kind: 'tile' }>, layer: KmlLayer): Promise<CoreResponse> {
    const tile = await loadPublishedTile(layer.layer, layer.grid, {
      coord: parsed.coord,
      format: parsed.format,
      origin: 'sw',
      useProfiles: false,
    }, tileAccessFor(req, 'kml', layer.layer));
    return tileResponse(
      req,
      { data: tile.data, contentType: tile.mimeType, timestamp: tile.timestamp, cacheable: tile.cacheable, cacheStatus: tile.cacheStatus },
      { maxAge: this.maxAge },
    );
  }
}
