#!/usr/bin/python3
"""Writes src/core/geo/data/datum-operations.json: PROJ's operations to WGS 84 for every datum that an
epsg-index definition ties to a grid (`+nadgrids=`).

proj4js knows one way from such a datum to WGS 84 (the grid) and fails wherever the grid does not reach or is
not installed. PROJ lists every operation from its database (grids, Helmert transformations, a ballpark) with
its area of use and accuracy and chooses per point; this table carries that list, as PROJ 9 sorts it, so that
src/core/geo/datum-operations.ts can choose the same way. The data is PROJ's (proj.db); run with Debian's
python3-pyproj:

    /usr/bin/python3 scripts/generate-datum-operations.py

(With network grids enabled PROJ asks the CDN about every grid, so a run takes minutes; nothing is downloaded.)
Per CRS the table also records which of its datum's operations PROJ lists for it: PROJ leaves out those whose
area misses the CRS's area.
"""
import json
import os
import re
import sqlite3
import sys

import pyproj
import pyproj.network
from pyproj.transformer import TransformerGroup

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EPSG_DIR = os.path.join(ROOT, 'node_modules', 'epsg-index', 's')
OUT = os.path.join(ROOT, 'src', 'core', 'geo', 'data', 'datum-operations.json')

# Network grids count as available: the table must hold every operation in PROJ's order, whichever grids a
# machine has; availability is decided at run time. Creating a transformer downloads nothing.
pyproj.network.set_network_enabled(True)
PROJ_DB = os.path.join(pyproj.datadir.get_data_dir(), 'proj.db')


def grid_codes():
    """EPSG codes whose epsg-index proj4 definition names a grid (not only @null)."""
    codes = []
    for name in sorted(os.listdir(EPSG_DIR)):
        try:
            with open(os.path.join(EPSG_DIR, name)) as f:
                entry = json.load(f)
        except ValueError:
            continue  # a few epsg-index files are empty: codes without a definition
        m = re.search(r'\+nadgrids=(\S+)', entry.get('proj4') or '')
        if m and any(g.lstrip('@') != 'null' for g in m.group(1).split(',')):
            codes.append(int(entry['code']))
    return sorted(codes)


def old_grid_names(db, name):
    """The .gsb names proj-data and older installations use for a grid PROJ now calls `name` (a .tif)."""
    rows = db.execute('SELECT old_proj_grid_name FROM grid_alternatives WHERE proj_grid_name = ?', (name,))
    return [r[0] for r in rows if r[0]]


STEP_RE = re.compile(r'\+?step(?:\s+|$)')


def steps_of(definition):
    """Pipeline steps as (inverted, {param: value}) pairs."""
    body = definition.split('step', 1)[1] if definition.startswith('proj=pipeline') else 'step ' + definition
    out = []
    for raw in re.split(r'\bstep\b', body):
        words = raw.split()
        if not words:
            continue
        inv = 'inv' in words
        params = {}
        for w in words:
            if w == 'inv':
                continue
            k, _, v = w.partition('=')
            params[k] = v
        out.append((inv, params))
    return out


def as_operation(t, db):
    """One operation as the steps datum-operations.ts applies (none: the ballpark), or a reason it cannot."""
    todo = [(inv, p) for inv, p in steps_of(t.definition)
            if p.get('proj') not in ('unitconvert', 'axisswap', 'push', 'pop', 'noop')]
    steps = []
    while todo:
        inv, p = todo.pop(0)
        kind = p.get('proj')
        if kind == 'hgridshift':
            if inv:
                return {'unsupported': 'inverse grid shift'}
            grids = []
            for g in p['grids'].split(','):
                name = g.lstrip('@')
                grids.append({'name': name, 'files': [name] + old_grid_names(db, name), 'optional': g.startswith('@')})
            steps.append({'grids': grids})
        elif kind == 'cart' and not inv and len(todo) >= 2 and todo[0][1].get('proj') == 'helmert' \
                and todo[1][1].get('proj') == 'cart' and todo[1][0]:
            (ih, h), (_, to) = todo.pop(0), todo.pop(0)
            if ih:
                return {'unsupported': 'inverse Helmert'}
            vals = [float(h.get(k, 0)) for k in ('x', 'y', 'z', 'rx', 'ry', 'rz', 's')]
            if h.get('convention') == 'coordinate_frame':
                vals[3:6] = [-v for v in vals[3:6]]  # towgs84 rotations are position-vector ones
            steps.append({'helmert': vals if any(vals[3:]) else vals[:3], 'from': p['ellps'], 'to': to['ellps']})
        else:
            return {'unsupported': f'step {"inv " if inv else ""}{kind}'}
    return {'steps': steps}


def operations_of(source, db):
    """PROJ's operations from `source` (an EPSG code) to WGS 84, in its order, as (description, operation)."""
    group = TransformerGroup(pyproj.CRS.from_epsg(source), pyproj.CRS.from_epsg(4326), always_xy=True)
    ops = []
    for t in group.transformers:
        op = as_operation(t, db)
        if 'unsupported' in op:
            print(f'EPSG:{source} {t.description}: {op["unsupported"]}; left out', file=sys.stderr)
            continue
        area = t.area_of_use
        op.update({
            'name': t.description.replace('axis order change (2D) + ', '').replace(' + axis order change (2D)', ''),
            'accuracy': t.accuracy,
            'area': [area.west, area.south, area.east, area.north],
            'areaName': area.name,
        })
        ops.append(op)
    return ops


def crs_operations(code, datum_ops, db):
    """Indices into the datum's operations of those PROJ lists for EPSG:`code`: PROJ leaves out the operations
    whose area of use misses the CRS's own area, so a projected CRS may list fewer than its datum."""
    picks = []
    for t in TransformerGroup(pyproj.CRS.from_epsg(code), pyproj.CRS.from_epsg(4326), always_xy=True).transformers:
        matches = [i for i, op in enumerate(datum_ops) if op['name'] in t.description]
        if not matches:
            if 'unsupported' not in as_operation(t, db):
                print(f'EPSG:{code} {t.description}: not among the datum\'s operations', file=sys.stderr)
            continue
        picks.append(max(matches, key=lambda i: len(datum_ops[i]['name'])))
    return picks


def main():
    db = sqlite3.connect(PROJ_DB)
    crs = {}
    datums = {}
    for code in grid_codes():
        try:
            geog = pyproj.CRS.from_epsg(code).geodetic_crs.to_epsg()
        except pyproj.exceptions.CRSError as err:
            print(f'EPSG:{code}: {err}; left out', file=sys.stderr)
            continue
        if geog is None:
            print(f'EPSG:{code}: no EPSG geographic CRS; left out', file=sys.stderr)
            continue
        if str(geog) not in datums:
            datums[str(geog)] = {'name': pyproj.CRS.from_epsg(geog).name, 'operations': operations_of(geog, db)}
        crs[str(code)] = {'datum': geog, 'operations': crs_operations(code, datums[str(geog)]['operations'], db)}
    table = {
        'source': f'PROJ {pyproj.proj_version_str} ({PROJ_DB}) through pyproj {pyproj.__version__}; '
                  'regenerate with scripts/generate-datum-operations.py',
        'crs': crs,
        'datums': datums,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(table, f, indent=1, sort_keys=True)
        f.write('\n')
    print(f'{len(crs)} CRS, {len(datums)} datums → {os.path.relpath(OUT, ROOT)}')


if __name__ == '__main__':
    main()
