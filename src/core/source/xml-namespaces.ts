import type { XmlElement, XmlNode } from './xml-tree.js';

/** Namespace declarations made on `el` (prefix → URI; '' is the default namespace), in document order. */
export function declarations(el: XmlElement): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of el.attrs) {
    if (k === 'xmlns') out.set('', v ?? '');
    else if (k.startsWith('xmlns:')) out.set(k.slice(6), v ?? '');
  }
  return out;
}

const prefixOf = (name: string): string => (name.includes(':') ? name.slice(0, name.indexOf(':')) : '');
const localOf = (name: string): string => (name.includes(':') ? name.slice(name.indexOf(':') + 1) : name);
const withPrefix = (prefix: string, local: string): string => (prefix ? `${prefix}:${local}` : local);

/**
 * An element moved from under one root (`oldScope`: the old root's declarations) to under another
 * (`newScope`), with its namespaces kept as libxml2 keeps them when lxml moves a node: a namespace the
 * element had from its old root is looked up by URI in the new scope and takes the prefix found there;
 * one not found is declared on the moved element, under its old prefix, or a new one (`fresh`, lxml's
 * ns0, ns1, …) when that is the default namespace or taken. Declarations inside the element stay as they are.
 */
export function adoptElement(el: XmlElement, oldScope: ReadonlyMap<string, string>, newScope: ReadonlyMap<string, string>, fresh: () => string): XmlElement {
  const added: [string, string][] = [];
  // what the moved element sees: its new declarations first, then the new root's
  const lookup = (uri: string, forAttribute: boolean): string | undefined => {
    for (const [k, u] of added) if (u === uri) return k.slice(6);
    for (const [p, u] of newScope) if (u === uri && !(forAttribute && p === '')) return p;
    return undefined;
  };
  const rebind = (prefix: string, forAttribute: boolean, inner: ReadonlySet<string>): string => {
    if (inner.has(prefix)) return prefix;
    const uri = oldScope.get(prefix);
    if (uri === undefined || uri === '') return prefix;
    const found = lookup(uri, forAttribute);
    if (found !== undefined) return found;
    let p = prefix;
    if (p === '' || newScope.has(p) || added.some(([k]) => k === `xmlns:${p}`)) p = fresh();
    added.push([`xmlns:${p}`, uri]);
    return p;
  };
  const walk = (node: XmlElement, inner: ReadonlySet<string>): XmlElement => {
    const own = declarations(node);
    const scope = own.size ? new Set([...inner, ...own.keys()]) : inner;
    const name = withPrefix(rebind(prefixOf(node.name), false, scope), localOf(node.name));
    const attrs = node.attrs.map(([k, v]): [string, string | null] => {
      if (k === 'xmlns' || k.startsWith('xmlns:') || !k.includes(':')) return [k, v];
      return [withPrefix(rebind(prefixOf(k), true, scope), localOf(k)), v];
    });
    const children: XmlNode[] = node.children.map((c) => (c.kind === 'element' ? walk(c, scope) : c));
    return { kind: 'element', name, attrs, children };
  };
  const moved = walk(el, new Set());
  return added.length ? { ...moved, attrs: [...moved.attrs, ...added] } : moved;
}
