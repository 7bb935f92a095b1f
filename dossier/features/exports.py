"""Machine-readable exports under data/, and the data scripts the pages load.

JSON is written with sorted keys so the same content gives the same bytes. The large files
(dossier.json, annotations.jsonld) are written a record at a time (``write_json``): at 10,000
entities their text is tens of megabytes, and neither it nor the records are held whole.
"""
from __future__ import annotations

import json
from functools import partial
from typing import Callable, Iterable

from .. import collector
from . import map as drawing
from .layers import layers_script
from .timeline import date_key


class Items:
    """A JSON array that write_json writes an item at a time, made as it is written. encoded: each
    item is given as JSON text already, of one item or of several joined by "," ("" for none)."""

    def __init__(self, items: Iterable, encoded: bool = False):
        self.items = items
        self.encoded = encoded


# The exports' JSON: sorted keys, no spaces, text as it is (the C encoder: ten times faster than
# Python's, which indented JSON takes).
_compact = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


def write_json(value, write: Callable[[bytes], object]) -> None:
    """Write the JSON of value (_compact's form) in UTF-8 pieces with `write`, where an Items in
    value (in a dict's value, at any depth) stands for a list: its items are encoded one by one."""
    _write_value(value, write)
    write(b"\n")


def _write_value(value, write) -> None:
    if isinstance(value, Items):
        write(b"[")
        texts = value.items if value.encoded else map(_compact, value.items)
        comma = ""
        for text in texts:
            if text:
                write((comma + text).encode())
                comma = ","
        write(b"]")
    elif isinstance(value, dict):
        write(b"{")
        for i, key in enumerate(sorted(value)):
            write(f'{"," if i else ""}{_compact(key)}:'.encode())
            _write_value(value[key], write)
        write(b"}")
    else:
        write(_compact(value).encode())


def _cites(citations):
    return [{"source": c.source, "locator": c.locator} if c.locator else {"source": c.source} for c in citations]


def entity_record(e) -> dict:
    out = {"id": e.id, "kind": e.kind, "name": e.name, "url": e.url}
    if e.names:
        out["names"] = dict(e.names)
    if e.aliases:
        out["aliases"] = list(e.aliases)
    if e.summary:
        out["summary"] = str(e.summary)
    if e.wikidata:
        out["wikidata"] = str(e.wikidata)
    if e.tags:
        out["tags"] = list(e.tags)
    if e.facts:
        out["facts"] = [{"label": f.label, "value": f.value, "cite": _cites(f.cite), **({"note": str(f.note)} if f.note else {})} for f in e.facts]
    if e.relations:
        out["relations"] = [{"type": r.type, "target": r.target, "cite": _cites(r.cite), **({"date": str(r.date)} if r.date else {}),
                             **({"note": str(r.note)} if r.note else {})} for r in e.relations]
    if e.location:
        loc = e.location
        out["location"] = {k: v for k, v in (("lat", loc.lat), ("lon", loc.lon), ("precision_m", loc.precision_m),
                                             ("note", str(loc.note) if loc.note else None)) if v is not None}
        if loc.cite:
            out["location"]["cite"] = _cites(loc.cite)
    for key, value in sorted(e.props.items()):
        out[key] = [str(v) for v in value] if isinstance(value, list) else (value if isinstance(value, (int, float)) else str(value))
    return out


def source_record(s, anchored) -> dict:
    out = {"id": s.id, "url_page": s.url}
    for key, value in s.meta.items():
        out[key] = value if isinstance(value, (int, float)) else str(value)
    out["annotations"] = [annotation_record(a) for a in anchored]
    return out


def annotation_record(a) -> dict:
    ann = a.annotation
    out = {"id": ann.anchor, "kind": ann.kind, "quote": ann.quote, "about": list(ann.about)}
    for key in ("prefix", "suffix", "status", "note"):
        value = getattr(ann, key)
        if value:
            out[key] = str(value)
    return out


def _piece(pieces, item: tuple, make: Callable[[], str]) -> str:
    """make(), or with pieces (an incremental.Pieces) the last build's when its inputs are unchanged."""
    return make() if pieces is None else pieces.get(item, make)


def web_annotations(res, pieces=None) -> dict:
    """W3C Web Annotation Data Model, one annotation per anchored note (an Items: see write_json)."""
    total = sum(len(anchored) for anchored in res.anchors.values())
    if not total:
        return {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "AnnotationCollection", "total": 0}

    def of_source(source_id: str) -> str:   # the JSON of its annotations, joined by ","
        return ",".join(_compact(web_annotation(res, source_id, a)) for a in res.anchors[source_id])

    items = (_piece(pieces, ("annotations.jsonld", k), partial(of_source, k)) for k in sorted(res.anchors))
    return {"@context": ["http://www.w3.org/ns/anno.jsonld", {"@base": "./"}], "id": "annotations.jsonld",
            "type": "AnnotationCollection", "total": total,
            "first": {"type": "AnnotationPage", "items": Items(items, encoded=True)}}


