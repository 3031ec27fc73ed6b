import type { CoreResponse } from '../../http.js';
import { blankImage } from '../../image/blank.js';
import { imageFormat, type ImageFormat } from '../../image/format.js';
import { ImageResult } from '../../image/image.js';
import { messageImage } from '../../image/message.js';
import type { RequestError } from '../request-error.js';
import { serviceResponse } from '../response.js';
import { escapeXml } from '../xml-escape.js';
import type { ExceptionContext } from './request.js';
import type { WmsVersion } from './version.js';

/** The ServiceExceptionReport of a WMS version, with its own content type. */
export function wmsXmlException(version: WmsVersion, message: string, code?: string): { body: string; contentType: string } {
  const msg = escapeXml(message);
  const codeAttr = code !== undefined ? ` code="${escapeXml(code)}"` : '';
  switch (version) {
    case '1.0.0':
      return {
        body: `<?xml version="1.0"?>\n<WMTException version="1.0.0">\n${msg}\n</WMTException>`,
        contentType: 'text/xml',
      };
    case '1.1.0':
    case '1.1.1': {
      const dtd = version === '1.1.0' ? '1.1.0/exception_1_1_0.dtd' : '1.1.1/exception_1_1_1.dtd';
      return {
        body:
          `<?xml version="1.0"?>\n<!DOCTYPE ServiceExceptionReport SYSTEM "http://schemas.opengis.net/wms/${dtd}">\n` +
          `<ServiceExceptionReport version="${version}">\n    <ServiceException${codeAttr}>${msg}</ServiceException>\n</ServiceExceptionReport>`,
        contentType: 'application/vnd.ogc.se_xml',
      };
    }
    case '1.3.0':
      return {
        body:
          `<?xml version="1.0"?>\n<ServiceExceptionReport version="1.3.0"\n  xmlns="http://www.opengis.net/ogc"\n` +
          `  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"\n  xsi:schemaLocation="http://www.opengis.net/ogc\n` +
          `http://schemas.opengis.net/wms/1.3.0/exceptions_1_3_0.xsd">\n    <ServiceException${codeAttr}>${msg}</ServiceException>\n</ServiceExceptionReport>`,
        contentType: 'text/xml; charset=utf-8',
      };
  }
}

/**
 * Renders a refused WMS request. EXCEPTIONS containing 'image' draws the message into an image
 * of the requested size and format, 'blank' gives the same image without text (both HTTP 200);
 * everything else is the version's XML report: HTTP 400 for a request the client got wrong, 501 for an
 * operation we do not offer, 500 for a failed source (MapProxy 7 answers 500 for all), unless the error
 * names a status.
 */
export async function renderWmsError(
  err: RequestError,
  exc: ExceptionContext,
  imageFormats: readonly ImageFormat[],
): Promise<CoreResponse> {
  const mode = exc.imageExceptionsAllowed ? imageExceptionMode(exc.exceptions) : null;
  if (mode) {
    const format = imageFormats.find((f) => f.mimeType === exc.format) ?? imageFormat(exc.format.startsWith('image/') ? exc.format : 'image/png');
    const size = exc.size && exc.size[0] > 0 && exc.size[1] > 0 ? exc.size : ([256, 256] as const);
    const canvas = { bgcolor: exc.bgcolor, transparent: exc.transparent };
    const raw = mode === 'blank' ? blankImage(size, canvas) : await messageImage(err.message, size, canvas);
    const body = await ImageResult.fromRaw(raw, { transparent: exc.transparent }).encode({ ...format, transparent: exc.transparent });
    return serviceResponse(body, { contentType: exc.format.startsWith('image/') ? exc.format : format.mimeType, noCache: true });
  }
  const { body, contentType } = wmsXmlException(exc.version, err.message, err.code);
  return serviceResponse(body, { status: err.httpStatus(err.code === 'OperationNotSupported' ? 501 : 400), contentType, noCache: true });
}

function imageExceptionMode(exceptions: string | undefined): 'image' | 'blank' | null {
  const e = exceptions?.toLowerCase() ?? '';
  if (e.includes('image')) return 'image';
  if (e.includes('blank')) return 'blank';
  return null;
}
