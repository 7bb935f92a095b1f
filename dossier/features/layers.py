"""Extra map layers from content/map/*.geojson: checked GeoJSON, drawn on the crossings map."""
from __future__ import annotations

import json
import json.decoder
import math
import json.scanner
import re
from dataclasses import dataclass

from ..diagnostics import Diagnostics
from ..yamlload import CONTROL_CHARACTERS, control_message, line_col

MAX_DEPTH = 32
MAX_REPORTED_CONTROLS = 20   # raw control characters reported in one file
_CONTROL = re.compile(CONTROL_CHARACTERS)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SURROGATE = re.compile("[\ud800-\udfff]")   # half of a pair, written alone as an escape: no character UTF-8 can write
GEOMETRIES = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}


@dataclass(frozen=True)
class Layer:
    id: str
    path: str
    name: str
    data: dict


def parse_layer(id_: str, path: str, text: str, diags: Diagnostics) -> Layer | None:
    if _refuse_controls(path, text, diags):
        return None
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys, parse_int=_integer, parse_float=_finite,
                          parse_constant=_no_constant)
    except _LongNumber as e:
        diags.error("geojson", f"not valid JSON for a layer: a number of {e.digits:,} digits", path)
        return None
    except _NotANumber as e:
        diags.error("geojson", f"not valid JSON: {e.text!r} is no JSON number (JSON has no NaN or infinity, and "
                               "a layer's numbers are finite)", path)
        return None
    except json.JSONDecodeError as e:
        diags.error("geojson", f"not valid JSON: {e.msg}", path, e.lineno, e.colno)
        return None
    except _DuplicateKey as e:
        diags.error("geojson", f"not valid JSON for a layer: the key {e.key!r} is written twice in one object, "
                               "and readers keep only one of its values: remove the repeat", path)
        return None
    except RecursionError:
        diags.error("geojson", "not valid JSON: nests too deeply", path, 1, 1)
        return None
    if _depth(data) > MAX_DEPTH:
        diags.error("geojson", f"not a usable GeoJSON layer: nests deeper than {MAX_DEPTH} levels", path)
        return None
    found = _problem(data)
    if found:
        problem, at = found
        diags.error("geojson", f"not a usable GeoJSON layer: {problem}", path, *line_col(text, _offset_of(text, at)))
        return None
    escaped = _escaped_control(data)
    if escaped:
        ch, where = escaped
        diags.error("encoding", f"{where}: {control_message(ch, 'as a JSON escape')}", path)
        return None
    name = data.get("name") if isinstance(data.get("name"), str) else id_.replace("-", " ").capitalize()
    return Layer(id_, path, name[:120], data)


class _LongNumber(Exception):
    def __init__(self, digits: int):
        self.digits = digits


def _integer(text: str) -> int:
    """A JSON integer; Python refuses to convert one of more than 4,300 digits (a ValueError that
    is no JSON error), and none of a layer needs more than a few."""
    if len(text) > 40:
        raise _LongNumber(len(text.lstrip("-")))
    return int(text)


class _NotANumber(Exception):
    def __init__(self, text: str):
        self.text = text[:40]


def _no_constant(text: str):
    """NaN, Infinity and -Infinity, which Python's reader takes and JSON (RFC 8259) has not."""
    raise _NotANumber(text)


def _finite(text: str) -> float:
    """A JSON number with a fraction or exponent; '1e999' would be infinite, written out as
    Infinity, which no JSON reader takes."""
    value = float(text)
    if not math.isfinite(value):
        raise _NotANumber(text)
    return value


class _DuplicateKey(Exception):
    def __init__(self, key: str):
        self.key = key[:60]


def _unique_keys(pairs: list) -> dict:
    """A JSON object, refused when a key repeats (as YAML files refuse a duplicate key): which of
    the values a reader keeps is up to the reader."""
    out = dict(pairs)
    if len(out) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return out


def _refuse_controls(path: str, text: str, diags: Diagnostics) -> bool:
    """Whether the file holds control characters (as load does for a Markdown body: names and
    property values reach the map page and its script), each reported at its line and column,
    the first MAX_REPORTED_CONTROLS."""
    found = False
    for n, m in enumerate(_CONTROL.finditer(text)):
        if n == MAX_REPORTED_CONTROLS:
            break
        found = True
        diags.error("encoding", control_message(m.group()), path, *line_col(text, m.start()))
    return found


