/**
 * A small XML tree for merging feature-info documents: parsed from well-formed XML, written back
 * the way libxml2 (lxml, which MapProxy merges with) writes a tree — no XML declaration, empty
 * elements as `<a/>`, attributes in double quotes, CDATA as escaped text.
 */
export type XmlNode = XmlElement | XmlText | XmlComment | XmlPi;

export interface XmlElement {
  readonly kind: 'element';
  readonly name: string;
  /** In document order, values decoded. Namespace declarations are attributes too. */
  readonly attrs: [string, string | null][];
  readonly children: XmlNode[];
}
export interface XmlText {
  readonly kind: 'text';
  text: string;
}
export interface XmlComment {
  readonly kind: 'comment';
  readonly text: string;
}
export interface XmlPi {
  readonly kind: 'pi';
  readonly target: string;
  readonly data: string;
}

export interface XmlDocument {
  /** A DOCTYPE as written, if any. */
  readonly doctype?: string;
  /** Comments and processing instructions before the root element. */
  readonly before: XmlNode[];
  readonly root: XmlElement;
  readonly after: XmlNode[];
}

export class XmlSyntaxError extends Error {
  override readonly name = 'XmlSyntaxError';
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes character and predefined entity references; `named` resolves others (HTML), or they are an error. */
export function decodeReferences(s: string, named?: (name: string) => string | undefined): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);?/g, (m, ref: string) => {
    if (ref.startsWith('#')) {
      const cp = ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      if (!m.endsWith(';') && !named) throw new XmlSyntaxError(`unterminated character reference ${m}`);
      return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    }
    const value = m.endsWith(';') ? (PREDEFINED[ref] ?? named?.(ref)) : named?.(ref);
    if (value !== undefined) return value;
    if (named) return m;
    throw new XmlSyntaxError(`undefined entity ${m}`);
  });
}

/** The deepest element nesting parsed (libxml2's default limit). */
export const MAX_DEPTH = 256;

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.\u00b7\u00c0-\uffff]*/y;

/** Parses a well-formed XML document (DTD internal subsets are kept as written, not interpreted). */
export function parseXml(source: string): XmlDocument {
  let pos = 0;
  const s = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const fail = (what: string): never => {
    throw new XmlSyntaxError(`${what} at offset ${pos}`);
  };
  const name = (): string => {
    NAME.lastIndex = pos;
    const m = NAME.exec(s);
    if (!m) fail('expected a name');
    pos += m![0].length;
    return m![0];
  };
  const skipSpace = () => {
    while (pos < s.length && /\s/.test(s[pos]!)) pos++;
  };
  const until = (end: string, what: string): string => {
    const i = s.indexOf(end, pos);
    if (i < 0) fail(`unterminated ${what}`);
    const text = s.slice(pos, i);
    pos = i + end.length;
    return text;
  };

  const misc = (into: XmlNode[]): string | undefined => {
    let doctype: string | undefined;
    for (;;) {
      skipSpace();
      if (s.startsWith('<?', pos)) {
        pos += 2;
        const target = name();
        const data = until('?>', 'processing instruction').replace(/^\s+/, '');
        if (target.toLowerCase() !== 'xml') into.push({ kind: 'pi', target, data });
      } else if (s.startsWith('<!--', pos)) {
        pos += 4;
        into.push({ kind: 'comment', text: until('-->', 'comment') });
      } else if (s.startsWith('<!DOCTYPE', pos)) {
        const start = pos;
        let depth = 0;
        while (pos < s.length) {
          const c = s[pos++];
          if (c === '[') depth++;
          else if (c === ']') depth--;
          else if (c === '>' && depth === 0) break;
        }
        doctype = s.slice(start, pos);
      } else return doctype;
    }
  };

  let depth = 0;
  const element = (): XmlElement => {
    if (s[pos] !== '<') fail('expected an element');
    // libxml2's limit without XML_PARSE_HUGE (lxml's default, so MapProxy's): deeper documents are refused
    if (++depth > MAX_DEPTH) fail(`elements nested deeper than ${MAX_DEPTH}`);
    pos++;
    const el: XmlElement = { kind: 'element', name: name(), attrs: [], children: [] };
    for (;;) {
      skipSpace();
      if (s.startsWith('/>', pos)) {
        pos += 2;
        depth--;
        return el;
      }
      if (s[pos] === '>') {
        pos++;
        break;
      }
      const attr = name();
      skipSpace();
      if (s[pos] !== '=') fail(`expected '=' after attribute ${attr}`);
      pos++;
      skipSpace();
      const q = s[pos];
      if (q !== '"' && q !== "'") fail('expected a quoted attribute value');
      pos++;
      // attribute-value normalisation: each whitespace character becomes a space
      el.attrs.push([attr, decodeReferences(until(q!, 'attribute value').replace(/[\t\n\r]/g, ' '))]);
    }
    for (;;) {
      if (pos >= s.length) fail(`unclosed element ${el.name}`);
      if (s.startsWith('</', pos)) {
        pos += 2;
        const end = name();
        if (end !== el.name) fail(`end tag ${end} does not match ${el.name}`);
        skipSpace();
        if (s[pos] !== '>') fail('expected >');
        pos++;
        depth--;
        return el;
      }
      if (s.startsWith('<!--', pos)) {
        pos += 4;
        el.children.push({ kind: 'comment', text: until('-->', 'comment') });
      } else if (s.startsWith('<![CDATA[', pos)) {
        pos += 9;
        pushText(el, until(']]>', 'CDATA section'));
      } else if (s.startsWith('<?', pos)) {
        pos += 2;
        const target = name();
        el.children.push({ kind: 'pi', target, data: until('?>', 'processing instruction').replace(/^\s+/, '') });
      } else if (s[pos] === '<') {
        el.children.push(element());
      } else {
        const next = s.indexOf('<', pos);
        const raw = s.slice(pos, next < 0 ? s.length : next);
        pos = next < 0 ? s.length : next;
        pushText(el, decodeReferences(raw.replace(/\r\n?/g, '\n')));
      }
    }
  };

  const before: XmlNode[] = [];
  const doctype = misc(before);
  const root = element();
  const after: XmlNode[] = [];
  misc(after);
  if (pos < s.length) fail('content after the root element');
  return doctype !== undefined ? { doctype, before, root, after } : { before, root, after };
}

