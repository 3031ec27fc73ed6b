// A MapServer mapfile whose layer honours WMS TIME (`wms_timeextent`, `wms_timeitem`): at 11:20 the western
// half of the world is red, at 13:20 the eastern half, at 15:20 (the default) nothing. For dimension tests.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TIMES = ['2020-09-22T11:20:00Z', '2020-09-22T13:20:00Z', '2020-09-22T15:20:00Z'] as const;

/** Writes data, mapfile and MapServer config into `dir`. */
export function writeTimedMapServer(dir: string): { mapfile: string; configFile: string } {
  const square = (x0: number, x1: number) => [[[x0, -85], [x1, -85], [x1, 85], [x0, 85], [x0, -85]]];
  writeFileSync(join(dir, 'timed.geojson'), JSON.stringify({
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: { t: TIMES[0] }, geometry: { type: 'Polygon', coordinates: square(-180, 0) } },
      { type: 'Feature', properties: { t: TIMES[1] }, geometry: { type: 'Polygon', coordinates: square(0, 180) } },
    ],
  }));
  const mapfile = join(dir, 'timed.map');
  writeFileSync(mapfile, `MAP
  NAME "dims"
  EXTENT -180 -90 180 90
  SIZE 256 256
  UNITS DD
  IMAGECOLOR 255 255 255
  PROJECTION "init=epsg:4326" END
  OUTPUTFORMAT NAME "png" DRIVER AGG/PNG MIMETYPE "image/png" IMAGEMODE RGB EXTENSION "png" END
  WEB METADATA "wms_title" "dims" "wms_srs" "EPSG:4326 EPSG:3857 EPSG:900913" "wms_enable_request" "*" END END
  LAYER
    NAME "timed"
    TYPE POLYGON
    STATUS ON
    CONNECTIONTYPE OGR
    CONNECTION "${join(dir, 'timed.geojson')}"
    PROJECTION "init=epsg:4326" END
    METADATA
      "wms_title" "timed"
      "wms_timeextent" "2020-09-22T11:20:00Z/2020-09-22T15:20:00Z/PT2H"
      "wms_timeitem" "t"
      "wms_timedefault" "2020-09-22T15:20:00Z"
    END
    CLASS STYLE COLOR 200 30 30 END END
  END
END
`);
  const configFile = join(dir, 'mapserver.conf');
  writeFileSync(configFile, 'CONFIG\n  ENV\n    MS_MAP_PATTERN "\\.map$"\n  END\nEND\n');
  return { mapfile, configFile };
}

