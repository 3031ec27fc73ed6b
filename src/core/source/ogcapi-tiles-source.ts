import type { HttpClient } from '../client/http-client.js';
import type { Coverage } from '../geo/coverage.js';
import { MapExtent } from '../geo/extent.js';
import { bboxEquals } from '../geo/bbox.js';
import type { TileGrid } from '../geo/grid.js';
import type { ResolutionRange } from '../geo/resolution-range.js';
import type { SRS } from '../geo/srs.js';
import type { ImageResult } from '../image/image.js';
import type { Logger } from '../log/logger.js';
import { crsUriToCode } from '../geo/ogc-crs-uri.js';
import { normalizeSrsCode } from './ogcapi-crs.js';
import { fetchOgcJson } from './ogcapi-json.js';
import { findHref, linksOf, REL, resolveHref, type OgcLink, describingDocument } from './ogcapi-links.js';
import { tileGridFromTileMatrixSet } from './ogcapi-tile-matrix-set.js';
import type { OnErrorHandler } from './on-error.js';
import { SourceError, type MapQuery, type MapSource } from './source.js';
import { TileSource } from './tile-source.js';

export interface OgcApiTilesSourceOptions {
  /** `landingpage_url`, without a trailing '/'. */
  landingpageUrl: string;
  /** `collection`: its map tilesets; none: the dataset's (the landing page's). */
  collection?: string;
  /** `tile_matrix_set_id`: only tilesets with a link ending in `/{id}`. */
  tileMatrixSetId?: string;
  http: HttpClient;
  transparent?: boolean;
  opacity?: number;
  coverage?: Coverage;
  resRange?: ResolutionRange;
  onError?: OnErrorHandler;
  /** Where tilesets that cannot be used are reported. */
  log?: Pick<Logger, 'warn'>;
}

/** A map tileset as the tileset list describes it. */
interface TilesetEntry {
  readonly crs: string;
  readonly links: readonly OgcLink[];
}

/** One usable tileset: its grid and the tile source that fetches from its URL template. */
interface TileEndpoint {
  readonly grid: TileGrid;
  readonly tiles: TileSource;
}

/** `{tileMatrix}/{tileRow}/{tileCol}` as the %-template of a tile source (level, row and column in the grid's origin). */
function percentTemplate(template: string): string {
  return template
    .replace(/%/g, '%%')
    .replaceAll('{tileMatrix}', '%(z)s')
    .replaceAll('{tileRow}', '%(y)s')
    .replaceAll('{tileCol}', '%(x)s');
}

/** Whether the grid has the query as exactly one of its tiles (not merely one tile of a nearby level). */
function servesAsOneTile(grid: TileGrid, query: MapQuery): boolean {
  if (!grid.srs.equals(query.srs) || grid.tileSize[0] !== query.size[0] || grid.tileSize[1] !== query.size[1]) return false;
  try {
    const affected = grid.affectedTiles(query.bbox, query.size);
    if (affected.gridSize[0] !== 1 || affected.gridSize[1] !== 1) return false;
    const res = (query.bbox[2] - query.bbox[0]) / query.size[0];
    return Math.abs(grid.resolution(affected.level) - res) <= res * 1e-6 && bboxEquals(affected.bbox, query.bbox);
  } catch {
    return false;
  }
}

/**
 * MapProxy 7's `ogcapitiles` source: map tiles of an OGC API – Tiles server. On first use it reads the collection
 * (or the landing page), follows its `tilesets-map` link and groups the map tilesets by CRS; for each CRS and
 * format asked it reads the tilesets' tile matrix sets and tile URL templates. A query goes to the tileset whose
 * grid has it as one tile, so a cache grid finds the matching tile matrix set among several of its CRS (MapProxy 7
 * takes the first one that reads). Answers exactly one tile, as a `tile` source.
 *
 * What was read is kept for the life of the source; a failed discovery is tried again on the next query.
 */
export class OgcApiTilesSource implements MapSource {
  readonly supportsMetaTiles = false;
  readonly transparent: boolean;
  readonly opacity?: number;
  readonly coverage?: Coverage;
  readonly extent: MapExtent;
  readonly resRange?: ResolutionRange;
  private tilesets: Promise<Map<string, TilesetEntry[]>> | null = null;
  private readonly endpoints = new Map<string, Promise<TileEndpoint[]>>();

  constructor(private readonly options: OgcApiTilesSourceOptions) {
    this.transparent = options.transparent ?? false;
    if (options.opacity !== undefined) this.opacity = options.opacity;
    if (options.coverage) this.coverage = options.coverage;
    if (options.resRange) this.resRange = options.resRange;
    this.extent = options.coverage ? options.coverage.extent : MapExtent.default();
  }

  /** The document whose links lead to the tilesets: the collection, or the landing page. */
  get describedAt(): string {
    return describingDocument(this.options);
  }

  async getMap(query: MapQuery): Promise<ImageResult | null> {
    const endpoints = await this.endpointsFor(query.srs, bareMime(query.format));
    const endpoint = endpoints.find((e) => servesAsOneTile(e.grid, query)) ?? endpoints[0]!;
    return endpoint.tiles.getMap(query);
  }

