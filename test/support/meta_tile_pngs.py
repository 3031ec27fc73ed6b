"""A MapServer meta tile as every kind of PNG an upstream may answer with: the map MapServer rendered (RGB, or
RGBA when asked for transparency) re-encoded by Pillow (paletted with tRNS, 4-bit paletted, grey, grey+alpha) and
pypng (16-bit colour, Adam7 interlaced), which Pillow does not write.

usage: /usr/bin/python3 meta_tile_pngs.py OPAQUE.png TRANSPARENT.png OUTDIR
Writes OUTDIR/NAME.png for each kind and prints the names, one a line.
"""
import io
import os
import sys

import png
from PIL import Image

opaque = Image.open(sys.argv[1]).convert('RGB')
transparent = Image.open(sys.argv[2]).convert('RGBA')
out = sys.argv[3]
w, h = opaque.size


def pillow(name, im, **kw):
    im.save(os.path.join(out, name + '.png'), **kw)
    return name


def pypng(name, im, bitdepth, **kw):
    planes = len(im.getbands())
    data = im.tobytes()
    if bitdepth == 16:
        # the low byte varies too, so that a decoder reading the wrong byte is seen
        rows = [[data[(y * w) * planes + i] * 256 + (i * 37 + y) % 256 for i in range(w * planes)] for y in range(h)]
    else:
        rows = [list(data[y * w * planes:(y + 1) * w * planes]) for y in range(h)]
    writer = png.Writer(w, h, greyscale=planes < 3, alpha=planes in (2, 4), bitdepth=bitdepth, **kw)
    with open(os.path.join(out, name + '.png'), 'wb') as f:
        writer.write(f, rows)
    return name


names = [
    pillow('rgb8', opaque),
    pillow('rgba8', transparent),
    pillow('paletted-trns', transparent.quantize(200, method=Image.FASTOCTREE)),
    pillow('paletted4', opaque.quantize(16)),
    pillow('grey8', opaque.convert('L')),
    pillow('greyalpha8', transparent.convert('LA')),
    pypng('rgb16', opaque, 16),
    pypng('rgba16-adam7', transparent, 16, interlace=True),
    pypng('rgba8-adam7', transparent, 8, interlace=True),
]
print('\n'.join(names))
