"""The map of border crossings: basemap loading, the build-time SVG, and the data Leaflet reads.

A pure module: standard library only, no engine imports. The engine gives it plain values
(a basemap dict, `Marker`s, a bounding box) and gets text or dicts back.

- `load_basemap(path)` reads the shipped Natural Earth GeoJSON and checks its shape.
- `render_svg(...)` draws the map as an inline `<svg>` at build time: what readers see without
  JavaScript, with a clickable marker per crossing.
- `markers_json`, `crossings_geojson`, `basemap_script` give the interactive map (map.js) its data;
  every one is deterministic (same input, same bytes).
- `leaflet_files()` says which Leaflet files to copy into `site/assets/`.

Coordinates are always (lon, lat) in GeoJSON and (lat, lon) in `Marker` and Leaflet, as each
format expects; boxes are (min_lon, min_lat, max_lon, max_lat) like GeoJSON's `bbox`.
"""

from __future__ import annotations

import html
import json
import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Sequence

BBox = tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat

#: The shipped basemap (Natural Earth 1:10m countries clipped to north-east Asia).
BASEMAP_PATH = Path(__file__).resolve().parent.parent / "data" / "basemap-northeast-asia.geojson"
#: The region the shipped basemap covers; the map's extent when there is nothing to show.
REGION_BBOX: BBox = (121.0, 37.0, 134.5, 46.0)

#: Legend labels, in legend order. Keys are the content format's values (docs/content-format.md).
MODES: dict[str, str] = {
    "rail": "Rail",
    "road": "Road",
    "mixed": "Road and rail",
    "pedestrian": "Pedestrian",
    "unknown": "Mode not known",
}
STATUSES: dict[str, str] = {
    "open": "Open",
    "built-not-opened": "Built, not opened",
    "under-construction": "Under construction",
    "planned": "Planned",
    "closed": "Closed",
    "unknown": "Status not known",
}

METRES_PER_DEGREE = 111_320.0  # along a meridian; good enough for drawing a precision circle


class BasemapError(Exception):
    """The basemap file is missing or is not the GeoJSON we expect. The message names the file."""


@dataclass(frozen=True)
class Marker:
    """One crossing on the map. `href` is relative to the page the map goes into."""

    id: str
    name: str
    lat: float
    lon: float
    href: str
    mode: str
    status: str
    precision_m: float | None = None
    label: str = ""
    opened: str = ""  # shown in the interactive map's popup


# --- the basemap -------------------------------------------------------------------------


def load_basemap(path: str | Path = BASEMAP_PATH) -> dict:
    """Read the basemap GeoJSON and check it is a FeatureCollection of (Multi)Polygons in lon-lat.

    Raises BasemapError, naming the file and the problem, when it is missing or malformed.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BasemapError(f"{path}: basemap file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise BasemapError(f"{path}: cannot read basemap: {error}") from None
    try:
        data = json.loads(text)
    except ValueError as error:
        raise BasemapError(f"{path}: basemap is not valid JSON: {error}") from None
    problem = _basemap_problem(data)
    if problem:
        raise BasemapError(f"{path}: not a usable GeoJSON basemap: {problem}")
    return data


def _basemap_problem(data: Any) -> str:
    """What is wrong with a would-be basemap, or "" when nothing is."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        return 'expected a GeoJSON object with "type": "FeatureCollection"'
    if "bbox" in data and not (
        isinstance(data["bbox"], list) and len(data["bbox"]) == 4 and all(_is_number(v) for v in data["bbox"])
    ):
        return '"bbox" must be a list of four numbers'
    features = data.get("features")
    if not isinstance(features, list) or not features:
        return '"features" must be a non-empty list'
    for number, feature in enumerate(features, 1):
        where = f"feature {number}"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            return f'{where}: expected "type": "Feature"'
        if not isinstance(feature.get("properties"), dict):
            return f'{where}: "properties" must be an object'
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict):
            return f'{where}: "geometry" must be an object'
        kind, coordinates = geometry.get("type"), geometry.get("coordinates")
        if kind == "Polygon":
            polygons = [coordinates]
        elif kind == "MultiPolygon":
            polygons = coordinates if isinstance(coordinates, list) else None
        else:
            return f"{where}: geometry type {kind!r} is not Polygon or MultiPolygon"
        if not polygons:
            return f"{where}: no coordinates"
        for polygon in polygons:
            if not isinstance(polygon, list) or not polygon:
                return f"{where}: a polygon must be a non-empty list of rings"
            for ring in polygon:
                problem = _ring_problem(ring)
                if problem:
                    return f"{where}: {problem}"
    return ""


