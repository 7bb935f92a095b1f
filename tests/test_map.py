"""The map: basemap data, the build-time SVG, and the data the interactive map reads."""

from __future__ import annotations

import html
import importlib.util
import json
import math
import random
import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from types import SimpleNamespace
from pathlib import Path

import pytest

from dossier.features.map import (
    BASEMAP_PATH,
    FOCUSABLE_MARKERS_MAX,
    REGION_BBOX,
    BasemapError,
    Marker,
    across_the_meridian,
    basemap_bbox,
    basemap_script,
    bounds,
    clip_ring,
    crossings_geojson,
    leaflet_files,
    load_basemap,
    markers_json,
    meridian_cut,
    render_legend,
    render_svg,
)
from dossier.features import mapping
from dossier.features.mapping import marker_json, markers_attr

ROOT = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"
MAP_JS = ROOT / "templates" / "assets" / "map.js"


def load_script():
    spec = importlib.util.spec_from_file_location("make_basemap", ROOT / "scripts" / "make_basemap.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_basemap = load_script()

SQUARE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "Square"},
            "geometry": {"type": "Polygon", "coordinates": [[[124, 40], [126, 40], [126, 42], [124, 42], [124, 40]]]},
        }
    ],
}


def marker(id="a", name="A bridge", lat=40.1, lon=124.4, href="a.html", mode="rail", status="open", **kw):
    return Marker(id=id, name=name, lat=lat, lon=lon, href=href, mode=mode, status=status, **kw)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "basemap.geojson"
    path.write_text(text, encoding="utf-8")
    return path


# --- TopoJSON decoding (scripts/make_basemap.py) -------------------------------------------

# Two unit squares side by side sharing the arc x=2 (arc 1), quantized with a transform.
TOPOLOGY = {
    "type": "Topology",
    "transform": {"scale": [0.5, 0.25], "translate": [120, 38]},
    "arcs": [
        [[2, 0], [-2, 0], [0, 4], [2, 0]],  # (2,0) -> (0,0) -> (0,4) -> (2,4) in grid units
        [[2, 0], [0, 4]],  # the shared edge, (2,0) -> (2,4)
        [[2, 4], [2, 0], [0, -4], [-2, 0]],  # (2,4) -> (4,4) -> (4,0) -> (2,0)
    ],
    "objects": {
        "countries": {
            "type": "GeometryCollection",
            "geometries": [
                {"type": "Polygon", "arcs": [[0, ~1]], "id": "001", "properties": {"name": "West"}},
                {"type": "MultiPolygon", "arcs": [[[2, 1]]], "id": "002", "properties": {"name": "East"}},
                {"type": None, "id": "003", "properties": {"name": "Nowhere"}},
            ],
        }
    },
}


def test_arcs_are_delta_decoded_and_transformed():
    arcs = make_basemap.decode_arcs(TOPOLOGY)
    assert arcs[0] == [(121.0, 38.0), (120.0, 38.0), (120.0, 39.0), (121.0, 39.0)]
    assert arcs[1] == [(121.0, 38.0), (121.0, 39.0)]


def test_rings_join_arcs_and_a_negative_index_reverses_an_arc():
    arcs = make_basemap.decode_arcs(TOPOLOGY)
    west = make_basemap.geometry_polygons(TOPOLOGY["objects"]["countries"]["geometries"][0], arcs)
    assert west == [[[(121.0, 38.0), (120.0, 38.0), (120.0, 39.0), (121.0, 39.0), (121.0, 38.0)]]]
    east = make_basemap.geometry_polygons(TOPOLOGY["objects"]["countries"]["geometries"][1], arcs)
    assert east == [[[(121.0, 39.0), (122.0, 39.0), (122.0, 38.0), (121.0, 38.0), (121.0, 39.0)]]]


