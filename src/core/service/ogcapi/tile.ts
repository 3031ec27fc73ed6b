import type { BBox } from '../../geo/bbox.js';
import type { CoreResponse } from '../../http.js';
import { tileAccessFor } from '../../auth/tile-access.js';
import type { TileLayer } from '../../layer/tile-layer.js';
import { RequestError } from '../request-error.js';
import { loadPublishedTile, tileExtension } from '../tile/published-tile.js';
import { TileServiceGrid } from '../tile/service-grid.js';
import { tileResponse } from '../tile-response.js';
import { background } from './background.js';
import { OgcApiError } from './errors.js';
import { checkSize, displayResolution, requestedSize, scaleDenominator, scaleToCrsRes } from './map-extent.js';
import { renderMap } from './map.js';
import { checkParams, imageFormat, type MapFormat } from './negotiation.js';
import type { Published } from './published.js';
import type { OgcRequest } from './request-context.js';
import type { TileMatrixSet } from './tile-matrix-sets.js';

/** The parameters that change how a tile is drawn: with none of them a cached tile is served as it is. */
const RENDERING_PARAMS = ['bgcolor', 'transparent', 'width', 'height', 'scale-denominator', 'mm-per-pixel'];

/** A tile address: level, row and column counted from the grid's corner of origin. */
export interface TileAddress {
  readonly z: number;
  readonly row: number;
  readonly col: number;
}

const intIn = (value: string, max: number): number | null => (/^\d+$/.test(value) && Number(value) < max ? Number(value) : null);

/** Checks level, row and column against the tile matrix (400 with the valid range, as MapProxy 7). */
export function tileAddress(tms: TileMatrixSet, zStr: string, rowStr: string, colExt: string): TileAddress {
  const grid = tms.grid;
  const z = intIn(zStr, grid.levels);
  if (z === null) throw OgcApiError.invalidParameter(`Invalid zoom level. Valid range is [0,${grid.levels - 1}]`);
  const [matrixWidth, matrixHeight] = grid.gridSize(z);
  const row = intIn(rowStr, matrixHeight);
  if (row === null) throw OgcApiError.invalidParameter(`Invalid row number. Valid range is [0,${matrixHeight - 1}]`);
  const dot = colExt.indexOf('.');
  const col = intIn(dot > 0 ? colExt.slice(0, dot) : colExt, matrixWidth);
  if (col === null) throw OgcApiError.invalidParameter(`Invalid col number. Valid range is [0,${matrixWidth - 1}]`);
  return { z, row, col };
}

/** The cache that publishes this collection in this grid and format (the WMTS/TMS tile layer of the same name). */
function cachedTileLayer(pub: Published, collId: string, tms: TileMatrixSet, format: MapFormat): TileLayer | undefined {
  return pub.opts.tileLayers.find((l) => l.name === collId && l.grid.name === tms.gridName && tileExtension(l.format) === format);
}

/** The tile's area in the grid's CRS (its corner of origin: top left for nw grids, bottom left for sw grids). */
function tileBBox(tms: TileMatrixSet, t: TileAddress): BBox {
  const grid = tms.grid;
  const res = grid.resolutions[t.z]!;
  const [tw, th] = grid.tileSize;
  const minx = grid.bbox[0] + t.col * tw * res;
  const maxx = grid.bbox[0] + (t.col + 1) * tw * res;
  if (grid.origin === 'nw') return [minx, grid.bbox[3] - (t.row + 1) * th * res, maxx, grid.bbox[3] - t.row * th * res];
  return [minx, grid.bbox[1] + t.row * th * res, maxx, grid.bbox[1] + (t.row + 1) * th * res];
}

/** The size a rendered tile is drawn at: the tile size scaled by `mm-per-pixel`, `scale-denominator` or `width`/`height`. */
function renderSize(pub: Published, ctx: OgcRequest, tms: TileMatrixSet, z: number): [number, number] {
  const grid = tms.grid;
  const { width, height } = pub.opts.enableMaps ? requestedSize(ctx.params) : {};
  const metersPerPixel = displayResolution(ctx.params);
  const scale = scaleDenominator(ctx.params);
  const [tw, th] = grid.tileSize;
  if (scale && (width || height)) throw OgcApiError.invalidParameter('scale-denominator is mutually exclusive with width or height');
  let zoom = 0.00028 / metersPerPixel;
  if (scale) zoom = grid.resolutions[z]! / scaleToCrsRes(scale, metersPerPixel, grid.srs);
  let size: [number, number] = [Math.round(tw * zoom), Math.round(th * zoom)];
  if (width && height) size = [width, height];
  else if (width) size = [width, Math.round((width * tw) / th)];
  else if (height) size = [Math.round((height * th) / tw), height];
  checkSize(size[0], size[1], pub.opts.maxOutputPixels);
  return size;
}

/**
 * `…/map/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}`: a collection's tile in a grid one of its
 * caches holds, asked without rendering options, is that cache's tile (the bytes WMTS and TMS serve, with their
 * caching headers); any other tile is drawn from the map layers as MapProxy 7 draws all of them.
 */
export async function getTile(pub: Published, ctx: OgcRequest, collId: string | null, tmsId: string, zStr: string, rowStr: string, colExt: string): Promise<CoreResponse> {
  const p = ctx.params;
  const allowed = ['f', 'bgcolor', 'transparent'];
  if (collId === null) allowed.push('collections');
  if (pub.opts.enableMaps) allowed.push('width', 'height', 'scale-denominator', 'mm-per-pixel');
  checkParams(p, allowed);
  const f = p.get('f');
  if (f !== undefined && f !== 'png' && f !== 'jpeg') throw OgcApiError.invalidParameter('Invalid value for f query parameter');
  const layers = collId === null ? pub.datasetLayers(p.get('collections'), 'tile') : [collId];
  if (collId !== null) pub.collection(collId);
  const tms = pub.tileMatrixSet(tmsId);
  const format = imageFormat(ctx.req, p, colExt);
  const t = tileAddress(tms, zStr, rowStr, colExt);
  const size = renderSize(pub, ctx, tms, t.z);

  const cached = collId !== null && !RENDERING_PARAMS.some((n) => p.has(n)) ? cachedTileLayer(pub, collId, tms, format) : undefined;
  if (cached) {
    try {
      // the same tile as through WMTS, guarded as WMTS guards it (the `tile` permission, limited_to, decorate_img)
      const tile = await loadPublishedTile(
        cached,
        new TileServiceGrid(cached.grid),
        { coord: [t.col, t.row, t.z], origin: tms.grid.origin, useProfiles: false },
        tileAccessFor(ctx.req, 'ogcapi.tile', cached),
      );
      return tileResponse(ctx.req, { data: tile.data, contentType: tile.mimeType, timestamp: tile.timestamp, cacheable: tile.cacheable, cacheStatus: tile.cacheStatus }, { maxAge: pub.opts.maxTileAge });
    } catch (err) {
      if (err instanceof RequestError) throw err.internal ? OgcApiError.internal(err.message) : OgcApiError.invalidParameter(err.message);
      throw err;
    }
  }
  return renderMap(pub, ctx.req, {
    layers,
    area: { bbox: tileBBox(tms, t), size, srs: tms.grid.srs },
    format,
    background: background(p.get('bgcolor'), p.get('transparent')),
    authService: 'ogcapi.tile',
  });
}
