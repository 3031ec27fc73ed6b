import { parseXml, type XmlElement, type XmlNode } from '../../core/source/xml-tree.js';

/**
 * The layer tree of a WMS 1.1.1 or 1.3.0 capabilities document, with MapProxy's inheritance rules (wmsparse): SRS
 * add up from the parents, the lat/lon box, the bounding boxes and the scale hint come from the nearest layer that
 * has them, and every layer takes the GetMap URL. `wms-capabilities` prints it and `autoconfig` builds on it.
 */
export interface WmsLayerInfo {
  queryable: boolean;
  opaque: boolean;
  title: string | null;
  abstract: string | null;
  name: string | null;
  /** In document order (own, then inherited), each once. */
  srs: string[];
  /** [min_res, max_res] from ScaleHint (diagonal to side), null where absent. */
  resHint: [number | null, number | null] | null;
  llbbox: [number, number, number, number] | null;
  /** SRS → bbox, axis order east/north (1.3.0 bboxes of lat/lon SRS are swapped back, as MapProxy). */
  bboxSrs: Map<string, [number, number, number, number]>;
  /** SRS whose 1.3.0 bbox was swapped back (MapProxy holds those as tuples, which shows in its output). */
  bboxSwapped: ReadonlySet<string>;
  url: string | null;
  legend: { url: string } | null;
  layers: WmsLayerInfo[];
}

export interface WmsCapabilitiesInfo {
  version: '1.1.1' | '1.3.0';
  title: string | null;
  abstract: string | null;
  root: WmsLayerInfo;
}

export class NotCapabilitiesError extends Error {}

const local = (name: string): string => name.slice(name.indexOf(':') + 1);
const elements = (el: XmlElement): XmlElement[] => el.children.filter((c: XmlNode): c is XmlElement => c.kind === 'element');
const child = (el: XmlElement | undefined, name: string): XmlElement | undefined => el && elements(el).find((c) => local(c.name) === name);
const children = (el: XmlElement, name: string): XmlElement[] => elements(el).filter((c) => local(c.name) === name);
const path = (el: XmlElement | undefined, ...names: string[]): XmlElement | undefined => names.reduce<XmlElement | undefined>((e, n) => child(e, n), el);
const attr = (el: XmlElement, name: string): string | undefined => el.attrs.find(([k]) => k === name || local(k) === name)?.[1] ?? undefined;

function text(el: XmlElement | undefined): string | null {
  if (!el) return null;
  let s = '';
  for (const c of el.children) if (c.kind === 'text') s += c.text;
  return s;
}

const href = (el: XmlElement | undefined): string | undefined => (el ? attr(el, 'xlink:href') ?? attr(el, 'href') : undefined);

/** EPSG codes whose 1.3.0 axis order is north/east (geographic systems; MapProxy asks its SRS table). */
function isLatLonOrder(srs: string): boolean {
  const code = srs.toUpperCase();
  if (code === 'EPSG:4326' || code === 'EPSG:4258' || code === 'EPSG:4269' || code === 'EPSG:4167') return true;
  const m = /^EPSG:(\d+)$/.exec(code);
  return m !== null && Number(m[1]) >= 4000 && Number(m[1]) < 5000;
}

function bboxOf(el: XmlElement): [number, number, number, number] {
  return ['minx', 'miny', 'maxx', 'maxy'].map((k) => Number(attr(el, k))) as [number, number, number, number];
}