def _ring_problem(ring: Any) -> str:
    if not isinstance(ring, list) or len(ring) < 4:
        return "a ring must be a list of at least four positions"
    for position in ring:
        if not (isinstance(position, list) and len(position) >= 2 and _is_number(position[0]) and _is_number(position[1])):
            return f"position {position!r} is not [lon, lat]"
        if not (-180 <= position[0] <= 180 and -90 <= position[1] <= 90):
            return f"position {position!r} is outside lon -180..180, lat -90..90 (GeoJSON is lon-lat)"
    if ring[0][:2] != ring[-1][:2]:
        return "a ring must end where it starts"
    return ""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _polygons(geometry: dict) -> list[list[list[list[float]]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return geometry["coordinates"]


def basemap_bbox(basemap: dict) -> BBox:
    """The basemap's extent: its `bbox` member, or computed from its coordinates."""
    if "bbox" in basemap:
        box = basemap["bbox"]
        return (float(box[0]), float(box[1]), float(box[2]), float(box[3]))
    xs, ys = [], []
    for feature in basemap["features"]:
        for polygon in _polygons(feature["geometry"]):
            for ring in polygon:
                xs.extend(p[0] for p in ring)
                ys.extend(p[1] for p in ring)
    return (min(xs), min(ys), max(xs), max(ys))


# --- extent ------------------------------------------------------------------------------


def bounds(
    markers: Sequence[Marker],
    pad_deg: float = 0.3,
    *,
    single_pad_deg: float = 1.0,
    default: BBox = REGION_BBOX,
) -> BBox:
    """The box to show `markers` in: theirs, padded by `pad_deg` degrees on every side.

    With one marker: a box `single_pad_deg` degrees around it, so the river and both banks show.
    With none: `default` (the whole basemap region).
    """
    if not markers:
        return default
    lons = [m.lon for m in markers]
    lats = [m.lat for m in markers]
    pad = max(pad_deg, single_pad_deg) if len(markers) == 1 else pad_deg
    west = max(-180.0, min(lons) - pad)
    return (
        west,
        max(-85.0, min(lats) - pad),
        min(west + 360.0, max(lons) + pad),   # past 180 for markers moved across it (across_the_meridian)
        min(85.0, max(lats) + pad),
    )


def meridian_cut(lons: Iterable[float]) -> float | None:
    """Where the map should begin, when markers lie on both sides of the 180th meridian and are
    closer together across it than the other way round the world: the longitude east of the
    widest stretch without any marker. None when that stretch is the one across the meridian
    (the usual case: nothing to move). map.js reads the markers the same way."""
    ordered = sorted(set(lons))
    if len(ordered) < 2:
        return None
    widest, cut = ordered[0] + 360.0 - ordered[-1], None
    for west, east in zip(ordered, ordered[1:]):
        if east - west > widest:
            widest, cut = east - west, east
    return cut


def across_the_meridian(markers: Sequence[Marker]) -> list[Marker]:
    """The markers as the map draws them: those west of meridian_cut moved 360 degrees east, so
    that crossings on both sides of the 180th meridian are drawn side by side, not at the map's
    two ends with the world between them."""
    cut = meridian_cut(m.lon for m in markers)
    if cut is None:
        return list(markers)
    return [replace(m, lon=m.lon + 360.0) if m.lon < cut else m for m in markers]


def fit_aspect(bbox: BBox, min_ratio: float = 0.4, max_ratio: float = 1.25) -> BBox:
    """Widen `bbox` around its centre so that its drawn height / width stays within the ratios
    (a string of crossings along one river would otherwise give a needle of a map)."""
    min_lon, min_lat, max_lon, max_lat = bbox
    if max_lon - min_lon < 0.01:  # a point, or nearly: give it some room
        min_lon, max_lon = (min_lon + max_lon) / 2 - 0.005, (min_lon + max_lon) / 2 + 0.005
    if max_lat - min_lat < 0.01:
        min_lat, max_lat = (min_lat + max_lat) / 2 - 0.005, (min_lat + max_lat) / 2 + 0.005
    k = math.cos(math.radians((min_lat + max_lat) / 2))
    width = (max_lon - min_lon) * k
    height = max_lat - min_lat
    if height / width > max_ratio:  # too tall: widen
        extra = (height / max_ratio / k - (max_lon - min_lon)) / 2
        min_lon, max_lon = min_lon - extra, max_lon + extra
    elif height / width < min_ratio:  # too flat: heighten
        extra = (width * min_ratio - (max_lat - min_lat)) / 2
        min_lat, max_lat = min_lat - extra, max_lat + extra
    return (min_lon, min_lat, max_lon, max_lat)


# --- the build-time SVG ------------------------------------------------------------------


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _f(value: float, decimals: int = 1) -> str:
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # never "-0.0"


def _css_token(value: str) -> str:
    """A value as a class-name fragment: lower case letters, digits and hyphens."""
    return re.sub(r"[^a-z0-9-]+", "-", str(value).lower()).strip("-") or "unknown"


_UNSAFE_SCHEME = re.compile(r"^\s*(javascript|vbscript|data)\s*:", re.IGNORECASE)


def clip_ring(ring: Sequence[Sequence[float]], box: BBox) -> list[tuple[float, float]]:
    """Sutherland-Hodgman: clip a ring of (x, y) points to an axis-aligned box.

    Returns the clipped ring, open (not repeating its first point), or [] when nothing is left.
    """
    min_x, min_y, max_x, max_y = box
    points = [(float(p[0]), float(p[1])) for p in ring]
    if len(points) > 1 and points[0] == points[-1]:
        points.pop()
    for axis, limit, keep_above in ((0, min_x, True), (0, max_x, False), (1, min_y, True), (1, max_y, False)):
        if not points:
            return []

        def inside(p: tuple[float, float]) -> bool:
            return p[axis] >= limit if keep_above else p[axis] <= limit

        def cut(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
            t = (limit - a[axis]) / (b[axis] - a[axis])
            other = 1 - axis
            value = a[other] + t * (b[other] - a[other])
            return (limit, value) if axis == 0 else (value, limit)

        result = []
        previous = points[-1]
        for current in points:
            if inside(current):
                if not inside(previous):
                    result.append(cut(previous, current))
                result.append(current)
            elif inside(previous):
                result.append(cut(previous, current))
            previous = current
        points = result
    return points


class _Projection:
    """Equirectangular, x scaled by cos(mid-latitude) so shapes look right at this latitude."""

    def __init__(self, bbox: BBox, width: float):
        self.min_lon, self.min_lat, self.max_lon, self.max_lat = bbox
        self.k = math.cos(math.radians((self.min_lat + self.max_lat) / 2))
        self.scale = width / ((self.max_lon - self.min_lon) * self.k)  # pixels per degree of latitude
        self.width = width
        self.height = (self.max_lat - self.min_lat) * self.scale

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        return ((lon - self.min_lon) * self.k * self.scale, (self.max_lat - lat) * self.scale)


def _land_path(basemap: dict, projection: _Projection, bbox: BBox) -> list[str]:
    """One `d` attribute a country: rings clipped to a margin around `bbox`, in pixels,
    points closer than half a pixel to the previous one dropped."""
    min_lon, min_lat, max_lon, max_lat = bbox
    margin_lon, margin_lat = (max_lon - min_lon) * 0.02, (max_lat - min_lat) * 0.02
    box = (min_lon - margin_lon, min_lat - margin_lat, max_lon + margin_lon, max_lat + margin_lat)
    paths = []
    # the land east of 180 too (across_the_meridian), or west of -180 (a box widened to its aspect)
    shifts = (0.0,) + ((360.0,) if box[2] > 180.0 else ()) + ((-360.0,) if box[0] < -180.0 else ())
    for feature in basemap["features"]:
        parts = []
        for polygon in _polygons(feature["geometry"]):
            for ring in _shifted(polygon, shifts):
                xs = [p[0] for p in ring]
                ys = [p[1] for p in ring]
                if max(xs) < box[0] or min(xs) > box[2] or max(ys) < box[1] or min(ys) > box[3]:
                    continue
                clipped = clip_ring(ring, box)
                if len(clipped) < 3:
                    continue
                commands: list[str] = []
                last = None
                for lon, lat in clipped:
                    x, y = projection(lon, lat)
                    if last is not None and abs(x - last[0]) < 0.5 and abs(y - last[1]) < 0.5:
                        continue
                    commands.append(f"{_f(x)} {_f(y)}")
                    last = (x, y)
                if len(commands) >= 3:
                    parts.append("M" + "L".join(commands) + "Z")
        if parts:
            paths.append("".join(parts))
    return paths


def _shifted(polygon, shifts):
    for ring in polygon:
        for shift in shifts:
            yield [(p[0] + shift, p[1]) for p in ring] if shift else ring


# Above this many markers, a map's markers are not tab stops: a keyboard would pass every one of
# them (990 at 10,000 entities) before reaching the rest of the page. The list of crossings on the
# map page leads to the same pages; the mouse still opens them. (map.js follows the same rule.)
FOCUSABLE_MARKERS_MAX = 100


def render_svg(
    basemap: dict,
    markers: Sequence[Marker],
    bbox: BBox,
    width: int = 800,
    title: str = "Map of border crossings",
    highlight: str | None = None,
    *,
    svg_id: str = "map",
) -> str:
    """The map as an inline `<svg>`: land, then one link per marker (a circle titled with its name).

    `bbox` is widened if needed to keep a reasonable aspect (see `fit_aspect`); the height
    follows from it. `highlight` is the id of a marker drawn larger and on top (the crossing
    whose page this is). `svg_id` must be unique on the page. Deterministic: fixed decimals,
    markers drawn in the order given (highlighted last).
    """
    bbox = fit_aspect(bbox)
    projection = _Projection(bbox, width)
    height = projection.height
    title_id = f"{_css_token(svg_id)}-title"
    # A picture when it is only a picture; a group when it holds links, because role="img"
    # would make the marker links presentational (hidden from screen readers).
    role = "group" if markers else "img"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="map-svg" viewBox="0 0 {_f(width)} {_f(height)}" '
        f'width="{_f(width, 0)}" height="{_f(height, 0)}" role="{role}" aria-labelledby="{_e(title_id)}">',
        f'<title id="{_e(title_id)}">{_e(title)}</title>',
        f'<rect class="water" x="0" y="0" width="{_f(width)}" height="{_f(height)}" fill="#cfe3ef"/>',
        '<g class="basemap" aria-hidden="true">',
    ]
    for d in _land_path(basemap, projection, bbox):
        out.append(f'<path class="land" d="{d}" fill="#efeadf" stroke="#8c8270" stroke-width="0.8" fill-rule="evenodd"/>')
    out.append("</g>")
    out.append('<g class="markers">')
    ordered = [m for m in markers if m.id != highlight] + [m for m in markers if m.id == highlight]
    tab_stops = len(markers) <= FOCUSABLE_MARKERS_MAX
    for marker in ordered:
        out.append(_marker_svg(marker, projection, marker.id == highlight, tab_stops))
    out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _marker_svg(marker: Marker, projection: _Projection, emphasised: bool, tab_stop: bool = True) -> str:
    x, y = projection(marker.lon, marker.lat)
    radius = 8.0 if emphasised else 5.5
    classes = f"marker mode-{_css_token(marker.mode)} status-{_css_token(marker.status)}"
    if emphasised:
        classes += " highlight"
    parts = []
    if marker.precision_m:
        r = max(marker.precision_m / METRES_PER_DEGREE * projection.scale, radius + 3)
        parts.append(
            f'<circle class="precision mode-{_css_token(marker.mode)}" cx="{_f(x)}" cy="{_f(y)}" r="{_f(r)}" '
            f'fill="none" stroke-dasharray="4 3"/>'
        )
    name = marker.name + (" (approximate position)" if marker.precision_m else "")
    parts.append(
        f'<circle class="{_e(classes)}" cx="{_f(x)}" cy="{_f(y)}" r="{_f(radius)}"><title>{_e(name)}</title></circle>'
    )
    if marker.label:
        parts.append(f'<text class="marker-label" x="{_f(x + radius + 3)}" y="{_f(y + 4)}">{_e(marker.label)}</text>')
    body = "".join(parts)
    if marker.href and not _UNSAFE_SCHEME.match(marker.href):
        focus = "" if tab_stop else ' tabindex="-1"'
        return f'<a href="{_e(marker.href)}" data-id="{_e(marker.id)}"{focus}>{body}</a>'
    return f'<g data-id="{_e(marker.id)}">{body}</g>'


def render_legend(*, modes: Iterable[str] | None = None, statuses: Iterable[str] | None = None) -> str:
    """An HTML legend (`<dl class="map-legend">`) for the SVG map, with text beside every swatch:
    the same classes as the markers, so the colours come from map.css. `modes`/`statuses`
    restrict it to the values present."""
    wanted_modes = [m for m in MODES if modes is None or m in set(modes)]
    wanted_statuses = [s for s in STATUSES if statuses is None or s in set(statuses)]

    def swatch(classes: str) -> str:
        return (
            '<svg class="legend-swatch" width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">'
            f'<circle class="{_e(classes)}" cx="8" cy="8" r="5.5"/></svg>'
        )

    out = ['<dl class="map-legend">', "<dt>Mode (colour)</dt>"]
    for mode in wanted_modes:
        out.append(f"<dd>{swatch(f'marker mode-{mode} status-open')} {_e(MODES[mode])}</dd>")
    out.append("<dt>Status (style)</dt>")
    for status in wanted_statuses:
        out.append(f"<dd>{swatch(f'marker mode-unknown status-{status}')} {_e(STATUSES[status])}</dd>")
    out.append("</dl>")
    return "\n".join(out) + "\n"


# --- data for the interactive map ---------------------------------------------------------


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def markers_json(markers: Sequence[Marker]) -> str:
    """The `data-markers` attribute value map.js reads (the template's autoescape escapes it)."""
    return _compact(
        [
            {
                "id": m.id,
                "name": m.name,
                "lat": m.lat,
                "lon": m.lon,
                "href": m.href,
                "mode": m.mode,
                "status": m.status,
                "opened": m.opened,
                "precision_m": m.precision_m,
            }
            for m in markers
        ]
    )


def crossings_geojson(features: Iterable[dict]) -> dict:
    """A GeoJSON FeatureCollection of crossings, for `site/data/crossings.geojson`.

    Each item: `{id, name, lat, lon, properties: {url, mode, status, ...}}`. Coordinates are
    written lon first (RFC 7946). A crossing whose location is not published (lat/lon None)
    gets `"geometry": null`, as GeoJSON allows. Features are sorted by id.
    """
    out = []
    for item in features:
        lat, lon = item.get("lat"), item.get("lon")
        geometry = None if lat is None or lon is None else {"type": "Point", "coordinates": [lon, lat]}
        properties = {"name": item["name"]}
        properties.update(item.get("properties") or {})
        out.append({"type": "Feature", "id": item["id"], "geometry": geometry, "properties": properties})
    out.sort(key=lambda f: str(f["id"]))
    return {"type": "FeatureCollection", "features": out}


def basemap_script(basemap: dict) -> str:
    """JavaScript that sets `window.DOSSIER_BASEMAP` (a `<script src>` works from file://, fetch does not).

    `</` is written `<\\/` and `<!--` as `\\u003c!--`, so the text is also safe inline in a
    `<script>` element; non-ASCII is escaped, so the file's encoding cannot matter.
    """
    text = json.dumps(basemap, separators=(",", ":"), ensure_ascii=True)
    text = text.replace("</", "<\\/").replace("<!--", "\\u003c!--")
    return f"window.DOSSIER_BASEMAP = {text};\n"


# --- Leaflet -------------------------------------------------------------------------------


def leaflet_files() -> list[tuple[Path, str]]:
    """(source, destination under assets/) for Leaflet's script, stylesheet and images, from the
    PyPI package xstatic-leaflet. Sorted by destination."""
    try:
        import xstatic.pkg.leaflet as xstatic_leaflet
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError("the map needs Leaflet: pip install xstatic-leaflet") from error
    base = Path(xstatic_leaflet.BASE_DIR)
    files = [(base / "leaflet.js", "leaflet/leaflet.js"), (base / "leaflet.css", "leaflet/leaflet.css")]
    images = base / "images"
    files += [(p, f"leaflet/images/{p.name}") for p in sorted(images.iterdir()) if p.is_file()]
    missing = [str(p) for p, _ in files if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"xstatic-leaflet is incomplete, missing: {', '.join(missing)}")
    return sorted(files, key=lambda pair: pair[1])
