// What a user does, as lists of request paths for each server. All lists are drawn from a fixed-seed
// random generator, so every server gets the same requests.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BBox } from '../../src/core/geo/bbox.js';
import { DEFAULT_GRIDS, tileGrid, type TileCoord, type TileGrid } from '../../src/core/geo/grid.js';
import { MetaGrid, type MetaTile } from '../../src/core/geo/meta-grid.js';
import { getSRS } from '../../src/core/geo/srs.js';
import { GRID, META_BUFFER, META_SIZE, type SeedArea } from './configs.js';
import type { TargetName } from './targets.js';
import { prng } from '../../test/support/prng.js';

export type ScenarioGroup = 'cached-tiles' | 'wms-cache' | 'wms-reprojected' | 'capabilities' | 'cold-miss';

export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly group: ScenarioGroup;
  /** random: pick a random path per request; seq: each path once, in order. */
  readonly mode: 'random' | 'seq';
  /** Paths for each server that can answer this scenario. */
  readonly paths: Partial<Record<TargetName, string[]>>;
  /** For the cached-tile scenarios: the tile (as stored) that the first path of every server asks for. */
  readonly firstTile?: TileCoord;
  /** Concurrent connections, when not the default. */
  readonly connections?: number;
  /**
   * Paths asked during the warm-up instead of `paths` (same kind of work, never measured): cold misses must not
   * warm up on the tiles they then measure, and each server's first requests (module loading, first upstream
   * connection) must not be measured either.
   */
  readonly warmupPaths?: Partial<Record<TargetName, string[]>>;
}

export function webMercatorGrid(): TileGrid {
  return tileGrid({ ...DEFAULT_GRIDS.GLOBAL_WEBMERCATOR, name: GRID });
}


/** Every tile file in a tms-layout directory, as grid coordinates (y from the top, as stored). */
export function listTiles(dir: string): TileCoord[] {
  const out: TileCoord[] = [];
  for (const z of readdirSync(dir)) {
    if (!/^\d+$/.test(z)) continue;
    for (const x of readdirSync(join(dir, z))) {
      for (const f of readdirSync(join(dir, z, x))) {
        const m = /^(\d+)\.png$/.exec(f);
        if (m) out.push([Number(x), Number(m[1]), Number(z)]);
      }
    }
  }
  return out.sort((a, b) => a[2] - b[2] || a[0] - b[0] || a[1] - b[1]);
}

/** The meta tiles a seeder requests for `area`: those holding a tile that touches the area. */
export function seedMetaTiles(area: SeedArea): MetaTile[] {
  const grid = webMercatorGrid();
  const meta = new MetaGrid(grid, [META_SIZE, META_SIZE], META_BUFFER);
  const bbox = getSRS('EPSG:4326').transformBBoxTo(getSRS('EPSG:3857'), area.bbox);
  const out: MetaTile[] = [];
  for (let z = area.fromLevel; z <= area.toLevel; z++) {
    const seen = new Set<string>();
    for (const t of grid.affectedLevelTiles(bbox, z).tiles) {
      if (!t) continue;
      const main = meta.mainTile(t);
      const key = main.join('/');
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(meta.metaTile(main));
    }
  }
  return out;
}

const tmsY = (c: TileCoord) => 2 ** c[2] - 1 - c[1];