export function parseWmsCapabilities(xml: string): WmsCapabilitiesInfo {
  const doc = parseXml(xml);
  const rootName = local(doc.root.name);
  let version: '1.1.1' | '1.3.0';
  if (rootName === 'WMT_MS_Capabilities') version = '1.1.1';
  else if (rootName === 'WMS_Capabilities') version = '1.3.0';
  else throw new NotCapabilitiesError(`unknown start tag in capabilities: ${doc.root.name}`);
  const v130 = version === '1.3.0';
  const getMap = href(path(doc.root, 'Capability', 'Request', 'GetMap', 'DCPType', 'HTTP', 'Get', 'OnlineResource')) ?? null;

  const parseLayer = (el: XmlElement, parent: WmsLayerInfo | null): WmsLayerInfo => {
    const own: string[] = [];
    for (const s of children(el, v130 ? 'CRS' : 'SRS')) {
      const code = (text(s) ?? '').trim().toUpperCase();
      for (const c of v130 ? [code] : code.split(/\s+/)) if (c && !own.includes(c)) own.push(c);
    }
    const srs = [...own, ...(parent?.srs ?? []).filter((s) => !own.includes(s))];

    let llbbox = parent?.llbbox ?? null;
    if (v130) {
      const g = child(el, 'EX_GeographicBoundingBox');
      if (g) llbbox = ['westBoundLongitude', 'southBoundLatitude', 'eastBoundLongitude', 'northBoundLatitude'].map((n) => Number(text(child(g, n)))) as [number, number, number, number];
    } else {
      const g = child(el, 'LatLonBoundingBox');
      if (g) llbbox = bboxOf(g);
    }

    let bboxSrs = parent?.bboxSrs ?? new Map<string, [number, number, number, number]>();
    let bboxSwapped = parent?.bboxSwapped ?? new Set<string>();
    const boxes = children(el, 'BoundingBox');
    if (boxes.length) {
      bboxSrs = new Map();
      const swapped = new Set<string>();
      bboxSwapped = swapped;
      for (const b of boxes) {
        const code = attr(b, v130 ? 'CRS' : 'SRS') ?? '';
        let bb = bboxOf(b);
        if (v130 && isLatLonOrder(code)) {
          bb = [bb[1], bb[0], bb[3], bb[2]];
          swapped.add(code);
        }
        bboxSrs.set(code, bb);
      }
    }

    let resHint = parent?.resHint ?? null;
    const hint = child(el, 'ScaleHint');
    if (hint) {
      // ScaleHint min/max are diagonals of a pixel; MapProxy takes the side (and swaps min and max)
      const side = (v: string | undefined) => (v ? Math.sqrt(Number(v) ** 2 / 2) : null);
      resHint = [side(attr(hint, 'max')), side(attr(hint, 'min'))];
    }

    let legend: { url: string } | null = null;
    for (const style of children(el, 'Style')) {
      const name = text(child(style, 'Name'));
      if (name === 'default' || name === '') {
        const url = href(path(style, 'LegendURL', 'OnlineResource'));
        if (child(style, 'LegendURL') && url !== undefined) legend = { url };
        break;
      }
    }

    const layer: WmsLayerInfo = {
      queryable: attr(el, 'queryable') === '1',
      opaque: attr(el, 'opaque') === '1',
      title: text(child(el, 'Title')),
      abstract: text(child(el, 'Abstract')),
      name: text(child(el, 'Name')),
      srs, resHint, llbbox, bboxSrs, bboxSwapped, url: getMap, legend, layers: [],
    };
    layer.layers = children(el, 'Layer').map((c) => parseLayer(c, layer));
    return layer;
  };

  const rootLayer = path(doc.root, 'Capability', 'Layer');
  if (!rootLayer) throw new NotCapabilitiesError('no Capability/Layer element');
  return {
    version,
    title: text(path(doc.root, 'Service', 'Title')),
    abstract: text(path(doc.root, 'Service', 'Abstract')),
    root: parseLayer(rootLayer, null),
  };
}

/** The GetCapabilities URL MapProxy asks: the URL's own parameters plus SERVICE, VERSION and REQUEST. */
export function capabilitiesUrl(url: string, version: string): string {
  const [base, query = ''] = url.split('?', 2) as [string, string?];
  const params = new URLSearchParams(query);
  for (const key of [...params.keys()]) if (['service', 'version', 'request'].includes(key.toLowerCase())) params.delete(key);
  params.set('service', 'WMS');
  params.set('version', version);
  params.set('request', 'GetCapabilities');
  return `${base}?${params.toString()}`;
}