def test_build_keeps_countries_touching_the_region_clipped_rounded_and_sorted():
    collection = make_basemap.build_basemap(TOPOLOGY, box=(120.5, 37.0, 134.5, 46.0), tolerance=0)
    assert [f["properties"] for f in collection["features"]] == [
        {"name": "East", "iso_n3": "002"},
        {"name": "West", "iso_n3": "001"},
    ]
    west = collection["features"][1]["geometry"]
    assert west["type"] == "Polygon"
    ring = west["coordinates"][0]
    assert ring[0] == ring[-1]
    assert min(x for x, _ in ring) == 120.5  # cut at the region's edge
    far = make_basemap.build_basemap(TOPOLOGY, box=(130.0, 40.0, 131.0, 41.0))
    assert far["features"] == []


def test_thinning_drops_close_points_but_keeps_both_ends():
    points = [(0.0, 0.0), (0.0005, 0.0), (0.001, 0.0), (0.01, 0.0), (0.0105, 0.0)]
    assert make_basemap.thin(points, 0.002) == [(0.0, 0.0), (0.0105, 0.0)]


def test_degenerate_rings_are_dropped():
    assert make_basemap.finish_ring([(1.0, 1.0), (1.00001, 1.0), (1.0, 1.0)]) is None
    assert make_basemap.finish_ring([(0, 0), (1, 0), (2, 0), (0, 0)]) is None  # no area


def test_the_output_is_compact_json_one_feature_a_line():
    collection = make_basemap.build_basemap(TOPOLOGY, box=(120.0, 37.0, 134.5, 46.0))
    text = make_basemap.dumps(collection)
    assert json.loads(text) == collection
    assert ": " not in text and ", " not in text
    assert len(text.splitlines()) == len(collection["features"]) + 2


# --- clipping ------------------------------------------------------------------------------


@pytest.mark.parametrize("clip", [clip_ring, make_basemap.clip_ring], ids=["map.py", "make_basemap.py"])
def test_clipping_keeps_a_ring_inside_the_box(clip):
    ring = [(1, 1), (2, 1), (2, 2), (1, 2), (1, 1)]
    clipped = clip(ring, (0, 0, 10, 10))
    assert [tuple(p) for p in clipped][:4] == [(1, 1), (2, 1), (2, 2), (1, 2)]


@pytest.mark.parametrize("clip", [clip_ring, make_basemap.clip_ring], ids=["map.py", "make_basemap.py"])
def test_clipping_cuts_a_ring_that_crosses_the_edge(clip):
    ring = [(-2, 1), (2, 1), (2, 3), (-2, 3), (-2, 1)]  # half of it left of x=0
    clipped = {tuple(p) for p in clip(ring, (0, 0, 10, 10))}
    assert clipped == {(0, 1), (2, 1), (2, 3), (0, 3)}


@pytest.mark.parametrize("clip", [clip_ring, make_basemap.clip_ring], ids=["map.py", "make_basemap.py"])
def test_clipping_a_ring_outside_the_box_leaves_nothing(clip):
    assert not clip([(20, 20), (21, 20), (21, 21), (20, 20)], (0, 0, 10, 10))


# --- the shipped basemap --------------------------------------------------------------------


def test_the_shipped_basemap_loads_and_lies_inside_the_region():
    basemap = load_basemap(BASEMAP_PATH)
    names = {f["properties"]["name"] for f in basemap["features"]}
    assert {"China", "North Korea", "South Korea", "Russia"} <= names
    min_lon, min_lat, max_lon, max_lat = REGION_BBOX
    for feature in basemap["features"]:
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        for polygon in polygons:
            for ring in polygon:
                assert ring[0] == ring[-1]
                for lon, lat in ring:
                    assert min_lon <= lon <= max_lon and min_lat <= lat <= max_lat
    assert basemap_bbox(basemap) == REGION_BBOX


def test_the_shipped_basemap_is_small_and_credited():
    assert BASEMAP_PATH.stat().st_size < 400_000
    attribution = (BASEMAP_PATH.parent / "ATTRIBUTION.md").read_text(encoding="utf-8")
    for needed in ("Natural Earth", "public domain", "world-atlas", "ISC", "make_basemap.py"):
        assert needed in attribution


