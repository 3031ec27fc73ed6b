// Merging feature-info answers as MapProxy 7's combine_docs does; the expected strings are what lxml
// (MapProxy's merger) writes for the same input, checked against Debian's python3-lxml where noted.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { combineDocs, combineHtml, combineJson, combineXml } from '../../src/core/source/featureinfo-combine.js';
import { featureInfoDoc, infoTypeOf } from '../../src/core/source/featureinfo-doc.js';
import { parseHtml, serializeHtml } from '../../src/core/source/html-tree.js';
import { dumpPyJson, parsePyJson } from '../../src/core/source/py-json.js';
import { parseXml, serializeXml } from '../../src/core/source/xml-tree.js';

const PYTHON = '/usr/bin/python3';

/** What MapProxy 7's combine_docs answers for these documents, run in Debian's Python with lxml. */
function lxmlCombine(kind: 'xml' | 'html', docs: string[]): string | null {
  const script = `
import json, sys, copy
from lxml import etree, html
docs = json.loads(sys.stdin.read())
if sys.argv[1] == 'xml':
    import io
    trees = [etree.parse(io.BytesIO(d.encode())) for d in docs]
    result = copy.deepcopy(trees[0])
    for t in trees[1:]:
        result.getroot().extend(t.getroot().iterchildren())
    sys.stdout.write(etree.tostring(result, encoding='UTF-8', xml_declaration=False).decode())
else:
    trees = [etree.ElementTree(html.document_fromstring(d)) for d in docs]
    result = copy.deepcopy(trees[0])
    for t in trees[1:]:
        result.getroot().body.extend(t.getroot().body.getchildren())
    sys.stdout.write(html.tostring(result.getroot(), encoding='UTF-8').decode())
`;
  const r = spawnSync(PYTHON, ['-c', script, kind], { input: JSON.stringify(docs), encoding: 'utf8' });
  return r.status === 0 ? r.stdout : null;
}

const hasLxml = spawnSync(PYTHON, ['-c', 'import lxml'], { encoding: 'utf8' }).status === 0;

describe('feature info types', () => {
  it('tells the types apart by mime type, options ignored, unknown types as text', () => {
    assert.equal(infoTypeOf('application/vnd.ogc.gml; charset=UTF-8'), 'xml');
    assert.equal(infoTypeOf('text/xml'), 'xml');
    assert.equal(infoTypeOf('application/gml+xml'), 'xml');
    assert.equal(infoTypeOf('text/html'), 'html');
    assert.equal(infoTypeOf('application/json'), 'json');
    assert.equal(infoTypeOf('application/vnd.ogc.se_xml'), 'text');
    assert.equal(infoTypeOf(''), 'text');
  });
});

