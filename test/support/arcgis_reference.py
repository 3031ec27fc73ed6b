"""The upstream requests MapProxy 1.15 sends for the arcgis sources of a configuration.

Reads {"map": [{bbox, size, srs, format}], "info": [{bbox, size, srs, pos, info_format}]} on stdin, runs every
query through each arcgis source's get_map and get_info (MapProxy's own code: format and SRS choice, coverage
sub-queries, reprojection, click transformation) with an HTTP client that records the URLs and answers a blank
PNG of the requested size or an empty identify result, and prints {source: {"map": [[url…]…], "info": [[url…]…]}}.
"""
import json
import sys
from io import BytesIO
from urllib.parse import parse_qs, urlsplit

from PIL import Image

from mapproxy.config.loader import load_configuration
from mapproxy.layer import InfoQuery, MapQuery
from mapproxy.srs import SRS


class Answer(BytesIO):
    def __init__(self, body, content_type):
        BytesIO.__init__(self, body)
        self.headers = {'Content-type': content_type}


class Recorder(object):
    def __init__(self, kind):
        self.kind = kind
        self.urls = []

    def open(self, url, data=None):
        self.urls.append(url)
        if self.kind == 'info':
            return Answer(b'{"results": []}', 'application/json')
        size = parse_qs(urlsplit(url).query)['size'][0].split(',')
        out = BytesIO()
        Image.new('RGBA', (int(size[0]), int(size[1])), (200, 100, 50, 255)).save(out, 'PNG')
        return Answer(out.getvalue(), 'image/png')


def main():
    conf = load_configuration(sys.argv[1])
    queries = json.load(sys.stdin)
    result = {}
    for name, sc in sorted(conf.sources.items()):
        if sc.conf.get('type') != 'arcgis':
            continue
        out = {'map': [], 'info': []}
        src = sc.source()
        for q in queries['map']:
            rec = Recorder('map')
            src.client.http_client = rec
            try:
                src.get_map(MapQuery(tuple(float(v) for v in q['bbox']), tuple(q['size']), SRS(q['srs']), q['format']))
            except Exception as ex:  # BlankImageError outside coverage: no request
                rec.urls.append('error: %s' % type(ex).__name__)
            out['map'].append(rec.urls)
        fi = sc.fi_source()
        if fi:
            for q in queries['info']:
                rec = Recorder('info')
                fi.client.http_client = rec
                try:
                    fi.get_info(InfoQuery(tuple(float(v) for v in q['bbox']), tuple(q['size']), SRS(q['srs']),
                                          tuple(q['pos']), q['info_format']))
                except Exception as ex:  # 1.15 fails to transform clicks into an `sr` fixed in req
                    rec.urls.append('error: %s' % type(ex).__name__)
                out['info'].append(rec.urls)
        result[name] = out
    json.dump(result, sys.stdout, indent=1)


if __name__ == '__main__':
    main()