  /** The grids this source found for a CRS and format (for tests and the log). */
  async gridsFor(srs: SRS, mimeType: string): Promise<TileGrid[]> {
    return (await this.endpointsFor(srs, mimeType)).map((e) => e.grid);
  }

  private endpointsFor(srs: SRS, mimeType: string): Promise<TileEndpoint[]> {
    const code = normalizeSrsCode(srs.code);
    const key = `${code}/${mimeType}`;
    let found = this.endpoints.get(key);
    if (!found) {
      found = this.readEndpoints(code, srs, mimeType);
      this.endpoints.set(key, found);
      found.catch(() => this.endpoints.delete(key));
    }
    return found;
  }

  private async readEndpoints(code: string, srs: SRS, mimeType: string): Promise<TileEndpoint[]> {
    const byCrs = await this.tilesetList();
    const out: TileEndpoint[] = [];
    for (const tileset of byCrs.get(code) ?? []) {
      try {
        out.push(await this.readTileset(tileset, mimeType));
      } catch (err) {
        if (!(err instanceof SourceError)) throw err;
        this.options.log?.warn(`ogcapitiles ${this.describedAt}: tileset in ${tileset.crs} not used: ${err.message}`);
      }
    }
    if (out.length === 0) throw new SourceError(`Cannot find a valid tile matrix set for ${srs.code} (${mimeType}) at ${this.describedAt}`);
    return out;
  }

  private tilesetList(): Promise<Map<string, TilesetEntry[]>> {
    if (!this.tilesets) {
      this.tilesets = this.readTilesetList();
      this.tilesets.catch(() => {
        this.tilesets = null;
      });
    }
    return this.tilesets;
  }

  private async readTilesetList(): Promise<Map<string, TilesetEntry[]>> {
    const url = this.describedAt;
    const links = linksOf(await fetchOgcJson(this.options.http, url), url);
    const href = findHref(links, REL.tilesetsMap, 'application/json');
    if (!href) throw new SourceError(`Could not retrieve a tilesets-map link in ${url} response`);
    const listUrl = resolveHref(url, href);
    const list = (await fetchOgcJson(this.options.http, listUrl)) as { tilesets?: unknown } | null;
    if (!Array.isArray(list?.tilesets)) throw new SourceError(`Could not retrieve 'tilesets' in ${listUrl} response`);
    const wanted = this.options.tileMatrixSetId;
    const byCrs = new Map<string, TilesetEntry[]>();
    for (const raw of list.tilesets as unknown[]) {
      const t = raw as { dataType?: unknown; crs?: unknown; links?: unknown };
      if (t?.dataType !== 'map' || !Array.isArray(t.links)) continue;
      const crsUri = typeof t.crs === 'string' ? t.crs : (t.crs as { uri?: unknown } | undefined)?.uri;
      const crsCode = typeof crsUri === 'string' ? crsUriToCode(crsUri) : null;
      if (!crsCode) continue;
      const tlinks = linksOf(t, listUrl).map((l) => ({ ...l, href: resolveHref(listUrl, l.href) }));
      if (wanted && !tlinks.some((l) => l.href.split('?')[0]!.endsWith(`/${wanted}`))) continue;
      const key = normalizeSrsCode(crsCode);
      byCrs.set(key, [...(byCrs.get(key) ?? []), { crs: crsUri as string, links: tlinks }]);
    }
    return byCrs;
  }

  /** The tile matrix set (`tiling-scheme`) and the tile URL template (`item` of the tileset's `self`). */
  private async readTileset(tileset: TilesetEntry, mimeType: string): Promise<TileEndpoint> {
    const schemeHref = findHref(tileset.links, REL.tilingScheme, 'application/json');
    if (!schemeHref) throw new SourceError(`Could not retrieve a 'tiling-scheme' link for the tileset`);
    const selfHref = findHref(tileset.links, 'self', 'application/json');
    if (!selfHref) throw new SourceError(`Could not retrieve a 'self' link for the tileset`);
    const grid = tileGridFromTileMatrixSet(await fetchOgcJson(this.options.http, schemeHref));
    const full = await fetchOgcJson(this.options.http, selfHref);
    const templateHref = findHref(linksOf(full, selfHref), 'item', mimeType);
    if (!templateHref) throw new SourceError(`Could not retrieve a tile template URL (${mimeType}) in ${selfHref} response`);
    const o = this.options;
    const tiles = new TileSource({
      url: percentTemplate(resolveHref(selfHref, templateHref)),
      grid,
      http: o.http,
      transparent: this.transparent,
      ...(o.opacity !== undefined ? { opacity: o.opacity } : {}),
      ...(o.coverage ? { coverage: o.coverage } : {}),
      ...(o.resRange ? { resRange: o.resRange } : {}),
      ...(o.onError ? { onError: o.onError } : {}),
    });
    return { grid, tiles };
  }
}

/** 'image/png; mode=8bit' → 'image/png'; a bare 'png' → 'image/png'. */
function bareMime(format: string): string {
  const mime = format.split(';', 1)[0]!.trim();
  return mime.includes('/') ? mime : `image/${mime}`;
}
