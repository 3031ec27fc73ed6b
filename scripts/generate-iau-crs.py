#!/usr/bin/python3
"""Writes src/core/geo/data/iau-crs.json: PROJ's IAU_2015 coordinate reference systems (the planets, moons and
small bodies of the IAU 2015 report), which MapProxy 7 serves and consumes for maps of other worlds.

epsg-index, where our EPSG definitions come from, has no IAU codes; PROJ keeps them in proj.db. This table
carries, per CRS, what our SRS module needs: the PROJ string proj4js reads (ellipsoid or sphere radius of the
body), the celestial body (transformations only run between CRS of one body, as PROJ refuses the others), the
geographic CRS a projected one is based on (MapProxy's get_geographic_srs) and the axis directions as PROJ
defines them (lat/lon first for the geographic ones; west-positive longitudes of the planetographic ones).
The projected CRS share about twenty map projections; the table stores each projection once. Run with
Debian's python3-pyproj:

    /usr/bin/python3 scripts/generate-iau-crs.py

The script checks that every PROJ string rebuilt from the table equals the one PROJ writes.
"""
import json
import os
import re
import sqlite3
import warnings

import pyproj

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'src', 'core', 'geo', 'data', 'iau-crs.json')
PROJ_DB = os.path.join(pyproj.datadir.get_data_dir(), 'proj.db')
AUTH = 'IAU_2015'
ELLIPSOID_RE = re.compile(r'\s*\+(R|a|b)=\S+')
DIRECTION = {'north': 'N', 'south': 'S', 'east': 'E', 'west': 'W'}

warnings.simplefilter('ignore')  # pyproj warns that a PROJ string loses information; we keep what PROJ keeps


def proj_string(crs):
    s = crs.to_proj4()
    return None if s is None else s.replace(' +type=crs', '')


def number(v):
    """The shortest form that reads back the same, as PROJ writes its strings: 6378136.6, 3396190."""
    r = repr(float(v))
    return r[:-2] if r.endswith('.0') else r


def axes(crs):
    return ''.join(DIRECTION.get(a.direction, '?') for a in crs.axis_info)


def main():
    db = sqlite3.connect(PROJ_DB)
    bodies = {str(code): body for code, body in db.execute(
        'SELECT g.code, b.name FROM geodetic_crs g '
        'JOIN geodetic_datum d ON d.auth_name = g.datum_auth_name AND d.code = g.datum_code '
        'JOIN ellipsoid e ON e.auth_name = d.ellipsoid_auth_name AND e.code = d.ellipsoid_code '
        'JOIN celestial_body b ON b.auth_name = e.celestial_body_auth_name AND b.code = e.celestial_body_code '
        # 'other' are the planetocentric CRS on an ellipsoid (latitude from the centre, not the normal)
        "WHERE g.auth_name = ? AND g.type IN ('geographic 2D', 'other') AND g.deprecated = 0", (AUTH,))}
    geographic = {}
    for code in sorted(bodies, key=int):
        crs = pyproj.CRS.from_user_input(f'{AUTH}:{code}')
        entry = {'name': crs.name, 'body': bodies[code], 'axes': axes(crs)}
        s = proj_string(crs)
        if s is None:
            # Planetocentric latitudes on an ellipsoid: PROJ writes no PROJ string for them (it converts through
            # +proj=geoc in a pipeline); the table gives the ellipsoid's string and marks the latitudes, which
            # src/core/geo/planetocentric.ts converts.
            e = crs.ellipsoid
            entry['proj4'] = f'+proj=longlat +a={number(e.semi_major_metre)} +b={number(e.semi_minor_metre)} +no_defs'
            entry['planetocentric'] = True
        else:
            entry['proj4'] = s
        geographic[code] = entry

    conversions = []
    conversion_index = {}
    projected = {}
    rows = db.execute(
        'SELECT code, geodetic_crs_code FROM projected_crs WHERE auth_name = ? AND geodetic_crs_auth_name = ? '
        'AND deprecated = 0', (AUTH, AUTH))
    for code, base in sorted(rows, key=lambda r: int(r[0])):
        base = str(base)
        if base not in geographic:
            continue
        crs = pyproj.CRS.from_user_input(f'{AUTH}:{code}')
        s = proj_string(crs)
        base_name = geographic[base]['name']
        assert s is not None, code
        assert crs.name.startswith(base_name + ' / '), (code, crs.name)
        suffix = crs.name[len(base_name) + 3:]
        params = ELLIPSOID_RE.sub('', s.replace(' +no_defs', ''))
        key = (suffix, params)
        if key not in conversion_index:
            conversion_index[key] = len(conversions)
            conversions.append({'name': suffix, 'proj4': params})
        projected[str(code)] = [int(base), conversion_index[key], axes(crs)]

    table = {
        'source': f'PROJ {pyproj.proj_version_str} proj.db, authority {AUTH}',
        'authority': AUTH,
        'geographic': geographic,
        'conversions': conversions,
        'projected': projected,
    }
    check(table)
    with open(OUT, 'w') as f:
        json.dump(table, f, separators=(',', ':'))
        f.write('\n')
    print(f'{OUT}: {len(geographic)} geographic, {len(projected)} projected CRS, {len(conversions)} projections')


def ellipsoid_of(proj4):
    return ' '.join(m.group(0).strip() for m in ELLIPSOID_RE.finditer(proj4))


def check(table):
    """Every projected PROJ string rebuilt as src/core/geo/iau.ts rebuilds it equals PROJ's own."""
    for code, (base, conv, _axes) in table['projected'].items():
        g = table['geographic'][str(base)]
        rebuilt = f"{table['conversions'][conv]['proj4']} {ellipsoid_of(g['proj4'])} +no_defs"
        expected = proj_string(pyproj.CRS.from_user_input(f'{AUTH}:{code}'))
        assert sorted(rebuilt.split()) == sorted(expected.split()), (code, rebuilt, expected)


if __name__ == '__main__':
    main()
