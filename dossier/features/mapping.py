"""What the map pages need from the dossier: markers, the crossings list, mini maps.

Drawing itself (SVG, GeoJSON, the basemap) is in ``map.py``; this module only picks data from
the resolved dossier. Neighbours for mini maps come from a grid of one-degree cells, so each page
looks at a few cells, not at every located entity.
"""
from __future__ import annotations

from collections import defaultdict
from functools import cached_property

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
        self.grid = defaultdict(list)
        for e, p in self.located:
            self.grid[(int(p[0] // 1), int(p[1] // 1))].append((e, p))
        self.config = res.dossier.config

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

    @staticmethod
    def markers_json(markers) -> str:
        return drawing.markers_json(markers)

    def page_svg(self, root: str, svg_id: str = "crossings-svg") -> str:
        markers = self.crossing_markers(root)
        return drawing.render_svg(self.basemap, markers, drawing.bounds(markers), width=900, svg_id=svg_id)

    def mini(self, entity):
        """Markers for an entity's small map (itself and its neighbours), or None."""
        entities = self.res.dossier.entities
        p = point_of(entity, entities)
        if not p:
            return None
        cell = (int(p[0] // 1), int(p[1] // 1))
        near = []
        for dlat in (-1, 0, 1):
            for dlon in (-1, 0, 1):
                for other, q in self.grid.get((cell[0] + dlat, cell[1] + dlon), ()):
                    if abs(q[0] - p[0]) <= NEIGHBOUR_DEG and abs(q[1] - p[1]) <= NEIGHBOUR_DEG:
                        near.append((other, q))
        near.sort(key=lambda x: (x[0].id != entity.id, x[0].id))
        return {"point": p, "near": near[:40]}

    def mini_markers_json(self, mini, root: str) -> str:
        return self.markers_json([self.marker(e, q, root) for e, q in mini["near"]])