function shuffle<T>(items: T[], rnd: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

function getMapQuery(srs: string, bbox: BBox, w: number, h: number): string {
  const b = bbox.map((v) => v.toFixed(srs === 'EPSG:4326' ? 7 : 2)).join(',');
  return `SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=world&STYLES=&SRS=${srs}&BBOX=${b}&WIDTH=${w}&HEIGHT=${h}&FORMAT=image%2Fpng`;
}

/**
 * Random GetMap bboxes inside `inner` (EPSG:4326) whose resolution never asks for a level finer than
 * `maxLevel`, so that every request is answered from seeded tiles. In another SRS, a bbox drawn in
 * EPSG:3857 is transformed, keeping its pixel size.
 */
function wmsBBoxes(inner: BBox, maxLevel: number, srs: string, size: [number, number], count: number, seed: number): BBox[] {
  const grid = webMercatorGrid();
  const merc = getSRS('EPSG:3857');
  const dst = getSRS(srs);
  const area = getSRS('EPSG:4326').transformBBoxTo(merc, inner);
  const rnd = prng(seed);
  const out: BBox[] = [];
  const minRes = grid.resolution(maxLevel) * 1.05;
  while (out.length < count) {
    // Resolutions spread over three levels above the finest seeded one.
    const res = minRes * 2 ** (rnd() * 3);
    const w = res * size[0];
    const h = res * size[1];
    if (w > area[2] - area[0] || h > area[3] - area[1]) continue;
    const x0 = area[0] + rnd() * (area[2] - area[0] - w);
    const y0 = area[1] + rnd() * (area[3] - area[1] - h);
    const b: BBox = [x0, y0, x0 + w, y0 + h];
    out.push(srs === 'EPSG:3857' ? b : merc.transformBBoxTo(dst, b));
  }
  return out;
}

export interface ScenarioInput {
  tiles: readonly TileCoord[];
  seedArea: SeedArea;
  /** Where WMS requests fall (EPSG:4326), inside the seeded area. */
  wmsArea: BBox;
  /** Where EPSG:25832 requests fall (EPSG:4326): the zone's own region. */
  utmArea: BBox;
  coldLevel: number;
}

export function buildScenarios(inp: ScenarioInput): Scenario[] {
  // MapProxy's TMS uses the global-mercator profile for this grid: TMS level z is grid level z + 1, so the
  // single tile of level 0 has no TMS URL. MapCache's TMS has no such shift.
  const tms = (layer: string, c: TileCoord) => `/tms/1.0.0/${layer}/${GRID}/${c[2] - 1}/${c[0]}/${tmsY(c)}.png`;
  const tiles = inp.tiles.filter((c) => c[2] >= 1);
  const wms = (srs: string, size: [number, number], seed: number, area = inp.wmsArea) => {
    const qs = wmsBBoxes(area, inp.seedArea.toLevel, srs, size, 2000, seed).map((b) => getMapQuery(srs, b, size[0], size[1]));
    return { ours: qs.map((q) => `/service?${q}`), mapcache: qs.map((q) => `/mapcache/?${q}`) };
  };
  const wms256 = wms('EPSG:3857', [256, 256], 1);
  const wms1024 = wms('EPSG:3857', [1024, 768], 2);
  const wms4326 = wms('EPSG:4326', [512, 512], 3);
  const wms25832 = wms('EPSG:25832', [512, 512], 4, inp.utmArea);

  // One tile per meta tile on a level that is never seeded: every request goes to the upstream. The warm-up asks
  // for meta tiles of the next level, also never seeded.
  const grid = webMercatorGrid();
  const coldBBox = getSRS('EPSG:4326').transformBBoxTo(getSRS('EPSG:3857'), inp.wmsArea);
  const coldTiles = (level: number, seed: number) => shuffle(
    grid.affectedLevelTiles(coldBBox, level).tiles.filter((t): t is TileCoord => !!t && t[0] % META_SIZE === 0 && t[1] % META_SIZE === 0),
    prng(seed),
  ).map((c) => tms('cold', c));
  const cold = coldTiles(inp.coldLevel, 5);
  const coldWarmup = coldTiles(inp.coldLevel + 1, 6);

  const wmsCaps = '/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.1.1';
  const wmtsCaps = '/wmts/1.0.0/WMTSCapabilities.xml';
  const same = (ours: string[]) => ({ 'mapproxy-ts': ours, mapproxy: ours });
  return [
    {
      id: 'tms', title: 'TMS tile, cached', group: 'cached-tiles', mode: 'random', firstTile: tiles[0],
      paths: {
        ...same(tiles.map((c) => tms('world', c))),
        mapcache: tiles.map((c) => `/mapcache/tms/1.0.0/world@GoogleMapsCompatible/${c[2]}/${c[0]}/${tmsY(c)}.png`),
        ceiling: tiles.map((c) => tms('world', c)),
      },
    },
    {
      id: 'wmts', title: 'WMTS REST tile, cached', group: 'cached-tiles', mode: 'random', firstTile: tiles[0],
      paths: {
        ...same(tiles.map((c) => `/wmts/world/${GRID}/${c[2]}/${c[0]}/${c[1]}.png`)),
        mapcache: tiles.map((c) => `/mapcache/wmts/1.0.0/world/default/GoogleMapsCompatible/${c[2]}/${c[1]}/${c[0]}.png`),
        ceiling: tiles.map((c) => `/wmts/world/${GRID}/${c[2]}/${c[0]}/${c[1]}.png`),
      },
    },
    { id: 'wms-256', title: 'WMS GetMap 256×256, EPSG:3857 from cache', group: 'wms-cache', mode: 'random', connections: 8,
      paths: { ...same(wms256.ours), mapcache: wms256.mapcache } },
    { id: 'wms-1024x768', title: 'WMS GetMap 1024×768, EPSG:3857 from cache', group: 'wms-cache', mode: 'random', connections: 8,
      paths: { ...same(wms1024.ours), mapcache: wms1024.mapcache } },
    // MapCache cannot reproject: it only answers in the SRS of its grids.
    { id: 'wms-4326', title: 'WMS GetMap 512×512, EPSG:4326 reprojected from the EPSG:3857 cache', group: 'wms-reprojected', mode: 'random', connections: 8,
      paths: same(wms4326.ours) },
    { id: 'wms-25832', title: 'WMS GetMap 512×512, EPSG:25832 reprojected from the EPSG:3857 cache', group: 'wms-reprojected', mode: 'random', connections: 8,
      paths: same(wms25832.ours) },
    { id: 'caps-wms', title: 'WMS GetCapabilities 1.1.1', group: 'capabilities', mode: 'random',
      paths: { ...same([wmsCaps]), mapcache: [`/mapcache/?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.1.1`] } },
    { id: 'caps-wmts', title: 'WMTS GetCapabilities (REST)', group: 'capabilities', mode: 'random',
      paths: { ...same([wmtsCaps]), mapcache: ['/mapcache/wmts/1.0.0/WMTSCapabilities.xml'] } },
    // A user waiting for an uncached map: one client, then two at once (the concurrency 1 and 2).
    ...[1, 2].map((connections): Scenario => ({
      id: `cold-miss-${connections}`, title: `TMS tile, cold miss (level ${inp.coldLevel}, a new meta tile per request), ${connections} client${connections > 1 ? 's' : ''}`,
      group: 'cold-miss', mode: 'seq', paths: same(cold), warmupPaths: same(coldWarmup), connections,
    })),
  ];
}
