import { dumpPyJson, parsePyJson, type PyJson } from './py-json.js';
import { SourceError } from './source.js';

/**
 * JSON legends of several clients merged as MapProxy 7's concat_json_legends merges them: one
 * `{"Legend": [...]}` with each answer's first `Legend` entry (or the whole answer when it has no
 * `Legend`), written as Python's json.dumps writes it.
 */
export function concatJsonLegends(bodies: readonly Buffer[]): string {
  const entries: PyJson[] = bodies.map((body) => {
    let doc: PyJson;
    try {
      doc = parsePyJson(body.toString('utf8'));
    } catch (err) {
      throw new SourceError(`invalid JSON legend: ${(err as Error).message}`, { cause: err });
    }
    if (doc instanceof Map && doc.has('Legend')) {
      const legend = doc.get('Legend');
      return Array.isArray(legend) && legend.length > 0 ? legend[0]! : null;
    }
    return doc;
  });
  return dumpPyJson(new Map([['Legend', entries]]));
}
