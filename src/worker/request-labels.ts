import { RequestParams, type CoreRequest } from '../core/http.js';

export interface RequestLabels {
  service: string;
  layer: string;
}

/** Path prefixes the core serves; anything else is labelled 'other' so that scanners cannot grow the label set. */
const SERVICES = new Set(['wms', 'wmts', 'tms', 'tiles', 'kml', 'demo', 'service', 'ows']);
const KVP_SERVICES = new Set(['wms', 'wmts', 'tms']);
/** Where the layer sits in RESTful tile paths, after the service segment. */
const TILE_LAYER_SEGMENT: Record<string, number> = { tms: 2, tiles: 1, kml: 1, wmts: 1 };

/**
 * Which layer names may become label values. With the configuration at hand we know them; without
 * (MultiMapProxy, reloads) the first `cap` names seen are admitted and the rest count as 'other'.
 */
export class LayerNames {
  private readonly seen = new Set<string>();
  constructor(
    private readonly known: () => ReadonlySet<string> | null,
    private readonly cap = 100,
  ) {}

  label(name: string | undefined): string {
    if (!name) return 'none';
    const known = this.known();
    if (known) {
      if (known.has(name)) return name;
      // TMS/KML name tile layers `<layer>_<grid>`
      const cut = name.lastIndexOf('_');
      if (cut > 0 && known.has(name.slice(0, cut))) return name.slice(0, cut);
      return 'other';
    }
    if (this.seen.has(name)) return name;
    if (this.seen.size < this.cap && /^[\w.:-]{1,64}$/.test(name)) {
      this.seen.add(name);
      return name;
    }
    return 'other';
  }
}

/** service: wms, wmts, tms, tiles, kml, demo, root, metrics or other; layer: a configured layer, none, multiple or other. */
export function requestLabels(req: CoreRequest, layers: LayerNames): RequestLabels {
  const segments = req.path.split('/').filter((s) => s !== '');
  const first = segments[0]?.toLowerCase();
  if (first === undefined) return { service: 'root', layer: 'none' };
  if (!SERVICES.has(first)) return { service: 'other', layer: 'none' };

  const params = new RequestParams(req.query);
  let service = first;
  if (first === 'service' || first === 'ows') {
    const named = params.get('service')?.toLowerCase();
    service = named && KVP_SERVICES.has(named) ? named : 'wms';
  }

  const segIndex = TILE_LAYER_SEGMENT[first];
  if (segIndex !== undefined && segments.length > segIndex + 1) {
    return { service, layer: layers.label(segments[segIndex]) };
  }
  const layerParam = params.get('layers') ?? params.get('layer') ?? params.get('query_layers');
  if (layerParam === undefined) return { service, layer: 'none' };
  const names = layerParam.split(',').filter((n) => n !== '');
  if (names.length > 1) return { service, layer: 'multiple' };
  return { service, layer: layers.label(names[0]) };
}