def web_annotation(res, source_id: str, a) -> dict:
    ann = a.annotation
    selector = {"type": "TextQuoteSelector", "exact": ann.quote}
    if ann.prefix:
        selector["prefix"] = str(ann.prefix)
    if ann.suffix:
        selector["suffix"] = str(ann.suffix)
    purpose = {"note": "commenting", "context": "describing", "correction": "editing", "claim": "assessing"}[ann.kind]
    body = [{"type": "TextualBody", "value": str(ann.note or ""), "format": "text/markdown", "purpose": purpose}]
    if ann.status:
        body.append({"type": "TextualBody", "value": ann.status, "purpose": "tagging"})
    body.extend({"type": "SpecificResource", "source": f"../{res.site.lookup(ref).url}", "purpose": "identifying"}
                for ref in ann.about if res.site.lookup(ref))
    source = res.dossier.sources[source_id]
    target = {"source": source.meta.get("url") or f"../{source.url}", "selector": selector}
    return {"id": f"../{source.url}#{ann.anchor}", "type": "Annotation", "motivation": purpose,
            "body": body, "target": target}


def csl_item(s) -> dict:
    meta = s.meta
    kind = {"article": "article-newspaper", "reference": "entry-encyclopedia", "report": "report",
            "statement": "webpage", "map": "map"}.get(s.source_type, "webpage")
    item = {"id": s.id, "type": kind, "title": str(meta["title"])}
    if meta.get("publisher"):
        item["container-title"] = str(meta["publisher"])
        item["publisher"] = str(meta["publisher"])
    authors = [name.strip() for name in str(meta.get("author") or "").split(";") if name.strip()]
    if authors:   # "Leshakov; Toloraya": two authors (docs/content-format.md)
        item["author"] = [{"literal": name} for name in authors]
    if meta.get("url"):
        item["URL"] = str(meta["url"])
    if meta.get("language"):
        item["language"] = str(meta["language"])
    for key, csl in (("published", "issued"), ("accessed", "accessed")):
        if meta.get(key):
            y, m, d = date_key(str(meta[key]))
            item[csl] = {"date-parts": [[p for p in (y, m, d) if p]]}
    return item


def dossier_json(res, pieces=None) -> dict:
    """data/dossier.json: the whole dossier, records in Items (see write_json); with pieces, a
    record's JSON is made again only when it changed."""
    d = res.dossier
    entities = (_piece(pieces, ("dossier.json", "ent", k), lambda k=k: _compact(entity_record(d.entities[k])))
                for k in sorted(d.entities))
    sources = (_piece(pieces, ("dossier.json", "src", k),
                      lambda k=k: _compact(source_record(d.sources[k], res.anchors.get(k, []))))
               for k in sorted(d.sources))
    return {"title": d.config.title, "description": d.config.description,
            "entities": Items(entities, encoded=True), "sources": Items(sources, encoded=True),
            "pages": [{"slug": p.slug, "title": p.title, "url": p.url} for p in sorted(d.pages.values(), key=lambda p: p.slug)]}


def crossings(map_data) -> dict:
    """data/crossings.geojson: every crossing; one whose position no source gives has no
    geometry (GeoJSON's null), so the export still lists it with what is known of it."""
    features = []
    for e in map_data.crossings:
        located = e.location if e.location and e.location.has_point else None
        props = {"name": e.name, "url": f"../{e.url}", "kind": e.kind}
        for key in ("mode", "status", "opened", "border", "length_m"):
            if key in e.props:
                props[key] = e.props[key] if isinstance(e.props[key], (int, float)) else str(e.props[key])
        if located is not None:
            if located.precision_m:
                props["precision_m"] = located.precision_m
            props["sources"] = sorted({c.source for c in located.cite})
        features.append({"id": e.id, "name": e.name, "lat": located and located.lat, "lon": located and located.lon,
                         "properties": props})
    return drawing.crossings_geojson(features)


def _rows_json(items: Iterable) -> str:
    """A JSON array with an item a line, each in _compact's form: as easy to read and to compare
    as indented JSON, and quick to make (indented, these two files took a third of what the
    exports cost after a small edit)."""
    text = ",\n".join(map(_compact, items))
    return f"[\n{text}\n]" if text else "[]"


def _collection_json(collection: dict) -> str:
    """A GeoJSON FeatureCollection (map.crossings_geojson) with a feature a line, keys sorted."""
    members = [f'{_compact(key)}:{_rows_json(value) if key == "features" else _compact(value)}'
               for key, value in sorted(collection.items())]
    return "{" + ",".join(members) + "}\n"


def _streamed(make, res, pieces) -> Callable:
    """write_to(write) that writes make(res, pieces) with write_json, the collector paused
    (records make no cycles)."""
    def write_to(write):
        with collector.paused():
            write_json(make(res, pieces), write)
    return write_to


def _whole(make) -> Callable:
    """write_to(write) that writes the text make() gives (small files)."""
    return lambda write: write(make().encode())


def writers(res, map_data, pieces=None):
    """Each data file as (path, write_to): write_to(write) writes the file in UTF-8 pieces with
    `write` (a binary file's write, say), so the large ones are never held whole. pieces: an
    incremental.Pieces, which keeps each record's JSON for the next build."""
    d = res.dossier
    yield "data/dossier.json", _streamed(dossier_json, res, pieces)
    yield "data/crossings.geojson", _whole(lambda: _collection_json(crossings(map_data)))
    yield "data/annotations.jsonld", _streamed(web_annotations, res, pieces)
    yield "data/sources.csl.json", _whole(lambda: _rows_json(csl_item(d.sources[k]) for k in sorted(d.sources)) + "\n")
    if d.layers:
        yield "data/layers.js", _whole(lambda: layers_script(d.layers))


def files(res, map_data):
    """Each data file as (path, bytes)."""
    for path, write_to in writers(res, map_data):
        data = bytearray()
        write_to(data.extend)
        yield path, data
