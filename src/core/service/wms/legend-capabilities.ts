import type { WmsLayer } from '../../layer/wms-layer.js';
import { pyQuote } from '../../source/params.js';
import { escapeXml as x } from '../xml-escape.js';
import type { WmsCapabilitiesInput } from './capabilities.js';

/**
 * The LegendURL of a layer, relative to the service URL, as MapProxy writes it for every version: a
 * WMS 1.1.1 GetLegendGraphic for PNG (MapProxy's WMS111LegendGraphicRequest(url='?').complete_url).
 */
export function legendUrlQuery(layerName: string): string {
  return `?format=image%2Fpng&layer=${pyQuote(layerName)}&sld_version=1.1.0&request=GetLegendGraphic&service=WMS&version=1.1.1&styles=`;
}

/**
 * The GetLegendGraphic entry of the Request section (1.1.1: GetLegendGraphic, 1.3.0:
 * sld:GetLegendGraphic) with the service's image formats, when any layer of the tree has a legend.
 */
export function legendGraphicRequestXml(input: WmsCapabilitiesInput, tag: string, dcp: readonly string[]): string[] {
  if (!input.rootLayer.legends) return [];
  return [
    `    <${tag}>`,
    ...input.imageFormats.map((m) => `      <Format>${x(m)}</Format>`),
    ...dcp.map((l) => `      ${l}`),
    `    </${tag}>`,
  ];
}

/**
 * The default Style of a layer that announces a legend: a LegendURL with the combined legend's size
 * (1.1.0 and later), a StyleURL in 1.0.0. Nothing for layers without their own legends.
 */
export function legendStyleXml(input: WmsCapabilitiesInput, layer: WmsLayer): string[] {
  const size = input.legendSizes?.get(layer);
  if (!size || !layer.name || !layer.legends?.announced) return [];
  const href = x(input.url + legendUrlQuery(layer.name));
  switch (input.version) {
    case '1.0.0':
      return ['<Style>', '  <Name>default</Name>', '  <Title>default</Title>', `  <StyleURL>${href}</StyleURL>`, '</Style>'];
    case '1.3.0':
      return [
        '<Style>',
        // INSPIRE names the default style of a view service so
        `  <Name>${input.inspireMd ? 'inspire_common:DEFAULT' : 'default'}</Name>`,
        '  <Title>default</Title>',
        `  <LegendURL width="${size[0]}" height="${size[1]}">`,
        '    <Format>image/png</Format>',
        `    <OnlineResource xlink:type="simple" xlink:href="${href}" />`,
        '  </LegendURL>',
        '</Style>',
      ];
    default:
      return [
        '<Style>',
        '  <Name>default</Name>',
        '  <Title>default</Title>',
        `  <LegendURL width="${size[0]}" height="${size[1]}">`,
        '    <Format>image/png</Format>',
        `    <OnlineResource xmlns:xlink="http://www.w3.org/1999/xlink" xlink:type="simple" xlink:href="${href}"/>`,
        '  </LegendURL>',
        '</Style>',
      ];
  }
}
