/**
 * The JSON Schema (draft-07) of mapproxy.yaml as our configuration readers accept it: one entry per key the readers
 * in src/core/config and the cache backends read, with the type they check. Editors use the generated file
 * (schema/mapproxy.schema.json, `npm run build:schema`) to complete and check configurations; `validate` checks
 * files against it. Keys MapProxy documents but we do not read are left out, so an editor flags them like a typo;
 * the readers still only warn about unknown keys, as MapProxy does.
 */
export type JsonSchema = { [key: string]: unknown };

export const str = (description?: string): JsonSchema => ({ type: 'string', ...(description ? { description } : {}) });
export const num = (description?: string): JsonSchema => ({ type: 'number', ...(description ? { description } : {}) });
export const int = (description?: string): JsonSchema => ({ type: 'integer', ...(description ? { description } : {}) });
export const bool = (description?: string): JsonSchema => ({ type: 'boolean', ...(description ? { description } : {}) });
export const list = (items: JsonSchema, description?: string): JsonSchema => ({ type: 'array', items, ...(description ? { description } : {}) });
const oneOfValues = (values: readonly (string | number | boolean)[], description?: string): JsonSchema => ({ enum: [...values], ...(description ? { description } : {}) });
export const anyOf = (...schemas: JsonSchema[]): JsonSchema => ({ anyOf: schemas });
/** YAML's empty value: `demo:` with nothing after it is a null, and the readers take it as an empty mapping. */
export const orNull = (s: JsonSchema): JsonSchema => anyOf(s, { type: 'null' });
export const ref = (name: string): JsonSchema => ({ $ref: `#/definitions/${name}` });
export const obj = (properties: Record<string, JsonSchema>, description?: string, extra: JsonSchema = {}): JsonSchema => ({
  type: 'object', properties, additionalProperties: false, ...(description ? { description } : {}), ...extra,
});
export const mapOf = (values: JsonSchema, description?: string): JsonSchema => ({ type: 'object', additionalProperties: values, ...(description ? { description } : {}) });
/** Free-form mappings whose keys are the user's (request parameters, HTTP headers, metadata). */
const anyMap = (description?: string): JsonSchema => ({ type: 'object', ...(description ? { description } : {}) });

const bbox = list(num(), 'minx, miny, maxx, maxy (a list or a comma separated string)');
const bboxOrString = anyOf({ ...bbox, minItems: 4, maxItems: 4 }, str());
const pair = (item: JsonSchema): JsonSchema => ({ type: 'array', items: item, minItems: 2, maxItems: 2 });
const stringOrList = anyOf(str(), list(str()));

/** `refresh_before` of a cache and a seed task, `remove_before` of a cleanup: a time, a file's mtime, or an age. */
export const refreshBefore = obj({ seconds: num(), minutes: num(), hours: num(), days: num(), weeks: num(), time: str(), mtime: str() });

const imageOptions = obj({
  format: str('mime type, e.g. image/png'),
  mode: oneOfValues(['RGB', 'RGBA', 'P', 'L', 'I']),
  colors: int('colours of a paletted PNG (0: not paletted)'),
  transparent: bool(),
  opacity: num(),
  resampling_method: oneOfValues(['nearest', 'bilinear', 'bicubic']),
  encoding_options: obj({
    jpeg_quality: int(),
    quantizer: oneOfValues(['fastoctree', 'mediancut']),
    tiff_compression: oneOfValues(['raw', 'tiff_lzw', 'jpeg', 'tiff_deflate', 'tiff_adobe_deflate']),
  }),
  merge_method: str(),
  transparent_color: anyOf(str(), list(int())),
  transparent_color_tolerance: num(),
});

export const coverage: JsonSchema = {
  type: 'object',
  description: 'bbox, polygons, datasource (WKT, GeoJSON, OGR), expire_tiles, or union/intersection/difference of coverages',
  properties: {
    bbox: bboxOrString,
    srs: str(),
    bbox_srs: str(),
    polygons: str('a WKT file'),
    polygons_srs: str(),
    datasource: anyOf(str(), { ...bbox, minItems: 4, maxItems: 4 }),
    where: str(),
    ogr_datasource: str(),
    ogr_where: str(),
    ogr_srs: str(),
    expire_tiles: str(),
    clip: bool(),
    union: list({ $ref: '#/definitions/coverage' }),
    intersection: list({ $ref: '#/definitions/coverage' }),
    difference: list({ $ref: '#/definitions/coverage' }),
  },
  additionalProperties: false,
};

const http = obj({
  ssl_no_cert_checks: bool(),
  ssl_ca_certs: str(),
  client_timeout: num('seconds'),
  method: oneOfValues(['AUTO', 'GET', 'POST']),
  headers: anyMap('HTTP headers sent upstream'),
  manage_cookies: bool(),
  hide_error_details: bool(),
  access_control_allow_origin: str(),
});

const onError = mapOf(obj({
  response: anyOf(str(), list(int())),
  cache: bool(),
  authorize_stale: bool(),
}), 'per HTTP status (or "other"): the answer when the source fails');

