"""What the map pages need from the dossier: markers, the crossings list, mini maps.

Drawing itself (SVG, GeoJSON, the basemap) is in ``map.py``; this module only picks data from
the resolved dossier. A mini map shows an entity's nearest neighbours, found in a grid of small
cells looked at ring by ring from the entity's own: a page reads the cells near it until the
nearest are known, not every located entity, and not every entity in reach either (a dossier of
one region can have thousands within a degree of each other).
"""
from __future__ import annotations

import heapq
import json
import math
from collections import defaultdict
from functools import cached_property, lru_cache
from itertools import islice
from operator import itemgetter

from markupsafe import Markup

from . import map as drawing
from .timeline import human_date

NEIGHBOUR_DEG = 0.6   # how far a mini map reaches, in degrees of latitude and of longitude
NEIGHBOURS = 40       # the most places a mini map shows, itself among them: the nearest
CELL_DEG = 0.2        # the size of the grid's cells
RINGS = math.ceil(NEIGHBOUR_DEG / CELL_DEG) + 1   # rings of cells around an entity's own that reach that far
DENSE = 64            # distinct points in a cell past which a grid of finer cells is made too
FINER = 8             # a finer grid's cells are this many times smaller a side
LEVELS = 4            # grids at most: the finest has cells of about 40 m
FINE_RINGS = 3        # rings of a finer grid read before its coarser one is read instead


def point_of(entity, entities):
    """(lat, lon, precision) of an entity, following an event's place id; None if unknown."""
    loc = entity.location
    if loc is None and entity.kind == "event" and isinstance(entity.props.get("location"), str):
        place = entities.get(str(entity.props["location"]))
        loc = place.location if place else None
    if loc is None or not loc.has_point:
        return None
    return loc.lat, loc.lon, loc.precision_m


class MapData:
    def __init__(self, res):
        self.res = res
        entities = res.dossier.entities
        self.crossings = sorted((e for e in entities.values() if e.kind == "crossing"), key=lambda e: (e.name.casefold(), e.id))
        self.located = []
        for e in sorted(entities.values(), key=lambda e: e.id):
            p = point_of(e, entities)
            if p:
                self.located.append((e, p))
        # cell -> (lat, lon) -> [(id, entity, point)] by id: the places at one point are one entry
        # of their cell (thousands of entities placed at a city's centre made every mini map
        # there read all of them, in time that grew with the square of their number). Where a
        # cell holds more than DENSE points, a finer grid too, and so on (8,000 points within
        # 20 km made every mini map there read all of them: 42 s).
        self.grids = [(CELL_DEG, _grid(self.located, CELL_DEG))]   # (cell size, grid), coarsest first
        while len(self.grids) < LEVELS and max(map(len, self.grids[-1][1].values()), default=0) > DENSE:
            size = self.grids[-1][0] / FINER
            self.grids.append((size, _grid(self.located, size)))
        self.config = res.dossier.config
        self._marker_json: dict[tuple[str, str], str] = {}   # (id, root) -> marker_json, this build's

    @cached_property
    def basemap(self) -> dict:
        return drawing.load_basemap(drawing.BASEMAP_PATH)

    def marker(self, entity, point, root: str) -> drawing.Marker:
        return drawing.Marker(id=entity.id, name=entity.name, lat=point[0], lon=point[1], href=root + entity.url,
                              mode=str(entity.props.get("mode", "unknown" if entity.kind == "crossing" else entity.kind)),
                              status=str(entity.props.get("status", "unknown" if entity.kind == "crossing" else "")),
                              precision_m=point[2], opened=human_date(entity.props.get("opened")))

    def crossing_markers(self, root: str) -> list:
        entities = self.res.dossier.entities
        out = []
        for e in self.crossings:
            p = point_of(e, entities)
            if p:
                out.append(self.marker(e, p, root))
        return out

    def legend(self, markers) -> str:
        """The legend of the no-JavaScript map, for the modes and statuses it shows."""
        return drawing.render_legend(modes={m.mode for m in markers}, statuses={m.status for m in markers})

    def groups(self):
        """Crossings by border, for the list beside the map."""
        names = self.res.dossier.entities
        groups = defaultdict(list)
        for e in self.crossings:
            border = e.props.get("border")
            if not border:
                countries = [names[c].name for c in e.props.get("countries", []) if c in names]
                border = "–".join(sorted(countries)) or "Other"
            groups[str(border)].append(e)
        return sorted(groups.items())

    def svg(self, markers, svg_id: str = "crossings-svg") -> str:
        """The map of the crossings without JavaScript, from their markers (crossing_markers)."""
        markers = drawing.across_the_meridian(markers)
        return drawing.render_svg(self.basemap, markers, drawing.bounds(markers), width=900, svg_id=svg_id)

    def mini(self, entity):
        """Markers for an entity's small map, or None: itself, then its nearest neighbours within
        NEIGHBOUR_DEG (by the larger of the differences in latitude and longitude, then by id),
        NEIGHBOURS in all at most, listed by id."""
        p = point_of(entity, self.res.dossier.entities)
        if not p:
            return None
        wanted = NEIGHBOURS - 1
        level = 0   # the coarsest grid whose cell here is not crowded, or the finest
        while level + 1 < len(self.grids) and len(self.grids[level][1].get(_cell(p, self.grids[level][0]), ())) > DENSE:
            level += 1
        found = None
        while found is None:   # settled in a few rings of a finer grid, or read from the coarser one
            found = _ring_search(*self.grids[level], p, wanted, last=level == 0)
            level -= 1
        # the nearest by distance, then id, each place apart: the points' places are in id order
        places = heapq.merge(*(_each_at(distance, at) for distance, at in found if distance <= NEIGHBOUR_DEG))
        near = sorted(islice((x for x in places if x[1] != entity.id), wanted), key=lambda x: x[1])
        return {"point": p, "near": [(entity, p)] + [(other, q) for _, _, other, q in near]}

    def mini_markers_attr(self, mini, root: str) -> Markup:
        """The mini map's markers for its data-markers='...' attribute. Each located entity's marker
        is encoded once per page depth: the same places are on the maps of all their neighbours."""
        out = []
        for e, q in mini["near"]:
            text = self._marker_json.get((e.id, root))
            if text is None:
                text = self._marker_json[(e.id, root)] = marker_json(self.marker(e, q, root))
            out.append(text)
        return markers_attr(out)

    def markers_attr(self, markers) -> Markup:
        """The markers for a data-markers='...' attribute (see markers_attr)."""
        return markers_attr([marker_json(m) for m in markers])


