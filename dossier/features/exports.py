"""Machine-readable exports under data/, and the data scripts the pages load.

JSON is written with sorted keys so the same content gives the same bytes.
"""
from __future__ import annotations

import json

from .. import collector
from . import map as drawing
from .layers import layers_script
from .timeline import date_key


def _json(data, indent=None) -> str:
    # Without indent the C encoder runs: ten times faster on the large exports.
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=indent, separators=(",", ":") if indent is None else None) + "\n"


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
        out["relations"] = [{"type": r.type, "target": r.target, "cite": _cites(r.cite), **({"date": str(r.date)} if r.date else {})} for r in e.relations]
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


def web_annotations(res) -> dict:
    """W3C Web Annotation Data Model, one annotation per anchored note."""
    items = []
    for source_id in sorted(res.anchors):
        for a in res.anchors[source_id]:
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
            items.append({"id": f"../{source.url}#{ann.anchor}", "type": "Annotation", "motivation": purpose,
                          "body": body, "target": target})
    return {"@context": ["http://www.w3.org/ns/anno.jsonld", {"@base": "./"}], "id": "annotations.jsonld",
            "type": "AnnotationCollection", "total": len(items), "first": {"type": "AnnotationPage", "items": items}} \
        if items else {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "AnnotationCollection", "total": 0}


def csl_item(s) -> dict:
    meta = s.meta
    kind = {"article": "article-newspaper", "reference": "entry-encyclopedia", "report": "report",
            "statement": "webpage", "map": "map"}.get(str(meta.get("type", "article")), "webpage")
    item = {"id": s.id, "type": kind, "title": str(meta["title"])}
    if meta.get("publisher"):
        item["container-title"] = str(meta["publisher"])
        item["publisher"] = str(meta["publisher"])
    if meta.get("author"):
        item["author"] = [{"literal": str(meta["author"])}]
    if meta.get("url"):
        item["URL"] = str(meta["url"])
    if meta.get("language"):
        item["language"] = str(meta["language"])
    for key, csl in (("published", "issued"), ("accessed", "accessed")):
        if meta.get(key):
            y, m, d = date_key(str(meta[key]))
            item[csl] = {"date-parts": [[p for p in (y, m, d) if p]]}
    return item


def files(res, map_data):
    d = res.dossier
    with collector.paused():
        entities = [entity_record(d.entities[k]) for k in sorted(d.entities)]
        sources = [source_record(d.sources[k], res.anchors.get(k, [])) for k in sorted(d.sources)]
        pages = [{"slug": p.slug, "title": p.title, "url": p.url} for p in sorted(d.pages.values(), key=lambda p: p.slug)]
        text = _json({"title": d.config.title, "description": d.config.description,
                      "entities": entities, "sources": sources, "pages": pages})
    del entities, sources
    yield "data/dossier.json", text
    features = []
    for e in map_data.crossings:
        if e.location and e.location.has_point:
            props = {"name": e.name, "url": f"../{e.url}", "kind": e.kind}
            for key in ("mode", "status", "opened", "border", "length_m"):
                if key in e.props:
                    props[key] = e.props[key] if isinstance(e.props[key], (int, float)) else str(e.props[key])
            if e.location.precision_m:
                props["precision_m"] = e.location.precision_m
            props["sources"] = sorted({c.source for c in e.location.cite})
            features.append({"id": e.id, "name": e.name, "lat": e.location.lat, "lon": e.location.lon, "properties": props})
    yield "data/crossings.geojson", _json(drawing.crossings_geojson(features), indent=1)
    yield "data/annotations.jsonld", _json(web_annotations(res))
    yield "data/sources.csl.json", _json([csl_item(d.sources[k]) for k in sorted(d.sources)], indent=1)
    if d.layers:
        yield "data/layers.js", layers_script(d.layers)
