#!/usr/bin/env python3
"""Build the offline basemap of north-east Asia from Natural Earth (world-atlas TopoJSON).

Usage:
    python3 scripts/make_basemap.py path/to/countries-10m.json [-o OUTPUT]

The input is `countries-10m.json` from the npm package `world-atlas` (v2), a TopoJSON
redistribution of Natural Earth's 1:10m Admin 0 countries. The script

1. decodes the topology (quantized, delta-encoded arcs and the transform),
2. thins every arc once (so borders shared by two countries stay identical on both sides):
   a point closer than TOLERANCE degrees to the previous kept point is dropped, the arc's
   end points are always kept,
3. keeps the countries whose polygons touch the region box,
4. clips each ring to the box (Sutherland-Hodgman against the rectangle),
5. rounds coordinates to 4 decimals and drops rings that become degenerate,
6. writes a compact GeoJSON FeatureCollection (RFC 7946, lon-lat), sorted, one feature a line.

Standard library only, and deterministic: the same input gives the same bytes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# lon/lat box of the region: the China-North Korea-Russia borders and the Korean peninsula.
REGION = (121.0, 37.0, 134.5, 46.0)  # min_lon, min_lat, max_lon, max_lat
TOLERANCE = 0.002  # degrees; about 200 m north-south
DECIMALS = 4
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "dossier" / "data" / "basemap-northeast-asia.geojson"

Point = tuple[float, float]
Ring = list[Point]


# --- TopoJSON decoding -------------------------------------------------------------------


def decode_arcs(topology: dict) -> list[list[Point]]:
    """Absolute lon-lat arcs from a topology: undo the delta encoding and apply the transform."""
    transform = topology.get("transform")
    arcs: list[list[Point]] = []
    for arc in topology["arcs"]:
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            points = []
            for position in arc:
                x += position[0]
                y += position[1]
                points.append((x * sx + tx, y * sy + ty))
        else:
            points = [(float(p[0]), float(p[1])) for p in arc]
        arcs.append(points)
    return arcs


def ring_from_arcs(indexes: list[int], arcs: list[list[Point]]) -> Ring:
    """Join arcs into one ring; a negative index ~i means arc i reversed."""
    ring: Ring = []
    for index in indexes:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        # consecutive arcs share their joining point: keep it once
        ring.extend(points if not ring else points[1:])
    return ring


def geometry_polygons(geometry: dict, arcs: list[list[Point]]) -> list[list[Ring]]:
    """The polygons (each a list of rings, outer ring first) of a Polygon or MultiPolygon."""
    kind = geometry.get("type")
    if kind == "Polygon":
        polygons = [geometry["arcs"]]
    elif kind == "MultiPolygon":
        polygons = geometry["arcs"]
    else:  # null geometries, points, lines: not land
        return []
    return [[ring_from_arcs(ring, arcs) for ring in polygon] for polygon in polygons]


# --- simplification and clipping ---------------------------------------------------------


def thin(points: list[Point], tolerance: float) -> list[Point]:
    """Drop points closer than `tolerance` (degrees) to the previous kept point; keep both ends."""
    if len(points) <= 2 or tolerance <= 0:
        return list(points)
    limit = tolerance * tolerance
    kept = [points[0]]
    for x, y in points[1:-1]:
        px, py = kept[-1]
        if (x - px) ** 2 + (y - py) ** 2 >= limit:
            kept.append((x, y))
    last = points[-1]
    if len(kept) > 1:
        px, py = kept[-1]
        if (last[0] - px) ** 2 + (last[1] - py) ** 2 < limit:
            kept.pop()  # too close to the end point, which must stay
    kept.append(last)
    return kept


def clip_ring(ring: Ring, box: tuple[float, float, float, float]) -> Ring:
    """Sutherland-Hodgman: clip a closed ring against an axis-aligned box; returns a closed ring
    (first point repeated last) or [] when nothing is left."""
    min_x, min_y, max_x, max_y = box
    points = list(ring)
    if len(points) > 1 and points[0] == points[-1]:
        points = points[:-1]

    # each edge: (inside test, intersection of a segment with the edge line)
    def cross_x(a: Point, b: Point, x: float) -> Point:
        t = (x - a[0]) / (b[0] - a[0])
        return (x, a[1] + t * (b[1] - a[1]))

    def cross_y(a: Point, b: Point, y: float) -> Point:
        t = (y - a[1]) / (b[1] - a[1])
        return (a[0] + t * (b[0] - a[0]), y)

    edges = (
        (lambda p: p[0] >= min_x, lambda a, b: cross_x(a, b, min_x)),
        (lambda p: p[0] <= max_x, lambda a, b: cross_x(a, b, max_x)),
        (lambda p: p[1] >= min_y, lambda a, b: cross_y(a, b, min_y)),
        (lambda p: p[1] <= max_y, lambda a, b: cross_y(a, b, max_y)),
    )
    for inside, intersect in edges:
        if not points:
            break
        result: list[Point] = []
        previous = points[-1]
        for current in points:
            if inside(current):
                if not inside(previous):
                    result.append(intersect(previous, current))
                result.append(current)
            elif inside(previous):
                result.append(intersect(previous, current))
            previous = current
        points = result
    if not points:
        return []
    return points + [points[0]]


def ring_area(ring: Ring) -> float:
    """Signed area (shoelace) of a closed ring, in square degrees."""
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:])) / 2


def finish_ring(ring: Ring, decimals: int = DECIMALS) -> list[list[float]] | None:
    """Round, drop repeated points, close; None when the ring has no area left."""
    out: list[tuple[float, float]] = []
    for x, y in ring:
        p = (round(x, decimals) + 0.0, round(y, decimals) + 0.0)  # + 0.0 turns -0.0 into 0.0
        if not out or out[-1] != p:
            out.append(p)
    if len(out) > 1 and out[0] == out[-1]:
        out.pop()
    if len(set(out)) < 3:
        return None
    out.append(out[0])
    if abs(ring_area(out)) < 10 ** (-2 * decimals):
        return None
    return [[x, y] for x, y in out]


def ring_bbox(ring: Ring) -> tuple[float, float, float, float]:
    xs = [p[0] for p in ring]
    ys = [p[1] for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def touches(ring: Ring, box: tuple[float, float, float, float]) -> bool:
    x0, y0, x1, y1 = ring_bbox(ring)
    return not (x1 < box[0] or x0 > box[2] or y1 < box[1] or y0 > box[3])


# --- the whole pipeline ------------------------------------------------------------------


def build_basemap(
    topology: dict,
    box: tuple[float, float, float, float] = REGION,
    tolerance: float = TOLERANCE,
    decimals: int = DECIMALS,
    object_name: str = "countries",
) -> dict:
    """The clipped, thinned GeoJSON FeatureCollection of the countries touching `box`."""
    arcs = [thin(arc, tolerance) for arc in decode_arcs(topology)]
    features = []
    for geometry in topology["objects"][object_name]["geometries"]:
        polygons = []
        for polygon in geometry_polygons(geometry, arcs):
            if not polygon or not touches(polygon[0], box):
                continue
            outer = finish_ring(clip_ring(polygon[0], box), decimals)
            if outer is None:
                continue
            rings = [outer]
            for hole in polygon[1:]:
                if touches(hole, box):
                    clipped = finish_ring(clip_ring(hole, box), decimals)
                    if clipped is not None:
                        rings.append(clipped)
            polygons.append(rings)
        if not polygons:
            continue
        polygons.sort()
        properties = geometry.get("properties") or {}
        iso_n3 = str(geometry.get("id", ""))
        name = str(properties.get("name", ""))
        features.append(
            {
                "type": "Feature",
                "id": iso_n3 or name,
                "properties": {"name": name, "iso_n3": iso_n3},
                "geometry": (
                    {"type": "Polygon", "coordinates": polygons[0]}
                    if len(polygons) == 1
                    else {"type": "MultiPolygon", "coordinates": polygons}
                ),
            }
        )
    features.sort(key=lambda f: (f["properties"]["name"], f["properties"]["iso_n3"]))
    return {"type": "FeatureCollection", "bbox": list(box), "features": features}


def dumps(collection: dict) -> str:
    """Compact JSON, one feature a line (small diffs in git), ending with a newline."""
    compact = {"separators": (",", ":"), "ensure_ascii": False, "sort_keys": False}
    head = {k: v for k, v in collection.items() if k != "features"}
    lines = [json.dumps(feature, **compact) for feature in collection["features"]]
    return json.dumps(head, **compact)[:-1] + ',"features":[\n' + ",\n".join(lines) + "\n]}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("topojson", type=Path, help="countries-10m.json from the npm package world-atlas v2")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    try:
        topology = json.loads(args.topojson.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"{args.topojson}: error: cannot read TopoJSON: {error}", file=sys.stderr)
        return 1
    if topology.get("type") != "Topology" or "countries" not in topology.get("objects", {}):
        print(f"{args.topojson}: error: not a world-atlas topology (no objects.countries)", file=sys.stderr)
        return 1
    collection = build_basemap(topology)
    text = dumps(collection)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8", newline="\n")
    names = ", ".join(f["properties"]["name"] for f in collection["features"])
    print(f"{args.output}: {len(collection['features'])} countries ({names}), {len(text.encode())} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
