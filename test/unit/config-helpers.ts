import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Writes `files` (relative name → YAML text) into a fresh temp dir and returns the dir. */
export function writeConfigDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mpts-config-'));
  for (const [name, text] of Object.entries(files)) {
    const p = join(dir, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return dir;
}

/** A minimal valid configuration body to extend in tests. */
export const MINIMAL = `
services:
  tms:
layers:
  - name: osm
    title: OSM
    sources: [osm_cache]
caches:
  osm_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [osm_wms]
sources:
  osm_wms:
    type: wms
    req:
      url: http://localhost/service
      layers: osm
`;
