import type { CoreResponse } from '../http.js';
import { serviceResponse } from './response.js';
import { escapeXml } from './xml-escape.js';

/** An OWS 1.1 ExceptionReport (WMTS errors and the OWS dispatcher's own errors). */
export function owsExceptionReport(
  message: string,
  opts: { code?: string; locator?: string; status: number },
): CoreResponse {
  const locator = opts.locator !== undefined ? ` locator="${escapeXml(opts.locator)}"` : '';
  const body = `<?xml version="1.0"?>
<ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows/1.1"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.opengis.net/ows/1.1 http://schemas.opengis.net/ows/1.1.0/owsExceptionReport.xsd"
  version="1.0.0" xml:lang="en">
  <ows:Exception exceptionCode="${escapeXml(opts.code ?? 'NoApplicableCode')}"${locator}>
    <ows:ExceptionText>${escapeXml(message)}</ows:ExceptionText>
  </ows:Exception>
</ows:ExceptionReport>
`;
  return serviceResponse(body, { status: opts.status, contentType: 'text/xml', noCache: true });
}