def _grid(located, size: float) -> dict:
    grid: dict = defaultdict(dict)
    for e, p in located:
        grid[_cell(p, size)].setdefault((p[0], p[1]), []).append((e.id, e, p))
    return grid


def _ring_search(size: float, grid: dict, p, wanted: int, last: bool) -> list | None:
    """(distance, places at one point) of the points read around p, ring after ring of cells of
    the grid, until its wanted nearest (and p's own) are surely among them; None when FINE_RINGS
    rings were not enough for that (a coarser grid then reads farther). The last grid, the
    coarsest, reads all within NEIGHBOUR_DEG (RINGS rings), however many that is."""
    lat, lon = p[0], p[1]
    row, col = _cell(p, size)
    found: list = []   # itself among them
    for ring in range(RINGS + 1 if last else FINE_RINGS + 1):
        for d_row, d_col in _ring_offsets(ring):
            cell = grid.get((row + d_row, col + d_col))
            if cell:
                found += [(max(abs(a - lat), abs(b - lon)), places) for (a, b), places in cell.items()]
        # A place in a cell not read yet is at least ring * size away (less a rounding
        # margin): once that many are nearer, they are the nearest.
        nearest, held = _nearest(found, wanted + 1)   # (itself among them, at distance 0)
        if held > wanted:
            found = nearest
            if found[-1][0] < ring * size - 1e-9:
                return found
    return found if last else None


def _nearest(found: list, count: int) -> tuple[list, int]:
    """The nearest points of found ((distance, places)) that hold count places between them, with
    those at the same distance as the last of them; and how many places they hold. Each point
    holds a place at least: the count nearest points are enough (heapq, not a sort of them all)."""
    ordered = heapq.nsmallest(count, found, key=itemgetter(0))   # by distance
    held = 0
    for n, (distance, places) in enumerate(ordered):
        held += len(places)
        if held >= count:
            ties = [x for x in found if x[0] == distance]
            nearer = [x for x in ordered[:n + 1] if x[0] < distance]
            return nearer + ties, sum(len(x[1]) for x in nearer + ties)
    return ordered, held


def _each_at(distance: float, places: list):
    """(distance, id, entity, point) of the places at one point, as they are needed."""
    for place in places:
        yield (distance, *place)


def _cell(point, size: float = CELL_DEG) -> tuple[int, int]:
    return math.floor(point[0] / size), math.floor(point[1] / size)


@lru_cache(maxsize=None)
def _ring_offsets(ring: int) -> tuple[tuple[int, int], ...]:
    """The cells at ring steps from a cell, as offsets: itself for 0, then the 8 * ring around."""
    if ring == 0:
        return ((0, 0),)
    sides = [(d_row, d_col) for d_row in (-ring, ring) for d_col in range(-ring, ring + 1)]
    return tuple(sides + [(d_row, d_col) for d_row in range(-ring + 1, ring) for d_col in (-ring, ring)])


def marker_json(m: drawing.Marker) -> str:
    """A marker as map.js reads it, in compact JSON with sorted keys. Empty fields (a place's
    status, a date not known) are left out: map.js reads a missing field as it reads an empty one."""
    fields = (("id", m.id), ("name", m.name), ("lat", m.lat), ("lon", m.lon), ("href", m.href), ("mode", m.mode),
              ("status", m.status), ("opened", m.opened), ("precision_m", m.precision_m))
    return json.dumps({k: v for k, v in fields if v is not None and v != ""}, separators=(",", ":"),
                      ensure_ascii=False, sort_keys=True)


def markers_attr(marker_jsons: list[str]) -> Markup:
    """A JSON list of markers for a single-quoted attribute (data-markers='...'): the double
    quotes of the JSON stay as they are, which halves its size; &, <, > and ' are escaped."""
    text = "[" + ",".join(marker_jsons) + "]"
    return Markup(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;"))
