/** Escapes text for XML content and attributes, as Python's html.escape (quote=True) does in MapProxy's templates. */
export function escapeXml(text: string | number | boolean): string {
  // Metadata values come from YAML: a phone number or a postcode may be a number there.
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#x27;');
}