# --- load_basemap errors ----------------------------------------------------------------------


def test_a_missing_basemap_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "nowhere.geojson"
    with pytest.raises(BasemapError, match="nowhere.geojson.*not found"):
        load_basemap(path)


def test_malformed_json_is_an_error_naming_the_file(tmp_path):
    path = write(tmp_path, '{"type": "FeatureCollection", ')
    with pytest.raises(BasemapError) as error:
        load_basemap(path)
    assert str(path) in str(error.value) and "not valid JSON" in str(error.value)


@pytest.mark.parametrize(
    "data, problem",
    [
        ([], "FeatureCollection"),
        ({"type": "FeatureCollection", "features": []}, "non-empty"),
        ({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [1, 2]}}]}, "Point"),
        ({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}}]}, "four positions"),
        ({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[[40, 124], [40, 126], [42, 126], [40, 124]]]}}]}, "lon-lat"),
        ({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}}]}, "end where it starts"),
    ],
    ids=["not-a-collection", "no-features", "point", "short-ring", "lat-lon-swapped", "open-ring"],
)
def test_malformed_geojson_is_an_error_naming_the_file_and_the_problem(tmp_path, data, problem):
    path = write(tmp_path, json.dumps(data))
    with pytest.raises(BasemapError) as error:
        load_basemap(path)
    assert str(path) in str(error.value) and problem in str(error.value)


# --- the extent -------------------------------------------------------------------------------


def test_bounds_pads_the_markers():
    box = bounds([marker(lat=40.0, lon=124.0), marker(id="b", lat=42.0, lon=130.0)], pad_deg=0.5)
    assert box == (123.5, 39.5, 130.5, 42.5)


def test_bounds_of_one_marker_is_a_box_around_it_and_of_none_the_region():
    min_lon, min_lat, max_lon, max_lat = bounds([marker(lat=42.0, lon=130.0)])
    assert min_lon < 130.0 < max_lon and min_lat < 42.0 < max_lat and max_lon - min_lon >= 1
    assert bounds([]) == REGION_BBOX


@pytest.mark.parametrize("lons, cut", [
    ([124.0, 130.0], None),                 # one region: nothing to move
    ([130.6, 179.99, -179.99], 130.6),      # both sides of 180: the west one moves east
    ([-170.0, 170.0], 170.0),
    ([-100.0, 100.0], 100.0),               # 160 degrees apart across 180, 200 the other way
    ([-90.0, 90.0], None),                  # as far apart either way round: left as they are
    ([125.0], None),
])
def test_the_map_begins_east_of_the_widest_stretch_without_crossings(lons, cut):
    assert meridian_cut(lons) == cut


def test_crossings_on_both_sides_of_180_are_drawn_side_by_side_with_the_land_between():
    """They were drawn at the map's two ends, the whole world between them (an outside test)."""
    markers = [marker("a", href="a.html", lat=65.5, lon=179.9), marker("b", href="b.html", lat=65.6, lon=-179.9)]
    drawn = across_the_meridian(markers)
    assert [m.lon for m in drawn] == [179.9, 180.1] and [m.lon for m in markers] == [179.9, -179.9]
    box = bounds(drawn)
    assert box[2] - box[0] < 2
    world = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [[[-180, 60], [-170, 60], [-170, 70], [-180, 70], [-180, 60]]]}}]}
    root = parse(render_svg(world, drawn, box, width=400))
    xs = [float(c.get("cx")) for c in root.iter(f"{SVG}circle")]
    assert all(0 < x < 400 for x in xs) and abs(xs[0] - xs[1]) < 300
    assert root.findall(f".//{SVG}path[@class='land']"), "the land just east of 180 is drawn"