function pushText(el: XmlElement, text: string): void {
  if (text === '') return;
  const last = el.children[el.children.length - 1];
  if (last?.kind === 'text') last.text += text;
  else el.children.push({ kind: 'text', text });
}

export function escapeXmlText(s: string): string {
  return s.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;'));
}

export function escapeXmlAttr(s: string): string {
  return s.replace(/[&<>"\n\r\t]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : c === '\n' ? '&#10;' : c === '\r' ? '&#13;' : '&#9;');
}

export function serializeXmlNode(node: XmlNode): string {
  switch (node.kind) {
    case 'text':
      return escapeXmlText(node.text);
    case 'comment':
      return `<!--${node.text}-->`;
    case 'pi':
      return node.data ? `<?${node.target} ${node.data}?>` : `<?${node.target}?>`;
    case 'element': {
      // libxml2 writes namespace declarations before the attributes, wherever they were in the source
      const isNs = (k: string) => k === 'xmlns' || k.startsWith('xmlns:');
      const ordered = [...node.attrs.filter(([k]) => isNs(k)), ...node.attrs.filter(([k]) => !isNs(k))];
      const attrs = ordered.map(([k, v]) => ` ${k}="${escapeXmlAttr(v ?? '')}"`).join('');
      if (node.children.length === 0) return `<${node.name}${attrs}/>`;
      return `<${node.name}${attrs}>${node.children.map(serializeXmlNode).join('')}</${node.name}>`;
    }
  }
}

/** A DOCTYPE as libxml2 writes it again: the declarations of an internal subset one per line. */
function serializeDoctype(doctype: string): string {
  const m = /^<!DOCTYPE\s+([^[]*?)\s*\[([\s\S]*)\]\s*>$/.exec(doctype);
  if (!m) return doctype;
  const decls = m[2]!.trim().split(/(?<=>)\s*(?=<)/).filter(Boolean);
  return `<!DOCTYPE ${m[1]} [\n${decls.join('\n')}\n]>`;
}

/** The document as lxml's tostring(tree) writes it: the DOCTYPE on a line of its own, other top-level nodes as they come. */
export function serializeXml(doc: XmlDocument): string {
  const doctype = doc.doctype ? serializeDoctype(doc.doctype) + '\n' : '';
  return doctype + [...doc.before, doc.root, ...doc.after].map(serializeXmlNode).join('');
}
