import { SourceError } from './source.js';

/** A link of an OGC API document (`links` of the landing page, a collection, a tileset list). */
export interface OgcLink {
  readonly rel: string;
  readonly href: string;
  readonly type?: string;
}

const OGC_REL = 'http://www.opengis.net/def/rel/ogc/1.0/';

/** The `links` of a document, or a SourceError naming where they were expected. */
export function linksOf(doc: unknown, url: string): OgcLink[] {
  const links = (doc as { links?: unknown } | null)?.links;
  if (!Array.isArray(links)) throw new SourceError(`Could not retrieve 'links' in ${url} response`);
  return links.filter((l): l is OgcLink => typeof l?.rel === 'string' && typeof l?.href === 'string');
}

/**
 * The href of the first link with this relation and media type, else of the first one with the relation and no
 * type (MapProxy 7's find_href_in_links); an OGC relation also matches its CURIE `[ogc-rel:…]`.
 */
export function findHref(links: readonly OgcLink[], rel: string, mediaType: string): string | null {
  const rels = rel.startsWith(OGC_REL) ? [rel, `[ogc-rel:${rel.slice(OGC_REL.length)}]`] : [rel];
  let untyped: string | null = null;
  for (const link of links) {
    if (!rels.includes(link.rel)) continue;
    if (link.type === mediaType) return link.href;
    if (link.type === undefined && untyped === null) untyped = link.href;
  }
  return untyped;
}

export const REL = {
  map: `${OGC_REL}map`,
  tilesetsMap: `${OGC_REL}tilesets-map`,
  tilingScheme: `${OGC_REL}tiling-scheme`,
} as const;

/**
 * An href resolved against the URL of the document it came from: absolute hrefs as they are, host-absolute ones
 * (`/ogcapi/…`, what MapProxy 7 resolves) on the document's scheme, credentials and host, relative ones as RFC 3986
 * says. Template braces (`{tileMatrix}`) stay as they are.
 */
export function resolveHref(base: string, href: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href)) return href;
  const schemeEnd = base.indexOf('://');
  if (href.startsWith('/') && !href.startsWith('//') && schemeEnd > 0) {
    const pathStart = base.indexOf('/', schemeEnd + 3);
    return (pathStart < 0 ? base : base.slice(0, pathStart)) + href;
  }
  try {
    return new URL(href, base).toString().replace(/%7B/g, '{').replace(/%7D/g, '}');
  } catch {
    throw new SourceError(`invalid link ${href} in ${base} response`);
  }
}

/** The document whose links an OGC API source follows: its collection, or the landing page without one. */
export function describingDocument(o: { landingpageUrl: string; collection?: string }): string {
  return o.collection ? `${o.landingpageUrl}/collections/${o.collection}` : o.landingpageUrl;
}
