/**
 * Characters XML 1.0 cannot carry at all, escaped or not: controls other than tab and line breaks,
 * lone surrogates and U+FFFE/U+FFFF. A request may echo any of them into an error message.
 */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Escapes text for XML content and attributes, as Python's html.escape (quote=True) does in MapProxy's
 * templates; characters XML cannot hold become U+FFFD so that the document stays well-formed.
 */
export function escapeXml(text: string | number | boolean): string {
  // Metadata values come from YAML: a phone number or a postcode may be a number there.
  return String(text)
    .replace(NOT_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#x27;');
}
