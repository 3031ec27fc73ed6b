// The configuration most OGC API tests serve: one cached debug layer, `dbg`, as the default dataset of /ogcapi,
// with WMTS beside it (the tests compare /ogcapi tiles with the WMTS ones).

export interface DebugOgcapiOptions {
  /** Serve WMS too. */
  wms?: boolean;
  /** Extra grids of the cache, defined in `gridsYaml` when they are not built in. */
  grids?: string[];
  gridsYaml?: string;
}

export function debugOgcapiConfig(cacheDir: string, opts: DebugOgcapiOptions = {}): string {
  return `
globals:
  cache: {base_dir: ${JSON.stringify(cacheDir)}}
services:
${opts.wms ? '  wms:\n' : ''}  wmts:
  ogcapi:
    default_dataset_layers: [dbg]
layers:
  - name: dbg
    title: Debug layer
    sources: [dbg_cache]
caches:
  dbg_cache:
    grids: [${['GLOBAL_WEBMERCATOR', ...(opts.grids ?? [])].join(', ')}]
    sources: [dbg]
sources:
  dbg: {type: debug}
${opts.gridsYaml ? `grids:\n${opts.gridsYaml}\n` : ''}`;
}