def test_the_land_west_of_minus_180_is_drawn_when_the_box_reaches_past_it():
    """Two crossings at -179.9 above one another: the box widened to its aspect reaches past -180,
    where the land at 170 to 180 was not drawn (a review)."""
    markers = [marker("a", lat=60.0, lon=-179.9), marker("b", lat=70.0, lon=-179.9)]
    east = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [[[170, 55], [180, 55], [180, 75], [170, 75], [170, 55]]]}}]}
    root = parse(render_svg(east, across_the_meridian(markers), bounds(markers), width=400))
    assert root.findall(f".//{SVG}path[@class='land']")


# --- the build-time SVG --------------------------------------------------------------------------


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # also proves the output is well-formed


def test_the_svg_has_one_link_per_marker_with_the_given_hrefs():
    markers = [
        marker("a", href="crossings/a.html", lat=40.1, lon=124.4),
        marker("b", href="../crossings/b.html", lat=42.4, lon=130.6, mode="road", status="planned"),
    ]
    root = parse(render_svg(load_basemap(), markers, bounds(markers)))
    links = root.findall(f".//{SVG}a")
    assert [a.get("href") for a in links] == ["crossings/a.html", "../crossings/b.html"]
    for link, m in zip(links, markers):
        circle = link.find(f"{SVG}circle")
        assert circle.get("class") == f"marker mode-{m.mode} status-{m.status}"
        assert circle.find(f"{SVG}title").text == m.name
    assert root.findall(f".//{SVG}path[@class='land']")


@pytest.mark.parametrize("count, tab_stops", [(3, True), (FOCUSABLE_MARKERS_MAX, True), (FOCUSABLE_MARKERS_MAX + 1, False)])
def test_the_svgs_markers_are_tab_stops_only_while_they_are_few(count, tab_stops):
    """A keyboard passes every marker link before the rest of the page: 990 of them at 10,000
    entities. Past the limit the links stay, for the mouse, out of the tab order."""
    markers = [marker(f"m{i}", href=f"crossings/m{i}.html", lat=40 + i / 100, lon=125.0) for i in range(count)]
    links = parse(render_svg(SQUARE, markers, bounds(markers))).findall(f".//{SVG}a")
    assert len(links) == count
    assert {a.get("tabindex") for a in links} == ({None} if tab_stops else {"-1"})


def test_the_svg_is_labelled_and_sized_from_the_box():
    root = parse(render_svg(SQUARE, [marker()], (124.0, 40.0, 126.0, 42.0), width=600, title="Crossings"))
    title_id = root.get("aria-labelledby")
    assert root.find(f"{SVG}title").get("id") == title_id and root.find(f"{SVG}title").text == "Crossings"
    assert root.get("width") == "600"
    # 2 degrees of latitude against 2 degrees of longitude shrunk by cos(41 deg) would be 1.33 times
    # as tall as wide; the box is widened to the 1.25 cap, so 600 * 1.25
    assert root.get("height") == "750"
    assert root.get("role") == "group"  # it holds links


def test_a_box_of_no_size_still_gives_a_picture():
    root = parse(render_svg(SQUARE, [marker(lat=41.0, lon=125.0)], (125.0, 41.0, 125.0, 41.0), width=400))
    assert 0 < float(root.get("height")) <= 500


def test_an_svg_without_markers_is_an_image():
    root = parse(render_svg(SQUARE, [], (123.0, 39.0, 127.0, 43.0)))
    assert root.get("role") == "img"


def test_the_svg_escapes_hostile_text():
    hostile = marker(
        id='x" onload="alert(1)',
        name='<script>alert("x")</script> & \'quotes\'',
        href='a.html" onmouseover="alert(1)',
        mode='rail"><script>',
        status="open",
        label="<b>bold</b>",
    )
    svg = render_svg(SQUARE, [hostile], (123.0, 39.0, 127.0, 43.0), title='<img src=x onerror="alert(1)">')
    assert "<script" not in svg and "<img" not in svg and "<b>" not in svg
    assert ' onload="' not in svg and ' onmouseover="' not in svg
    root = parse(svg)
    link = root.find(f".//{SVG}a")
    assert link.get("href") == 'a.html" onmouseover="alert(1)'  # kept as text, inside the attribute
    assert link.find(f"{SVG}circle/{SVG}title").text == hostile.name
    assert root.find(f"{SVG}title").text == '<img src=x onerror="alert(1)">'