describe('combineDocs', () => {
  it('joins text answers line by line and leaves out empty ones', () => {
    const merged = combineDocs([featureInfoDoc('a = 1', 'text/plain'), featureInfoDoc('', 'text/plain'), featureInfoDoc('b = 2', 'text/plain')]);
    assert.deepEqual(merged, { type: 'text', content: 'a = 1\nb = 2' });
  });

  it('joins answers of different types as text', () => {
    const merged = combineDocs([featureInfoDoc('<a/>', 'text/xml'), featureInfoDoc('{"x": 1}', 'application/json')]);
    assert.deepEqual(merged, { type: 'text', content: '<a/>\n{"x": 1}' });
  });

  it('appends the children of later XML roots to the first root, without the text before them', () => {
    const a = '<?xml version="1.0" encoding="UTF-8"?>\n<r a=\'1\'>\n  <x>1</x>\n</r>';
    const b = '<r>lost<y k="&quot;v&quot;">2 &amp; 3</y><!-- c --><z></z>tail</r>';
    const merged = combineXml([a, b]);
    assert.equal(merged, '<r a="1">\n  <x>1</x>\n<y k="&quot;v&quot;">2 &amp; 3</y><!-- c --><z/>tail</r>');
    if (hasLxml) assert.equal(merged, lxmlCombine('xml', [a, b]));
  });

  it('keeps the namespaces of moved elements that the first root does not declare', () => {
    const a = '<out xmlns:gml="http://www.opengis.net/gml"><gml:name>a</gml:name></out>';
    const b = '<out xmlns:gml="http://www.opengis.net/gml" xmlns:ms="urn:ms"><ms:f><gml:name>b</gml:name></ms:f></out>';
    const merged = combineXml([a, b]);
    assert.equal(merged, '<out xmlns:gml="http://www.opengis.net/gml"><gml:name>a</gml:name><ms:f xmlns:ms="urn:ms"><gml:name>b</gml:name></ms:f></out>');
    if (hasLxml) assert.equal(merged, lxmlCombine('xml', [a, b]));
  });

  it('moves namespaces, prolog and DOCTYPE as lxml does', { skip: !hasLxml }, () => {
    const rows: string[][] = [
      ['<?xml version="1.0" encoding="UTF-8"?>\n<!-- c -->\n<r><a/></r>', '<r><b/></r>'],
      ['<r xmlns="urn:a"><x/></r>', '<r xmlns="urn:a"><y/></r>'],
      // another default namespace gets a prefix of its own; the same URI under another prefix takes the first's
      ['<r xmlns="urn:a"><x/></r>', '<r xmlns="urn:b"><y/></r>', '<r xmlns="urn:c"><z/></r>'],
      ['<r xmlns:g="urn:g"><g:x/></r>', '<r xmlns:h="urn:g"><h:y h:at="1"/></r>'],
      ['<r><a t="x&#10;y&#9;z &amp; &lt; &gt; &quot;"/></r>', '<r>t<![CDATA[ <cdata> & ]]><?pi data?></r>'],
      ['<!DOCTYPE r [<!ENTITY e "v">]><r><a/></r>', '<r><b/></r>'],
      ['<a x="1" xmlns:p="u"><p:b/></a>', '<a xmlns:q="v"><q:c xmlns:p="w" p:k="1"/></a>'],
      ['<msGMLOutput xmlns:gml="http://www.opengis.net/gml"><a_layer><gml:name>a</gml:name></a_layer></msGMLOutput>',
        '<msGMLOutput xmlns:gml="http://www.opengis.net/gml" xmlns:xlink="http://www.w3.org/1999/xlink"><b_layer xlink:href="x"><gml:name>b</gml:name></b_layer></msGMLOutput>'],
    ];
    for (const docs of rows) assert.equal(combineXml(docs), lxmlCombine('xml', docs), JSON.stringify(docs));
  });

  it('skips later documents that are not XML, and fails on a first one that is not', () => {
    assert.equal(combineXml(['<r><a/></r>', 'no xml', '<r><b/></r>']), '<r><a/><b/></r>');
    assert.throws(() => combineXml(['no xml', '<r/>']));
  });

  it('merges HTML bodies into the first page, as lxml.html parses and writes them', () => {
    const a = '<html><head><title>T</title></head><body>\n<h1>One &amp; two</h1>\n<table><tr><td>a<td>b</table>\n</body></html>';
    const b = '<!DOCTYPE html><html><body>lost<p>second<br>line</p><img src="x.png" alt=\'&lt;\'></body></html>';
    const merged = combineHtml([a, b]);
    assert.equal(
      merged,
      '<html><head><title>T</title></head><body>\n<h1>One &amp; two</h1>\n<table><tr><td>a</td><td>b</td></tr></table>\n' +
        '<p>second<br>line</p><img src="x.png" alt="&lt;"></body></html>',
    );
    if (hasLxml) assert.equal(merged, lxmlCombine('html', [a, b]));
  });

  it('merges GeoServer-style pages (head with style and meta, captions, entities) as lxml does', { skip: !hasLxml }, () => {
    const page = (n: number) => `<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html>
  <head>
    <meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
    <title>Geoserver GetFeatureInfo output</title>
  </head>
  <style type="text/css">
	table.featureInfo td { padding:.1em .2em; } a > b
  </style>
  <body>
<table class="featureInfo">
  <caption class="featureInfo">layer${n}</caption>
  <tr>
  <th>fid</th>
    <th >name</th>
  </tr>
    <tr>
  <td>f.${n}</td>
    <td>Stra&szlig;e&nbsp;${n} &lt;A&gt; &amp; &#228;</td>
  </tr>
</table>
<br/>
<!-- end -->
  </body>
</html>`;
    const docs = [page(1), page(2), page(3)];
    assert.equal(combineHtml(docs), lxmlCombine('html', docs));
  });

  it('repairs pages as libxml2 does: implied elements, omitted end tags, misnested tags, whitespace, entities', { skip: !hasLxml }, () => {
    // each row is one merge; text after </html> is where we differ (libxml2 opens a second html element)
    const rows: string[][] = [
      ['no features'], ['<p>a<p>b'], ['<ul><li>a<li>b</ul>x'], ['<table><tr><td>a<td>b<tr><td>c</table>'],
      ['<title>t</title><div>x</div>'], ['<div><span>a</div>b'], ['<b>bold <i>both</b> italic</i>'],
      ['<html><head><style>p>a{}</style></head><body><p>x</p></body></html>', '<body><h2>t</h2><table><tr><th>a</th></tr></table></body>'],
      ['<dl><dt>a<dd>b<dt>c</dl>'], ['<select><option>a<option>b</select>'],
      ['  <html>\n<head>\n<title>x</title>\n</head>\n<body>\n<p>a</p>\n</body>\n</html>\n', '<html><body>\n<p>b</p>\n</body></html>'],
      ['<p>one</p><!-- c --><p>two', '<!-- top --><p>three'], ['<a href="?x=1&y=2 ä" title=\'say "hi"\'>l</a>'], ['<td>cell</td>'],
      ['<br>text<br/>more'], ['<script>if (a < b && c) {}</script><p>x'], ['<body onload="x()"><p>a</p></body><p>after</p>'],
      ['<table><caption>c</caption><thead><tr><th>h</th></tr></thead><tbody><tr><td>d</td></tr></tbody></table>'],
      ['<p>a <table><tr><td>in</td></tr></table> b</p>'], ['text &nbsp; &copy; &unknown; &#8364;'],
      ['<input type=checkbox checked="checked" disabled><td nowrap foo>x'],
    ];
    for (const docs of rows) assert.equal(combineHtml(docs), lxmlCombine('html', docs), JSON.stringify(docs));
  });

  it('wraps text outside any element in a paragraph, as libxml2 does', () => {
    const page = 'no features found';
    assert.equal(serializeHtml(parseHtml(page)), '<html><body><p>no features found</p></body></html>');
    if (hasLxml) assert.equal(combineHtml([page]), lxmlCombine('html', [page]));
  });

  it('merges JSON objects key by key: lists extended, mappings merged, other values replaced', () => {
    const a = '{"type": "FeatureCollection", "features": [{"id": 1, "c": [1.0, 2]}], "meta": {"a": 1}}';
    const b = '{"type": "FeatureCollection", "features": [{"id": 2}], "meta": {"b": "ü"}, "2": null}';
    assert.equal(
      combineJson([a, b]),
      '{"type": "FeatureCollection", "features": [{"id": 1, "c": [1.0, 2]}, {"id": 2}], "meta": {"a": 1, "b": "\\u00fc"}, "2": null}',
    );
  });

  it('answers {} when no JSON answer has content, and writes a single answer in Python\'s style', () => {
    assert.equal(combineJson(['{}', '[]']), '{}');
    assert.equal(combineJson(['{"x":1e-5,"y":1E3,"z":-0.0}']), '{"x": 1e-05, "y": 1000.0, "z": -0.0}');
  });
});