def _escaped_control(data) -> tuple[str, str] | None:
    """(the character, where) of the first control character in a string of the layer (a key or
    a value), which the file can only hold as an escape once _refuse_controls has passed it.
    The layer nests at most MAX_DEPTH deep."""
    stack = [(data, "")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            m = _CONTROL.search(value) or _SURROGATE.search(value)
            if m:
                return m.group(), where or "the layer"
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                inside = _step(where, key)
                stack.append((item, inside))
                stack.append((key, f"the key of {inside}"))
        elif isinstance(value, list):
            stack.extend((item, _step(where, n)) for n, item in reversed(list(enumerate(value))))
    return None


def _step(where: str, key) -> str:
    """where, then key: features[0].properties.name."""
    if isinstance(key, int):
        return f"{where}[{key}]"
    if _NAME.fullmatch(key):
        return f"{where}.{key}" if where else key
    return f"{where}[{json.dumps(key, ensure_ascii=bool(_CONTROL.search(key)))}]"   # never a control character itself


def _problem(data) -> tuple[str, tuple] | None:
    """What makes the layer unusable, and where: the path (keys and indexes) of the value at fault,
    or of the nearest object or list around it."""
    if not isinstance(data, dict):
        return "expected a FeatureCollection or a Feature object", ()
    collection = data.get("type") == "FeatureCollection"
    features = data.get("features") if collection else [data] if data.get("type") == "Feature" else None
    if not isinstance(features, list):
        return "expected 'type': 'FeatureCollection' with a 'features' list, or a single Feature", ()
    for n, feature in enumerate(features, start=1):
        at = ("features", n - 1) if collection else ()
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            return f"feature {n} is not a Feature", at
        props = feature.get("properties")
        if props is not None and not isinstance(props, dict):
            return f"feature {n}: 'properties' must be an object", at + ("properties",)
        geometry = feature.get("geometry")
        if geometry is None and "geometry" in feature:
            continue   # unlocated (GeoJSON allows it; our crossings export writes it): nothing to draw
        if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRIES:
            return f"feature {n} has no geometry of a supported type ({', '.join(GEOMETRIES)})", at + ("geometry",)
        at += ("geometry", "coordinates")
        bad = _bad_coordinates(geometry.get("coordinates"), GEOMETRIES[geometry["type"]], at) \
            or _bad_shape(geometry["type"], geometry["coordinates"], at)
        if bad:
            return f"feature {n}: {bad[0]}", bad[1]
    return None


def _bad_coordinates(value, depth: int, at: tuple) -> tuple[str, tuple] | None:
    if depth == 0:
        if not (isinstance(value, list) and len(value) in (2, 3) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
            return "a position must be [longitude, latitude]", at
        lon, lat = value[0], value[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            return f"position [{lon}, {lat}] is out of range (GeoJSON is [longitude, latitude])", at
        return None
    if not isinstance(value, list) or not value:
        return "coordinates are missing or empty", at
    for n, item in enumerate(value):
        bad = _bad_coordinates(item, depth - 1, at + (n,))
        if bad:
            return bad
    return None


def _bad_shape(kind: str, coordinates: list, at: tuple) -> tuple[str, tuple] | None:
    """RFC 7946, 3.1.4 and 3.1.6 (coordinates already checked): a line has two positions or more,
    a polygon's ring four or more, its last position the same as its first."""
    lines = [(at, coordinates)] if kind == "LineString" else \
        [(at + (n,), line) for n, line in enumerate(coordinates)] if kind == "MultiLineString" else []
    for where, line in lines:
        if len(line) < 2:
            return "a line needs at least two positions", where
    rings = [(at + (n,), ring) for n, ring in enumerate(coordinates)] if kind == "Polygon" else \
        [(at + (p, n), ring) for p, polygon in enumerate(coordinates) for n, ring in enumerate(polygon)] \
        if kind == "MultiPolygon" else []
    for where, ring in rings:
        if len(ring) < 4 or ring[0][:2] != ring[-1][:2]:
            return "a polygon's ring needs at least four positions, the last the same as the first", where
    return None


def _offset_of(text: str, path: tuple) -> int:
    """Where in text the value at path starts, or the innermost object or list on the way to it
    that the parse saw. Parsed again for it, with Python's own scanner, which can say where each
    object and list starts (the C scanner cannot): only for a layer with a problem."""
    starts: dict[int, int] = {}
    keep: list = []   # the objects and lists parsed, alive while their ids are keys of starts

    def parse_object(s_and_end, *args, **kwargs):
        value, end = json.decoder.JSONObject(s_and_end, *args, **kwargs)
        starts[id(value)] = s_and_end[1] - 1
        keep.append(value)
        return value, end

    def parse_array(s_and_end, scan_once):
        value, end = json.decoder.JSONArray(s_and_end, scan_once)
        starts[id(value)] = s_and_end[1] - 1
        keep.append(value)
        return value, end

    decoder = json.JSONDecoder(parse_int=_integer)
    decoder.parse_object, decoder.parse_array = parse_object, parse_array
    decoder.scan_once = json.scanner.py_make_scanner(decoder)
    value, offset = decoder.decode(text), 0
    for step in (None, *path):
        if step is not None:
            try:
                value = value[step]
            except (KeyError, IndexError, TypeError):
                break
        offset = starts.get(id(value), offset)
    return offset


def _depth(value) -> int:
    """How deep lists and objects nest (iteratively: content may nest thousands deep)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                return deepest
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def layers_script(layers: list[Layer]) -> str:
    payload = [{"id": l.id, "name": l.name, "data": l.data} for l in layers]
    text = json.dumps(payload, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    return "window.DOSSIER_LAYERS = " + text.replace("</", "<\\/").replace("<!--", "<\\!--") + ";\n"
