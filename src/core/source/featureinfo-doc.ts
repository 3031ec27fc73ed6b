/** The four kinds of feature-info answers MapProxy tells apart, and merges each in its own way. */
export type InfoType = 'text' | 'html' | 'xml' | 'json';

/** One source's feature-info answer, decoded as UTF-8 (as MapProxy 7 decodes it). */
export interface FeatureInfoDoc {
  readonly type: InfoType;
  readonly content: string;
}

const XML_TYPES = new Set(['text/xml', 'application/xml', 'application/gml+xml', 'application/vnd.ogc.gml']);

/** The info type of a mime type, its options (charset) ignored; anything unknown is text (MapProxy's featureinfo_type). */
export function infoTypeOf(mimeType: string): InfoType {
  const bare = mimeType.split(';', 1)[0]!.trim();
  if (XML_TYPES.has(bare)) return 'xml';
  if (bare === 'text/html') return 'html';
  if (bare === 'application/json') return 'json';
  return 'text';
}

export function featureInfoDoc(content: string | Buffer, mimeType: string): FeatureInfoDoc {
  return { type: infoTypeOf(mimeType), content: typeof content === 'string' ? content : content.toString('utf8') };
}
