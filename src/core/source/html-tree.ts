import { decodeReferences, MAX_DEPTH, XmlSyntaxError, type XmlElement, type XmlNode } from './xml-tree.js';

/**
 * A forgiving HTML parser and serialiser for merging feature-info pages, after libxml2's HTML parser and
 * writer (what lxml.html, and so MapProxy, uses): implied html/head/body (htmlCheckImplied), start tags that
 * close the open element (htmlAutoClose), end tags that close what they may (htmlAutoCloseOnClose with its
 * priorities), void elements, raw-text script/style, whitespace kept where libxml2 keeps it, and text outside
 * body wrapped in a paragraph. It covers what WMS servers answer, not every repair libxml2 knows.
 */

const VOID = new Set(['area', 'base', 'basefont', 'br', 'col', 'embed', 'frame', 'hr', 'img', 'input', 'isindex', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
const RAW_TEXT = new Set(['script', 'style']);
/** Elements libxml2 puts into an implied head when they come first. */
const HEAD_TAGS = new Set(['script', 'style', 'meta', 'link', 'title', 'base']);

const BLOCKS = ['address', 'blockquote', 'body', 'caption', 'center', 'col', 'colgroup', 'dd', 'dir', 'div', 'dl', 'dt', 'fieldset',
  'form', 'frameset', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'head', 'hr', 'li', 'listing', 'menu', 'ol', 'p', 'pre', 'table', 'tbody',
  'td', 'tfoot', 'th', 'title', 'tr', 'ul', 'xmp'];
/** htmlStartClose: an open element (key) that a start tag of one of these names closes. */
const CLOSED_BY: Record<string, ReadonlySet<string>> = {
  p: new Set(BLOCKS),
  li: new Set(['li']),
  dt: new Set(['dt', 'dd']),
  dd: new Set(['dt', 'dd']),
  td: new Set(['td', 'th', 'tr', 'tbody', 'thead', 'tfoot']),
  th: new Set(['td', 'th', 'tr', 'tbody', 'thead', 'tfoot']),
  tr: new Set(['tr', 'tbody', 'thead', 'tfoot']),
  thead: new Set(['tbody', 'tfoot']),
  tbody: new Set(['tbody', 'tfoot']),
  tfoot: new Set(['tbody']),
  caption: new Set(['col', 'colgroup', 'tbody', 'tfoot', 'thead', 'tr']),
  option: new Set(['option', 'optgroup']),
  a: new Set(['a']),
  title: new Set(['p', 'div', 'table']),
};
/** htmlGetEndPriority: an end tag does not close an open element of higher priority. */
const END_PRIORITY: Record<string, number> = { div: 150, td: 160, th: 160, tr: 170, thead: 180, tbody: 180, tfoot: 180, table: 190, head: 200, body: 200, html: 220 };
const priority = (name: string): number => END_PRIORITY[name] ?? 100;

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

/** Parses an HTML page into its `<html>` element (lxml.html.document_fromstring). */
export function parseHtml(source: string): XmlElement {
  const html = element('html');
  const stack: XmlElement[] = [];
  let sawHead = false;
  let sawBody = false;
  const current = (): XmlElement | undefined => stack[stack.length - 1];

  const append = (node: XmlNode): void => {
    const parent = current();
    if (!parent) return; // before <html> or after </html>: not part of the page
    const last = parent.children[parent.children.length - 1];
    if (node.kind === 'text' && last?.kind === 'text') last.text += node.text;
    else parent.children.push(node);
  };
  const push = (el: XmlElement): void => {
    if (stack.length >= MAX_DEPTH) throw new XmlSyntaxError(`elements nested deeper than ${MAX_DEPTH}`);
    if (el.name === 'head') sawHead = true;
    if (el.name === 'body') sawBody = true;
    if (el !== html) append(el);
    stack.push(el);
  };
  /** htmlCheckImplied: html, then head for head elements that come first, else body. */
  const implied = (tag: string): void => {
    if (tag === 'html') return;
    if (stack.length === 0) push(html);
    if (tag === 'body' || tag === 'head') return;
    if (stack.length <= 1 && HEAD_TAGS.has(tag)) {
      if (!sawHead) push(element('head'));
      return;
    }
    if (tag === 'noframes' || tag === 'frame' || tag === 'frameset' || sawBody) return;
    if (stack.some((e) => e.name === 'body' || e.name === 'head')) return;
    push(element('body'));
  };
  /** htmlAutoClose: the open element is closed while the new tag closes it (a head by anything but head elements). */
  const autoClose = (tag: string): void => {
    for (let top = current(); top && top !== html; top = current()) {
      const closes = top.name === 'head' ? !HEAD_TAGS.has(tag) && tag !== 'head' && tag !== 'html' : CLOSED_BY[top.name]?.has(tag);
      if (!closes) return;
      stack.pop();
    }
  };
  const text = (t: string): void => {
    if (/^[ \t\n\r\f]*$/.test(t)) {
      append({ kind: 'text', text: t });
      return;
    }
    // htmlCheckParagraph: character data with nowhere to go gets a paragraph
    const where = current()?.name;
    if (where === undefined || where === 'html' || where === 'head') {
      autoClose('p');
      implied('p');
      push(element('p'));
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
      endTag(name);
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
    autoClose(name);
    implied(name);
    if (name === 'html') {
      // the root, or a misplaced one whose attributes join the root's (after </html>: the same root again)
      if (stack.length === 0) push(html);
      for (const at of attrs) if (!html.attrs.some(([k]) => k === at[0])) html.attrs.push(at);
      continue;
    }
    if (name === 'head' && (stack.length !== 1 || sawHead || sawBody)) continue;
    if (name === 'body' && stack.some((e) => e.name === 'body')) continue;
    const el: XmlElement = { kind: 'element', name, attrs, children: [] };
    if (RAW_TEXT.has(name)) {
      push(el);
      stack.pop();
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
    push(el);
    if (VOID.has(name) || m[4]) stack.pop();
  }
  if (pos < source.length) text(decode(source.slice(pos)));
  return html;

  /** htmlParseEndTag: close the named element and what it may close, nothing when it is not open. */
  function endTag(name: string): void {
    const i = stack.map((e) => e.name).lastIndexOf(name);
    if (i < 0) return;
    for (let k = stack.length - 1; k > i; k--) if (priority(stack[k]!.name) > priority(name)) return;
    stack.length = i;
  }
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
/** Attributes libxml2 writes URI-escaped. */
const URI_ATTRS = new Set(['href', 'action', 'src']);

function escapeHtmlText(s: string): string {
  return s.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/** libxml2's xmlURIEscapeStr with the characters its HTML writer keeps. */
function escapeUri(s: string): string {
  let out = '';
  for (const ch of s) {
    if (/[A-Za-z0-9\-_.!~*'()@/:=?;#%&,+<>]/.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** A value in the quotes libxml2 picks: double, single when the value has a double quote (and no single one). */
function quoted(value: string): string {
  const v = escapeHtmlText(value);
  if (!v.includes('"')) return `"${v}"`;
  if (!v.includes("'")) return `'${v}'`;
  return `"${v.replace(/"/g, '&quot;')}"`;
}

function attribute(element: string, name: string, value: string | null): string {
  if (value === null || BOOLEAN_ATTRS.has(name)) return ` ${name}`;
  const uri = URI_ATTRS.has(name) || (name === 'name' && element === 'a');
  return ` ${name}=${quoted(uri ? escapeUri(value) : value)}`;
}

/** The Content-Type meta, which libxml2's writer leaves out (it writes the encoding it is asked for). */
function isContentTypeMeta(el: XmlElement): boolean {
  return el.name === 'meta' && el.attrs.some(([k, v]) => k === 'http-equiv' && v?.toLowerCase() === 'content-type') && el.attrs.some(([k]) => k === 'content');
}

/**
 * The element as lxml.html.tostring writes it (libxml2's HTML writer without formatting): void elements
 * without end tag, boolean attributes minimised, URI attributes escaped, script/style content raw; characters
 * as UTF-8 (MapProxy 7; 1.15 wrote references for non-ASCII).
 */
export function serializeHtml(node: XmlNode, rawText = false): string {
  switch (node.kind) {
    case 'text':
      return rawText ? node.text : escapeHtmlText(node.text);
    case 'comment':
      return `<!--${node.text}-->`;
    case 'pi':
      return `<?${node.target} ${node.data}>`;
    case 'element': {
      if (isContentTypeMeta(node)) return '';
      const attrs = node.attrs.map(([k, v]) => attribute(node.name, k, v)).join('');
      if (VOID.has(node.name)) return `<${node.name}${attrs}>`;
      const raw = RAW_TEXT.has(node.name);
      return `<${node.name}${attrs}>${node.children.map((c) => serializeHtml(c, raw)).join('')}</${node.name}>`;
    }
  }
}
