// Conformance sweep, WMS part: the same requests to mapproxy-ts and to MapProxy 1.15 on one configuration
// (conformance-support.ts), compared request by request — status, Content-Type, caching/CORS headers,
// capabilities structure (layer tree, SRS, bboxes per SRS, scale hints, formats) and decoded images.
//
// Deliberate differences (asserted as the 7.0 behaviour or as the correct answer, see each test):
// - WMS exceptions are HTTP 500 in 7.0 and 200 in 1.15; ours are 400 for a client's mistake (never a 500 that is
//   not ours): we compare the exception code and document, not the status.
// - Reprojecting a whole-world 4326 request from a mercator cache: 1.15's mesh has at least 50 px per quad and
//   shifts features by ~20 px on a 180 px image (and paints the area beyond ±85° black although TRANSPARENT=TRUE);
//   we warp to within a pixel and keep it transparent.
// - GIF: our GIFs always carry a transparency index (sharp), 1.15's opaque GIFs none; the pixels are equal.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { compareImages, decodeImage, pixelAt, colorNear } from '../support/images.js';
import { TEST_COLORS } from '../support/mapserver.js';
import { validateXml } from '../support/xml-schema.js';
import { exceptionCode, mediaType, numbersDiffer, parseXml, startSweep, type Answer, type Sweep } from './conformance-support.js';

const GETMAP_111 = '/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&STYLES=';

/** Status, media type, image format/size/palette and pixels equal; headers a client relies on equal. */
async function assertSameImage(path: string, a: Answer, b: Answer, opts: { tolerance?: number; maxDiffFraction?: number; ignoreChannels?: boolean } = {}) {
  assert.equal(b.status, 200, `reference failed for ${path}: ${b.text.slice(0, 300)}`);
  assert.equal(a.status, 200, `${path}: ${a.text.slice(0, 300)}`);
  assert.equal(a.headers['content-type'], b.headers['content-type'], `${path}: Content-Type`);
  assertSameHeaders(path, a, b);
  const [ma, mb] = await Promise.all([sharp(a.body).metadata(), sharp(b.body).metadata()]);
  assert.equal(ma.format, mb.format, `${path}: encoded format`);
  assert.equal(ma.isPalette ?? false, mb.isPalette ?? false, `${path}: palette`);
  if (!opts.ignoreChannels) assert.equal(ma.channels, mb.channels, `${path}: channels`);
  const cmp = await compareImages(a.body, b.body, { tolerance: opts.tolerance ?? 24, maxDiffFraction: opts.maxDiffFraction ?? 0.01 });
  assert.ok(cmp.sameSize, `${path}: sizes differ`);
  assert.ok(cmp.equal, `${path}: ${cmp.differingPixels} pixels differ (max delta ${cmp.maxDelta}) ${JSON.stringify(cmp.samples)}`);
}

/** ETag/Last-Modified presence and Cache-Control, CORS and Vary values. */
function assertSameHeaders(path: string, a: Answer, b: Answer) {
  for (const h of ['etag', 'last-modified']) assert.equal(h in a.headers, h in b.headers, `${path}: ${h} presence`);
  for (const h of ['cache-control', 'access-control-allow-origin', 'vary', 'pragma', 'expires']) {
    assert.equal(a.headers[h], b.headers[h], `${path}: ${h}`);
  }
}

/** A WMS exception in both, same code and media type; ours is HTTP 400 (7.0: 500), 1.15 answers 200. */
function assertSameWmsException(path: string, a: Answer, b: Answer) {
  assert.equal(mediaType(a), mediaType(b), `${path}: ${a.text}`);
  assert.equal(exceptionCode(a), exceptionCode(b), `${path}: ${a.text} / ${b.text}`);
  assert.equal(parseXml(a).ServiceExceptionReport?.['@version'], parseXml(b).ServiceExceptionReport?.['@version'], path);
  assert.equal(b.status, 200); // 1.15
  assert.equal(a.status, 400); // 7.0: 500
  assert.equal(a.headers['cache-control'], 'no-cache, no-store');
}

