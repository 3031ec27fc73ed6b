import type { BBox } from '../../geo/bbox.js';
import { escapeXml as x } from '../xml-escape.js';
import { FEATURE_INFO_PANEL } from './featureinfo-click.js';

/** An HTML page of the demo with OpenLayers loaded from our own /demo/static/. */
export function page(title: string, body: string, withMap = false): string {
  const ol = withMap
    ? '<link rel="stylesheet" href="static/ol.css"><script src="static/ol.js"></script>' +
      '<style>#map{width:100%;height:600px;border:1px solid #ccc}</style>'
    : '';
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${x(title)}</title>${ol}
<style>body{font-family:sans-serif;margin:1em 2em}table{border-collapse:collapse}td,th{padding:2px 8px;text-align:left}</style>
</head><body><h1>${x(title)}</h1>${body}<p><a href="./">back to the demo index</a></p></body></html>`;
}

export interface ViewerSpec {
  /** The OpenLayers source/layer construction, a JS expression evaluated in the page. */
  layerJs: string;
  srs: string;
  extent: BBox;
  units: 'degrees' | 'm';
  /** XYZ template of a Web Mercator background map under the layer, with a button that toggles it. */
  backgroundUrl?: string;
  /** Script that answers a click with feature info (featureinfo-click.ts); absent for a layer that is not queryable. */
  featureInfoJs?: string;
}

/** A full-page OpenLayers map showing one layer in its own projection (no client-side reprojection). */
export function viewer(title: string, spec: ViewerSpec, info: string): string {
  const js = `
const projection = ol.proj.get(${JSON.stringify(spec.srs)}) || new ol.proj.Projection({code: ${JSON.stringify(spec.srs)}, units: ${JSON.stringify(spec.units)}, extent: ${JSON.stringify(spec.extent)}});
const layer = ${spec.layerJs};
const layers = [layer];
${spec.backgroundUrl === undefined ? '' : backgroundJs(spec.backgroundUrl)}
const map = new ol.Map({target: 'map', layers, view: new ol.View({projection, extent: ${JSON.stringify(spec.extent)}})});
map.getView().fit(${JSON.stringify(spec.extent)});
map.addControl(new ol.control.MousePosition({projection, coordinateFormat: ol.coordinate.createStringXY(5)}));
${spec.featureInfoJs ?? ''}`;
  const toggle = spec.backgroundUrl === undefined ? '' : '<p><button id="toggle-background" onclick="toggleBackground()">Toggle background map</button></p>';
  const infoPanel = spec.featureInfoJs === undefined ? '' : FEATURE_INFO_PANEL;
  return page(title, `${info}<div id="map"></div>${toggle}${infoPanel}<script>${js}</script>`, true);
}

/**
 * The background layer under `layer` (Web Mercator XYZ tiles, as MapProxy 7's demo templates). OpenLayers reprojects
 * it into the view's projection when it knows that projection (EPSG:4326 and the Web Mercator aliases); for a
 * projection it cannot transform to, the background is left out rather than drawn in the wrong place.
 */
function backgroundJs(url: string): string {
  return `let background;
if (ol.proj.get(projection.getCode()) && ol.proj.getTransform('EPSG:3857', projection) !== undefined) {
  background = new ol.layer.Tile({source: new ol.source.XYZ({url: ${JSON.stringify(url).replace(/</g, "\\u003c")}})});
  layers.unshift(background);
}
function toggleBackground() { if (background) background.setVisible(!background.getVisible()); }`;
}
