import { baseUrl, type CoreRequest, type CoreResponse } from '../http.js';
import { serviceResponse } from '../service/response.js';
import { escapeXml } from '../service/xml-escape.js';

/** MultiMapProxy's `/`: a greeting, with links to every app when listing is allowed (names are `[\w-]+`). */
export function indexPage(req: CoreRequest, apps: readonly string[] | null): CoreResponse {
  let html = '<html><body><h1>Welcome to MapProxy-ts</h1>';
  if (apps) {
    const url = escapeXml(baseUrl(req));
    const items = apps.map((name) => `<li><a href="${url}/${name}/">${name}</a></li>`);
    html += `<h2>available instances:</h2><ul>${items.join('\n')}</ul>`;
  }
  html += '</body></html>';
  return serviceResponse(html, { contentType: 'text/html' });
}
