"""
MapProxy's make_transparent (Debian's MapProxy 1.15 on Pillow) for test/unit/image-transparent-color.test.ts.
stdin: JSON list of cases {mode: 'RGB'|'RGBA'|'P', width, height, pixels: base64 of the mode's bytes (P: RGB
bytes quantized here with Pillow's adaptive palette), color: [r, g, b], tolerance}; stdout: JSON list of base64
RGBA results, and for P the RGB(A) input Pillow made of it.
"""
import base64
import json
import sys

from PIL import Image
from mapproxy.image import _make_transparent

out = []
for case in json.load(sys.stdin):
    raw = base64.b64decode(case['pixels'])
    size = (case['width'], case['height'])
    if case['mode'] == 'P':
        img = Image.frombytes('RGB', size, raw).convert('P', palette=Image.ADAPTIVE, colors=16)
        source = img.convert('RGBA').tobytes()
    else:
        img = Image.frombytes(case['mode'], size, raw)
        source = img.convert('RGBA').tobytes()
    result = _make_transparent(img, tuple(case['color']), case['tolerance']).convert('RGBA')
    out.append({'source': base64.b64encode(source).decode(), 'result': base64.b64encode(result.tobytes()).decode()})
json.dump(out, sys.stdout)