def test_a_javascript_href_is_not_linked():
    svg = render_svg(SQUARE, [marker(href="javascript:alert(1)")], (123.0, 39.0, 127.0, 43.0))
    assert "javascript:" not in svg and parse(svg).find(f".//{SVG}a") is None


def test_the_svg_is_deterministic():
    markers = [marker("a"), marker("b", lat=41.0, lon=125.0, precision_m=800.0)]
    basemap = load_basemap()
    first = render_svg(basemap, markers, bounds(markers))
    assert first == render_svg(basemap, list(markers), bounds(markers))
    assert not re.search(r"\d\.\d{2,}", first)  # fixed, short decimals


def test_an_approximate_position_gets_a_dashed_circle_and_says_so():
    root = parse(render_svg(SQUARE, [marker(precision_m=1500.0)], (123.0, 39.0, 127.0, 43.0)))
    precision = root.find(f".//{SVG}circle[@stroke-dasharray]")
    assert precision is not None and "precision" in precision.get("class")
    marker_circle = root.find(f".//{SVG}circle[@class='marker mode-rail status-open']")
    assert float(precision.get("r")) > float(marker_circle.get("r"))
    assert "approximate" in marker_circle.find(f"{SVG}title").text


def test_the_highlighted_marker_is_emphasised_and_drawn_last():
    markers = [marker("a"), marker("b", lat=41.0, lon=125.0), marker("c", lat=41.5, lon=125.5)]
    root = parse(render_svg(SQUARE, markers, bounds(markers), highlight="b"))
    links = root.findall(f".//{SVG}a")
    assert links[-1].get("data-id") == "b"
    assert "highlight" in links[-1].find(f"{SVG}circle").get("class")
    assert float(links[-1].find(f"{SVG}circle").get("r")) > float(links[0].find(f"{SVG}circle").get("r"))


def test_the_legend_names_every_mode_and_status_in_words():
    legend = render_legend()
    for words in ("Rail", "Road", "Pedestrian", "Open", "Under construction", "Planned", "Closed"):
        assert words in legend
    assert "Pedestrian" not in render_legend(modes=["rail"])


# --- data for the interactive map ------------------------------------------------------------------


def test_crossings_geojson_puts_lon_before_lat_and_keeps_ids():
    collection = crossings_geojson(
        [
            {"id": "tumen-rail", "name": "Tumen rail bridge", "lat": 42.42, "lon": 130.64,
             "properties": {"url": "crossings/tumen-rail.html", "mode": "rail", "status": "open"}},
            {"id": "a-unplaced", "name": "Unplaced", "lat": None, "lon": None, "properties": {"mode": "road"}},
        ]
    )
    assert collection["type"] == "FeatureCollection"
    by_id = {f["id"]: f for f in collection["features"]}
    assert by_id["tumen-rail"]["geometry"] == {"type": "Point", "coordinates": [130.64, 42.42]}
    assert by_id["tumen-rail"]["properties"] == {
        "name": "Tumen rail bridge", "url": "crossings/tumen-rail.html", "mode": "rail", "status": "open"
    }
    assert by_id["a-unplaced"]["geometry"] is None  # location not published: no invented point
    assert [f["id"] for f in collection["features"]] == ["a-unplaced", "tumen-rail"]


def test_markers_json_gives_map_js_every_field():
    data = json.loads(markers_json([marker(opened="1959", precision_m=500.0)]))
    assert data == [{"id": "a", "name": "A bridge", "lat": 40.1, "lon": 124.4, "href": "a.html", "mode": "rail",
                     "status": "open", "opened": "1959", "precision_m": 500.0}]