interface LayerInfo {
  name?: string; title: string; srs: string[]; llbbox?: number[]; bboxes: Record<string, number[]>;
  scale: string[]; children: LayerInfo[];
}

const num = (v: unknown) => Number(v);
const attrsBBox = (b: Record<string, unknown>) => ['@minx', '@miny', '@maxx', '@maxy'].map((k) => num(b[k]));

/** The layer tree of a WMS 1.0.0/1.1.1/1.3.0 capabilities document, version-neutral. */
function layerTree(doc: Record<string, any>): LayerInfo[] {
  const root = doc.WMT_MS_Capabilities ?? doc.WMS_Capabilities;
  const walk = (l: Record<string, any>): LayerInfo => {
    const geo = l.EX_GeographicBoundingBox;
    const llbbox = l.LatLonBoundingBox ? attrsBBox(l.LatLonBoundingBox)
      : geo ? [geo.westBoundLongitude, geo.southBoundLatitude, geo.eastBoundLongitude, geo.northBoundLatitude].map(num) : undefined;
    const bboxes: Record<string, number[]> = {};
    for (const b of l.BoundingBox ?? []) bboxes[String(b['@SRS'] ?? b['@CRS'])] = attrsBBox(b);
    const scale = l.ScaleHint ? [l.ScaleHint['@min'], l.ScaleHint['@max']]
      : [l.MinScaleDenominator, l.MaxScaleDenominator].filter((s) => s !== undefined);
    return {
      name: l.Name === undefined ? undefined : String(l.Name), title: String(l.Title),
      srs: [...(l.SRS ?? l.CRS ?? [])].map(String).flatMap((s) => s.split(/\s+/)).sort(),
      llbbox, bboxes, scale: scale.map(String), children: (l.Layer ?? []).map(walk),
    };
  };
  return (root.Capability.Layer as Record<string, any>[]).map(walk);
}

function assertSameLayers(a: LayerInfo[], b: LayerInfo[], where = '') {
  assert.deepEqual(a.map((l) => l.name ?? l.title), b.map((l) => l.name ?? l.title), `layer order ${where}`);
  a.forEach((la, i) => {
    const lb = b[i]!;
    const at = `${where}/${la.name ?? la.title}`;
    assert.equal(la.title, lb.title, `${at} title`);
    assert.deepEqual(la.srs, lb.srs, `${at} SRS`);
    assert.equal(numbersDiffer(la.llbbox ?? [], lb.llbbox ?? []), '', `${at} lat/lon bbox`);
    assert.deepEqual(Object.keys(la.bboxes).sort(), Object.keys(lb.bboxes).sort(), `${at} bbox SRS`);
    for (const srs of Object.keys(la.bboxes)) {
      assert.equal(numbersDiffer(la.bboxes[srs]!, lb.bboxes[srs]!), '', `${at} bbox ${srs}`);
    }
    assert.equal(numbersDiffer(la.scale.map(Number), lb.scale.map(Number), 1e-9), '', `${at} scale hints ${la.scale} / ${lb.scale}`);
    assertSameLayers(la.children, lb.children, at);
  });
}