const sourceCommon: Record<string, JsonSchema> = {
  type: str(),
  coverage: ref('coverage'),
  seed_only: bool('only used while seeding'),
  min_res: num(), max_res: num(), min_scale: num(), max_scale: num(),
  concurrent_requests: int(),
  image: imageOptions,
  http,
  on_error: onError,
  supported_srs: list(str()),
  supported_formats: list(str()),
  transparent_color: anyOf(str(), list(int())),
  transparent_color_tolerance: num(),
  forward_req_params: list(str()),
  wms_opts: obj({
    version: oneOfValues(['1.0.0', '1.1.0', '1.1.1', '1.3.0']),
    map: bool(), featureinfo: bool(), legendgraphic: bool(), legendurl: str(),
    featureinfo_format: str(), featureinfo_xslt: str(), featureinfo_out_format: str(), query_layers: str(),
  }),
};

const source: JsonSchema = {
  type: 'object',
  required: ['type'],
  properties: {
    ...sourceCommon,
    // MapProxy's mapnik source is not read by us (the readers reject it), so not listed
    type: oneOfValues(['wms', 'tile', 'mapserver', 'arcgis', 'debug', 'ogcapitiles', 'ogcapimaps'], 'source type'),
    landingpage_url: str('ogcapitiles/ogcapimaps: the OGC API landing page'),
    collection: str(), tile_matrix_set_id: str(), bgcolor: anyOf(str(), list(int())),
    transparent: bool(),
    opts: obj({ map: bool(), featureinfo: bool(), featureinfo_tolerance: num('pixels'), featureinfo_return_geometries: bool() }),
    req: anyMap('request parameters: url, layers, styles, transparent, sld, … (sent upstream as given)'),
    url: str('tile URL template: %(z)s %(x)s %(y)s %(tms_path)s %(quadkey)s %(bbox)s'),
    grid: str(), origin: str(), format: str(), request_format: str(),
    mapserver: obj({ binary: str(), working_dir: str() }),
    layers: anyOf(str(), list(str())),
    styles: str(), sld: str(), sld_body: str(), query_layers: str(),
  },
  additionalProperties: false,
};

const cacheBackendOptions: JsonSchema = {
  type: 'object',
  description: 'where tiles are stored: type file (default), mbtiles, sqlite, geopackage, compact, redis, couchdb, s3, azureblob, tiered',
  properties: {
    type: oneOfValues(['file', 'mbtiles', 'sqlite', 'geopackage', 'compact', 'redis', 'couchdb', 's3', 'azureblob', 'tiered']),
    coverage: ref('coverage'),
    tile_lock_dir: str(),
    directory: str(), directory_layout: oneOfValues(['tc', 'mp', 'tms', 'reverse_tms', 'quadkey', 'arcgis']),
    use_grid_names: bool(),
    filename: str(), sqlite_timeout: num(), sqlite_wal: bool(), ttl: int(),
    table_name: str(), levels: bool(),
    version: oneOfValues([1, 2]),
    host: str(), port: int(), db: int(), prefix: str(), default_ttl: num(), username: str(), password: str(),
    ssl_certfile: str(), ssl_keyfile: str(), ssl_ca_certs: str(),
    url: str(), db_name: str(), tile_id: str(), tile_metadata: anyMap(),
    bucket_name: str(), profile_name: str(), region_name: str(), endpoint_url: str(),
    access_control_list: oneOfValues(['private', 'public-read', 'public-read-write', 'authenticated-read', 'bucket-owner-read', 'bucket-owner-full-control']),
    use_http_get: bool(), include_grid_name: bool(), timeout: num(),
    connection_string: str(), container_name: str(),
    tiers: list({ $ref: '#/definitions/cacheBackend' }),
  },
  additionalProperties: false,
};

const cache = obj({
  sources: anyOf(list(str()), anyMap('band merging: l, r, g, b, a lists')),
  grids: list(str()),
  name: str(),
  format: str(), request_format: str(),
  image: imageOptions,
  meta_size: pair(int()), meta_buffer: int(), bulk_meta_tiles: bool(), minimize_meta_requests: bool(),
  concurrent_tile_creators: int(),
  max_tile_limit: int(),
  link_single_color_images: anyOf(bool(), oneOfValues(['symlink', 'hardlink'])),
  disable_storage: bool(),
  cache_dir: str(),
  cache: ref('cacheBackend'),
  refresh_before: refreshBefore,
  use_direct_from_level: int(), use_direct_from_res: num(),
  cache_rescaled_tiles: bool(), upscale_tiles: int(), downscale_tiles: int(),
  watermark: obj({ text: str(), font_size: num(), color: anyOf(str(), list(num())), opacity: num(), spacing: oneOfValues(['wide']) }),
});

const grid = obj({
  base: str('a grid to start from, e.g. GLOBAL_WEBMERCATOR'),
  name: str(),
  srs: str(), bbox: bboxOrString, bbox_srs: str(),
  tile_size: pair(int()),
  res: list(num()), res_factor: anyOf(num(), oneOfValues(['sqrt2'])),
  num_levels: int(), min_res: num(), max_res: num(),
  align_resolutions_with: str(),
  origin: oneOfValues(['ll', 'sw', 'ul', 'nw']),
  threshold_res: list(num()),
  stretch_factor: num(), max_shrink_factor: num(),
});

