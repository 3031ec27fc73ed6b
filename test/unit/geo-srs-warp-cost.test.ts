// What a reprojected map costs far from a projection's valid area: the warp mesh should pay for the part that
// maps, not subdivide to the pixel where nothing maps or where one axis is stretched (mercator near the poles).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BBox, Point, Size } from '../../src/core/geo/bbox.js';
import { getSRS, MERCATOR_MAX_LAT } from '../../src/core/geo/srs.js';
import { emptyRaw } from '../../src/core/image/raw-image.js';
import { PixelMapping } from '../../src/core/image/pixel-mapping.js';
import { warp } from '../../src/core/image/transform.js';
import { buildMesh } from '../../src/core/image/warp-mesh.js';

/** Warps a white source covering `srcBBox` and counts the points `dstToSrc` is asked for. */
async function pointsFor(srcBBox: BBox, dstBBox: BBox, size: Size, dstToSrc: (p: Point[]) => Point[]): Promise<number> {
  const src = emptyRaw(512, 512);
  src.data.fill(255);
  let n = 0;
  await warp(src, srcBBox, dstBBox, size, (p) => {
    n += p.length;
    return dstToSrc(p);
  });
  return n;
}

describe('warp cost far from the valid area', () => {
  const wgs84 = getSRS('EPSG:4326');
  const merc = getSRS('EPSG:3857');

  it('does not subdivide where no point maps', async () => {
    const nothing = (p: Point[]) => p.map((): Point => [NaN, NaN]);
    const n = await pointsFor([0, 0, 1, 1], [0, 0, 1, 1], [1000, 600], nothing);
    assert.ok(n <= 25, `${n} points for a map where nothing maps`);
  });

  // A 1000 px strip from 80° N to mercator's limit: the y axis is stretched about 6× more than x.
  const strip: BBox = [0, 80, 40, MERCATOR_MAX_LAT];
  const toMerc = (p: Point[]) => wgs84.transformTo(merc, p);

  it('meshes mercator near its latitude limit by each axis\' own scale', () => {
    let n = 0;
    const mapping = new PixelMapping(wgs84.transformBBoxTo(merc, strip), [512, 512], strip, [1000, 126], (p) => {
      n += p.length;
      return toMerc(p);
    });
    const mesh = buildMesh(mapping);
    assert.ok(mesh.quads.length > 0);
    // The old min-scale error needed 57 000 points (one per two pixels); the mesh itself needs a few thousand.
    assert.ok(n < 15000, `${n} points`);
  });

  it('maps a separable reprojection (EPSG:4326 to EPSG:3857) once per column and row, with no mesh', async () => {
    const n = await pointsFor(wgs84.transformBBoxTo(merc, strip), strip, [1000, 126], toMerc);
    // The separability test looks at the mesh's first two lattices (81 points), then each column and row.
    assert.ok(n <= 81 + 1000 + 126, `${n} points`);
  });
});
