import type { BBox } from '../geo/bbox.js';
import type { CoreRequest } from '../http.js';
import type { DenialReason } from './denial-reason.js';

/**
 * What the authorization hook is asked about: MapProxy's service strings. `wms.map`, `wms.featureinfo` and
 * `wms.capabilities` for WMS; `tms` for TMS and /tiles tiles and capabilities; `wmts` and `wmts.featureinfo`;
 * `kml`; `demo`. (As in MapProxy, WMS GetLegendGraphic asks nobody.) MapProxy 7's OGC API asks nobody; ours asks
 * (our choice, see docs/authorization.md) `ogcapi.map` for maps (the `map` permission), `ogcapi.tile` for tiles
 * (`tile`) and `ogcapi.capabilities` for the documents listing collections (`map`, as WMS capabilities).
 */
export type AuthService =
  | 'wms.map'
  | 'wms.featureinfo'
  | 'wms.capabilities'
  | 'tms'
  | 'wmts'
  | 'wmts.featureinfo'
  | 'kml'
  | 'demo'
  | 'ogcapi.map'
  | 'ogcapi.tile'
  | 'ogcapi.capabilities';

/** An area a user may see: a bbox [minx, miny, maxx, maxy], WKT (one polygon per line) or GeoJSON, in `srs`. */
export interface LimitedTo {
  srs: string;
  geometry: readonly number[] | string | Record<string, unknown>;
}

/** What one layer permits in a `partial` answer; a missing key is false, as in MapProxy. */
export interface LayerPermissions {
  map?: boolean;
  featureinfo?: boolean;
  legendgraphic?: boolean;
  tile?: boolean;
  limited_to?: LimitedTo;
}

/**
 * MapProxy's answer dict. `none` and `forbidden` both refuse (403); `unauthenticated` asks for credentials (401).
 * `limited_to` of a partial answer applies to every layer (a layer's own `limited_to` wins for tiles).
 * `reason` (our extension) says why a refusal was given, for the denial count and log line; `challenge` (ours
 * too) is the `WWW-Authenticate` value a 401 carries (e.g. `Bearer error="invalid_token"`), none when absent.
 */
export type AuthResult =
  | { authorized: 'full' }
  | { authorized: 'partial'; layers: Readonly<Record<string, LayerPermissions>>; limited_to?: LimitedTo }
  | { authorized: 'none' | 'forbidden'; reason?: DenialReason }
  | { authorized: 'unauthenticated'; reason?: DenialReason; challenge?: string };

/** The query's area as (srs code, bbox), MapProxy's `query_extent`; null for capabilities and the demo. */
export type QueryExtent = readonly [srs: string, bbox: BBox];

export interface AuthorizeContext {
  /** The whole request: headers (lower case), remoteAddr, path, query, method. */
  request: CoreRequest;
  queryExtent: QueryExtent | null;
}

/**
 * The authorization hook (MapProxy's `environ['mapproxy.authorize']`): called before any cache or source is
 * touched with the service, the layers the request involves and the request itself.
 */
export type AuthorizeFn = (service: AuthService, layers: string[], ctx: AuthorizeContext) => AuthResult | Promise<AuthResult>;
