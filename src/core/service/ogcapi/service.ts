import { AccessDenied } from '../../auth/access-denied.js';
import { NO_CACHE_HEADERS, type CoreRequest, type CoreResponse } from '../../http.js';
import { DemoStaticFiles } from '../demo/static-files.js';
import { notFound } from '../response.js';
import type { Service } from '../service.js';
import { collection, collections } from './collections.js';
import { conformance } from './conformance.js';
import { OgcApiError } from './errors.js';
import { exceptionHtml } from './html-pages.js';
import { landingPage } from './landing-page.js';
import { datasetExtent, getMap } from './map.js';
import { api } from './openapi.js';
import type { OgcapiServiceOptions } from './options.js';
import { Published } from './published.js';
import { OgcRequest } from './request-context.js';
import { getTile } from './tile.js';
import { tileMatrixSet, tileMatrixSetList, tileset, tilesets, type TilesetScope } from './tilesets.js';

const MAP_FILES = new Set(['map', 'map.png', 'map.jpg', 'map.jpeg']);

/**
 * `/ogcapi`: OGC API Common, Maps and Tiles as MapProxy 7 lays them out, over the same layers (maps) and
 * caches (tiles) as WMS and WMTS. Documents answer in JSON or HTML (`f=`, else Accept); refusals are the
 * standard's JSON exception documents (or their HTML page) with their HTTP status.
 */
export class OgcapiService implements Service {
  readonly names = ['ogcapi'] as const;
  private readonly pub: Published;
  private readonly files = new DemoStaticFiles();

  constructor(opts: OgcapiServiceOptions) {
    this.pub = new Published(opts);
  }

  async handle(req: CoreRequest, path: string): Promise<CoreResponse> {
    const stat = /^\/ogcapi\/static\/([\w.-]+)$/.exec(path);
    if (stat) {
      if (!this.files.has(stat[1]!)) return notFound();
      return { status: 200, headers: { 'Content-Type': this.files.contentType(stat[1]!), 'Cache-Control': 'public, max-age=86400' }, body: await this.files.read(stat[1]!) };
    }
    const ctx = new OgcRequest(req, this.pub.opts.md);
    let segments: string[];
    try {
      segments = path.split('/').filter((s) => s !== '').slice(1).map(decodeURIComponent);
    } catch {
      return ctx.respond(new OgcApiError('Not Found', 'Not Found', 404).toJson(), exceptionHtml, 404);
    }
    try {
      const res = await this.route(ctx, segments);
      if (res) return res;
      throw new OgcApiError('Not Found', 'Not Found', 404);
    } catch (err) {
      if (err instanceof OgcApiError) return ctx.respond(err.toJson(), exceptionHtml, err.status);
      if (err instanceof AccessDenied) {
        // the app counts and logs the refusal; it answers with the standard's exception document
        const denied = OgcApiError.accessDenied(err.status);
        err.answer = ctx.respond(denied.toJson(), exceptionHtml, err.status, err.noCache ? { ...NO_CACHE_HEADERS } : {});
      }
      throw err;
    }
  }

  private scope(pub: Published, collId: string | null, what: string): TilesetScope {
    if (collId === null) {
      const layers = pub.datasetLayers(undefined, what);
      return { base: '', collection: null, extent: datasetExtent(pub, layers) };
    }
    const layer = pub.collection(collId);
    return { base: `/collections/${encodeURIComponent(collId)}`, collection: { id: collId, title: layer.title }, extent: layer.extent };
  }

  /**
   * Maps and tiles ask the authorization hook themselves (`ogcapi.map`, `ogcapi.tile`) with their extent; the
   * documents naming collections see only those `ogcapi.capabilities` permits (`visibleTo`).
   */
  private async route(ctx: OgcRequest, s: string[]): Promise<CoreResponse | null> {
    const pub = this.pub;
    const { enableMaps, enableTiles } = pub.opts;
    const n = s.length;
    if (n === 0) return landingPage(await pub.visibleTo(ctx.req), ctx);
    if (n === 1 && s[0] === 'conformance') return conformance(pub, ctx);
    if (n === 1 && s[0] === 'api') return api(pub, ctx);
    if (n === 1 && s[0] === 'collections') return collections(await pub.visibleTo(ctx.req), ctx);
    if (n === 2 && s[0] === 'collections') return collection(await pub.visibleTo(ctx.req), ctx, s[1]!);
    if (enableMaps && n === 3 && s[0] === 'collections' && MAP_FILES.has(s[2]!)) return getMap(pub, ctx, s[1]!, s[2]!);
    if (enableMaps && n === 1 && MAP_FILES.has(s[0]!)) return getMap(pub, ctx, null, s[0]!);
    if (!enableTiles) return null;
    if (n === 1 && s[0] === 'tileMatrixSets') return tileMatrixSetList(pub, ctx);
    if (n === 2 && s[0] === 'tileMatrixSets') return tileMatrixSet(pub, ctx, s[1]!);
    // a collection's tiles: /collections/{id}/map/tiles[/…] (and /collections/{id}/tiles, the same map tiles)
    let collId: string | null | undefined;
    let rest: string[] = [];
    if (s[0] === 'collections' && n >= 4 && s[2] === 'map' && s[3] === 'tiles') [collId, rest] = [s[1]!, s.slice(4)];
    else if (s[0] === 'collections' && n >= 3 && s[2] === 'tiles') [collId, rest] = [s[1]!, s.slice(3)];
    else if (s[0] === 'map' && n >= 2 && s[1] === 'tiles') [collId, rest] = [null, s.slice(2)];
    if (collId === undefined) return null;
    if (rest.length === 0) {
      const visible = await pub.visibleTo(ctx.req);
      return tilesets(visible, ctx, this.scope(visible, collId, 'tilesets'));
    }
    if (rest.length === 1) {
      const visible = await pub.visibleTo(ctx.req);
      return tileset(visible, ctx, this.scope(visible, collId, 'tileset'), rest[0]!);
    }
    if (rest.length === 4) return getTile(pub, ctx, collId, rest[0]!, rest[1]!, rest[2]!, rest[3]!);
    return null;
  }
}
