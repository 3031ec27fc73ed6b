import { parseColor } from './color.js';
import type { MapReader } from './config-reader.js';
import { describeValue } from './errors.js';
import { resolveImageOptions } from './image-options.js';
import { httpOf, readCommon, readOnError, readSourceImage, type SourceReadEnv } from './sources.js';
import type { ImageFormatConfig, OgcApiMapsSourceConfig, OgcApiTilesSourceConfig } from './types.js';

/** `landingpage_url` without its trailing '/' (MapProxy strips it before appending paths). */
function landingpageUrl(r: MapReader): string {
  return r.reqStr('landingpage_url').replace(/\/+$/, '');
}

/** `type: ogcapitiles`: MapProxy 7's keys, plus `http` and `on_error`, which its source reads like every HTTP source. */
export function readOgcApiTilesSource(r: MapReader, name: string, e: SourceReadEnv): OgcApiTilesSourceConfig {
  const common = readCommon(r, name, e.globals);
  const img = readSourceImage(r, e.globals, false);
  const out: OgcApiTilesSourceConfig = {
    type: 'ogcapitiles',
    ...common,
    landingpageUrl: landingpageUrl(r),
    image: img.image,
    imageOptions: resolveImageOptions(e.globals, img.image, undefined),
    http: httpOf(r, e.globals),
    onError: readOnError(r),
  };
  const collection = r.str('collection');
  if (collection !== undefined) out.collection = collection;
  const tms = r.str('tile_matrix_set_id');
  if (tms !== undefined) out.tileMatrixSetId = tms;
  return out;
}

/** `type: ogcapimaps`: a WMS-like source (supported_srs, transparent_color) whose map URLs come from the server. */
export function readOgcApiMapsSource(r: MapReader, name: string, e: SourceReadEnv): OgcApiMapsSourceConfig {
  const common = readCommon(r, name, e.globals);
  const transparent = r.bool('transparent');
  const img = readSourceImage(r, e.globals, true);
  const image: ImageFormatConfig = { ...img.image };
  // SourceConfiguration.image_opts: a source-level `transparent` overrides image.transparent.
  if (transparent !== undefined) image.transparent = transparent;
  const out: OgcApiMapsSourceConfig = {
    type: 'ogcapimaps',
    ...common,
    landingpageUrl: landingpageUrl(r),
    supportedSrs: r.strList('supported_srs') ?? [],
    image,
    imageOptions: resolveImageOptions(e.globals, image, undefined),
    transparentColorTolerance: img.transparentColorTolerance,
    http: httpOf(r, e.globals),
    onError: readOnError(r),
  };
  const collection = r.str('collection');
  if (collection !== undefined) out.collection = collection;
  if (transparent !== undefined) out.transparent = transparent;
  if (img.transparentColor) out.transparentColor = img.transparentColor;
  const bgcolor = r.get('bgcolor');
  if (bgcolor !== undefined && bgcolor !== null) {
    const c = parseColor(bgcolor);
    if (!c) throw r.error('bgcolor', `expected a color like '#ffffff' or [255, 255, 255], got ${describeValue(bgcolor)}`);
    out.bgcolor = c;
  }
  return out;
}
