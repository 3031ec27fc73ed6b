import { escapeXml as x } from '../xml-escape.js';
import type { Link, OgcRequest } from './request-context.js';

type Doc = Record<string, unknown>;
type Md = Record<string, Record<string, unknown> | undefined>;

const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
const links = (doc: Doc): Link[] => (Array.isArray(doc['links']) ? (doc['links'] as Link[]) : []);

/**
 * A page of the HTML representation: the service title, breadcrumbs from the landing page, a link to the JSON
 * representation and the document's links as `<link>` elements. Scripts and styles come from /ogcapi/static/,
 * so the pages (and their maps) work without network access.
 */
function page(ctx: OgcRequest, title: string, crumbs: [string, string][], body: string, doc: Doc, withMap = false): string {
  const md = ctx.md as Md;
  const service = str(md['identification']?.['title']) || 'MapProxy OGC API';
  const json = links(doc).find((l) => l.rel === 'alternate' && l.type === 'application/json')?.href ?? '?f=json';
  const head = links(doc)
    .filter((l) => !l.templated)
    .map((l) => `<link rel="${x(l.rel)}" type="${x(l.type)}" title="${x(l.title)}" href="${x(l.href)}">`)
    .join('\n');
  const ol = withMap
    ? `<link rel="stylesheet" href="${x(ctx.href('/static/ol.css'))}"><script src="${x(ctx.href('/static/ol.js'))}"></script>`
    : '';
  const trail = [[ctx.href(''), 'Home'] as [string, string], ...crumbs].map(([h, t]) => `<a href="${x(h)}">${x(t)}</a>`).join(' / ');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${x(service)} - ${x(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
${head}
${ol}
<style>body{font-family:sans-serif;margin:0}header,nav,main,footer{padding:.5em 2em}header{background:#f4f4f4;border-bottom:1px solid #ddd}
nav{font-size:.9em}nav .json{float:right}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left}
#map{width:100%;height:500px;border:1px solid #ccc}footer{border-top:1px solid #ddd;color:#666;font-size:.9em}</style>
</head><body>
<header><a href="${x(ctx.href(''))}"><strong>${x(service)}</strong></a></header>
<nav>${trail}<a class="json" href="${x(json)}">json</a></nav>
<main>
${body}
</main>
<footer>Powered by MapProxy-ts</footer>
</body></html>`;
}

function linkList(doc: Doc): string {
  const items = links(doc).map((l) => `<li><a title="${x(l.rel)}" href="${x(l.href)}">${x(l.title)}</a> (${x(l.type)})</li>`);
  return `<h3>Links</h3><ul>${items.join('')}</ul>`;
}

export function landingHtml(doc: Doc, ctx: OgcRequest): string {
  const md = ctx.md as Md;
  const id = md['identification'] ?? {};
  const parts: string[] = [];
  if (md['identification'] || md['license']) {
    const kws = Array.isArray(id['keywords']) ? (id['keywords'] as unknown[]).map((k) => `<span class="keyword">${x(str(k))}</span>`).join(' ') : '';
    const rows: string[] = [];
    if (id['terms_of_service']) rows.push(`<tr><td>Terms of service</td><td>${x(str(id['terms_of_service']))}</td></tr>`);
    if (md['license']?.['url']) rows.push(`<tr><td>License</td><td><a href="${x(str(md['license']['url']))}">${x(str(md['license']['name']) || str(md['license']['url']))}</a></td></tr>`);
    if (id['url']) rows.push(`<tr><td>URL</td><td><a href="${x(str(id['url']))}">${x(str(id['url']))}</a></td></tr>`);
    parts.push(`<section id="identification"><h1>${x(str(id['title']))}</h1><p>${x(str(id['description']))}</p><p>${kws}</p><table>${rows.join('')}</table></section>`);
  }
  if (doc['collection']) parts.push(`<section id="collections"><h2>Collections</h2><p><a href="${x(ctx.href('/collections?f=html'))}">View the collections in this service</a></p></section>`);
  parts.push(
    `<section id="openapi"><h2>API Definition</h2><p>Documentation: <a href="${x(ctx.href('/api?f=html'))}">HTML</a></p><p><a href="${x(ctx.href('/api?f=json'))}">OpenAPI Document</a></p></section>`,
    `<section id="conformance"><h2>Conformance</h2><p><a href="${x(ctx.href('/conformance?f=html'))}">View the conformance classes of this service</a></p></section>`,
  );
  if (doc['tile']) parts.push(`<section id="tilematrixsets"><h2>Tile Matrix Sets</h2><p><a href="${x(ctx.href('/tileMatrixSets?f=html'))}">View the Tile Matrix Sets available on this service</a></p></section>`);
  if (doc['has_dataset_map']) {
    parts.push(`<section id="dataset_map"><h2>Dataset maps</h2><p><a href="${x(ctx.href('/map.png'))}">Default map of the whole dataset (as PNG)</a></p><p><a href="${x(ctx.href('/map.jpg'))}">Default map of the whole dataset (as JPEG)</a></p></section>`);
    if (doc['tile']) parts.push(`<section id="dataset_tiles"><h2>Dataset tilesets</h2><p><a href="${x(ctx.href('/map/tiles?f=html'))}">Default tilesets for the whole dataset (as HTML)</a></p><p><a href="${x(ctx.href('/map/tiles?f=json'))}">Default tilesets for the whole dataset (as JSON)</a></p></section>`);
  }
  const side: string[] = [];
  const provider = md['provider'];
  if (provider) side.push(`<section id="provider"><h3>Provider</h3><p><b>${x(str(provider['name']))}</b><br><a href="${x(str(provider['url']))}">${x(str(provider['url']))}</a></p></section>`);
  const contact = md['contact'];
  if (contact) {
    const lines = ['name', 'address', 'city', 'stateorprovince', 'postalcode', 'country'].filter((k) => contact[k]).map((k) => x(str(contact[k])));
    const more: string[] = [];
    if (contact['email']) more.push(`Email: <a href="mailto:${x(str(contact['email']))}">${x(str(contact['email']))}</a>`);
    if (contact['phone']) more.push(`Telephone: ${x(str(contact['phone']))}`);
    if (contact['fax']) more.push(`Fax: ${x(str(contact['fax']))}`);
    if (contact['url']) more.push(`Contact URL: <a href="${x(str(contact['url']))}">${x(str(contact['url']))}</a>`);
    if (contact['instructions']) more.push(`Contact instructions: ${x(str(contact['instructions']))}`);
    side.push(`<section id="contact"><h3>Contact point</h3><p>${lines.join('<br>')}</p><p>${more.join('<br>')}</p></section>`);
  }
  return page(ctx, 'Home', [], parts.join('\n') + side.join('\n'), doc);
}

export function conformanceHtml(doc: Doc, ctx: OgcRequest): string {
  const items = (doc['conformsTo'] as string[]).map((c) => `<li><a href="${x(c)}">${x(c)}</a></li>`);
  return page(ctx, 'Conformance', [[ctx.href('/conformance?f=html'), 'Conformance']], `<section id="conformance"><h2>Conformance</h2><ul>${items.join('')}</ul></section>`, doc);
}

export function exceptionHtml(doc: Doc, ctx: OgcRequest): string {
  return page(ctx, 'Exception', [], `<section id="exception"><h2>Exception</h2><p>${x(str(doc['detail']))}</p></section>`, doc);
}

export function collectionsHtml(doc: Doc, ctx: OgcRequest): string {
  const rows = (doc['collections'] as Doc[]).map(
    (c) => `<tr><td><a href="${x(ctx.href(`/collections/${encodeURIComponent(str(c['id']))}?f=html`))}">${x(str(c['title']))}</a></td><td>${x(str(c['description']))}</td></tr>`,
  );
  return page(
    ctx,
    'Collections',
    [[ctx.href('/collections?f=html'), 'Collections']],
    `<section id="data-collections"><h1>Data collections in this service</h1><table><tr><th>Name</th><th>Description</th></tr>${rows.join('')}</table></section>`,
    doc,
  );
}

/** What a page's map shows: OpenLayers code that builds `layer` in `projection`, fit to `extent`. */
export interface PageMap {
  /** An SRS code the view uses. */
  srs: string;
  extent: readonly number[];
  units: 'degrees' | 'm';
  /** A JS expression evaluated in the page, using `projection`. */
  layerJs: string;
}

function mapScript(map: PageMap): string {
  return `<div id="map"></div><script>
const projection = ol.proj.get(${JSON.stringify(map.srs)}) || new ol.proj.Projection({code: ${JSON.stringify(map.srs)}, units: ${JSON.stringify(map.units)}, extent: ${JSON.stringify(map.extent)}});
const map = new ol.Map({target: 'map', layers: [${map.layerJs}], view: new ol.View({projection})});
map.getView().fit(${JSON.stringify(map.extent)});
</script>`;
}

export function collectionHtml(map: PageMap | null) {
  return (doc: Doc, ctx: OgcRequest): string => {
    const crs = Array.isArray(doc['crs']) ? (doc['crs'] as string[]).map((c) => `<li><a href="${x(c)}">${x(c)}</a></li>`).join('') : '';
    const body = `<section id="collection"><h1>${x(str(doc['title']))}</h1><p>${x(str(doc['description']))}</p>
${map ? mapScript(map) : ''}
${linkList(doc)}
<h3>Reference Systems</h3><ul>${crs}</ul>
<h3>Storage CRS</h3><ul><li>CRS: <a href="${x(str(doc['storageCrs']))}">${x(str(doc['storageCrs']))}</a></li></ul></section>`;
    const id = str(doc['id']);
    return page(ctx, str(doc['title']), [[ctx.href('/collections?f=html'), 'Collections'], [ctx.href(`/collections/${encodeURIComponent(id)}?f=html`), str(doc['title'])]], body, doc, map !== null);
  };
}

export function tileMatrixSetsHtml(doc: Doc, ctx: OgcRequest): string {
  const rows = (doc['tileMatrixSets'] as Doc[]).map((t) => `<tr><td><a href="${x(ctx.href(`/tileMatrixSets/${encodeURIComponent(str(t['id']))}?f=html`))}">${x(str(t['id']))}</a></td><td>${x(str(t['title']))}</td></tr>`);
  return page(ctx, 'TileMatrixSets', [[ctx.href('/tileMatrixSets?f=html'), 'TileMatrixSets']], `<section id="tilematrixsets"><h2>Tile matrix sets available in this service</h2><table><tr><th>Title</th><th>Description</th></tr>${rows.join('')}</table></section>`, doc);
}

export function tileMatrixSetHtml(doc: Doc, ctx: OgcRequest): string {
  const id = str(doc['id']);
  const rows = (doc['tileMatrices'] as Doc[]).map(
    (m) => `<tr><td>${x(str(m['id']))}</td><td>${x(str(m['cellSize']))}</td><td>${x(str(m['scaleDenominator']))}</td><td>${x(str(m['matrixWidth']))} × ${x(str(m['matrixHeight']))}</td></tr>`,
  );
  return page(
    ctx,
    id,
    [[ctx.href('/tileMatrixSets?f=html'), 'TileMatrixSets'], [ctx.href(`/tileMatrixSets/${encodeURIComponent(id)}?f=html`), id]],
    `<section id="tilematrixset"><h1>${x(id)} tile matrix set</h1><ul><li>CRS: <i>${x(str(doc['crs']))}</i></li><li>Uri: <i>${x(str(doc['uri']))}</i></li><li>Well Known Scale Set: <i>${x(str(doc['wellKnownScaleSet']))}</i></li></ul>
<table><tr><th>Tile matrix</th><th>Cell size</th><th>Scale denominator</th><th>Tiles</th></tr>${rows.join('')}</table></section>`,
    doc,
  );
}

/** Breadcrumbs of the tileset pages: the collection's (when there is one) and its tilesets. */
function tilesetCrumbs(ctx: OgcRequest, base: string, collection: { id: string; title: string } | null): [string, string][] {
  const crumbs: [string, string][] = [];
  if (collection) crumbs.push([ctx.href('/collections?f=html'), 'Collections'], [ctx.href(`${base}?f=html`), collection.title]);
  crumbs.push([ctx.href(`${base}/map/tiles?f=html`), 'TileSets']);
  return crumbs;
}

export function tilesetsHtml(base: string, collection: { id: string; title: string } | null) {
  return (doc: Doc, ctx: OgcRequest): string => {
    const rows = (doc['tilesets'] as Doc[]).map((t) => {
      const id = str(t['tileMatrixSet']);
      return `<tr><td><a href="${x(ctx.href(`${base}/map/tiles/${encodeURIComponent(id)}?f=html`))}">${x(id)}</a></td><td>${x(str(t['title']))}</td></tr>`;
    });
    const what = collection ? `this collection` : 'the whole dataset';
    return page(ctx, 'TileSets', tilesetCrumbs(ctx, base, collection), `<section id="tilesets"><h2>Tile sets available for ${x(what)}</h2><table><tr><th>Title</th><th>Description</th></tr>${rows.join('')}</table></section>`, doc);
  };
}

export function tilesetHtml(base: string, collection: { id: string; title: string } | null, tmsId: string, map: PageMap) {
  return (doc: Doc, ctx: OgcRequest): string => {
    const tiles = `${base}/map/tiles/${tmsId}/{tileMatrix}/{tileRow}/{tileCol}`;
    const heading = collection ? `${tmsId} map tileset for ${collection.title}` : `${tmsId} map tileset for whole dataset`;
    const body = `<section id="tileset"><h2>${x(heading)}</h2>${mapScript(map)}
<ul><li>Tile URL template for PNG tiles: <i>${x(ctx.href(`${tiles}.png`))}</i></li><li>Tile URL template for JPEG tiles: <i>${x(ctx.href(`${tiles}.jpg`))}</i></li>
<li>CRS: <i>${x(str(doc['crs']))}</i></li><li><a href="${x(ctx.href(`/tileMatrixSets/${tmsId}?f=html`))}">Tile matrix set definition</a></li></ul></section>`;
    return page(ctx, heading, [...tilesetCrumbs(ctx, base, collection), [ctx.href(`${base}/map/tiles/${tmsId}?f=html`), tmsId]], body, doc, true);
  };
}

/** The OpenAPI document as a readable page: each path with its summary and parameters (no Swagger UI needed). */
export function apiHtml(doc: Doc, ctx: OgcRequest): string {
  const paths = (doc['paths'] ?? {}) as Record<string, { get: Doc }>;
  const params = ((doc['components'] as Doc | undefined)?.['parameters'] ?? {}) as Record<string, Doc>;
  const paramName = (p: Doc): string => {
    const ref = str(p['$ref']);
    if (!ref) return str(p['name']);
    const local = ref.startsWith('#/components/parameters/') ? params[ref.slice('#/components/parameters/'.length)] : undefined;
    return local ? str(local['name']) : ref.slice(ref.lastIndexOf('/') + 1);
  };
  const sections = Object.entries(paths).map(([path, item]) => {
    const op = item.get;
    const ps = ((op['parameters'] as Doc[] | undefined) ?? []).map(paramName);
    return `<tr><td><code>GET ${x(path)}</code></td><td>${x(str(op['summary']))}</td><td>${x([...new Set(ps)].join(', '))}</td></tr>`;
  });
  const info = (doc['info'] ?? {}) as Doc;
  return page(
    ctx,
    'API',
    [[ctx.href('/api?f=html'), 'API']],
    `<section id="api"><h1>${x(str(info['title']))}</h1><p>${x(str(info['description']))}</p><p>OpenAPI ${x(str(doc['openapi']))}: <a href="${x(ctx.href('/api?f=json'))}">JSON document</a></p>
<table><tr><th>Path</th><th>Summary</th><th>Parameters</th></tr>${sections.join('')}</table></section>`,
    { links: [{ rel: 'alternate', type: 'application/json', title: 'OpenAPI document', href: ctx.href('/api?f=json') }] },
  );
}
