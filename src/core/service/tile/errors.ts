import type { CoreResponse } from '../../http.js';
import type { RequestError } from '../request-error.js';
import { serviceResponse } from '../response.js';
import { escapeXml } from '../xml-escape.js';

/** TMS errors: a TileMapServerError document, 404 for bad requests and 500 for source failures. */
export function tmsError(err: RequestError): CoreResponse {
  const body = `<?xml version="1.0"?>\n<TileMapServerError>\n    <Message>${escapeXml(err.message)}</Message>\n</TileMapServerError>`;
  return serviceResponse(body, { status: err.httpStatus(404), mimetype: 'text/xml', noCache: true });
}

/** /tiles errors: the message as plain text, 404 or 500. */
export function plainTileError(err: RequestError): CoreResponse {
  return serviceResponse(err.message, { status: err.httpStatus(404), mimetype: 'text/plain', noCache: true });
}
