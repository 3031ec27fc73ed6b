// A real MapServer WMS for integration tests: Debian's `mapserv` CGI behind a node:http CGI host.
// The test data (a few polygons, lines and points in distinct colours, EPSG:4326) and the mapfile
// are written to a fresh temporary directory at start-up.
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCgiRunner } from './cgi-runner.js';

export const MAPSERV_BINARY = '/usr/lib/cgi-bin/mapserv';

export type RGB = readonly [number, number, number];

/** Colours of the test features, for pixel assertions. The map background is white (or transparent). */
export const TEST_COLORS = {
  background: [255, 255, 255] as RGB,
  /** `areas` layer: square lon 0..20, lat 40..60 (covers Germany, so EPSG:25832/31467 requests hit it). */
  redArea: [220, 30, 30] as RGB,
  /** `areas` layer: square lon -80..-40, lat -40..0. */
  greenArea: [30, 160, 60] as RGB,
  /** `lines` layer: 5 px lines along lat 20 (lon -170..170) and lon 100 (lat -60..60). */
  line: [30, 60, 220] as RGB,
  /** `points` layer: 12 px discs. */
  point: [0, 0, 0] as RGB,
} as const;

export const TEST_LAYERS = ['areas', 'lines', 'points'] as const;
export const TEST_SRS = ['EPSG:4326', 'EPSG:3857', 'EPSG:900913', 'EPSG:25832', 'EPSG:31467'] as const;

/** Points in the `points` layer (lon, lat). */
export const TEST_POINTS: readonly (readonly [number, number])[] = [[-100, 40], [60, -20], [140, -30]];

export interface TestMapServer {
  /** WMS base URL, ending in `?` (append `SERVICE=WMS&…`). */
  readonly url: string;
  /** Query strings of the requests seen so far, in order. */
  readonly requests: string[];
  /** The generated mapfile (for `type: mapserver` sources). */
  readonly mapfile: string;
  /** An executable that runs `mapserv` with the right MapServer config (for `mapserver.binary`). */
  readonly mapservScript: string;
  /** Temporary directory holding mapfile, data and config. */
  readonly dir: string;
  stop(): Promise<void>;
}

function square(x0: number, y0: number, x1: number, y1: number): number[][][] {
  return [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]];
}

function featureCollection(features: { geometry: object; properties: Record<string, unknown> }[]): string {
  return JSON.stringify({ type: 'FeatureCollection', features: features.map((f) => ({ type: 'Feature', ...f })) });
}

function writeTestData(dir: string): void {
  writeFileSync(join(dir, 'areas.geojson'), featureCollection([
    { properties: { name: 'red', kind: 1 }, geometry: { type: 'Polygon', coordinates: square(0, 40, 20, 60) } },
    { properties: { name: 'green', kind: 2 }, geometry: { type: 'Polygon', coordinates: square(-80, -40, -40, 0) } },
  ]));
  writeFileSync(join(dir, 'lines.geojson'), featureCollection([
    { properties: { name: 'parallel' }, geometry: { type: 'LineString', coordinates: [[-170, 20], [170, 20]] } },
    { properties: { name: 'meridian' }, geometry: { type: 'LineString', coordinates: [[100, -60], [100, 60]] } },
  ]));
  writeFileSync(join(dir, 'points.geojson'), featureCollection(
    TEST_POINTS.map((p, i) => ({ properties: { name: `p${i}` }, geometry: { type: 'Point', coordinates: p } })),
  ));
}

const rgb = (c: RGB): string => c.join(' ');

function mapfileText(dir: string): string {
  const layer = (name: string, type: string, style: string): string => `
  LAYER
    NAME "${name}"
    TYPE ${type}
    STATUS ON
    CONNECTIONTYPE OGR
    CONNECTION "${join(dir, `${name}.geojson`)}"
    PROJECTION "init=epsg:4326" END
    METADATA
      "wms_title" "${name}"
      "wms_include_items" "all"
      "gml_include_items" "all"
    END
    TEMPLATE "ttt"
    CLASS
      NAME "${name}"
${style}
    END
  END`;
  return `MAP
  NAME "mapproxy_ts_test"
  EXTENT -180 -90 180 90
  SIZE 256 256
  UNITS DD
  IMAGECOLOR 255 255 255
  PROJECTION "init=epsg:4326" END
  SYMBOL NAME "circle" TYPE ELLIPSE FILLED TRUE POINTS 1 1 END END
  OUTPUTFORMAT
    NAME "png"
    DRIVER AGG/PNG
    MIMETYPE "image/png"
    IMAGEMODE RGB
    EXTENSION "png"
  END
  OUTPUTFORMAT
    NAME "jpeg"
    DRIVER AGG/JPEG
    MIMETYPE "image/jpeg"
    IMAGEMODE RGB
    EXTENSION "jpg"
    FORMATOPTION "QUALITY=95"
  END
  WEB
    METADATA
      "wms_title" "mapproxy-ts test MapServer"
      "wms_srs" "${TEST_SRS.join(' ')}"
      "wms_enable_request" "*"
      "wms_getmap_formatlist" "image/png,image/jpeg"
      "wms_feature_info_mime_type" "text/plain"
    END
  END
${layer('areas', 'POLYGON', `      STYLE COLOR ${rgb(TEST_COLORS.redArea)} END
      EXPRESSION ([kind] = 1)
    END
    CLASS
      NAME "green"
      EXPRESSION ([kind] = 2)
      STYLE COLOR ${rgb(TEST_COLORS.greenArea)} END`)}
${layer('lines', 'LINE', `      STYLE COLOR ${rgb(TEST_COLORS.line)} WIDTH 5 END`)}
${layer('points', 'POINT', `      STYLE SYMBOL "circle" SIZE 12 COLOR ${rgb(TEST_COLORS.point)} END`)}
END
`;
}

/** Writes data, mapfile, MapServer config and a `mapserv` wrapper into `dir`. */
export function writeMapServerFiles(dir: string): { mapfile: string; configFile: string; mapservScript: string } {
  writeTestData(dir);
  const mapfile = join(dir, 'test.map');
  writeFileSync(mapfile, mapfileText(dir));
  // MapServer 8 refuses to run without a config file; MS_MAP_PATTERN permits `map=` parameters.
  const configFile = join(dir, 'mapserver.conf');
  writeFileSync(configFile, 'CONFIG\n  ENV\n    MS_MAP_PATTERN "\\.map$"\n  END\nEND\n');
  const mapservScript = join(dir, 'mapserv.sh');
  writeFileSync(mapservScript, `#!/bin/sh\nMAPSERVER_CONFIG_FILE='${configFile}'\nexport MAPSERVER_CONFIG_FILE\nexec ${MAPSERV_BINARY} "$@"\n`);
  chmodSync(mapservScript, 0o755);
  return { mapfile, configFile, mapservScript };
}

export function mapServerAvailable(): boolean {
  return existsSync(MAPSERV_BINARY);
}

/** Starts MapServer on a random 127.0.0.1 port. */
export async function startMapServer(): Promise<TestMapServer> {
  const dir = mkdtempSync(join(tmpdir(), 'mapproxy-ts-mapserver-'));
  const { mapfile, configFile, mapservScript } = writeMapServerFiles(dir);
  const requests: string[] = [];
  const runner = await startCgiRunner({
    script: MAPSERV_BINARY,
    env: { MS_MAPFILE: mapfile, MAPSERVER_CONFIG_FILE: configFile },
    onRequest: (q) => requests.push(q),
  });
  return {
    url: `${runner.url}mapserv?`,
    requests,
    mapfile,
    mapservScript,
    dir,
    async stop() {
      await runner.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