const layer: JsonSchema = obj({
  name: str(),
  title: str(),
  sources: list(str()),
  tile_sources: list(str()),
  layers: list({ $ref: '#/definitions/layer' }),
  md: anyMap('metadata for capabilities: abstract, keyword_list, attribution, …'),
  min_res: num(), max_res: num(), min_scale: num(), max_scale: num(),
  legendurl: str(), wmts_rest_legendurl: str(), wmts_kvp_legendurl: str(),
  dimensions: mapOf(obj({ values: list(anyOf(str(), num())), default: anyOf(str(), num()) }, 'values (one ISO 8601 interval for a time) and default')),
  nominal_res: num(), nominal_scale: num(),
});

const metadata = anyMap('title, abstract, online_resource, contact, access_constraints, fees, keyword_list');

const services = obj({
  demo: orNull(anyMap()),
  ogcapi: orNull(obj({
    enable_tiles: bool(), enable_maps: bool(), map_srs: list(str()), attribution: obj({ text: str() }),
    on_source_errors: oneOfValues(['notify', 'raise']), max_output_pixels: anyOf(int(), list(int())),
    image_formats: list(str()), concurrent_layer_renderer: int(), default_dataset_layers: list(str()),
    md: anyMap('identification, contact, license, provider'),
  })),
  kml: orNull(obj({ use_grid_names: bool() })),
  tms: orNull(obj({ use_grid_names: bool(), origin: oneOfValues(['ll', 'sw', 'ul', 'nw']) })),
  wmts: orNull(obj({
    restful: bool(), kvp: bool(), restful_template: str(), restful_featureinfo_template: str(),
    md: metadata, featureinfo_formats: list(obj({ mimetype: str(), suffix: str() })),
    inspire_md: anyMap(), // our extension, see docs/inspire.md
  })),
  wms: orNull(obj({
    srs: list(str()), bbox_srs: list(anyOf(str(), obj({ srs: str(), bbox: bboxOrString }))),
    image_formats: list(str()), attribution: obj({ text: str() }),
    featureinfo_types: list(str()), featureinfo_xslt: anyMap(),
    on_source_errors: oneOfValues(['notify', 'raise']), max_output_pixels: anyOf(int(), list(int())),
    strict: bool(), versions: list(str()), concurrent_layer_renderer: int(),
    md: metadata, inspire_md: anyMap(),
  })),
});

const globals = obj({
  cache: anyMap('base_dir, lock_dir, tile_lock_dir, meta_size, meta_buffer, bulk_meta_tiles, max_tile_limit, minimize_meta_requests, link_single_color_images, s3, azureblob, …'),
  image: obj({
    resampling_method: oneOfValues(['nearest', 'bilinear', 'bicubic']),
    paletted: bool(), stretch_factor: num(), max_shrink_factor: num(), jpeg_quality: int(),
    formats: mapOf(imageOptions), font_dir: str(), transparent_color_tolerance: num(), merge_method: str(),
  }),
  http,
  srs: obj({
    axis_order_ne: list(str()), axis_order_en: list(str()), proj_data_dir: str(), preferred_src_proj: mapOf(list(str())),
  }),
  tiles: obj({ expires_hours: num() }),
  grid: obj({ tile_size: pair(int()) }),
  mapserver: obj({ binary: str(), working_dir: str() }),
  renderd: obj({ address: str() }),
  background: obj({ url: str() }),
  max_tile_limit: int(),
});

const server = obj({
  bind: anyOf(str(), list(str())), workers: int(), socket_mode: anyOf(str(), int()), shutdown_timeout: num(), fastcgi: str(),
  decoded_tiles_mb: num(),
  limits: obj({ max_connections: int(), max_requests: int(), idle_timeout: num(), send_timeout: num(), request_timeout: num(), max_open_files: int() }),
  log: obj({ level: oneOfValues(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), format: oneOfValues(['json', 'pretty', 'auto']), access: bool(), upstream: bool() }),
  metrics: obj({ enabled: bool(), path: str(), bind: str() }),
}, "mapproxy-ts's own daemon settings (MapProxy has no such section)");

/** The whole schema, as written to schema/mapproxy.schema.json. */
export function mapproxySchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://github.com/mapproxy-ts/mapproxy-ts/schema/mapproxy.schema.json',
    title: 'mapproxy.yaml (mapproxy-ts)',
    description: 'A MapProxy configuration as mapproxy-ts reads it.',
    type: 'object',
    additionalProperties: false,
    properties: {
      base: stringOrList,
      parts: { description: 'a place for YAML anchors; ignored' },
      globals: orNull(globals),
      grids: orNull(mapOf(grid)),
      caches: orNull(mapOf(cache)),
      sources: orNull(mapOf(source)),
      layers: orNull(anyOf(list(layer), mapOf(obj({ title: str(), sources: list(str()) })))),
      services: orNull(services),
      server: orNull(server),
    },
    definitions: { coverage, cacheBackend: cacheBackendOptions, layer },
  };
}
