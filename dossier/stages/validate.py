"""Stage 2: raw records -> typed model, with every problem reported (not only the first)."""
from __future__ import annotations

from ..diagnostics import Diagnostics
from ..features.layers import parse_layer
from ..kinds import FOLDER_OF, RELATION_TYPES, RelationType
from ..model import Annotation, Citation, Config, Dossier, Entity, Fact, Location, Page, Pos, Relation, Source
from ..schema import DOSSIER, ENTITY_RECORDS, INVALID, PAGE, SOURCE, Ctx
from .load import RawFile

RESERVED_SLUGS = {"index", "map", "timeline", "claims", "search", "404", "sitemap", "sources", "data", "assets",
                  "site", *FOLDER_OF.values()}

# Which entity kinds each referencing key accepts (None: any entity).
REF_KINDS = {"country": {"country"}, "countries": {"country"}, "ends": {"place"}, "crosses": {"place"},
             "place": {"place"}, "location": {"place"}, "participants": None, "parties": None}


def _cites(value, path: str) -> tuple[Citation, ...]:
    return tuple(Citation(str(s), loc, Pos(path, s.line, s.col)) for s, loc in (value or ()))


def _pos(path: str, value, offset: int = 0) -> Pos:
    return Pos(path, getattr(value, "line", 0) + offset, getattr(value, "col", 0))


def validate(raws: list[RawFile], diags: Diagnostics) -> Dossier | None:
    config = None
    entities: dict[str, Entity] = {}
    sources: dict[str, Source] = {}
    pages: dict[str, Page] = {}
    owners: dict[str, str] = {}  # id -> file that defines it

    for raw in raws:
        if raw.role == "dossier" and raw.node is not None and raw.ok:
            config = _config(raw, diags)
    if config is None:
        if not any(d.code in ("missing-config",) for d in diags.items) and not any(r.role == "dossier" and not r.ok for r in raws):
            diags.error("missing-config", "dossier.yaml is empty: it needs at least a title",
                        next((r.path for r in raws if r.role == "dossier"), "dossier.yaml"))
        config = Config(path="dossier.yaml", title="(untitled)")
        relation_types = None  # its own types are unknown: do not report every use of them as unknown
    else:
        relation_types = {**RELATION_TYPES, **config.relation_types}

    for raw in raws:
        if raw.role in ("entity", "source") and raw.id:
            if raw.id in owners:
                diags.error("duplicate-id", f"id {raw.id!r} is already used by {owners[raw.id]}: ids are unique across all entities and sources", raw.path)
                continue
            owners[raw.id] = raw.path
        if not raw.ok:
            continue
        if raw.role == "entity":
            entity = _entity(raw, relation_types, diags)
            if entity:
                entities[entity.id] = entity
        elif raw.role == "source":
            source = _source(raw, diags)
            if source:
                sources[source.id] = source
        elif raw.role == "page":
            page = _page(raw, diags)
            if page:
                if page.slug in RESERVED_SLUGS:
                    diags.error("reserved-slug", f"a page named {page.slug!r} would collide with a page the generator writes; choose another file name", raw.path)
                else:
                    pages[page.slug] = page
    layers = [layer for raw in raws if raw.role == "layer" and raw.ok
              for layer in [parse_layer(raw.id, raw.path, raw.body, diags)] if layer]
    return Dossier(config, entities, sources, pages, layers=layers)


def _config(raw: RawFile, diags: Diagnostics) -> Config | None:
    data = DOSSIER.convert(raw.node, Ctx(raw.path, diags))
    if data is INVALID or "title" not in data:
        return None
    types = {}
    for type_id, spec in (data.get("relations") or {}).items():
        types[type_id] = RelationType(type_id, str(spec["label"]), str(spec["reverse"]))
    center = data.get("map", {}).get("center")
    return Config(path=raw.path, title=str(data["title"]), description=str(data.get("description", "")),
                  language=str(data.get("language", "en")), base_url=data.get("base_url"),
                  license=data.get("license"), map_center=tuple(center) if center else None,
                  map_zoom=data.get("map", {}).get("zoom"), relation_types=types)


def _location(value, path: str) -> Location:
    return Location(value.get("lat"), value.get("lon"), value.get("precision_m"), value.get("note"),
                    _cites(value.get("cite"), path))


