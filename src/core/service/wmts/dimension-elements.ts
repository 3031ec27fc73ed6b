import type { LayerDimensions } from '../../layer/layer-dimensions.js';
import { escapeXml as x } from '../xml-escape.js';

/** The `{Var}` names of a RESTful template by lower case: the spelling a dimension's identifier takes. */
function templateSpellings(template: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of (template ?? '').matchAll(/\{(\w+)\}/g)) out.set(m[1]!.toLowerCase(), m[1]!);
  return out;
}

/**
 * The `<Dimension>` elements of a WMTS layer: identifier, default and every value, as MapProxy's template.
 * The identifier is spelled as the variable of the RESTful template (`{Time}`), so a client fills the
 * ResourceURL by it; without such a variable (the KVP document, or a template without it) it is spelled as
 * configured. MapProxy fails with an internal error in both of these cases.
 */
export function wmtsDimensionElements(dimensions: LayerDimensions | undefined, restfulTemplate?: string): string[] {
  if (!dimensions?.size) return [];
  const spelling = templateSpellings(restfulTemplate);
  const out: string[] = [];
  for (const d of dimensions.list) {
    out.push(
      '      <Dimension>',
      `        <ows:Identifier>${x(spelling.get(d.key) ?? d.identifier)}</ows:Identifier>`,
      `        <Default>${x(d.default)}</Default>`,
      ...d.values.map((v) => `        <Value>${x(v)}</Value>`),
      '      </Dimension>',
    );
  }
  return out;
}
