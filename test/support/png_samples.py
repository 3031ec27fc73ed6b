"""PNG files of every colour type, bit depth and interlacing an upstream may send, written by real encoders
(Pillow where it can, pypng for 16-bit colour, 2/4-bit grey and Adam7, which Pillow does not write), each with two
references: Pillow's decoding (Image.open().convert('RGBA'), what MapProxy sees) and the PNG specification's
pixels read through pypng (16-bit samples keep their high byte, low-depth grey scales to 0..255, tRNS keys give
alpha 0).

usage: /usr/bin/python3 png_samples.py OUTDIR
Writes OUTDIR/NAME.png, NAME.pillow.rgba (absent when Pillow cannot read it), NAME.spec.rgba and prints a JSON
list of {name, writer, width, height} on stdout.
"""
import io
import json
import os
import sys

import png
from PIL import Image


def level(x, y, maxval, salt):
    """A deterministic sample with gradients and noise, so that every filter type wins somewhere."""
    noise = (x * 7919 + y * 104729 + salt * 31) % 97
    smooth = (x * 3 + y * 5 + salt) * maxval // 200
    v = smooth + (noise if (x // 5 + y // 3) % 3 == 0 else 0)
    return v % (maxval + 1)


def grid(w, h, planes, maxval, salt=0):
    return [[level(x * planes + p, y, maxval, salt + p) for x in range(w) for p in range(planes)] for y in range(h)]


def spec_rgba(data):
    """RGBA8 bytes of a PNG as the specification defines its pixels, through pypng's reader."""
    w, h, rows, info = png.Reader(bytes=data).asDirect()
    planes, depth = info['planes'], info['bitdepth']
    out = bytearray()

    def to8(v):
        if depth == 16:
            return v >> 8
        if depth < 8:
            return v * 255 // ((1 << depth) - 1)
        return v

    for row in rows:
        row = list(row)
        for x in range(w):
            px = [to8(v) for v in row[x * planes:(x + 1) * planes]]
            if planes == 1:
                px = [px[0]] * 3 + [255]
            elif planes == 2:
                px = [px[0]] * 3 + [px[1]]
            elif planes == 3:
                px = px + [255]
            out += bytes(px)
    return bytes(out)


def pypng(w, h, **kw):
    greyscale = kw.pop('greyscale', False)
    alpha = kw.get('alpha', False)
    depth = kw.get('bitdepth', 8)
    planes = (1 if greyscale else 3) + (1 if alpha else 0)
    if 'palette' in kw:
        planes = 1
        rows = [[level(x, y, len(kw['palette']) - 1, 3) for x in range(w)] for y in range(h)]
    else:
        rows = grid(w, h, planes, (1 << depth) - 1)
    buf = io.BytesIO()
    png.Writer(w, h, greyscale=greyscale, **kw).write(buf, rows)
    return buf.getvalue()


def pillow(img, **kw):
    buf = io.BytesIO()
    img.save(buf, 'PNG', **kw)
    return buf.getvalue()


def pillow_image(mode, w, h, salt=0):
    maxval = {'1': 1, 'I;16': 65535}.get(mode, 255)
    planes = {'1': 1, 'L': 1, 'P': 1, 'I;16': 1, 'LA': 2, 'RGB': 3, 'RGBA': 4}[mode]
    rows = grid(w, h, planes, maxval, salt)
    if mode == 'I;16':
        raw = b''.join(v.to_bytes(2, 'little') for row in rows for v in row)
        return Image.frombytes('I;16', (w, h), raw)
    if mode == '1':
        return Image.frombytes('L', (w, h), bytes(v * 255 for row in rows for v in row)).convert('1', dither=Image.Dither.NONE)
    return Image.frombytes(mode, (w, h), bytes(v for row in rows for v in row))


def palette_image(w, h, colours):
    img = pillow_image('P', w, h)
    img = Image.frombytes('P', (w, h), bytes(v % colours for v in img.tobytes()))
    pal = []
    for i in range(colours):
        pal += [(i * 53) % 256, (i * 101 + 7) % 256, (i * 29 + 200) % 256]
    img.putpalette(pal)
    return img


def samples():
    w, h = 37, 23
    alphas = bytes(0 if i == 1 else (i * 37) % 256 for i in range(256))
    yield 'pillow-grey1', 'Pillow', pillow(pillow_image('1', w, h))
    yield 'pillow-grey1-trns', 'Pillow', pillow(pillow_image('1', w, h), transparency=1)
    yield 'pillow-grey8', 'Pillow', pillow(pillow_image('L', w, h))
    yield 'pillow-grey8-trns', 'Pillow', pillow(pillow_image('L', w, h), transparency=40)
    yield 'pillow-grey16', 'Pillow', pillow(pillow_image('I;16', w, h))
    yield 'pillow-greyalpha8', 'Pillow', pillow(pillow_image('LA', w, h))
    yield 'pillow-rgb8', 'Pillow', pillow(pillow_image('RGB', w, h))
    yield 'pillow-rgb8-trns', 'Pillow', pillow(pillow_image('RGB', w, h), transparency=(30, 45, 60))
    yield 'pillow-rgba8', 'Pillow', pillow(pillow_image('RGBA', w, h))
    yield 'pillow-rgba8-big', 'Pillow', pillow(pillow_image('RGBA', 301, 257, 5))
    for colours, bits in ((256, 8), (16, 4), (4, 2), (2, 1)):
        img = palette_image(w, h, colours)
        yield f'pillow-palette{bits}', 'Pillow', pillow(img, bits=bits)
        yield f'pillow-palette{bits}-trns', 'Pillow', pillow(img, bits=bits, transparency=alphas[:colours])
    for depth in (2, 4, 16):
        yield f'pypng-grey{depth}', 'pypng', pypng(w, h, greyscale=True, bitdepth=depth)
        yield f'pypng-grey{depth}-trns', 'pypng', pypng(w, h, greyscale=True, bitdepth=depth, transparent=(1 << depth) // 3)
    yield 'pypng-greyalpha16', 'pypng', pypng(w, h, greyscale=True, alpha=True, bitdepth=16)
    yield 'pypng-rgb16', 'pypng', pypng(w, h, bitdepth=16)
    yield 'pypng-rgb16-trns', 'pypng', pypng(w, h, bitdepth=16, transparent=(level(0, 0, 65535, 0), level(1, 0, 65535, 1), level(2, 0, 65535, 2)))
    yield 'pypng-rgba16', 'pypng', pypng(w, h, alpha=True, bitdepth=16)
    # Adam7: every colour type and depth, at sizes whose passes are partly empty or one pixel wide.
    palette = [((i * 53) % 256, (i * 101 + 7) % 256, (i * 29 + 200) % 256, 255 - i) for i in range(16)]
    kinds = [
        ('grey1', dict(greyscale=True, bitdepth=1)), ('grey2', dict(greyscale=True, bitdepth=2)),
        ('grey4', dict(greyscale=True, bitdepth=4)), ('grey8', dict(greyscale=True, bitdepth=8)),
        ('grey16', dict(greyscale=True, bitdepth=16)), ('grey8-trns', dict(greyscale=True, bitdepth=8, transparent=9)),
        ('greyalpha8', dict(greyscale=True, alpha=True)), ('greyalpha16', dict(greyscale=True, alpha=True, bitdepth=16)),
        ('rgb8', dict()), ('rgb16', dict(bitdepth=16)), ('rgb8-trns', dict(transparent=(0, 0, 0))),
        ('rgba8', dict(alpha=True)), ('rgba16', dict(alpha=True, bitdepth=16)),
        ('palette1', dict(palette=palette[:2], bitdepth=1)), ('palette2', dict(palette=palette[:4], bitdepth=2)),
        ('palette4', dict(palette=palette, bitdepth=4)), ('palette8', dict(palette=palette, bitdepth=8)),
    ]
    for name, kw in kinds:
        for (iw, ih) in ((w, h), (1, 1), (3, 2), (9, 9)):
            yield f'pypng-adam7-{name}-{iw}x{ih}', 'pypng', pypng(iw, ih, interlace=True, **kw)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    manifest = []
    for name, writer, data in samples():
        with open(os.path.join(out, name + '.png'), 'wb') as f:
            f.write(data)
        with open(os.path.join(out, name + '.spec.rgba'), 'wb') as f:
            f.write(spec_rgba(data))
        try:
            img = Image.open(io.BytesIO(data))
            with open(os.path.join(out, name + '.pillow.rgba'), 'wb') as f:
                f.write(img.convert('RGBA').tobytes())
        except Exception:  # Pillow cannot read it: only the specification's pixels are compared
            pass
        img = png.Reader(bytes=data).read()
        manifest.append({'name': name, 'writer': writer, 'width': img[0], 'height': img[1]})
    json.dump(manifest, sys.stdout)


if __name__ == '__main__':
    main()
