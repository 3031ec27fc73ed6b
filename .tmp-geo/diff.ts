import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as topo from 'topojson-client';
import { geoJsonPolygons } from '/work/main/src/core/geo/coverage-config.ts';
import { PreparedGeometry, geometryIntersectsBBox, geometryContainsBBox } from '/work/main/src/core/geo/polygon.ts';
const require = createRequire('/work/main/package.json');
const t = JSON.parse(readFileSync(require.resolve('world-atlas/countries-50m.json'), 'utf8'));
const fc: any = topo.feature(t, t.objects.countries);
const geom = geoJsonPolygons(fc);
const prep = new PreparedGeometry(geom);
let d = 0;
let s = 1; const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647;
for (let i = 0; i < 1500; i++) { const x = -180 + rnd() * 360, y = -80 + rnd() * 160, w = rnd() ** 3 * 40;
  const b1 = [x, y, x + w, y + w] as const, b2 = [x, y, x + w / 2, y + w / 3] as const;
  if (prep.intersectsBBox(b1) !== geometryIntersectsBBox(geom, b1)) { d++; console.log('int', b1, prep.intersectsBBox(b1)); }
  if (prep.containsBBox(b2) !== geometryContainsBBox(geom, b2)) { d++; console.log('con', b2, prep.containsBBox(b2)); }
}
console.log('diffs', d);
