/**
 * The JSON Schema (draft-07) of seed.yaml as src/core/config/seed-config.ts reads it: coverages, seeds and cleanups
 * (MapProxy's format since 1.0; the older `views` form is not read). Coverages are those of mapproxy.yaml, so the
 * definition is shared with config-schema.ts. Written to schema/seed.schema.json by `npm run build:schema`.
 */
import { anyOf, bool, coverage, int, list, mapOf, num, obj, orNull, ref, refreshBefore, str, type JsonSchema } from './config-schema.js';

const names = (what: string): JsonSchema => list(str(), `names of ${what}`);

/** levels / resolutions: a list, or a range with from and to (both optional). */
const levels = anyOf(list(int(), 'these levels'), obj({ from: int('first level'), to: int('last level') }, 'levels from .. to'));
const resolutions = anyOf(
  list(num(), 'these resolutions (the nearest level of each)'),
  obj({ from: num('largest resolution'), to: num('smallest resolution') }, 'the levels between two resolutions'),
);

const taskKeys = {
  caches: names('caches of mapproxy.yaml (they must share their grids, or `grids` names them)'),
  grids: names('grids of those caches (default: all of them)'),
  coverages: names('coverages of this file (default: the whole grid)'),
  levels,
  resolutions: { ...resolutions, description: 'used when `levels` is not given' },
};

const seedTask = obj({ ...taskKeys, refresh_before: { ...refreshBefore, description: 'recreate tiles older than this' } }, 'a seeding task', {
  required: ['caches'],
});

const cleanupTask = obj({
  ...taskKeys,
  remove_before: { ...refreshBefore, description: 'remove tiles older than this' },
  remove_all: bool('remove whole levels (directories) instead of checking tile by tile'),
}, 'a cleanup task', { required: ['caches'] });

/** The whole schema, as written to schema/seed.schema.json. */
export function seedSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://github.com/mapproxy-ts/mapproxy-ts/schema/seed.schema.json',
    title: 'seed.yaml (mapproxy-ts)',
    description: 'A MapProxy seeding configuration (mapproxy-seed -s / mapproxy-ts seed) as mapproxy-ts reads it.',
    type: 'object',
    additionalProperties: false,
    properties: {
      coverages: orNull(mapOf(ref('coverage'), 'named coverages the tasks refer to')),
      seeds: orNull(mapOf(seedTask, 'seeding tasks by name')),
      cleanups: orNull(mapOf(cleanupTask, 'cleanup tasks by name')),
    },
    definitions: { coverage },
  };
}
