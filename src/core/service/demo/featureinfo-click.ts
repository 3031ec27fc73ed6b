/**
 * Feature info on a click in the demo's viewers (our extension: MapProxy's demo has none). A click on the map of a
 * queryable layer asks the service for the clicked pixel and shows the answer in a panel under the map: HTML in
 * an iframe that is sandboxed and filled through `srcdoc` (no scripts, an origin of its own: an upstream
 * server's page cannot reach the demo or the service's cookies), anything else as text. Nothing of the answer is
 * ever parsed into the demo page itself.
 */

/** A value as a JavaScript literal that is safe inside a <script> element. */
export function jsLiteral(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/** The INFO_FORMAT the viewer asks in, of those the service offers: HTML reads best, else text; none: no click. */
export function demoInfoFormat(offered: readonly string[]): 'text/html' | 'text/plain' | undefined {
  if (offered.includes('text/html')) return 'text/html';
  if (offered.includes('text/plain')) return 'text/plain';
  return undefined;
}

/** The panel under the map that shows the answer to the last click. */
export const FEATURE_INFO_PANEL = '<h2>Feature info</h2><p>Click on the map to query the layer.</p><div id="featureinfo" data-state="idle"></div>';

/**
 * `showFeatureInfo(url)`: fetch `url`, show the answer in the panel. A later click wins over an answer still on its
 * way. The panel's data-state says `loading`, then `shown` or `failed` (what a test waits for).
 */
const SHOW_JS = `
const infoPanel = document.getElementById('featureinfo');
let infoClicks = 0;
async function showFeatureInfo(url) {
  const click = ++infoClicks;
  infoPanel.dataset.state = 'loading';
  infoPanel.replaceChildren(document.createTextNode('Loading feature info...'));
  let shown;
  let state = 'shown';
  try {
    const res = await fetch(url);
    const body = await res.text();
    if (click !== infoClicks) return;
    if (/^text\\/html\\b/i.test(res.headers.get('Content-Type') || '')) {
      shown = document.createElement('iframe');
      shown.setAttribute('sandbox', '');
      shown.setAttribute('title', 'Feature info');
      shown.style.cssText = 'width:100%;height:300px;border:1px solid #ccc';
      shown.srcdoc = body;
    } else {
      shown = document.createElement('pre');
      shown.style.cssText = 'white-space:pre-wrap;border:1px solid #ccc;padding:4px';
      shown.textContent = body;
    }
    if (!res.ok) state = 'failed';
  } catch (err) {
    if (click !== infoClicks) return;
    shown = document.createElement('p');
    shown.textContent = 'Feature info failed: ' + err;
    state = 'failed';
  }
  infoPanel.replaceChildren(shown);
  infoPanel.dataset.state = state;
}
`;

/**
 * Script for the WMS viewer (after `layer`, `map` and `projection` are defined): OpenLayers builds the
 * GetFeatureInfo of the ImageWMS source (its URL, with the forwarded query, its VERSION and LAYERS, QUERY_LAYERS
 * the same) for the clicked coordinate.
 */
export function wmsFeatureInfoJs(infoFormat: string): string {
  return `${SHOW_JS}
map.on('singleclick', (evt) => {
  const url = layer.getSource().getFeatureInfoUrl(evt.coordinate, map.getView().getResolution(), projection, {INFO_FORMAT: ${jsLiteral(infoFormat)}});
  if (url) showFeatureInfo(url);
});
`;
}

/** How the WMTS viewer asks: the REST FeatureInfo template, or KVP on the service URL. */
export type WmtsInfoRequest =
  | { kind: 'rest'; template: string; suffix: string }
  | { kind: 'kvp'; url: string; layer: string; matrixSet: string; format: string; mimetype: string };

/**
 * Script for the WMTS viewer: the tile under the click at the level OpenLayers draws, and the pixel in it
 * (I, J), in the layer's REST template (`{TileMatrix}`, `{TileCol}`, `{TileRow}`, `{I}`, `{J}`, `{InfoFormat}` left
 * to fill) or as KVP parameters.
 */
export function wmtsFeatureInfoJs(req: WmtsInfoRequest): string {
  const build =
    req.kind === 'rest'
      ? `const url = ${jsLiteral(req.template)}.replace('{TileMatrix}', encodeURIComponent(m)).replace('{TileCol}', c[1]).replace('{TileRow}', c[2]).replace('{I}', i).replace('{J}', j).replace('{InfoFormat}', ${jsLiteral(req.suffix)});`
      : `const params = new URLSearchParams({SERVICE: 'WMTS', REQUEST: 'GetFeatureInfo', VERSION: '1.0.0', LAYER: ${jsLiteral(req.layer)}, STYLE: 'default', TILEMATRIXSET: ${jsLiteral(req.matrixSet)}, TILEMATRIX: m, TILEROW: c[2], TILECOL: c[1], FORMAT: ${jsLiteral(req.format)}, INFOFORMAT: ${jsLiteral(req.mimetype)}, I: i, J: j});
  const base = ${jsLiteral(req.url)};
  const url = base + (/[?&]$/.test(base) ? '' : (base.includes('?') ? '&' : '?')) + params;`;
  return `${SHOW_JS}
map.on('singleclick', (evt) => {
  const grid = layer.getSource().getTileGrid();
  const c = grid.getTileCoordForCoordAndResolution(evt.coordinate, map.getView().getResolution());
  const res = grid.getResolution(c[0]);
  const ext = grid.getTileCoordExtent(c);
  const ts = grid.getTileSize(c[0]);
  const size = Array.isArray(ts) ? ts : [ts, ts];
  const i = Math.min(size[0] - 1, Math.max(0, Math.floor((evt.coordinate[0] - ext[0]) / res)));
  const j = Math.min(size[1] - 1, Math.max(0, Math.floor((ext[3] - evt.coordinate[1]) / res)));
  const m = grid.getMatrixId(c[0]);
  ${build}
  showFeatureInfo(url);
});
`;
}
