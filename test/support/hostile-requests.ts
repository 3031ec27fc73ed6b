// Seeded hostile requests for every route of the services, and the checks every answer must pass: no
// 500, the protocol's own error document, a 4xx for the client's mistakes. Shared by the in-process
// fuzz test and the run against the real daemon.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { prng } from './prng.js';

/** What the configuration under test publishes: the names a hostile request mixes with junk. */
export interface FuzzTargets {
  wmsLayers: readonly string[];
  tileLayers: readonly string[];
  /** Grid names and EPSG specs (`GLOBAL_WEBMERCATOR`, `EPSG3857`). */
  specs: readonly string[];
  matrixSets: readonly string[];
  formats: readonly string[];
  /** Builds a WMTS REST path (below /wmts) from its variables, following the configured template. */
  restPath(v: { layer: string; matrixSet: string; z: string; x: string; y: string; format: string }): string;
}

/** A request as the core sees it: path decoded, query raw. */
export interface FuzzRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body?: Buffer;
}

const JUNK = [
  '', ' ', '.', '..', '../..', '../../../../etc/passwd', '..\\..\\windows', '/', '//', '%', '%2e%2e%2f', '%00', '\u0000',
  '\u0001\u0002', '\u001f', '\uFFFE', '\uFFFF', '\uD800', '\uDC00x', 'é', '日本', '😀', '<x>&"\'', ']]>', '<!--', '${x}',
  '{{Layer}}', '{TileRow}', 'NaN', 'Infinity', '-Infinity', '1e308', '-1e308', '1e-320', '-0', '0x10', '0b11', '1_000',
  '9'.repeat(40), '9'.repeat(400), 'A'.repeat(5000), '1,2,3', ',,,', '99999999999999999999', '-1', '0', ' 1 ', '+1',
  '1.5', '-2147483649', '4294967296', 'null', 'undefined', 'true', '[object Object]', '__proto__', 'constructor',
  'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'EPSG:', 'EPSG:0', 'EPSG:99999', 'EPSG:4326:3857', 'CRS:84',
  'EPSG:4326', 'EPSG:3857', 'epsg:25832', 'image/', 'image/png; mode=8bit', 'image/png\r\nX: y', 'png', 'jpeg',
  'application/vnd.ogc.se_inimage', 'application/vnd.ogc.se_blank', 'inimage', 'blank', 'xml', 'text/html',
];

const SIZES = ['0', '-1', '1', '2', '64', '256', '257', '1024', '4096', '100000', '2147483648', '1e9', '1.9', 'abc', '', ' 256'];
const INTS = ['0', '1', '2', '3', '5', '7', '18', '19', '20', '25', '31', '-1', '-5', '01', '007', '1e3', '2.5', '999999999', '9'.repeat(30)];
const BBOXES = [
  '-180,-90,180,90', '0,0,10,10', '10,10,0,0', '0,0,0,0', '-20037508.34,-20037508.34,20037508.34,20037508.34',
  '1,2,3', '1,2,3,4,5', 'a,b,c,d', 'NaN,0,1,1', '-1e308,-1e308,1e308,1e308', '0,0,1e-12,1e-12', '5,45,15,55',
  '300000,5000000,700000,5500000', '-Infinity,0,Infinity,1', ',,,', '',
];
const METHODS = ['GET', 'GET', 'GET', 'GET', 'GET', 'GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'];

class Gen {
  constructor(private readonly rnd: () => number, private readonly t: FuzzTargets) {}