describe('hostile answers', () => {
  it('refuses nesting beyond libxml2\'s depth: the first XML answer fails, a later one is skipped', () => {
    const deep = '<a>'.repeat(300) + '</a>'.repeat(300);
    assert.throws(() => parseXml(deep), /nested deeper than 256/);
    assert.equal(combineXml(['<r><x/></r>', deep]), '<r><x/></r>');
  });

  it('skips HTML pages nested too deeply, and answers an empty page for a first one', () => {
    const deep = '<div>'.repeat(100_000);
    assert.equal(combineHtml(['<p>a</p>', deep]), '<html><body><p>a</p></body></html>');
    assert.equal(combineHtml([deep, '<p>b</p>']), '<html><body><p>b</p></body></html>');
  });

  it('refuses JSON nested deeper than Python would read it', () => {
    assert.throws(() => parsePyJson('['.repeat(5000) + ']'.repeat(5000)), /nested too deeply/);
    assert.equal(dumpPyJson(parsePyJson('[[[[1]]]]')), '[[[[1]]]]');
  });
});

describe('py-json', () => {
  it('keeps key order, including keys that look like numbers', () => {
    assert.equal(dumpPyJson(parsePyJson('{"b":1,"10":2,"a":[true,false,null,"x\\ny"]}')), '{"b": 1, "10": 2, "a": [true, false, null, "x\\ny"]}');
  });

  it('refuses what is not JSON', () => {
    assert.throws(() => parsePyJson('{"a": 1'));
    assert.throws(() => parsePyJson('{"a": 1} x'));
  });
});

describe('xml-tree', () => {
  it('writes a document again without its declaration, CDATA as text', () => {
    const doc = parseXml('<?xml version="1.0"?>\n<!-- top -->\n<a><![CDATA[<x>]]>&#228;<b c="1&#10;2"/></a>');
    assert.equal(serializeXml(doc), '<!-- top --><a>&lt;x&gt;ä<b c="1&#10;2"/></a>');
  });

  it('refuses mismatched tags and undefined entities', () => {
    assert.throws(() => parseXml('<a></b>'));
    assert.throws(() => parseXml('<a>&nbsp;</a>'));
  });
});
