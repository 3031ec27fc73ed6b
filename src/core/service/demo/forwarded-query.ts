/** The demo's own query parameters (which viewer to show, and how). */
const DEMO_PARAMS = new Set(['wms_layer', 'tms_layer', 'wmts_layer', 'format', 'srs', 'spec', 'matrix_set']);

/**
 * The query parameters the demo was opened with that are not its own — an API key or an access token the
 * access rules read from the query — URL-encoded, to pass on to the page's links and to every map, tile and
 * capabilities request its viewer makes; without them a protected deployment's demo would show a map of
 * refusals. Empty when there are none. URL-encoding leaves no character that could end a script or an attribute.
 */
export function forwardedQuery(query: string): string {
  const out = new URLSearchParams();
  for (const [k, v] of new URLSearchParams(query)) if (!DEMO_PARAMS.has(k.toLowerCase())) out.append(k, v);
  return out.toString();
}

/** `url` with the forwarded parameters added to its query. */
export function withForwarded(url: string, forwarded: string): string {
  if (!forwarded) return url;
  if (url.endsWith('?') || url.endsWith('&')) return url + forwarded;
  return `${url}${url.includes('?') ? '&' : '?'}${forwarded}`;
}
