import { escapeXml } from '../xml-escape.js';

/** `wmts_kvp_legendurl` / `wmts_rest_legendurl` of one layer: templates with {base_url} and {layer_name}. */
export interface WmtsLegendUrls {
  readonly kvp?: string;
  readonly rest?: string;
}

/**
 * A layer's WMTS legend templates as MapProxy 7 sets them: the configured ones; a layer with
 * `legendurl` gets the WMS GetLegendGraphic of the highest configured WMS version (1.3.0 when none
 * are configured) for whichever is not configured, when the WMS service is enabled. The default is
 * written with `&amp;` already, as MapProxy writes it into the document.
 */
export function wmtsLegendUrls(
  layer: { wmtsKvpLegendurl?: string; wmtsRestLegendurl?: string; legendurl?: string },
  wmsVersions: readonly string[] | null,
): WmtsLegendUrls {
  let fallback: string | undefined;
  if (layer.legendurl && wmsVersions) {
    const versions = wmsVersions.length ? [...wmsVersions] : ['1.3.0'];
    versions.sort((a, b) => {
      const pa = a.split('.').map(Number);
      const pb = b.split('.').map(Number);
      for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
      return 0;
    });
    fallback = `{base_url}/service?service=WMS&amp;request=GetLegendGraphic&amp;version=${versions.at(-1)}&amp;format=image%2Fpng&amp;layer={layer_name}`;
  }
  const kvp = layer.wmtsKvpLegendurl ?? fallback;
  const rest = layer.wmtsRestLegendurl ?? fallback;
  return { ...(kvp !== undefined ? { kvp } : {}), ...(rest !== undefined ? { rest } : {}) };
}

/**
 * The LegendURL href of a layer: the template with the service's base URL (the KVP endpoint without
 * `/service`, the REST root without `/wmts`) and the layer name. MapProxy writes the result as it is;
 * we escape what would break the document, leaving entities the template already spells (`&amp;`).
 */
export function legendHref(template: string, baseUrl: string, layerName: string): string {
  const url = template.replaceAll('{base_url}', baseUrl).replaceAll('{layer_name}', layerName);
  return url
    .split(/(&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#x[0-9A-Fa-f]+);)/)
    .map((part, i) => (i % 2 === 1 ? part : escapeXml(part)))
    .join('');
}
