"""What the map pages need from the dossier: markers, the crossings list, mini maps.

Drawing itself (SVG, GeoJSON, the basemap) is in ``map.py``; this module only picks data from
the resolved dossier. Neighbours for mini maps come from a grid of one-degree cells, so each page
looks at a few cells, not at every located entity.
"""
from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from collections import defaultdict
from functools import cached_property

from markupsafe import Markup

from . import map as drawing
from .timeline import human_date

NEIGHBOUR_DEG = 0.6


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
        self.grid = defaultdict(list)   # one-degree cell -> (entity, point), by latitude
        for e, p in sorted(self.located, key=lambda x: (x[1][0], x[0].id)):
            self.grid[(int(p[0] // 1), int(p[1] // 1))].append((e, p))
        self._lats = {cell: [p[0] for _, p in items] for cell, items in self.grid.items()}
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
        return drawing.render_svg(self.basemap, markers, drawing.bounds(markers), width=900, svg_id=svg_id)

    def mini(self, entity):
        """Markers for an entity's small map (itself and its neighbours), or None."""
        p = point_of(entity, self.res.dossier.entities)
        if not p:
            return None
        lat, lon = p[0], p[1]
        near = []
        for cell in [(int(lat // 1) + dlat, int(lon // 1) + dlon) for dlat in (-1, 0, 1) for dlon in (-1, 0, 1)]:
            lats = self._lats.get(cell)
            if lats:   # the band of latitudes in reach (a little wider: the test below decides)
                band = self.grid[cell][bisect_left(lats, lat - NEIGHBOUR_DEG - 1e-6):
                                       bisect_right(lats, lat + NEIGHBOUR_DEG + 1e-6)]
                near += [(other, q) for other, q in band
                         if abs(q[0] - lat) <= NEIGHBOUR_DEG and abs(q[1] - lon) <= NEIGHBOUR_DEG]
        near.sort(key=lambda x: (x[0].id != entity.id, x[0].id))
        return {"point": p, "near": near[:40]}

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
