/**
 * A refused OGC API request: the `type`, `detail` and HTTP `status` of the exception document
 * (OGC API Common's `exception.yaml`: title, type, status, detail), as MapProxy 7's OGCAPIException.
 */
export class OgcApiError extends Error {
  override readonly name = 'OgcApiError';

  constructor(
    readonly type: string,
    readonly detail: string,
    readonly status: number,
  ) {
    super(detail);
  }

  static collectionNotFound(): OgcApiError {
    return new OgcApiError('Not Found', 'Collection not found', 404);
  }

  static tileMatrixSetNotFound(): OgcApiError {
    return new OgcApiError('Not Found', 'TileMatrixSet not found', 404);
  }

  static unknownParameter(name: string): OgcApiError {
    return new OgcApiError('Bad Request', `Unknown query parameter ${name}`, 400);
  }

  static invalidParameter(detail: string): OgcApiError {
    return new OgcApiError('Invalid Parameter', detail, 400);
  }

  static notAcceptable(detail: string): OgcApiError {
    return new OgcApiError('Not Acceptable', detail, 406);
  }

  /** The authorization hook's refusal: 401 asks for credentials, 403 refuses the ones given. */
  static accessDenied(status: 401 | 403): OgcApiError {
    return status === 401 ? new OgcApiError('Unauthorized', 'Authentication required', 401) : new OgcApiError('Forbidden', 'Access forbidden', 403);
  }

  static internal(detail: string): OgcApiError {
    return new OgcApiError('InternalError', detail, 500);
  }

  /** The JSON exception document. */
  toJson(): Record<string, unknown> {
    return { title: 'OGCAPI', type: this.type, status: this.status, detail: this.detail };
  }
}
