import type { InfoType } from '../../source/featureinfo-doc.js';
import { infoFormatMimeType } from './capabilities.js';
import type { WmsVersion } from './version.js';

const INFO_TYPES: readonly InfoType[] = ['text', 'html', 'xml', 'json'];

/**
 * The info type a version names with this exact INFO_FORMAT (MapProxy's infotype_from_mimetype):
 * text/xml in 1.3.0, application/vnd.ogc.gml before; undefined for any other mime type.
 */
export function infoTypeOfMimeType(version: WmsVersion, mimeType: string): InfoType | undefined {
  return INFO_TYPES.find((t) => infoFormatMimeType(version, t) === mimeType);
}

/** `featureinfo_types` entries MapProxy knows; others would advertise text/plain. */
export function isInfoType(value: string): value is InfoType {
  return (INFO_TYPES as readonly string[]).includes(value);
}

/**
 * The info types a WMS advertises: `featureinfo_types`, else the types with a `featureinfo_xslt`, else text, html
 * and xml (MapProxy's order). Capabilities list them, and the demo picks its INFO_FORMAT from them.
 */
export function advertisedInfoTypes(opts: { infoTypes?: readonly string[]; infoTransformers?: ReadonlyMap<InfoType, unknown> }): readonly string[] {
  const transformed = [...(opts.infoTransformers?.keys() ?? [])];
  return opts.infoTypes ?? (transformed.length ? transformed : ['text', 'html', 'xml']);
}
