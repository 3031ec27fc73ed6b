# Pillow's (MapProxy's image library) side of bench/kernels.ts: the same kernels on the same input files,
# as MapProxy calls them. Prints one JSON object: kernel name -> nanoseconds per pixel (best of the runs).
# usage: /usr/bin/python3 bench/kernels_pillow.py <dir with meta.png, tile-p.png, tile-rgba.png>
import io, json, sys, time
from PIL import Image

d = sys.argv[1]
def best(fn, pixels, runs=7):
    fn()
    t = min(timed(fn) for _ in range(runs))
    return t * 1e9 / pixels
def timed(fn):
    t0 = time.perf_counter(); fn(); return time.perf_counter() - t0

meta_bytes = open(f'{d}/meta.png', 'rb').read()
tile_p = open(f'{d}/tile-p.png', 'rb').read()
tile_rgba = open(f'{d}/tile-rgba.png', 'rb').read()
meta = Image.open(io.BytesIO(meta_bytes)); meta.load()
W, H = meta.size
out = {}
def decode(b):
    im = Image.open(io.BytesIO(b)); im.load(); return im
out['decode RGB 1184²'] = best(lambda: decode(meta_bytes), W * H)
out['decode paletted tile'] = best(lambda: decode(tile_p).convert('RGBA'), 256 * 256)
out['decode RGBA tile'] = best(lambda: decode(tile_rgba), 256 * 256)

def tiles():
    # MapProxy's TileSplitter + img_to_buf per tile: crop, FASTOCTREE (RGB: opaque source), PNG with Z_RLE.
    for y in range(4):
        for x in range(4):
            t = meta.crop((16 + x * 256, 16 + y * 256, 16 + (x + 1) * 256, 16 + (y + 1) * 256))
            q = t.quantize(256, Image.FASTOCTREE)
            q.save(io.BytesIO(), 'png', compress_type=3)
out['meta tile → 16 paletted PNG tiles'] = best(tiles, 1024 * 1024, runs=3)
out['quantize 256² tile (fastoctree)'] = best(lambda: meta.crop((16, 16, 272, 272)).quantize(256, Image.FASTOCTREE), 256 * 256)
rgba = meta.convert('RGBA')
out['resample bicubic 1184²→1024×768'] = best(lambda: rgba.transform((1024, 768), Image.EXTENT, (10.5, 20.25, 1100.75, 900.5), Image.BICUBIC), 1024 * 768)
out['resample bilinear 1184²→1024×768'] = best(lambda: rgba.transform((1024, 768), Image.EXTENT, (10.5, 20.25, 1100.75, 900.5), Image.BILINEAR), 1024 * 768)
over = Image.new('RGBA', (W, H), (255, 0, 0, 0)); over.paste((255, 0, 0, 128), (100, 100, 900, 900))
out['composite over (alpha_composite)'] = best(lambda: Image.alpha_composite(rgba, over), W * H)

try:
    from mapproxy.image.transform import ImageTransformer
    from mapproxy.image import ImageSource
    from mapproxy.image.opts import ImageOptions
    from mapproxy.srs import SRS
    src_srs, dst_srs = SRS(3857), SRS(4326)
    src_bbox = (-1500000, 4000000, 3000000, 8500000)
    dst_bbox = (-12.0, 35.0, 25.0, 59.0)
    tr = ImageTransformer(src_srs, dst_srs)
    opts = ImageOptions(resampling='bicubic')
    def warp():
        tr.transform(ImageSource(rgba), src_bbox, (512, 512), dst_bbox, opts).as_image()
    out['warp 3857→4326 512² (MapProxy mesh)'] = best(warp, 512 * 512)
except Exception as e:  # MapProxy missing: Pillow alone still answers the rest
    sys.stderr.write(f'warp skipped: {e}\n')
print(json.dumps(out))