  chance(p: number): boolean {
    return this.rnd() < p;
  }
  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rnd() * list.length)]!;
  }
  /** A valid value most of the time, junk otherwise. */
  mostly(valid: readonly string[], p = 0.75): string {
    return this.chance(p) ? this.pick(valid) : this.pick(JUNK);
  }
  caseMix(s: string): string {
    if (!this.chance(0.2)) return s;
    return [...s].map((c) => (this.chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join('');
  }

  /** A KVP query from ordered pairs, mutated: values replaced, pairs dropped, repeated, junk pairs added. */
  query(pairs: [string, string][]): string {
    const out: [string, string][] = [];
    for (const [k, v] of pairs) {
      if (this.chance(0.06)) continue;
      const key = this.caseMix(k);
      out.push([key, this.chance(0.1) ? this.pick(JUNK) : v]);
      if (this.chance(0.03)) out.push([key, this.pick(JUNK)]);
    }
    while (this.chance(0.15)) out.push([this.pick(JUNK) || 'x', this.pick(JUNK)]);
    if (this.chance(0.05)) out.sort(() => this.rnd() - 0.5);
    const q = new URLSearchParams(out).toString();
    // Raw junk in the query string itself: broken escapes, bare separators.
    return this.chance(0.05) ? `${q}&${this.pick(['%', '%zz', '&&', '=', '==&=', '%E0%A4%A', '+%2B+', ';'])}` : q;
  }

  wms(): FuzzRequest {
    const version = this.mostly(['1.0.0', '1.1.0', '1.1.1', '1.3.0'], 0.85);
    const type = this.mostly(['GetMap', 'GetMap', 'GetMap', 'GetCapabilities', 'GetFeatureInfo', 'GetLegendGraphic', 'map', 'capabilities', 'feature_info'], 0.9);
    const pairs: [string, string][] = [['SERVICE', this.mostly(['WMS'], 0.9)]];
    pairs.push(version === '1.0.0' && this.chance(0.5) ? ['WMTVER', version] : ['VERSION', version]);
    pairs.push(['REQUEST', type]);
    const layers = Array.from({ length: 1 + Math.floor(this.rnd() * (this.chance(0.05) ? 60 : 3)) }, () => this.mostly(this.t.wmsLayers));
    pairs.push(['LAYERS', layers.join(',')], ['STYLES', this.mostly(['', 'default', ',', 'x'])]);
    pairs.push([version === '1.3.0' ? 'CRS' : 'SRS', this.mostly(['EPSG:4326', 'EPSG:3857', 'EPSG:900913', 'CRS:84', 'EPSG:25832'])]);
    pairs.push(['BBOX', this.pick(BBOXES)]);
    pairs.push(['WIDTH', this.pick(SIZES)], ['HEIGHT', this.pick(SIZES)]);
    pairs.push(['FORMAT', this.mostly(['image/png', 'image/jpeg', 'image/gif', 'PNG', 'JPEG', 'image/png; mode=8bit'])]);
    if (this.chance(0.4)) pairs.push(['EXCEPTIONS', this.mostly(['application/vnd.ogc.se_inimage', 'application/vnd.ogc.se_blank', 'application/vnd.ogc.se_xml', 'XML', 'INIMAGE', 'BLANK'])]);
    if (this.chance(0.3)) pairs.push(['TRANSPARENT', this.mostly(['TRUE', 'FALSE', 'true'])]);
    if (this.chance(0.2)) pairs.push(['BGCOLOR', this.mostly(['0xFF0000', '#00ff00', 'ffffff', '0xGGGGGG'])]);
    if (/info/i.test(type)) {
      pairs.push(['QUERY_LAYERS', this.mostly(this.t.wmsLayers)], [version === '1.3.0' ? 'I' : 'X', this.pick(INTS)], [version === '1.3.0' ? 'J' : 'Y', this.pick(INTS)]);
      pairs.push(['INFO_FORMAT', this.mostly(['text/plain', 'text/html', 'application/vnd.ogc.gml'])]);
    }
    if (/legend/i.test(type)) pairs.push(['LAYER', this.mostly(this.t.wmsLayers)], ['SLD_VERSION', this.mostly(['1.1.0', '1.0.0'])]);
    if (this.chance(0.1)) pairs.push([this.pick(['TIME', 'ELEVATION', 'DIM_X']), this.pick(JUNK)]);
    if (this.chance(0.05)) pairs.push(['TILED', this.mostly(['true', 'false'])]);
    return this.get(`/${this.pick(['service', 'ows', 'wms'])}`, this.query(pairs));
  }

  wmtsKvp(): FuzzRequest {
    const type = this.mostly(['GetTile', 'GetTile', 'GetTile', 'GetCapabilities', 'GetFeatureInfo', 'GetLegend'], 0.9);
    const pairs: [string, string][] = [
      ['SERVICE', this.mostly(['WMTS'], 0.92)], ['REQUEST', type], ['VERSION', this.mostly(['1.0.0'])],
      ['LAYER', this.mostly(this.t.tileLayers)], ['STYLE', this.mostly(['default', ''])],
      ['TILEMATRIXSET', this.mostly(this.t.matrixSets)], ['TILEMATRIX', this.pick(INTS)],
      ['TILEROW', this.pick(INTS)], ['TILECOL', this.pick(INTS)],
      ['FORMAT', this.mostly(['image/png', 'image/jpeg', 'png', 'jpeg'])],
    ];
    if (/info/i.test(type)) pairs.push(['I', this.pick(INTS)], ['J', this.pick(INTS)], ['INFOFORMAT', this.mostly(['text/plain'])]);
    if (this.chance(0.1)) pairs.push(['STYLES', this.pick(JUNK)]);
    return this.get(`/${this.pick(['service', 'ows', 'wms'])}`, this.query(pairs));
  }

  wmtsRest(): FuzzRequest {
    const r = this.rnd();
    if (r < 0.1) return this.get(this.pick(['/wmts', '/wmts/', '/wmts/1.0.0/WMTSCapabilities.xml', '/wmts/1.0.0/', '/wmts//', '/wmtsx', '/wmts/1.0.0/WMTSCapabilities.xml/x']), this.chance(0.3) ? this.query([['SERVICE', 'WMTS'], ['REQUEST', 'GetCapabilities']]) : '');
    if (r < 0.2) return this.get(`/wmts/${this.segments()}`, '');
    const path = this.t.restPath({
      layer: this.mostly(this.t.tileLayers),
      matrixSet: this.mostly(this.t.matrixSets),
      z: this.pick(INTS), x: this.pick(INTS), y: this.pick(INTS),
      format: this.mostly(this.t.formats),
    });
    return this.get(`/wmts${this.mangle(path)}`, this.chance(0.1) ? this.query([['time', this.pick(JUNK)]]) : '');
  }

  tms(prefix: '/tms' | '/tiles'): FuzzRequest {
    const r = this.rnd();
    const layer = this.mostly(this.t.tileLayers);
    const spec = this.mostly(this.t.specs);
    let path: string;
    if (r < 0.15) path = this.pick([prefix, `${prefix}/`, `${prefix}/1.0.0`, `${prefix}/1.0.0/`, `${prefix}/1.0.0/${layer}`, `${prefix}/1.0.0/${layer}/${spec}`, `${prefix}/1.0.0/${layer}/${spec}/`, `${prefix}/2.0.0/${layer}`]);
    else if (r < 0.25) path = `${prefix}/${this.segments()}`;
    else {
      const version = this.chance(0.8) ? '1.0.0/' : '';
      const name = this.chance(0.3) ? `${layer}_${spec}` : this.chance(0.7) ? `${layer}/${spec}` : layer;
      path = this.mangle(`${prefix}/${version}${name}/${this.pick(INTS)}/${this.pick(INTS)}/${this.pick(INTS)}.${this.mostly(this.t.formats)}`);
    }
    const query = prefix === '/tiles' && this.chance(0.3) ? this.query([['origin', this.mostly(['sw', 'nw', 'ne'])]]) : '';
    return this.get(path, query);
  }

  kml(): FuzzRequest {
    const layer = this.mostly(this.t.tileLayers);
    const spec = this.mostly(this.t.specs);
    const r = this.rnd();
    if (r < 0.2) return this.get(this.pick(['/kml', '/kml/', `/kml/${layer}`, `/kml/${layer}/`, `/kml/${layer}/${spec}`, `/kml/${layer}/${spec}/`]), '');
    if (r < 0.3) return this.get(`/kml/${this.segments()}`, '');
    return this.get(this.mangle(`/kml/${layer}/${spec}/${this.pick(INTS)}/${this.pick(INTS)}/${this.pick(INTS)}.${this.mostly(['kml', 'kml', ...this.t.formats])}`), '');
  }

  demo(): FuzzRequest {
    const r = this.rnd();
    if (r < 0.3) return this.get(this.pick(['/demo', '/demo/', '/demo/static/ol.js', '/demo/static/ol.css', `/demo/static/${this.pick(JUNK)}`, `/demo/${this.segments()}`, '/demo/static/../../package.json']), '');
    const pairs: [string, string][] = this.pick([
      [['wms_layer', this.mostly(this.t.wmsLayers)], ['format', this.mostly(['image/png', 'image/jpeg'])], ['srs', this.mostly(['EPSG:4326', 'EPSG:3857', 'EPSG:25832'])]],
      [['tms_layer', this.mostly(this.t.tileLayers)], ['spec', this.mostly(this.t.specs)], ['format', this.mostly(this.t.formats)]],
      [['wmts_layer', this.mostly(this.t.tileLayers)], ['matrix_set', this.mostly(this.t.matrixSets)], ['format', this.mostly(['image/png'])]],
    ] as [string, string][][]);
    return this.get('/demo/', this.query(pairs));
  }

  other(): FuzzRequest {
    const first = this.pick(['', 'x', 'service.php', 'admin', 'metrics', 'ogcapi', '.git', '..', '_', 'tms_', 'SERVICE', 'Wms', 'demo.', 'status', this.pick(JUNK)]);
    return this.get(this.chance(0.5) ? `/${first}` : `/${first}/${this.segments()}`, this.chance(0.5) ? this.query([['SERVICE', this.pick(JUNK)], ['REQUEST', this.pick(JUNK)]]) : '');
  }

  /** 0–6 path segments of junk and almost-valid names. */
  segments(): string {
    const n = Math.floor(this.rnd() * 7);
    return Array.from({ length: n }, () => this.mostly([...this.t.tileLayers, ...this.t.specs, ...INTS, '1.0.0', 'x.png'], 0.5)).join('/');
  }

  /** Sometimes breaks a path: doubled or trailing slashes, a segment dropped or duplicated, an extra suffix. */
  mangle(path: string): string {
    if (!this.chance(0.25)) return path;
    const parts = path.split('/');
    switch (Math.floor(this.rnd() * 5)) {
      case 0: return path.replace('/', '//');
      case 1: return `${path}${this.pick(['/', '.', '/x', '?', '#', '.png', ' ', '\u0000'])}`;
      case 2: parts.splice(1 + Math.floor(this.rnd() * (parts.length - 1)), 1); return parts.join('/');
      case 3: { const i = 1 + Math.floor(this.rnd() * (parts.length - 1)); parts.splice(i, 0, parts[i]!); return parts.join('/'); }
      default: return path.replace(/\d+/, this.pick(JUNK));
    }
  }

  headers(): Record<string, string> {
    const h: Record<string, string> = { host: 'localhost' };
    if (this.chance(0.1)) h['if-none-match'] = this.pick(JUNK);
    if (this.chance(0.1)) h['if-modified-since'] = this.pick(['Thu, 01 Jan 1970 00:00:00 GMT', 'Sat, 01 Jan 2500 00:00:00 GMT', 'yesterday', '', '1e308']);
    if (this.chance(0.05)) h['x-forwarded-host'] = this.pick(JUNK);
    if (this.chance(0.05)) h['x-forwarded-proto'] = this.pick(['https', 'ftp', ...JUNK.slice(0, 10)]);
    if (this.chance(0.05)) h['x-script-name'] = this.pick(['/mp', '/', ...JUNK.slice(0, 12)]);
    if (this.chance(0.05)) h['host'] = this.pick(JUNK) || 'localhost';
    return h;
  }

  get(path: string, query: string): FuzzRequest {
    const method = this.pick(METHODS);
    const req: FuzzRequest = { method, path, query, headers: this.headers() };
    if (method === 'POST' || method === 'PUT') req.body = Buffer.from(this.chance(0.5) ? query : this.pick(JUNK));
    return req;
  }
}

/** `count` requests spread over every route. */
export function hostileRequests(seed: number, count: number, targets: FuzzTargets): FuzzRequest[] {
  const g = new Gen(prng(seed), targets);
  const routes: (() => FuzzRequest)[] = [
    () => g.wms(), () => g.wms(), () => g.wms(), () => g.wmtsKvp(), () => g.wmtsKvp(), () => g.wmtsRest(), () => g.wmtsRest(),
    () => g.tms('/tms'), () => g.tms('/tms'), () => g.tms('/tiles'), () => g.kml(), () => g.demo(), () => g.other(),
  ];
  return Array.from({ length: count }, () => g.pick(routes)());
}

/** The request as a URL path for a real server: every path segment percent-encoded (the server decodes it). */
export function requestTarget(req: FuzzRequest): string {
  const wellFormed = (s: string) => s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  const encoded = req.path.split('/').map((s) => encodeURIComponent(wellFormed(s))).join('/');
  return req.query ? `${encoded}?${req.query}` : encoded;
}

export interface FuzzAnswer {
  status: number;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
}

type ErrorFormat = 'wms' | 'ows' | 'tms' | 'plain' | 'not-found';

/** Which error document the protocol of `req` answers with, decided as the router and OWS dispatcher do. */
export function expectedErrorFormat(req: FuzzRequest): ErrorFormat {
  const first = /^\/(\w+)/.exec(req.path)?.[1];
  switch (first) {
    case 'service':
    case 'ows':
    case 'wms': {
      const params = new Map<string, string>();
      for (const [k, v] of new URLSearchParams(req.query)) if (!params.has(k.toLowerCase())) params.set(k.toLowerCase(), v);
      let service = params.get('service')?.toLowerCase();
      if (!service && (params.get('wmtver') === '1.0.0' || params.get('request')?.toLowerCase() === 'getmap')) service = 'wms';
      return service === 'wms' ? 'wms' : 'ows';
    }
    case 'wmts': return 'ows';
    case 'tms': return 'tms';
    case 'tiles':
    case 'kml': return 'plain';
    default: return 'not-found';
  }
}

const xml = new XMLParser({ ignoreAttributes: false, removeNSPrefix: false });

function header(a: FuzzAnswer, name: string): string {
  const v = a.headers[name];
  return Array.isArray(v) ? v.join(', ') : (v ?? '');
}

/**
 * What is wrong with an answer, or null: a 500 (or any 5xx but 501 for an unsupported operation),
 * a client error answered with 2xx/3xx in an error format, or an error body that is not the
 * protocol's document (well-formed XML with the right root, or plain text).
 */
export function answerProblem(req: FuzzRequest, a: FuzzAnswer): string | null {
  if (a.status >= 500 && a.status !== 501) return `status ${a.status}: ${a.body.toString('utf8').slice(0, 200)}`;
  if (a.status < 400) return null;
  if (req.method === 'HEAD') return null;
  const format = expectedErrorFormat(req);
  const text = a.body.toString('utf8');
  const type = header(a, 'content-type');
  if (format === 'not-found' || format === 'plain') {
    if (!type.startsWith('text/plain')) return `${a.status} with Content-Type ${type}, expected text/plain`;
    if (format === 'not-found' && (a.status !== 404 || text !== 'not found')) return `${a.status} '${text.slice(0, 80)}', expected 404 not found`;
    return null;
  }
  if (!/xml/.test(type)) return `${a.status} with Content-Type ${type}, expected an XML document`;
  const valid = XMLValidator.validate(text);
  if (valid !== true) return `${a.status}: not well-formed XML (${valid.err.msg}): ${text.slice(0, 200)}`;
  const roots = Object.keys(xml.parse(text)).filter((k) => k !== '?xml' && k !== '!DOCTYPE');
  const expected = { wms: ['WMTException', 'ServiceExceptionReport'], ows: ['ows:ExceptionReport'], tms: ['TileMapServerError'] }[format];
  if (!expected.includes(roots[0]!)) return `${a.status}: root <${roots[0]}>, expected ${expected.join(' or ')}`;
  if (a.status === 501 && !/OperationNotSupported/.test(text)) return `501 without OperationNotSupported: ${text.slice(0, 200)}`;
  return null;
}
