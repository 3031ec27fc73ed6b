import type { FeatureInfoDoc, InfoType } from './featureinfo-doc.js';
import { htmlBody, parseHtml, serializeHtml } from './html-tree.js';
import { dumpPyJson, parsePyJson, pyTruthy, type PyJson } from './py-json.js';
import { adoptElement, declarations } from './xml-namespaces.js';
import { parseXml, serializeXml, type XmlElement, type XmlNode } from './xml-tree.js';

/**
 * Merges the answers of several sources into one document, as MapProxy 7's combine_docs: answers of
 * different types are joined as text; otherwise text is concatenated line by line, XML documents
 * get the later roots' children appended to the first root, HTML pages the later bodies' children
 * appended to the first body, and JSON objects are merged key by key (lists concatenated).
 * Even a single answer is parsed and written again, as MapProxy does.
 */
export function combineDocs(docs: readonly FeatureInfoDoc[]): FeatureInfoDoc {
  if (docs.length === 0) throw new Error('combineDocs needs at least one document');
  const types = new Set(docs.map((d) => d.type));
  if (types.size > 1) return combineText(docs);
  const type: InfoType = docs[0]!.type;
  switch (type) {
    case 'text':
      return combineText(docs);
    case 'xml':
      return { type, content: combineXml(docs.map((d) => d.content)) };
    case 'html':
      return { type, content: combineHtml(docs.map((d) => d.content)) };
    case 'json':
      return { type, content: combineJson(docs.map((d) => d.content)) };
  }
}

function combineText(docs: readonly FeatureInfoDoc[]): FeatureInfoDoc {
  return { type: 'text', content: docs.map((d) => d.content).filter((c) => c !== '').join('\n') };
}

/**
 * The children lxml's iterchildren() yields: elements, comments and processing instructions, each
 * with the text that follows it (its tail); text before the first of them belongs to the old parent.
 */
function movableChildren(parent: XmlElement): XmlNode[] {
  const first = parent.children.findIndex((c) => c.kind !== 'text');
  return first < 0 ? [] : parent.children.slice(first);
}

/** Later documents that are not XML are skipped (MapProxy 7 logs and skips them); the first must parse. */
export function combineXml(contents: readonly string[]): string {
  const first = parseXml(contents[0]!);
  const rest = contents.slice(1).flatMap((c) => {
    try {
      return [parseXml(c)];
    } catch {
      return [];
    }
  });
  const root = first.root;
  const scope = declarations(root);
  let counter = 0;
  const fresh = () => {
    while (scope.has(`ns${counter}`)) counter++;
    return `ns${counter++}`;
  };
  for (const doc of rest) {
    const old = declarations(doc.root);
    for (const child of movableChildren(doc.root)) {
      root.children.push(child.kind === 'element' ? adoptElement(child, old, scope, fresh) : child);
    }
  }
  return serializeXml(first);
}

/** A page that cannot be parsed is skipped; a first one becomes an empty page (MapProxy 7). */
export function combineHtml(contents: readonly string[]): string {
  const parsed = contents.map((c) => {
    try {
      return parseHtml(c);
    } catch {
      return null;
    }
  });
  const first = parsed[0] ?? parseHtml('<html><body></body></html>');
  const rest = parsed.slice(1).filter((p): p is XmlElement => p !== null);
  const body = htmlBody(first);
  for (const page of rest) {
    const from = page.children.find((c): c is XmlElement => c.kind === 'element' && c.name === 'body') ?? page;
    body.children.push(...movableChildren(from));
  }
  return serializeHtml(first);
}

/** MapProxy's merge_dict: new keys are added, mappings merged, lists extended, anything else replaced. */
function mergeJson(base: Map<string, PyJson>, other: Map<string, PyJson>): Map<string, PyJson> {
  for (const [k, v] of other) {
    const b = base.get(k);
    if (b === undefined) base.set(k, v);
    else if (b instanceof Map) {
      if (!(v instanceof Map)) throw new TypeError(`cannot merge ${typeof v} into the mapping '${k}'`);
      mergeJson(b, v);
    } else if (Array.isArray(b)) {
      // list.extend: a list adds its items, a string its characters, a mapping its keys
      if (Array.isArray(v)) b.push(...v);
      else if (typeof v === 'string') b.push(...v);
      else if (v instanceof Map) b.push(...v.keys());
      else throw new TypeError(`cannot extend the list '${k}' with a ${v === null ? 'null' : typeof v}`);
    } else base.set(k, v);
  }
  return base;
}

export function combineJson(contents: readonly string[]): string {
  const values = contents.map(parsePyJson).filter(pyTruthy);
  if (values.length === 0) return '{}';
  const [first, ...rest] = values;
  if (rest.length === 0) return dumpPyJson(first!);
  if (!(first instanceof Map) || !rest.every((v) => v instanceof Map)) throw new TypeError('only JSON objects can be merged');
  return dumpPyJson(rest.reduce<Map<string, PyJson>>((a, b) => mergeJson(a, b as Map<string, PyJson>), first));
}
