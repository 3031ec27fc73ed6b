"""Reads an OGC API with the classes Debian's OWSLib (0.27) has for it and prints what they found as JSON.

usage: python3 owslib_ogcapi.py <landing page URL ending in '/'> <collection id>
OWSLib 0.27 has owslib.ogcapi.API (landing page, api, conformance) and Collections; its maps and tiles
modules came later. Errors are printed as {"error": "<class>", "message": ...} with exit status 0.
"""
import json
import sys
import warnings

warnings.simplefilter('ignore')


def main(url, collection_id):
    from owslib.ogcapi import API, Collections

    api = API(url)
    openapi = api.api()
    out = {
        'landing_rels': sorted({link['rel'] for link in api.links}),
        'openapi_version': openapi.get('openapi'),
        'openapi_paths': sorted(openapi.get('paths', {}).keys()),
        'conforms_to': api.conformance().get('conformsTo', []),
    }
    cols = Collections(url)
    out['collection_ids'] = [c['id'] for c in cols.collections().get('collections', [])]
    col = cols.collection(collection_id)
    out['collection'] = {
        'id': col.get('id'),
        'crs': col.get('crs'),
        'bbox': col.get('extent', {}).get('spatial', {}).get('bbox'),
        'links': [{'rel': link['rel'], 'type': link.get('type'), 'href': link['href']} for link in col.get('links', [])],
    }
    # the generic request helper of the same classes for the tilesets, which 0.27 has no class for
    tilesets = cols._request(f'collections/{collection_id}/map/tiles', kwargs={'f': 'json'})
    out['tileset_links'] = [[link['rel'], link.get('type'), link['href']] for ts in tilesets['tilesets'] for link in ts['links']]
    return out


if __name__ == '__main__':
    try:
        print(json.dumps(main(sys.argv[1], sys.argv[2])))
    except Exception as e:  # reported to the test, which shows the message
        print(json.dumps({'error': type(e).__name__, 'message': str(e)}))
