import type { LayerDimensions } from '../../layer/layer-dimensions.js';
import { escapeXml as x } from '../xml-escape.js';
import type { WmsVersion } from './version.js';

/**
 * The dimension elements of a layer in WMS capabilities. Names are the lower-case keys and a name containing
 * 'time' gets ISO8601 units, as in MapProxy's templates; the values are listed comma-separated with the default.
 * - 1.1.0 and 1.1.1 declare a dimension with an empty `<Dimension name units>` and list its values in
 *   `<Extent name default nearestValue>`, as their DTDs require (MapProxy writes a 1.3.0-style Dimension here,
 *   which neither DTD allows and which OWSLib and GDAL do not read as time positions);
 * - 1.3.0 puts everything in `<Dimension>`, with `units=""` for dimensions other than time (the schema
 *   requires units; the empty string is its spelling for "no units", which MapProxy leaves out);
 * - 1.0.0 has no dimensions in its DTD: MapProxy's 1.3.0-style element is written as MapProxy does.
 */
export function wmsDimensionElements(version: WmsVersion, dimensions: LayerDimensions | undefined): string[] {
  if (!dimensions?.size) return [];
  const out: string[] = [];
  for (const d of dimensions.list) {
    const isTime = d.key.includes('time');
    const values = x(d.values.join(','));
    if (version === '1.1.0' || version === '1.1.1') {
      out.push(`<Dimension name="${x(d.key)}" units="${isTime ? 'ISO8601' : ''}" />`);
    } else if (version === '1.3.0') {
      out.push(`<Dimension name="${x(d.key)}" default="${x(d.default)}" nearestValue="0" units="${isTime ? 'ISO8601' : ''}">${values}</Dimension>`);
    } else {
      out.push(`<Dimension name="${x(d.key)}" default="${x(d.default)}" nearestValue="0"${isTime ? ' units="ISO8601"' : ''}>${values}</Dimension>`);
    }
  }
  if (version === '1.1.0' || version === '1.1.1') {
    // nearestValue came with 1.1.1
    const nearest = version === '1.1.1' ? ' nearestValue="0"' : '';
    for (const d of dimensions.list) out.push(`<Extent name="${x(d.key)}" default="${x(d.default)}"${nearest}>${x(d.values.join(','))}</Extent>`);
  }
  return out;
}
