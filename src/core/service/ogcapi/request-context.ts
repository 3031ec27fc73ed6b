import type { CoreRequest, CoreResponse } from '../../http.js';
import { baseUrl, RequestParams } from '../../http.js';
import { serviceResponse } from '../response.js';
import { MIME, wantsHtml } from './negotiation.js';

/** A link object of OGC API Common. */
export interface Link {
  rel: string;
  type: string;
  title: string;
  href: string;
  templated?: boolean;
}

/** A page renderer: the JSON document and the request's context in, an HTML page out. */
export type HtmlPage = (doc: Record<string, unknown>, ctx: OgcRequest) => string;

/**
 * One request as the endpoints see it: its parameters, whether it asked for HTML, and the URL base every link
 * starts with (X-Forwarded-Proto/-Host and X-Script-Name as the other services build theirs).
 */
export class OgcRequest {
  readonly params: RequestParams;
  readonly html: boolean;
  /** e.g. `https://example.org/proxy/ogcapi`. */
  readonly apiBase: string;

  constructor(
    readonly req: CoreRequest,
    /** The service's `md` (identification, contact, license, provider), for the HTML pages. */
    readonly md: Record<string, unknown> = {},
  ) {
    this.params = new RequestParams(req.query);
    this.html = wantsHtml(req, this.params);
    this.apiBase = `${baseUrl(req)}/ogcapi`;
  }

  /** An absolute URL below /ogcapi; `path` starts with '/' or '?' (or is empty for the landing page). */
  href(path: string): string {
    return this.apiBase + path;
  }

  /** The JSON and HTML representations of a resource, `self` for the one answered and `alternate` for the other. */
  selfLinks(path: string, what: string): Link[] {
    const sep = path.includes('?') ? '&' : '?';
    return [
      { rel: this.html ? 'alternate' : 'self', type: MIME.json, title: `The JSON representation of ${what}`, href: this.href(`${path}${sep}f=json`) },
      { rel: this.html ? 'self' : 'alternate', type: MIME.html, title: `The HTML representation of ${what}`, href: this.href(`${path}${sep}f=html`) },
    ];
  }

  /** The document as JSON, or through its page as HTML. */
  respond(doc: Record<string, unknown>, page: HtmlPage, status = 200, headers: Record<string, string> = {}): CoreResponse {
    const res = this.html
      ? serviceResponse(page(doc, this), { mimetype: MIME.html, status })
      : serviceResponse(JSON.stringify(doc, null, 2), { mimetype: MIME.json, status });
    Object.assign(res.headers, headers);
    return res;
  }
}
