#!/usr/bin/python3
"""PROJ's answers (through Debian's python3-pyproj) for point transformations, as MapProxy gets them.

stdin: JSON list of jobs {"from": "EPSG:31467", "to": "EPSG:4326", "points": [[x, y], ...]}
stdout: JSON list of point lists, x/y in east/north order (always_xy), null for points PROJ cannot transform.
"""
import json
import math
import sys

from pyproj import Transformer


def main():
    jobs = json.load(sys.stdin)
    out = []
    for job in jobs:
        t = Transformer.from_crs(job['from'], job['to'], always_xy=True)
        pts = []
        for x, y in job['points']:
            rx, ry = t.transform(x, y, errcheck=False)
            pts.append([rx, ry] if math.isfinite(rx) and math.isfinite(ry) else None)
        out.append(pts)
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
