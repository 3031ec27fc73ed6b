"""What MapProxy 1.15 (with Pillow) stores for the tiles of an image: each tile cut by MapProxy's TileSplitter
and written by its img_to_buf, so quantized exactly as MapProxy quantizes (quantize(), FASTOCTREE or median cut).

Reads JSON from stdin: {"cases": [{"path": raw RGBA file, "width", "height", "tiles": [[x, y, w, h], ...],
"colors", "quantizer": "fastoctree" | "mediancut", "transparent": bool}, ...]}.
Writes JSON: one list per case, one entry per tile: {"plte": hex, "trns": hex, "indices": base64}, the PNG's
palette chunks and its pixels as palette indices.
"""
import base64
import json
import struct
import sys
from io import BytesIO

from PIL import Image
from mapproxy.image import ImageSource
from mapproxy.image.opts import ImageOptions
from mapproxy.image.tile import TileSplitter


def chunks(png):
    pos = 8
    while pos < len(png):
        length, kind = struct.unpack('>I4s', png[pos:pos + 8])
        yield kind, png[pos + 8:pos + 8 + length]
        pos += 12 + length


def stored(png):
    found = dict(chunks(png))
    img = Image.open(BytesIO(png))
    if img.mode != 'P':
        raise SystemExit('MapProxy wrote a %s PNG, not a paletted one' % img.mode)
    return {
        'plte': found.get(b'PLTE', b'').hex(),
        'trns': found.get(b'tRNS', b'').hex(),
        'indices': base64.b64encode(img.tobytes()).decode('ascii'),
    }


def run(case):
    with open(case['path'], 'rb') as f:
        img = Image.frombytes('RGBA', (case['width'], case['height']), f.read())
    encoding = {'quantizer': case['quantizer']}
    opts = ImageOptions(format='image/png', colors=case['colors'], transparent=case['transparent'],
                        encoding_options=encoding)
    splitter = TileSplitter(ImageSource(img, image_opts=opts), opts)
    out = []
    for x, y, w, h in case['tiles']:
        tile = splitter.get_tile((x, y), (w, h))
        out.append(stored(tile.as_buffer(opts).read()))
    return out


def main():
    cases = json.load(sys.stdin)['cases']
    json.dump([run(c) for c in cases], sys.stdout)


if __name__ == '__main__':
    main()
