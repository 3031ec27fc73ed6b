import type { CoreResponse } from '../../http.js';
import { owsExceptionReport } from '../ows-exception.js';
import type { RequestError } from '../request-error.js';

const STATUS_BY_CODE: Record<string, number> = {
  TileOutOfRange: 400,
  MissingParameterValue: 400,
  InvalidParameterValue: 400,
  OperationNotSupported: 501,
};

/** WMTS errors as OWS ExceptionReports; errors without a code (missing parameters, source errors) are 500. */
export function wmtsError(err: RequestError): CoreResponse {
  const status = err.status ?? (err.code !== undefined ? (STATUS_BY_CODE[err.code] ?? 500) : 500);
  return owsExceptionReport(err.message, { code: err.code, status });
}