def test_pages_carry_the_markers_in_a_single_quoted_attribute_without_empty_fields():
    markers = [marker("a", name="Kim's <b>bridge</b> & \"co\"", opened="", precision_m=None),
               marker("b", mode="place", status="", opened="1959", precision_m=0.0)]
    attr = str(markers_attr([marker_json(m) for m in markers]))
    assert "'" not in attr and "<" not in attr and ">" not in attr  # safe between single quotes
    assert attr.count('"') > 0                                      # double quotes stay as they are
    full = json.loads(markers_json(markers))
    # map.js reads a missing field as it reads an empty one ("", null): those are left out
    assert json.loads(html.unescape(attr)) == [{k: v for k, v in m.items() if v not in ("", None)} for m in full]
    assert json.loads(html.unescape(str(markers_attr([])))) == []


def test_the_basemap_script_sets_a_global_and_cannot_close_its_script_element():
    hostile = dict(SQUARE)
    hostile["features"] = [dict(SQUARE["features"][0], properties={"name": "</script><!-- <script>alert(1)"})]
    script = basemap_script(hostile)
    assert script.startswith("window.DOSSIER_BASEMAP = ") and script.endswith(";\n")
    assert "</" not in script and "<!--" not in script
    assert json.loads(script[len("window.DOSSIER_BASEMAP = "):-2]) == hostile


def test_leaflet_files_come_from_xstatic_leaflet():
    pytest.importorskip("xstatic.pkg.leaflet")
    files = dict((dest, src) for src, dest in leaflet_files())
    assert {"leaflet/leaflet.js", "leaflet/leaflet.css", "leaflet/images/layers.png"} <= set(files)
    assert all(src.is_file() for src in files.values())


def test_map_js_keeps_the_offline_and_escaping_rules():
    source = MAP_JS.read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", source, flags=re.S)  # comments may mention them
    for banned in ("fetch(", "import(", "XMLHttpRequest", "innerHTML", "=>", "`"):
        assert banned not in code, banned
    assert not re.search(r"\b(let|const|class)\s", code)  # plain ES5
    # the online tile layer exists only as an opt-in overlay, never added by default
    assert "L.control.layers" in code and "tiles.addTo" not in code


# --- the real thing, in a browser ---------------------------------------------------------------------


@pytest.mark.skipif(not shutil.which("chromium"), reason="needs Debian's chromium")
@pytest.mark.parametrize("quoted", ["double", "single"])  # markers_json escaped, or as pages carry them
def test_map_js_draws_from_file_urls_without_errors(tmp_path, quoted):
    pytest.importorskip("xstatic.pkg.leaflet")
    assets = tmp_path / "assets"
    for src, dest in leaflet_files():
        (assets / dest).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, assets / dest)
    (assets / "basemap.js").write_text(basemap_script(load_basemap()), encoding="utf-8")
    shutil.copyfile(MAP_JS, assets / "map.js")
    shutil.copyfile(MAP_JS.with_name("map.css"), assets / "map.css")
    markers = [
        marker("a", name='<img src=x onerror="document.title=1">', lat=40.11, lon=124.39, mode="mixed"),
        marker("b", lat=42.42, lon=130.64, status="under-construction", precision_m=1000.0),
    ]
    svg = render_svg(load_basemap(), markers, bounds(markers))
    page = tmp_path / "map.html"
    page.write_text(
        '<!doctype html><html><head><meta charset="utf-8"><title>map</title>'
        '<link rel="stylesheet" href="assets/leaflet/leaflet.css"><link rel="stylesheet" href="assets/map.css">'
        '</head><body><div class="map-block">'
        + (f'<div class="js-map" data-markers="{html.escape(markers_json(markers))}"></div>' if quoted == "double" else
           f"<div class=\"js-map\" data-markers='{markers_attr([marker_json(m) for m in markers])}'></div>")
        + f'<div class="map-fallback">{svg}</div></div>'
        '<script src="assets/leaflet/leaflet.js"></script><script src="assets/basemap.js"></script>'
        '<script src="assets/map.js"></script></body></html>',
        encoding="utf-8",
    )
    with tempfile.TemporaryDirectory() as profile:
        run = subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000", "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=120,
        )
    dom = run.stdout
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []
    assert re.search(r'class="[^"]*js-map-ready', dom)
    assert dom.count("crossing-marker mode-") == 2
    assert re.search(r'<path class="basemap"', dom)  # the vector basemap, drawn by Leaflet
    assert "<title>map</title>" in dom  # the hostile name did not run
    assert not re.search(r'<img[^>]*leaflet-tile', dom)  # no online tiles unless the reader asks


