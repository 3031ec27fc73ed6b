// The seeding tests' configuration: a debug source cached in `dir/tiles` (tms layout) on a small geodetic grid
// of 64 px tiles, so a few levels make a real pyramid in little time.
export const debugSeedConfig = (dir: string): string => `
services: {tms: }
layers: [{name: l, title: l, sources: [c]}]
caches:
  c:
    grids: [g]
    sources: [dbg]
    cache: {type: file, directory: ${dir}/tiles, directory_layout: tms}
grids:
  g: {srs: 'EPSG:4326', bbox: [-180, -90, 180, 90], origin: nw, tile_size: [64, 64]}
sources:
  dbg: {type: debug}
`;
