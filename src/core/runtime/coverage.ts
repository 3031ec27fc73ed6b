import type { CoverageConfig } from '../config/types.js';
import {
  BBoxCoverage,
  GeomCoverage,
  differenceCoverage,
  intersectionCoverage,
  unionCoverage,
  type Coverage,
} from '../geo/coverage.js';
import { toMultiPolygon } from '../geo/polygon.js';
import { getSRS } from '../geo/srs.js';

/** A validated coverage configuration (files already read by the loader) as a Coverage. */
export function buildCoverage(conf: CoverageConfig): Coverage {
  switch (conf.type) {
    case 'bbox':
      return new BBoxCoverage(conf.bbox, getSRS(conf.srs), conf.clip);
    case 'polygons':
      return new GeomCoverage(toMultiPolygon(conf.polygons), getSRS(conf.srs), conf.clip);
    case 'union':
      return unionCoverage(conf.parts.map(buildCoverage), conf.clip);
    case 'intersection':
      return intersectionCoverage(conf.parts.map(buildCoverage), conf.clip);
    case 'difference':
      return differenceCoverage(conf.parts.map(buildCoverage), conf.clip);
  }
}
