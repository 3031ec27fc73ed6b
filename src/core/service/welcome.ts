import type { CoreRequest, CoreResponse } from '../http.js';
import { baseUrl } from '../http.js';
import { serviceResponse } from './response.js';
import { escapeXml } from './xml-escape.js';

/** `/`: the welcome page, linking the demo when it is enabled. */
export function welcomePage(req: CoreRequest, opts: { demo: boolean; version?: string }): CoreResponse {
  const demo = opts.demo ? `<p>See all configured layers and services at: <a href="${escapeXml(baseUrl(req))}/demo/">demo</a></p>` : '';
  const version = opts.version ? ` ${escapeXml(opts.version)}` : '';
  const html = `<html><head><title>MapProxy-ts</title></head><body><h1>Welcome to MapProxy-ts${version}</h1>${demo}</body></html>`;
  return serviceResponse(html, { mimetype: 'text/html' });
}
