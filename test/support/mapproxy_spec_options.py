"""
Lists every option of MapProxy's configuration from MapProxy's own specification (mapproxy/config/spec.py, the
dictspec its loader validates against), as JSON on stdout, for test/unit/config-options-walk.test.ts.

One entry per leaf option: {"path": [...], "kind": ..., "required": [...], "variants": {...}}
  path      keys from the top; "*" for a name the user chooses (a source, a cache, a grid), "[]" for an item of a list
  kind      'bool' | 'number' | 'str' | 'list' | 'map' | 'any', or several joined by '|'
  variants  {path prefix joined by '.': type value} for each type_spec on the way (sources.* type: wms, ...)
  required  for every mapping on the way, its required keys: {prefix: [keys]}

Run with Debian's Python; an optional first argument names another spec.py (MapProxy 7's, say), read with the
installed MapProxy's dictspec classes.
"""
import importlib.util
import json
import sys

if len(sys.argv) > 1:
    loader_spec = importlib.util.spec_from_file_location('other_mapproxy_spec', sys.argv[1])
    module = importlib.util.module_from_spec(loader_spec)
    loader_spec.loader.exec_module(module)
    mapproxy_yaml_spec = module.mapproxy_yaml_spec
else:
    from mapproxy.config.spec import mapproxy_yaml_spec  # noqa: E402
from mapproxy.util.ext.dictspec.spec import anything, combined, number, one_of, recursive, required, type_spec  # noqa: E402,F401

out = []


def kind_of(spec):
    if isinstance(spec, bool):
        return 'bool'
    if isinstance(spec, number):
        return 'number'
    if isinstance(spec, str) or spec is str:
        return 'str'
    if isinstance(spec, (int, float)):
        return 'number'
    if isinstance(spec, list):
        return 'list'
    if isinstance(spec, dict):
        return 'map'
    if isinstance(spec, one_of):
        return '|'.join(sorted(set(kind_of(s) for s in spec.specs)))
    return 'any'


def has_mapping(spec):
    if isinstance(spec, (dict, type_spec)):
        return True
    if isinstance(spec, recursive):
        return spec.spec is not None and has_mapping(spec.spec)
    if isinstance(spec, one_of):
        return any(has_mapping(s) for s in spec.specs)
    if isinstance(spec, list):
        return len(spec) > 0 and has_mapping(spec[0])
    return False


def walk(spec, path, variants, required_keys, depth=0):
    if depth > 12:
        return
    if isinstance(spec, recursive):
        if spec.spec is not None:
            walk(spec.spec, path, variants, required_keys, depth + 1)
        return
    if isinstance(spec, type_spec):
        for name, sub in spec.specs.items():
            walk(sub, path, dict(variants, **{'.'.join(path): [spec.type_key, name]}), required_keys, depth + 1)
        return
    if isinstance(spec, one_of):
        mappings = [s for s in spec.specs if has_mapping(s)]
        if mappings:
            for s in mappings:
                # the deprecated dict form of `layers` has the keys of the list form
                if path == ['layers'] and isinstance(s, dict):
                    continue
                walk(s, path, variants, required_keys, depth + 1)
            return
        emit(path, kind_of(spec), variants, required_keys)
        return
    if isinstance(spec, list):
        if spec and has_mapping(spec[0]):
            walk(spec[0], path + ['[]'], variants, required_keys, depth + 1)
        else:
            emit(path, 'list', variants, required_keys)
        return
    if isinstance(spec, dict):
        if not spec:
            emit(path, 'map', variants, required_keys)
            return
        req = sorted(str(k) for k in spec if isinstance(k, required))
        keys = dict(required_keys)
        if req:
            keys['.'.join(path)] = req
        for key, sub in spec.items():
            if key == '__config_files__':
                continue
            name = '*' if isinstance(key, anything) else str(key)
            if isinstance(key, anything) and not has_mapping(sub):
                # free-form mapping values (req params, headers, dimension values): the mapping is the option
                emit(path, 'map', variants, required_keys)
                continue
            walk(sub, path + [name], variants, keys, depth + 1)
        return
    emit(path, kind_of(spec), variants, required_keys)


def emit(path, kind, variants, required_keys):
    out.append({'path': path, 'kind': kind, 'variants': variants, 'required': required_keys})


walk(mapproxy_yaml_spec, [], {}, {})
seen = set()
unique = []
for o in out:
    key = json.dumps([o['path'], o['variants']], sort_keys=True)
    if key not in seen:
        seen.add(key)
        unique.append(o)
json.dump(unique, sys.stdout)
