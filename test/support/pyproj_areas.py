#!/usr/bin/python3
"""The areas of use PROJ gives CRSs. argv: EPSG codes; stdout: JSON {code: [west, south, east, north] or null}."""
import json
import sys

from pyproj import CRS

out = {}
for code in sys.argv[1:]:
    area = CRS.from_epsg(int(code)).area_of_use
    out[code] = [area.west, area.south, area.east, area.north] if area else None
json.dump(out, sys.stdout)