def test_a_mini_map_in_a_crowded_region_shows_itself_and_its_nearest_neighbours(content, tmp_path):
    """Sixty places on a line of longitude, 0.01° apart: the mini map of the first shows 40 of
    them, itself and the 39 next along the line (not the first 39 by id, as it once did)."""
    for i in range(60):   # ids in the reverse order of their latitudes: the nearest are the last by id
        content.write(f"entities/places/p{59 - i:02}.yaml",
                      f"name: P {i}\nlocation: {{lat: {50.2 + i / 100:.2f}, lon: 140.0, cite: [almanac]}}\n")
    site = tmp_path / "site"
    assert not content.build(site).diagnostics.errors
    page = (site / "places" / "p59.html").read_text(encoding="utf-8")   # the place at 50.20
    markers = [m["id"] for m in json.loads(html.unescape(re.search(r"data-markers='([^']*)'", page).group(1)))]
    assert markers == ["p59"] + [f"p{n:02}" for n in range(20, 59)]   # itself first, then by id


# --- mini maps: the ring search gives what a look at every place gives ---------------------------

def _entity(i, lat, lon, kind="place", props=None):
    loc = SimpleNamespace(lat=lat, lon=lon, precision_m=None, has_point=True) if lat is not None else None
    return SimpleNamespace(id=i, kind=kind, location=loc, props=props or {}, name=i)


def _brute(entity, entities):
    p = mapping.point_of(entity, entities)
    others = []
    for other in entities.values():
        q = mapping.point_of(other, entities)
        if other.id != entity.id and q:
            d = max(abs(q[0] - p[0]), abs(q[1] - p[1]))
            if d <= mapping.NEIGHBOUR_DEG:
                others.append((d, other.id))
    return [entity.id] + sorted(i for _, i in sorted(others)[:mapping.NEIGHBOURS - 1])


@pytest.mark.parametrize("seed", range(6))
def test_mini_map_neighbours_match_a_brute_force_search(seed):
    """Random points, many at one point, points 0.6 degrees apart, on cell edges, at negative
    coordinates, by the antimeridian, and events placed by a place's id."""
    rng = random.Random(seed)
    for _ in range(25):
        centre = rng.choice([(0, 0), (-33.3, -70.1), (45, 179.8), (-89.9, 0)])
        spread, on_grid, located = rng.choice([0.05, 0.3, 0.6, 2.0]), rng.random() < 0.3, []
        for k in range(rng.randint(1, 200)):
            if on_grid:
                lat, lon = centre[0] + rng.randint(-8, 8) * 0.2, centre[1] + rng.randint(-8, 8) * 0.1
            else:
                lat, lon = centre[0] + rng.uniform(-spread, spread), centre[1] + rng.uniform(-spread, spread)
            if located and rng.random() < 0.2:
                other = rng.choice(located).location
                lat, lon = (other.lat, other.lon) if rng.random() < 0.5 else (other.lat + 0.6, other.lon - 0.6)
            located.append(_entity(f"e{rng.randint(0, 999):03d}-{k}", max(-90, min(90, lat)), max(-180, min(180, lon))))
        events = [_entity(f"ev{k}", None, None, "event", {"location": rng.choice(located).id}) for k in range(5)]
        entities = {e.id: e for e in located + events}
        maps = mapping.MapData(SimpleNamespace(dossier=SimpleNamespace(entities=entities, config=None)))
        for e in entities.values():
            assert [x.id for x, _ in maps.mini(e)["near"]] == _brute(e, entities)