describe('conformance with MapProxy 1.15: WMS', () => {
  let s: Sweep;
  before(async () => { s = await startSweep(); });
  after(async () => { await s?.stop(); });

  describe('GetMap formats', () => {
    const base = `${GETMAP_111}&SRS=EPSG:4326&BBOX=-20,20,40,70&WIDTH=300&HEIGHT=250`;
    for (const [layer, format] of [
      ['areas_cached', 'image/png'], ['areas_cached', 'image/jpeg'], ['areas_cached', 'image/tiff'],
      ['areas_cached', 'image/png; mode=8bit'], ['lines_direct', 'image/png; mode=8bit'],
    ]) {
      it(`${layer} as ${format}`, async () => {
        const path = `${base}&LAYERS=${layer}&FORMAT=${encodeURIComponent(format)}`;
        const { a, b } = await s.both(path);
        await assertSameImage(path, a, b);
      });
    }

    it('areas_cached as image/gif (pixels equal; our GIF declares a transparent index)', async () => {
      const path = `${base}&LAYERS=areas_cached&FORMAT=image/gif`;
      const { a, b } = await s.both(path);
      await assertSameImage(path, a, b, { ignoreChannels: true });
    });

    it('asks the upstream WMS for the bare mime type of a format with options (png8 → image/png)', async () => {
      const before = s.ms.requests.length;
      await s.fetchOurs(`${base}&LAYERS=lines_direct&FORMAT=${encodeURIComponent('image/png; mode=8bit')}&BBOX=-21,20,40,70`);
      const upstream = s.ms.requests.slice(before);
      assert.equal(upstream.length, 1);
      assert.equal(new URLSearchParams(upstream[0]).get('format'), 'image/png');
    });
  });

  describe('GetMap parameters', () => {
    const cases: [string, string][] = [
      ['TRANSPARENT=TRUE', `${GETMAP_111}&SRS=EPSG:4326&BBOX=-120,-50,120,50&WIDTH=400&HEIGHT=200&LAYERS=lines_direct&FORMAT=image/png&TRANSPARENT=TRUE`],
      ['TRANSPARENT=FALSE', `${GETMAP_111}&SRS=EPSG:4326&BBOX=-120,-50,120,50&WIDTH=400&HEIGHT=200&LAYERS=lines_direct&FORMAT=image/png&TRANSPARENT=FALSE`],
      ['BGCOLOR', `${GETMAP_111}&SRS=EPSG:4326&BBOX=-120,-50,120,50&WIDTH=400&HEIGHT=200&LAYERS=lines_direct&FORMAT=image/png&BGCOLOR=0xFF8800`],
      ['BGCOLOR with TRANSPARENT=TRUE', `${GETMAP_111}&SRS=EPSG:4326&BBOX=-120,-50,120,50&WIDTH=400&HEIGHT=200&LAYERS=lines_direct&FORMAT=image/png&BGCOLOR=0xFF8800&TRANSPARENT=TRUE`],
      ['BGCOLOR as JPEG', `${GETMAP_111}&SRS=EPSG:4326&BBOX=-120,-50,120,50&WIDTH=400&HEIGHT=200&LAYERS=lines_direct&FORMAT=image/jpeg&BGCOLOR=0x3366CC`],
      ['1.3.0 EPSG:4326 (lat/lon axis order)', '/service?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&STYLES=&CRS=EPSG:4326&BBOX=20,-20,70,40&WIDTH=300&HEIGHT=250&LAYERS=areas_cached&FORMAT=image/png'],
      ['multi-layer request', `${GETMAP_111}&SRS=EPSG:3857&BBOX=-15000000,-8000000,15000000,12000000&WIDTH=300&HEIGHT=200&LAYERS=areas_cached,lines_direct&FORMAT=image/png`],
      ['group layer', `${GETMAP_111}&SRS=EPSG:4326&BBOX=-60,0,60,80&WIDTH=300&HEIGHT=200&LAYERS=group&FORMAT=image/png&TRANSPARENT=TRUE`],
      ['partly outside the cache grid (EPSG:3857)', `${GETMAP_111}&SRS=EPSG:3857&BBOX=-30000000,-10000000,10000000,10000000&WIDTH=360&HEIGHT=180&LAYERS=areas_jpeg&FORMAT=image/png&TRANSPARENT=TRUE`],
      ['partly outside a source coverage (PNG)', `${GETMAP_111}&SRS=EPSG:4326&BBOX=-60,0,60,80&WIDTH=300&HEIGHT=200&LAYERS=areas_clipped&FORMAT=image/png&TRANSPARENT=TRUE`],
      ['partly outside a source coverage (JPEG)', `${GETMAP_111}&SRS=EPSG:4326&BBOX=-60,0,60,80&WIDTH=300&HEIGHT=200&LAYERS=areas_clipped&FORMAT=image/jpeg`],
      ['inside min_res/max_res', `${GETMAP_111}&SRS=EPSG:4326&BBOX=-60,0,60,80&WIDTH=300&HEIGHT=200&LAYERS=areas_scaled&FORMAT=image/png&TRANSPARENT=TRUE`],
      ['finer than max_res (blank)', `${GETMAP_111}&SRS=EPSG:4326&BBOX=0,40,1,41&WIDTH=300&HEIGHT=200&LAYERS=areas_scaled&FORMAT=image/png&TRANSPARENT=TRUE`],
      ['1.0.0 WMTVER form (REQUEST=map, FORMAT=PNG, no SERVICE)', '/service?WMTVER=1.0.0&REQUEST=map&STYLES=&SRS=EPSG:4326&BBOX=-60,0,60,80&WIDTH=300&HEIGHT=200&LAYERS=areas_cached&FORMAT=PNG'],
      ['1.0.0 WMTVER form, JPEG', '/service?WMTVER=1.0.0&REQUEST=map&STYLES=&SRS=EPSG:4326&BBOX=-60,0,60,80&WIDTH=300&HEIGHT=200&LAYERS=areas_cached&FORMAT=JPEG'],
      ['lower-case parameter names', '/service?service=wms&version=1.1.1&request=GetMap&styles=&srs=EPSG:4326&bbox=-60,0,60,80&width=300&height=200&layers=areas_cached&format=image/png'],
      ['mixed-case parameter names and values', '/wms?SeRvIcE=wms&vErSiOn=1.1.1&REQUEST=getmap&Styles=&SRS=EPSG:4326&bBoX=-60,0,60,80&width=300&HEIGHT=200&layers=areas_cached&Format=image/png'],
      ['reprojected (EPSG:25832)', `${GETMAP_111}&SRS=EPSG:25832&BBOX=-500000,4000000,1500000,7000000&WIDTH=200&HEIGHT=300&LAYERS=areas_cached&FORMAT=image/png`],
    ];
    for (const [name, path] of cases) {
      it(name, async () => {
        const { a, b } = await s.both(path);
        await assertSameImage(path, a, b, name.startsWith('reprojected') ? { tolerance: 40, maxDiffFraction: 0.03 } : {});
      });
    }

    it('1.3.0 CRS:84 (lon/lat axis order) draws what 1.1.1 EPSG:4326 draws', async () => {
      // Deliberate difference: 1.15 answers CRS:84 GetMaps on a cached layer with "internal error" (HTTP 500);
      // 7.0 serves them. We compare our CRS:84 answer with 1.15's EPSG:4326 answer for the same box.
      const a = await s.fetchOurs('/service?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&STYLES=&CRS=CRS:84&BBOX=-20,20,40,70&WIDTH=300&HEIGHT=250&LAYERS=areas_cached&FORMAT=image/png');
      const b = await s.fetchRef(`${GETMAP_111}&SRS=EPSG:4326&BBOX=-20,20,40,70&WIDTH=300&HEIGHT=250&LAYERS=areas_cached&FORMAT=image/png`);
      await assertSameImage('CRS:84', a, b);
    });

    it('reprojects a whole-world EPSG:4326 request from a mercator cache to within a pixel (1.15 does not)', async () => {
      // Deliberate difference: 1.15's mesh transformation (≥ 50 px quads) misplaces features here, and paints the
      // area beyond ±85° black in an RGB image although TRANSPARENT=TRUE. We assert the correct picture instead.
      const path = `${GETMAP_111}&SRS=EPSG:4326&BBOX=-180,-90,180,90&WIDTH=360&HEIGHT=180&LAYERS=areas_jpeg&FORMAT=image/png&TRANSPARENT=TRUE`;
      const a = await s.fetchOurs(path);
      assert.equal(a.status, 200);
      const img = await decodeImage(a.body);
      // 1 px per degree, row 0 = lat 90: the red square is lon 0..20, lat 40..60; green lon -80..-40, lat -40..0.
      assert.ok(colorNear(pixelAt(img, 190, 31), TEST_COLORS.redArea, 30), 'red at lat 59');
      assert.ok(colorNear(pixelAt(img, 190, 49), TEST_COLORS.redArea, 30), 'red at lat 41');
      assert.ok(!colorNear(pixelAt(img, 190, 52), TEST_COLORS.redArea, 30), 'no red at lat 38');
      assert.ok(colorNear(pixelAt(img, 120, 91), TEST_COLORS.greenArea, 30), 'green at lat -1');
      assert.ok(colorNear(pixelAt(img, 120, 127), TEST_COLORS.greenArea, 30), 'green at lat -37');
      assert.equal(pixelAt(img, 180, 1)[3], 0, 'transparent beyond the mercator limit');
      assert.equal(pixelAt(img, 180, 178)[3], 0, 'transparent beyond the mercator limit');
    });
  });

  describe('GetMap exceptions', () => {
    const big = '&SRS=EPSG:4326&BBOX=-60,0,60,80&LAYERS=areas_cached&FORMAT=image/png';
    const xmlErrors: [string, string][] = [
      ['max_output_pixels exceeded (1.1.1)', `${GETMAP_111}${big}&WIDTH=1501&HEIGHT=1500`],
      ['max_output_pixels exceeded (1.3.0)', '/service?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&STYLES=&CRS=EPSG:4326&BBOX=0,-60,80,60&LAYERS=areas_cached&FORMAT=image/png&WIDTH=1500&HEIGHT=1501'],
      ['max_output_pixels exceeded (1.0.0)', '/service?WMTVER=1.0.0&REQUEST=map&STYLES=&SRS=EPSG:4326&BBOX=-60,0,60,80&LAYERS=areas_cached&FORMAT=PNG&WIDTH=3000&HEIGHT=1000'],
      ['unknown layer (1.3.0)', '/service?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&STYLES=&CRS=EPSG:4326&BBOX=0,-60,80,60&LAYERS=nope&FORMAT=image/png&WIDTH=10&HEIGHT=10'],
      ['unsupported format', `${GETMAP_111}&SRS=EPSG:4326&BBOX=-60,0,60,80&LAYERS=areas_cached&FORMAT=image/webp&WIDTH=10&HEIGHT=10`],
      ['missing parameters, no SERVICE', '/service?REQUEST=GetMap&LAYERS=areas_cached'],
      ['inverted bbox', `${GETMAP_111}&SRS=EPSG:4326&BBOX=60,0,-60,80&LAYERS=areas_cached&FORMAT=image/png&WIDTH=10&HEIGHT=10`],
      ['unknown request (1.1.1)', '/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=Foo'],
      ['unknown request (1.3.0)', '/service?SERVICE=WMS&VERSION=1.3.0&REQUEST=Foo'],
      ['unknown request (no version)', '/service?SERVICE=WMS&REQUEST=Foo'],
      ['no request', '/service?SERVICE=WMS'],
    ];
    for (const [name, path] of xmlErrors) {
      it(name, async () => {
        const { a, b } = await s.both(path);
        assertSameWmsException(path, a, b);
      });
    }

    it('EXCEPTIONS=application/vnd.ogc.se_inimage draws the message into an image (HTTP 200)', async () => {
      for (const path of [
        `${GETMAP_111}&SRS=EPSG:4326&BBOX=-60,0,60,80&WIDTH=300&HEIGHT=200&LAYERS=nope&FORMAT=image/png&EXCEPTIONS=application/vnd.ogc.se_inimage`,
        '/service?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&STYLES=&CRS=EPSG:4326&BBOX=0,-60,80,60&WIDTH=300&HEIGHT=200&LAYERS=nope&FORMAT=image/jpeg&EXCEPTIONS=INIMAGE',
      ]) {
        const { a, b } = await s.both(path);
        // the text is rendered with different fonts/rasterisers: a few percent of the pixels may differ
        await assertSameImage(path, a, b, { maxDiffFraction: 0.05, tolerance: 60 });
        assert.ok((await compareImages(a.body, b.body, { tolerance: 0, maxDiffFraction: 0 })).differingPixels > 0, 'text drawn');
      }
    });

    it('EXCEPTIONS=…blank answers an empty image with TRANSPARENT/BGCOLOR (HTTP 200)', async () => {
      for (const path of [
        `${GETMAP_111}&SRS=EPSG:4326&BBOX=-60,0,60,80&WIDTH=300&HEIGHT=200&LAYERS=nope&FORMAT=image/jpeg&EXCEPTIONS=application/vnd.ogc.se_blank&BGCOLOR=0x00ff00`,
        '/service?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&STYLES=&CRS=EPSG:4326&BBOX=0,-60,80,60&WIDTH=300&HEIGHT=200&LAYERS=nope&FORMAT=image/png&EXCEPTIONS=BLANK&TRANSPARENT=TRUE',
      ]) {
        const { a, b } = await s.both(path);
        await assertSameImage(path, a, b, { tolerance: 2, maxDiffFraction: 0 });
      }
    });
  });

  describe('GetCapabilities', () => {
    for (const [version, query, root, schema] of [
      ['1.0.0', 'WMTVER=1.0.0', 'WMT_MS_Capabilities', undefined],
      ['1.1.1', 'VERSION=1.1.1', 'WMT_MS_Capabilities', 'wms-1.1.1-capabilities'],
      ['1.3.0', 'VERSION=1.3.0', 'WMS_Capabilities', 'wms-1.3.0-capabilities'],
    ] as const) {
      it(`${version}: layer tree, SRS, bboxes per SRS, lat/lon bboxes, scale hints, formats`, async () => {
        const path = `/service?SERVICE=WMS&REQUEST=GetCapabilities&${query}`;
        const { a, b } = await s.both(path);
        assert.equal(a.status, 200);
        assert.equal(a.headers['content-type'], b.headers['content-type']);
        assertSameHeaders(path, a, b);
        const da = parseXml(a);
        const db = parseXml(b);
        assert.ok(da[root], `root ${root}`);
        assert.equal(da[root]['@version'], db[root]['@version']);
        const tree = layerTree(da);
        assertSameLayers(tree, layerTree(db));
        // the sweep's layer with min_res/max_res really publishes scale hints
        const scaled = tree[0]!.children.find((l) => l.name === 'group')!.children.find((l) => l.name === 'areas_scaled')!;
        assert.equal(scaled.scale.length, 2, JSON.stringify(scaled));
        const ca = da[root].Capability;
        const cb = db[root].Capability;
        assert.deepEqual(ca.Request, cb.Request, 'operations, formats and online resources');
        assert.deepEqual(ca.Exception, cb.Exception, 'exception formats');
        assert.deepEqual(da[root].Service, db[root].Service, 'service metadata');
        if (schema) {
          const v = await validateXml(a.body, schema);
          assert.ok(v.valid, v.errors.join('\n'));
        }
      });
    }

    it('answers on /service, /ows and /wms alike', async () => {
      for (const prefix of ['/ows', '/wms']) {
        const { a, b } = await s.both(`${prefix}?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0`);
        assert.equal(a.status, 200);
        assertSameLayers(layerTree(parseXml(a)), layerTree(parseXml(b)));
        assert.deepEqual(parseXml(a).WMS_Capabilities.Capability.Request, parseXml(b).WMS_Capabilities.Capability.Request);
      }
    });
  });
});
