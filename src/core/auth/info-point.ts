import type { Coverage } from '../geo/coverage.js';
import type { SRS } from '../geo/srs.js';
import { infoCoord, type InfoQuery } from '../source/info-query.js';

/**
 * Whether the clicked point of a feature info query lies inside a `limited_to` (MapProxy checks
 * `coverage.contains(query.coord, query.srs)` and answers nothing outside). No coverage: yes.
 */
export function infoPointPermitted(coverage: Coverage | null, q: Pick<InfoQuery, 'bbox' | 'size' | 'pos'> & { srs: SRS }): boolean {
  if (!coverage) return true;
  const [x, y] = infoCoord(q);
  return coverage.contains([x, y, x, y], q.srs);
}
