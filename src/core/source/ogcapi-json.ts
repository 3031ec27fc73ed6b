import { HTTPClientError, type HttpClient } from '../client/http-client.js';
import { SourceError } from './source.js';

/**
 * One JSON document of an OGC API server, asked for with `Accept: application/json`. An unreachable server and
 * an answer that is not JSON are SourceErrors (no `on_error` colour stands in for a server description).
 */
export async function fetchOgcJson(http: HttpClient, url: string): Promise<unknown> {
  let body: Buffer;
  try {
    body = (await http.request(url, { headers: { accept: 'application/json' } })).body;
  } catch (err) {
    if (err instanceof HTTPClientError) throw new SourceError(`Cannot retrieve ${url}: ${err.message}`, { cause: err });
    throw err;
  }
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new SourceError(`Cannot parse response to ${url} as JSON: ${(err as Error).message}`, { cause: err });
  }
}
