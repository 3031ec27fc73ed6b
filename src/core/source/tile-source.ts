import type { Coverage } from '../geo/coverage.js';
import { MapExtent } from '../geo/extent.js';
import { NoTilesError, type TileGrid } from '../geo/grid.js';
import type { ResolutionRange } from '../geo/resolution-range.js';
import { formatExt } from '../image/format.js';
import { ImageResult } from '../image/image.js';
import { HTTPClientError, type HttpClient } from '../client/http-client.js';
import type { OnErrorHandler } from './on-error.js';
import { InvalidSourceQuery, SourceError, type MapQuery, type MapSource } from './source.js';
import { TileUrlTemplate } from './tile-url-template.js';

export interface TileSourceOptions {
  /** `url`: a Python %-template (see TileUrlTemplate). May contain `user:pass@`. */
  url: string;
  /** `grid`: the upstream tile grid (MapProxy's default is GLOBAL_MERCATOR, origin sw). */
  grid: TileGrid;
  http: HttpClient;
  /** The %(format)s used when the query's format gives none (the source's request format, e.g. 'png'). */
  format?: string;
  transparent?: boolean;
  opacity?: number;
  coverage?: Coverage;
  resRange?: ResolutionRange;
  onError?: OnErrorHandler;
}

/**
 * An upstream XYZ/TMS/TileCache server (MapProxy's TiledSource + TileClient). Answers exactly one
 * tile of its grid per query; tile coordinates are in the grid's own origin.
 */
export class TileSource implements MapSource {
  readonly supportsMetaTiles = false;
  readonly transparent: boolean;
  readonly opacity?: number;
  readonly coverage?: Coverage;
  readonly extent: MapExtent;
  readonly resRange?: ResolutionRange;
  readonly grid: TileGrid;
  readonly urlTemplate: TileUrlTemplate;

  constructor(private readonly options: TileSourceOptions) {
    this.grid = options.grid;
    this.urlTemplate = new TileUrlTemplate(options.url, options.format ? formatExt(options.format) : 'png');
    this.transparent = options.transparent ?? false;
    if (options.opacity !== undefined) this.opacity = options.opacity;
    if (options.coverage) this.coverage = options.coverage;
    if (options.resRange) this.resRange = options.resRange;
    this.extent = options.coverage ? options.coverage.extent : new MapExtent(this.grid.bbox, this.grid.srs);
  }

  async getMap(query: MapQuery): Promise<ImageResult | null> {
    const [tw, th] = this.grid.tileSize;
    if (tw !== query.size[0] || th !== query.size[1]) {
      throw new InvalidSourceQuery(
        `tile size of cache and tile source do not match: (${tw}, ${th}) != (${query.size[0]}, ${query.size[1]})`);
    }
    if (!this.grid.srs.equals(query.srs)) {
      throw new InvalidSourceQuery(`SRS of cache and tile source do not match: ${this.grid.srs.code} != ${query.srs.code}`);
    }
    if (this.resRange && !this.resRange.contains(query.bbox, query.size, query.srs)) return null;
    if (this.coverage && !this.coverage.intersects(query.bbox, query.srs)) return null;

    let affected;
    try {
      affected = this.grid.affectedTiles(query.bbox, query.size);
    } catch (err) {
      if (err instanceof NoTilesError) return null;
      throw new InvalidSourceQuery(`BBOX does not align to tile: ${(err as Error).message}`);
    }
    if (affected.gridSize[0] !== 1 || affected.gridSize[1] !== 1) throw new InvalidSourceQuery('BBOX does not align to tile');
    const coord = affected.tiles[0];
    if (!coord) return null;

    const url = this.urlTemplate.substitute(coord, formatExt(query.format), this.grid);
    try {
      const res = await this.options.http.request(url);
      const type = res.headers['content-type'];
      if (type !== undefined && !type.toLowerCase().startsWith('image')) {
        throw new HTTPClientError(`response is not an image: (${res.body.subarray(0, 100).toString('utf8')})`);
      }
      return ImageResult.fromEncoded(res.body, { transparent: this.transparent });
    } catch (err) {
      if (err instanceof HTTPClientError) {
        const fallback = this.options.onError?.handle(err.responseCode, query.size);
        if (fallback) return fallback;
        throw new SourceError(err.message, { cause: err });
      }
      throw err;
    }
  }
}
