"""Runs one OWSLib operation for the integration tests and prints the result as JSON.

usage: python3 owslib_client.py '<json request>'
  {"op": "wms_capabilities", "url": ..., "version": "1.1.1"|"1.3.0"}
  {"op": "wms_getmap", "url": ..., "version": ..., "layers": [...], "srs": ..., "bbox": [...],
   "size": [w, h], "format": "image/png", "transparent": false}
  {"op": "wms_legend", "url": ..., "version": ..., "layer": ...}  (LegendURL of the default style, fetched)
  {"op": "wmts_capabilities", "url": ...}
  {"op": "wmts_gettile", "url": ..., "layer": ..., "tilematrixset": ..., "tilematrix": ...,
   "row": r, "column": c, "format": "image/png"}
Images come back base64-encoded in "data", with the response's "content_type".
Errors: {"error": "<exception class>", "message": ...} and exit status 0.
"""
import base64
import json
import sys
import warnings

warnings.simplefilter('ignore')


def _image(resp):
    data = resp.read()
    info = getattr(resp, 'info', None)
    headers = info() if callable(info) else {}
    content_type = headers.get('Content-Type') or headers.get('content-type') if headers else None
    return {'content_type': content_type, 'data': base64.b64encode(data).decode('ascii'), 'length': len(data)}


def wms_capabilities(req):
    from owslib.wms import WebMapService
    wms = WebMapService(req['url'], version=req['version'], timeout=30)
    layers = {}
    for name, layer in wms.contents.items():
        layers[name] = {
            'title': layer.title,
            'crs': sorted(set(c[4] if isinstance(c, tuple) else c for c in (layer.crsOptions or []))),
            'bbox_wgs84': list(layer.boundingBoxWGS84) if layer.boundingBoxWGS84 else None,
            'queryable': bool(layer.queryable),
        }
    getmap = wms.getOperationByName('GetMap')
    return {
        'version': wms.identification.version,
        'title': wms.identification.title,
        'abstract': wms.identification.abstract,
        'layers': layers,
        'getmap_formats': list(getmap.formatOptions),
        'getmap_urls': [m.get('url') for m in getmap.methods],
        'operations': [op.name for op in wms.operations],
    }


def wms_getmap(req):
    from owslib.wms import WebMapService
    wms = WebMapService(req['url'], version=req['version'], timeout=30)
    resp = wms.getmap(layers=req['layers'], styles=[''] * len(req['layers']), srs=req['srs'],
                      bbox=tuple(req['bbox']), size=tuple(req['size']), format=req.get('format', 'image/png'),
                      transparent=req.get('transparent', False))
    return _image(resp)


def wmts_capabilities(req):
    from owslib.wmts import WebMapTileService
    wmts = WebMapTileService(req['url'])
    layers = {}
    for name, layer in wmts.contents.items():
        layers[name] = {
            'title': layer.title,
            'formats': list(layer.formats),
            'tilematrixsets': sorted(layer.tilematrixsetlinks.keys()),
            'resource_urls': [r.get('template') for r in (layer.resourceURLs or [])],
        }
    sets = {}
    for name, tms in wmts.tilematrixsets.items():
        sets[name] = {
            'crs': tms.crs,
            'matrices': [{'id': m.identifier, 'scale': m.scaledenominator, 'top_left': list(m.topleftcorner),
                          'width': m.matrixwidth, 'height': m.matrixheight, 'tile_width': m.tilewidth}
                         for m in tms.tilematrix.values()],
        }
    return {'title': wmts.identification.title, 'layers': layers, 'tilematrixsets': sets,
            'operations': [op.name for op in wmts.operations]}


def wmts_gettile(req):
    from owslib.wmts import WebMapTileService
    wmts = WebMapTileService(req['url'])
    resp = wmts.gettile(layer=req['layer'], tilematrixset=req['tilematrixset'], tilematrix=str(req['tilematrix']),
                        row=req['row'], column=req['column'], format=req.get('format', 'image/png'))
    return _image(resp)


def wms_legend(req):
    """A layer's legend as a client gets it: the LegendURL of its default style, then that URL."""
    from owslib.wms import WebMapService
    from owslib.util import openURL
    wms = WebMapService(req['url'], version=req['version'], timeout=30)
    style = wms[req['layer']].styles.get('default') or {}
    href = style.get('legend')
    if not href:
        return {'error': 'NoLegendURL', 'message': 'layer %s announces no legend' % req['layer']}
    result = _image(openURL(href, timeout=30))
    result['href'] = href
    return result


OPS = {f.__name__: f for f in (wms_capabilities, wms_getmap, wmts_capabilities, wmts_gettile, wms_legend)}


def main():
    req = json.loads(sys.argv[1])
    try:
        result = OPS[req['op']](req)
    except Exception as ex:  # reported to the test as data
        result = {'error': type(ex).__name__, 'message': str(ex)}
    sys.stdout.write(json.dumps(result))


if __name__ == '__main__':
    main()
