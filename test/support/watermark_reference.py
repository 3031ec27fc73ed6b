"""Reference watermarks for the tests: MapProxy's WatermarkImage (Debian's 1.15, Pillow) on a tile.

usage: watermark_reference.py JSON  where JSON = {"text", "font_size", "opacity", "color", "placement",
"width", "height", "bg": [r, g, b, a], "mode": "RGB"|"RGBA", "layout": "7"|"1.15"}
Writes the watermarked tile as raw RGBA bytes to stdout.

MapProxy 1.15 sizes each line with draw.textsize (its height counted from the ascender line); MapProxy 7
takes draw.textbbox, whose top is the ink's top. With "layout": "7" the 1.15 classes are used with 7's
box computation, which is the only difference between the two watermark renderers.
"""
import json
import sys

from PIL import Image

from mapproxy.image import ImageSource
from mapproxy.image.message import TextDraw, WatermarkImage
from mapproxy.image.opts import ImageOptions


class TextDraw7(TextDraw):
    def _relative_text_boxes(self, draw):
        total_bbox = (1e9, 1e9, -1e9, -1e9)
        boxes = []
        y_offset = 0
        for line in self.text:
            text_box = draw.textbbox((0, y_offset), line, font=self.font)
            y_offset = text_box[3] + self.linespacing
            boxes.append(text_box)
            total_bbox = (min(total_bbox[0], text_box[0]), min(total_bbox[1], text_box[1]),
                          max(total_bbox[2], text_box[2]), max(total_bbox[3], text_box[3]))
        return total_bbox, boxes


def main():
    args = json.loads(sys.argv[1])
    import mapproxy.image.message as message
    if args.get('layout', '7') == '7':
        message.TextDraw = TextDraw7
    img = Image.new(args.get('mode', 'RGBA'), (args['width'], args['height']), tuple(args['bg'][:len(args.get('mode', 'RGBA'))]))
    opts = ImageOptions(transparent=args.get('mode') == 'RGBA', format='image/png')
    color = tuple(args['color']) if args.get('color') else None
    wimg = WatermarkImage(args['text'], image_opts=opts, placement=args['placement'], opacity=args.get('opacity'),
                          font_size=args.get('font_size'), font_color=color)
    out = wimg.draw(img=ImageSource(img, image_opts=opts), in_place=False).as_image().convert('RGBA')
    sys.stdout.buffer.write(out.tobytes())


main()
