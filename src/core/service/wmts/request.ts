import type { RequestParams } from '../../http.js';
import { pyStrList } from '../../util/py-format.js';
import { RequestError } from '../request-error.js';

export interface WmtsTileRequest {
  layer: string;
  matrixSet: string;
  /** x, y (north-west origin), z. */
  coord: [number, number, number];
  /** Requested extension ('png'); undefined when not given. */
  format?: string;
  dimensions: Record<string, string>;
}

const KVP_TILE_PARAMS = ['version', 'request', 'layer', 'style', 'tilematrixset', 'tilematrix', 'tilerow', 'tilecol', 'format'];

/** REQUEST=GetTile|GetCapabilities|GetFeatureInfo → 'tile' | 'capabilities' | 'featureinfo'. */
export function parseWmtsRequestType(params: RequestParams): string | null {
  const r = params.get('request')?.toLowerCase();
  if (r?.startsWith('get')) {
    const t = r.slice(3);
    if (t === 'tile' || t === 'featureinfo' || t === 'capabilities') return t;
  }
  return null;
}

function intParam(value: string, name: string): number {
  if (!/^\s*[-+]?\d+\s*$/.test(value)) throw new RequestError(`invalid ${name}: ${value}`, { code: 'InvalidParameterValue' });
  return Number.parseInt(value, 10);
}

/** The format part of a mime type or name: 'image/png' → 'png'. */
export function formatName(value: string): string {
  const sub = value.includes('/') ? value.slice(value.indexOf('/') + 1) : value;
  return sub.split(';')[0]!.trim();
}

/**
 * KVP GetTile: all parameters required, TILEMATRIX '01' or '1'. Missing ones are MissingParameterValue
 * (HTTP 400); MapProxy gives them no code and so answers 500.
 */
export function parseKvpTileRequest(params: RequestParams): WmtsTileRequest {
  const missing = KVP_TILE_PARAMS.filter((p) => !params.has(p));
  if (missing.length > 0) {
    throw new RequestError(`missing parameters ${pyStrList(missing)}`, { code: 'MissingParameterValue' });
  }
  const styles = params.get('styles');
  if (styles !== undefined && styles.replace(/,/g, '').trim() !== '') {
    throw new RequestError(`unsupported styles: ${styles}`, { code: 'StyleNotDefined' });
  }
  const dimensions: Record<string, string> = {};
  for (const [k, v] of params.entries()) {
    if (!KVP_TILE_PARAMS.includes(k) && k !== 'service') dimensions[k] = v;
  }
  return {
    layer: params.get('layer')!,
    matrixSet: params.get('tilematrixset')!,
    coord: [intParam(params.get('tilecol')!, 'tilecol'), intParam(params.get('tilerow')!, 'tilerow'), intParam(params.get('tilematrix')!, 'tilematrix')],
    format: formatName(params.get('format')!),
    dimensions,
  };
}

const KNOWN_VARS: Record<string, string> = {
  TileMatrixSet: '[\\w_.:-]+',
  TileMatrix: '\\d+',
  TileRow: '-?\\d+',
  TileCol: '-?\\d+',
  I: '\\d+',
  J: '\\d+',
  Style: '[\\w_.:-]+',
  Layer: '[\\w_.:-]+',
  Format: '\\w+',
  InfoFormat: '\\w+',
};
const REQUIRED_VARS = ['TileCol', 'TileRow', 'TileMatrix', 'TileMatrixSet', 'Layer'];

/**
 * A `restful_template` compiled to a matcher for paths below /wmts. Variables other than the
 * WMTS ones are dimensions (`{Time}` → dimension 'time').
 */
export class RestTemplate {
  readonly dimensions: string[] = [];
  private readonly re: RegExp;

  /** `required`: the variables the template must have (the FeatureInfo template also needs I and J). */
  constructor(readonly template: string, required: readonly string[] = REQUIRED_VARS) {
    const found = new Set<string>();
    const escaped = template.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // Accept the legacy '{{Var}}' spelling too, as MapProxy does.
    const converted = escaped.replace(/(?:\\\{)?\\\{(\w+)\\\}(?:\\\})?/g, (_m, name: string) => {
      found.add(name);
      if (KNOWN_VARS[name]) return `(?<${name}>${KNOWN_VARS[name]})`;
      this.dimensions.push(name);
      return `(?<dim_${name.toLowerCase()}>[\\w_.,:-]+)`;
    });
    const missing = required.filter((v) => !found.has(v));
    if (missing.length > 0) throw new Error(`missing required variables in WMTS restful template: ${missing.join(', ')}`);
    this.re = new RegExp(`^/wmts${converted}`);
  }

  /** The template's variables in `path`, or null when it does not match. */
  groups(path: string): Record<string, string | undefined> | null {
    return this.re.exec(path)?.groups ?? null;
  }

  match(path: string): WmtsTileRequest | null {
    const g = this.groups(path);
    if (!g) return null;
    const dimensions: Record<string, string> = {};
    for (const d of this.dimensions) dimensions[d.toLowerCase()] = g[`dim_${d.toLowerCase()}`]!;
    return {
      layer: g['Layer']!,
      matrixSet: g['TileMatrixSet']!,
      coord: [Number(g['TileCol']), Number(g['TileRow']), Number(g['TileMatrix'])],
      ...(g['Format'] !== undefined ? { format: g['Format'] } : {}),
      dimensions,
    };
  }
}
