import { decodeReferences, escapeXmlAttr, MAX_DEPTH, XmlSyntaxError, type XmlElement, type XmlNode } from './xml-tree.js';

/**
 * A forgiving HTML parser and serialiser for merging feature-info pages, after libxml2's HTML parser
 * and writer (what lxml.html, and so MapProxy, uses): implied html/head/body, void elements,
 * raw-text script/style, the common end-tag omissions, text directly in html or head wrapped in a
 * paragraph. It covers what WMS servers answer, not every repair libxml2 knows.
 */

const VOID = new Set(['area', 'base', 'basefont', 'br', 'col', 'embed', 'frame', 'hr', 'img', 'input', 'isindex', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
const RAW_TEXT = new Set(['script', 'style']);
const HEAD_ONLY = new Set(['title', 'meta', 'link', 'base', 'style', 'script', 'noscript']);
const BLOCK_CLOSES_P = new Set([
  'p', 'div', 'table', 'ul', 'ol', 'dl', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'pre', 'form', 'blockquote', 'hr',
  'address', 'center', 'fieldset', 'menu', 'dir', 'noscript', 'li', 'dt', 'dd', 'tr', 'td', 'th', 'tbody', 'thead', 'tfoot', 'caption',
]);
/** An opening tag closes these open elements (up to the nearest boundary). */
const CLOSED_BY: Record<string, readonly string[]> = {
  li: ['li'],
  dt: ['dt', 'dd'],
  dd: ['dt', 'dd'],
  tr: ['tr', 'td', 'th'],
  td: ['td', 'th'],
  th: ['td', 'th'],
  thead: ['tbody', 'tfoot', 'tr', 'td', 'th'],
  tbody: ['thead', 'tbody', 'tfoot', 'tr', 'td', 'th'],
  tfoot: ['thead', 'tbody', 'tr', 'td', 'th'],
  option: ['option'],
};
/** The open elements a closing search must not cross. */
const BOUNDARY = new Set(['table', 'ul', 'ol', 'dl', 'html', 'body']);

/** The named references of HTML 4 that feature-info pages use; others stay as written, as libxml2 leaves them. */
const ENTITIES: Record<string, string> = {
  nbsp: '\u00a0', copy: '\u00a9', reg: '\u00ae', deg: '\u00b0', plusmn: '\u00b1', micro: '\u00b5', middot: '\u00b7',
  laquo: '\u00ab', raquo: '\u00bb', sect: '\u00a7', para: '\u00b6', times: '\u00d7', divide: '\u00f7', euro: '\u20ac',
  ndash: '\u2013', mdash: '\u2014', lsquo: '\u2018', rsquo: '\u2019', ldquo: '\u201c', rdquo: '\u201d', bull: '\u2022',
  hellip: '\u2026', auml: '\u00e4', ouml: '\u00f6', uuml: '\u00fc', Auml: '\u00c4', Ouml: '\u00d6', Uuml: '\u00dc',
  szlig: '\u00df', eacute: '\u00e9', egrave: '\u00e8', ecirc: '\u00ea', aacute: '\u00e1', agrave: '\u00e0', acirc: '\u00e2',
  oacute: '\u00f3', ograve: '\u00f2', ocirc: '\u00f4', uacute: '\u00fa', ugrave: '\u00f9', iacute: '\u00ed', ccedil: '\u00e7',
  ntilde: '\u00f1', Eacute: '\u00c9', aring: '\u00e5', Aring: '\u00c5', oslash: '\u00f8', Oslash: '\u00d8', aelig: '\u00e6',
  AElig: '\u00c6', iexcl: '\u00a1', iquest: '\u00bf', cent: '\u00a2', pound: '\u00a3', yen: '\u00a5', shy: '\u00ad',
};

const decode = (s: string): string => decodeReferences(s, (n) => ENTITIES[n]);

const element = (name: string): XmlElement => ({ kind: 'element', name, attrs: [], children: [] });

/** Parses an HTML page into its `<html>` element (document_fromstring). */
export function parseHtml(source: string): XmlElement {
  const html = element('html');
  let head: XmlElement | null = null;
  let body: XmlElement | null = null;
  const stack: XmlElement[] = [html];
  const current = () => stack[stack.length - 1]!;

  const ensureBody = (): void => {
    if (body) {
      if (!stack.includes(body)) stack.splice(1, stack.length - 1, body);
      return;
    }
    body = element('body');
    html.children.push(body);
    stack.splice(1, stack.length - 1, body);
  };
  const ensureHead = (): void => {
    if (!head) {
      head = element('head');
      html.children.splice(0, 0, head);
    }
    stack.splice(1, stack.length - 1, head);
  };
  const append = (node: XmlNode): void => {
    const parent = current();
    const last = parent.children[parent.children.length - 1];
    if (node.kind === 'text' && last?.kind === 'text') last.text += node.text;
    else parent.children.push(node);
  };
  const closeUpTo = (names: readonly string[]): void => {
    for (let i = stack.length - 1; i > 0; i--) {
      const n = stack[i]!.name;
      if (names.includes(n)) {
        stack.length = i;
        return;
      }
      if (BOUNDARY.has(n)) return;
    }
  };
  const text = (t: string): void => {
    const where = current().name;
    if (where === 'html' || where === 'head') {
      if (/^\s*$/.test(t)) return;
      // libxml2 (htmlCheckParagraph): character data outside body gets a paragraph
      ensureBody();
      const p = element('p');
      body!.children.push(p);
      stack.push(p);
    }
    append({ kind: 'text', text: t });
  };

  const tag = /<(\/?)([A-Za-z][A-Za-z0-9:-]*)((?:\s+[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*(\/?)>|<!--([\s\S]*?)-->|<![^>]*>|<\?[^>]*>/g;
  const attrRe = /([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;
  let pos = 0;
  for (let m = tag.exec(source); m; m = tag.exec(source)) {
    if (m.index > pos) text(decode(source.slice(pos, m.index)));
    pos = tag.lastIndex;
    if (m[5] !== undefined) {
      append({ kind: 'comment', text: m[5] });
      continue;
    }
    if (m[2] === undefined) continue; // doctype, processing instruction
    const name = m[2].toLowerCase();
    if (m[1]) {
      // end tag: close the innermost open element of that name; html, head and body stay open for what follows
      if (name === 'html' || name === 'body' || name === 'head') {
        if (name === 'head' && current() === head) stack.length = 1;
        continue;
      }
      for (let i = stack.length - 1; i > 0; i--) {
        if (stack[i]!.name === name) {
          stack.length = i;
          break;
        }
      }
      continue;
    }
    const attrs: [string, string | null][] = [];
    attrRe.lastIndex = 0;
    for (let a = attrRe.exec(m[3] ?? ''); a; a = attrRe.exec(m[3] ?? '')) {
      const key = a[1]!.toLowerCase();
      if (attrs.some(([k]) => k === key)) continue;
      const v = a[2] ?? a[3] ?? a[4];
      attrs.push([key, v === undefined ? null : decode(v)]);
    }
    if (name === 'html') {
      for (const at of attrs) if (!html.attrs.some(([k]) => k === at[0])) html.attrs.push(at);
      continue;
    }
    if (name === 'head') {
      if (!body) ensureHead();
      continue;
    }
    if (name === 'body') {
      ensureBody();
      for (const at of attrs) if (!body!.attrs.some(([k]) => k === at[0])) body!.attrs.push(at);
      continue;
    }
    if (HEAD_ONLY.has(name) && !body) ensureHead();
    else if (!body || current() === head || current() === html) ensureBody();
    if (BLOCK_CLOSES_P.has(name)) closeUpTo(['p']);
    const closes = CLOSED_BY[name];
    if (closes) closeUpTo(closes);
    const el: XmlElement = { kind: 'element', name, attrs, children: [] };
    append(el);
    if (RAW_TEXT.has(name)) {
      const end = source.toLowerCase().indexOf(`</${name}`, pos);
      const raw = source.slice(pos, end < 0 ? source.length : end);
      if (raw) el.children.push({ kind: 'text', text: raw });
      if (end < 0) pos = source.length;
      else {
        const close = source.indexOf('>', end);
        pos = close < 0 ? source.length : close + 1;
      }
      tag.lastIndex = pos;
      continue;
    }
    if (!VOID.has(name) && !m[4]) {
      if (stack.length >= MAX_DEPTH) throw new XmlSyntaxError(`elements nested deeper than ${MAX_DEPTH}`);
      stack.push(el);
    }
  }
  if (pos < source.length) text(decode(source.slice(pos)));
  return html;
}

/** The `<body>` of a parsed page, created when the page had none (MapProxy merges into the first page's body). */
export function htmlBody(html: XmlElement): XmlElement {
  let body = html.children.find((c): c is XmlElement => c.kind === 'element' && c.name === 'body');
  if (!body) {
    body = element('body');
    html.children.push(body);
  }
  return body;
}

const BOOLEAN_ATTRS = new Set(['checked', 'compact', 'declare', 'defer', 'disabled', 'ismap', 'multiple', 'nohref', 'noresize', 'noshade', 'nowrap', 'readonly', 'selected']);

function escapeHtmlText(s: string): string {
  return s.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/**
 * The element as lxml.html.tostring writes it (libxml2's HTML writer without formatting): void
 * elements without end tag, boolean attributes minimised, script/style content raw. `ascii`
 * writes non-ASCII characters as references (MapProxy 1.15); MapProxy 7 writes UTF-8.
 */
export function serializeHtml(node: XmlNode, ascii = false, rawText = false): string {
  switch (node.kind) {
    case 'text':
      return rawText ? node.text : escapeHtmlText(node.text);
    case 'comment':
      return `<!--${node.text}-->`;
    case 'pi':
      return `<?${node.target} ${node.data}>`;
    case 'element': {
      const attrs = node.attrs
        .map(([k, v]) => (v === null && BOOLEAN_ATTRS.has(k) ? ` ${k}` : ` ${k}="${escapeXmlAttr(v ?? '').replace(/&#10;/g, '\n').replace(/&#9;/g, '\t')}"`))
        .join('');
      if (VOID.has(node.name)) return `<${node.name}${attrs}>`;
      const raw = RAW_TEXT.has(node.name);
      return `<${node.name}${attrs}>${node.children.map((c) => serializeHtml(c, raw)).join('')}</${node.name}>`;
    }
  }
}
