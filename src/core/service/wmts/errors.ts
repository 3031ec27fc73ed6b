import type { CoreResponse } from '../../http.js';
import { owsExceptionReport } from '../ows-exception.js';
import type { RequestError } from '../request-error.js';

const STATUS_BY_CODE: Record<string, number> = {
  TileOutOfRange: 400,
  MissingParameterValue: 400,
  InvalidParameterValue: 400,
  OperationNotSupported: 501,
};

/**
 * WMTS errors as OWS ExceptionReports, with the status OWS assigns to the code; a request the client
 * got wrong is never a 500 (MapProxy answers 500 where it sets no code, as for missing parameters).
 */
export function wmtsError(err: RequestError): CoreResponse {
  const byCode = err.code !== undefined ? STATUS_BY_CODE[err.code] : undefined;
  return owsExceptionReport(err.message, { code: err.code, status: byCode ?? err.httpStatus(400) });
}
