"""Reference pixels from Pillow 9.4 and MapProxy 1.15 (Debian's /usr/bin/python3) for the image kernel tests.

Reads {"jobs": [...]} as JSON on stdin and writes {"results": [...]} (base64 RGBA, one per job) on stdout.
Images travel as {"b64": RGBA bytes, "w": width, "h": height}. Jobs:
  extent:    Pillow's transform(size, EXTENT, extent, method) of the image in `mode` (RGB or RGBA)
  mesh:      Pillow's transform(size, MESH, quads, method), quads as [[box], [nw, sw, se, ne corners]]
  transform: MapProxy's ImageTransformer(src_srs, dst_srs).transform(...) (the mesh of reprojection)
  meshes:    the quads MapProxy's transform_meshes makes for that transform (JSON, not an image)
  merge:     MapProxy's LayerMerger of layers with opacity onto a canvas (transparent or bgcolor)
"""
import base64
import json
import sys

from PIL import Image

from mapproxy.image import ImageSource
from mapproxy.image.merge import LayerMerger
from mapproxy.image.opts import ImageOptions
from mapproxy.image.transform import ImageTransformer, transform_meshes
from mapproxy.srs import SRS

FILTERS = {"nearest": Image.NEAREST, "bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}


def image(spec, mode="RGBA"):
    img = Image.frombytes("RGBA", (spec["w"], spec["h"]), base64.b64decode(spec["b64"]))
    return img if mode == "RGBA" else img.convert(mode)


def rgba(img):
    return base64.b64encode(img.convert("RGBA").tobytes()).decode()


def run(job):
    op = job["op"]
    if op == "extent":
        src = image(job["image"], job.get("mode", "RGBA"))
        return rgba(src.transform(tuple(job["size"]), Image.EXTENT, tuple(job["extent"]), FILTERS[job["method"]]))
    if op == "mesh":
        src = image(job["image"], job.get("mode", "RGBA"))
        quads = [(tuple(box), tuple(corners)) for box, corners in job["quads"]]
        return rgba(src.transform(tuple(job["size"]), Image.MESH, quads, FILTERS[job["method"]]))
    if op == "transform":
        src = ImageSource(image(job["image"], job.get("mode", "RGBA")))
        opts = ImageOptions(resampling=job["method"], transparent=True)
        t = ImageTransformer(SRS(job["src_srs"]), SRS(job["dst_srs"]))
        out = t.transform(src, tuple(job["src_bbox"]), tuple(job["size"]), tuple(job["dst_bbox"]), opts)
        return rgba(out.as_image())
    if op == "meshes":
        return transform_meshes(
            src_size=tuple(job["src_size"]), src_bbox=tuple(job["src_bbox"]), src_srs=SRS(job["src_srs"]),
            dst_size=tuple(job["size"]), dst_bbox=tuple(job["dst_bbox"]), dst_srs=SRS(job["dst_srs"]),
        )
    if op == "merge":
        merger = LayerMerger()
        for layer in job["layers"]:
            opts = ImageOptions(transparent=True, opacity=layer.get("opacity"))
            merger.add(ImageSource(image(layer["image"]), image_opts=opts))
        bgcolor = tuple(job["bgcolor"]) if job.get("bgcolor") else None
        canvas = ImageOptions(transparent=job["transparent"], bgcolor=bgcolor)
        return rgba(merger.merge(canvas, size=tuple(job["size"])).as_image())
    raise ValueError("unknown op " + op)


def main():
    jobs = json.load(sys.stdin)["jobs"]
    json.dump({"results": [run(job) for job in jobs]}, sys.stdout)


if __name__ == "__main__":
    main()