def _entity(raw: RawFile, relation_types, diags: Diagnostics) -> Entity | None:
    if raw.node is None:
        diags.error("missing-key", "the file is empty: an entity needs at least a 'name'", raw.path, 1, 1)
        return None
    data = ENTITY_RECORDS[raw.kind].convert(raw.node, Ctx(raw.path, diags))
    if data is INVALID or "name" not in data:
        return None
    path = raw.path
    entity = Entity(id=raw.id, kind=raw.kind, path=path, name=str(data["name"]),
                    names={k: str(v) for k, v in (data.get("names") or {}).items()},
                    aliases=[str(a) for a in data.get("aliases", [])], summary=data.get("summary"),
                    wikidata=data.get("wikidata"), tags=[str(t) for t in data.get("tags", [])])
    for fact in data.get("facts", []):
        if {"label", "value"} <= fact.keys():
            if not fact.get("cite"):
                diags.warning("uncited-fact", f"fact {str(fact['label'])!r} has no citation: add 'cite: [source-id]'", path, fact.line, fact.col)
            entity.facts.append(Fact(str(fact["label"]), str(fact["value"]), _cites(fact.get("cite"), path),
                                     fact.get("note"), _pos(path, fact)))
    for rel in data.get("relations", []):
        if "type" not in rel or "target" not in rel:
            continue
        if relation_types is None:
            continue
        if rel["type"] not in relation_types:
            t = rel["type"]
            diags.error("unknown-relation", f"unknown relation type {str(t)!r}: use one from docs/content-format.md or declare it under 'relations' in dossier.yaml", path, t.line, t.col)
            continue
        target = rel["target"]
        entity.relations.append(Relation(str(rel["type"]), raw.id, str(target), _cites(rel.get("cite"), path),
                                         rel.get("date"), rel.get("note"), _pos(path, target)))
        entity.refs.append((str(target), _pos(path, target), "entity"))
    for key, value in data.items():
        if key in ("name", "names", "aliases", "summary", "wikidata", "tags", "facts", "relations"):
            continue
        if key == "location" and isinstance(value, dict):
            entity.location = _location(value, path)
            continue
        entity.props[key] = value
        if key in REF_KINDS:
            for ref in (value if isinstance(value, list) else [value]):
                entity.refs.append((str(ref), _pos(path, ref), key))
    return entity  # kept even with errors in some keys, so references to it do not cascade


def _source(raw: RawFile, diags: Diagnostics) -> Source | None:
    if raw.node is None:
        diags.error("missing-key", "the front matter is empty: a source needs at least a 'title'", raw.path, 2, 1)
        return None
    data = SOURCE.convert(raw.node, Ctx(raw.path, diags))
    if data is INVALID or "title" not in data:
        return None
    annotations = []
    anchors: dict[str, int] = {}
    for number, a in enumerate(data.get("annotations", []), start=1):
        if "quote" not in a:
            continue
        anchor = f"a-{a['id']}" if "id" in a else f"a-{number}"
        where = _pos(raw.path, a)
        if anchor in anchors:
            diags.error("duplicate-annotation", f"annotation id {str(a.get('id'))!r} is used twice in this source (first on line {anchors[anchor]})", raw.path, where.line, where.col)
            continue
        anchors[anchor] = where.line
        annotations.append(Annotation(number, anchor, str(a["quote"]), a.get("prefix"), a.get("suffix"),
                                      str(a.get("kind", "note")), a.get("status"), a.get("note"),
                                      tuple(a.get("about", [])), where))
    meta = {k: v for k, v in data.items() if k != "annotations"}
    return Source(raw.id, raw.path, meta, annotations, raw.body, raw.body_line)


def _page(raw: RawFile, diags: Diagnostics) -> Page | None:
    if raw.node is None:
        diags.error("missing-key", "the front matter is empty: a page needs at least a 'title'", raw.path, 2, 1)
        return None
    data = PAGE.convert(raw.node, Ctx(raw.path, diags))
    if data is INVALID or "title" not in data:
        return None
    return Page(raw.id, raw.path, str(data["title"]), int(data.get("order", 0)), raw.body, raw.body_line)