def test_the_mini_maps_of_thousands_of_places_at_one_point_cost_time_linear_in_their_number():
    """8,000 places at one point (entities placed at a city's centre): each mini map read all of
    them, and the build of their pages took 44 s (an outside review)."""
    from test_matching_bounds import cpu_bound
    entities = {e.id: e for e in (_entity(f"p{k:05d}", 42.0, 130.0) for k in range(8000))}
    entities["apart"] = _entity("apart", 42.3, 130.2)
    maps = mapping.MapData(SimpleNamespace(dossier=SimpleNamespace(entities=entities, config=None)))
    with cpu_bound():
        minis = [maps.mini(e) for e in entities.values()]
    assert [x.id for x, _ in minis[0]["near"]] == ["p00000"] + [f"p{k:05d}" for k in range(1, mapping.NEIGHBOURS)]
    assert [x.id for x, _ in minis[-1]["near"]] == _brute(entities["apart"], entities)


@pytest.mark.parametrize("seed, reach", [(0, 0.6), (1, 0.6), (2, 0.6), (3, 0.4)])
def test_mini_maps_in_a_crowded_city_match_a_brute_force_search(seed, reach, monkeypatch):
    """Thousands of distinct points within a few kilometres, in clusters and along a street,
    with a few places farther out: the finer grids give what a look at every place gives."""
    # a reach of 0.4 degrees makes the coarse grid's rings as many as a finer grid's (a finer grid
    # that was not settled was once taken for the last, by its count of rings)
    monkeypatch.setattr(mapping, "NEIGHBOUR_DEG", reach)
    monkeypatch.setattr(mapping, "RINGS", math.ceil(reach / mapping.CELL_DEG) + 1)
    rng = random.Random(seed)
    located = []
    for k in range(3000):
        shape = rng.random()
        if shape < 0.5:
            lat, lon = 42.0 + rng.uniform(0, 0.19), 130.0 + rng.uniform(0, 0.19)
        elif shape < 0.8:   # a tight cluster at a corner of a cell
            lat, lon = 42.199 + rng.uniform(0, 0.002), 130.0 + rng.uniform(0, 0.002)
        elif shape < 0.95:   # a street: one longitude
            lat, lon = 42.05 + rng.uniform(0, 0.1), 130.1234
        else:
            lat, lon = 42.0 + rng.uniform(-0.8, 0.8), 130.0 + rng.uniform(-0.8, 0.8)
        located.append(_entity(f"c{k:05d}", lat, lon))
    entities = {e.id: e for e in located}
    maps = mapping.MapData(SimpleNamespace(dossier=SimpleNamespace(entities=entities, config=None)))
    assert len(maps.grids) > 2
    for e in rng.sample(located, 150):
        assert [x.id for x, _ in maps.mini(e)["near"]] == _brute(e, entities)


def test_the_mini_maps_of_thousands_of_distinct_places_in_a_city_cost_time_linear_in_their_number():
    """8,000 places within 20 km, each at its own point: each mini map read all of them, in
    time that grew with the square of their number (42 s)."""
    from test_matching_bounds import cpu_bound
    rng = random.Random(7)
    entities = {e.id: e for e in (_entity(f"p{k:05d}", 42.0 + rng.uniform(0, 0.19), 130.0 + rng.uniform(0, 0.19))
                                  for k in range(8000))}
    maps = mapping.MapData(SimpleNamespace(dossier=SimpleNamespace(entities=entities, config=None)))
    with cpu_bound():
        minis = [maps.mini(e) for e in entities.values()]
    assert all(len(m["near"]) == mapping.NEIGHBOURS for m in minis)
