"""Stage 2: raw records -> typed model, with every problem reported (not only the first)."""
from __future__ import annotations

import os
from dataclasses import replace

from ..diagnostics import Diagnostics
from ..features.layers import parse_layer
from ..kinds import FOLDER_OF, RELATION_TYPES, RelationType
from ..model import Annotation, Citation, Config, Dossier, Entity, Fact, Location, Page, Pos, Relation, Source
from ..schema import DOSSIER, ENTITY_RECORDS, INVALID, PAGE, SOURCE, Closest, Ctx, is_blank
from .load import RawFile, meant_id

RESERVED_SLUGS = {"index", "map", "timeline", "claims", "search", "404", "sitemap", "sources", "data", "assets",
                  "site", *FOLDER_OF.values()}

# Entity and source pages are <folder>/<id>.html beside the folder's list, <folder>/index.html.
RESERVED_IDS = frozenset({"index"})
# On sources/index.html each source is <li id="<source id>">, so a source id must not be one of the
# fixed element ids of the templates (base.html's are on every page). tests/test_validation_gaps.py
# checks that this lists every fixed id="..." in templates/.
TEMPLATE_ELEMENT_IDS = frozenset({
    "site-search", "main",                                                     # base.html
    "backlinks-h",                                                             # _macros.html
    "infobox-h", "mini-map", "relations-h", "events-h", "claims-h", "annos-h", "mentions-h",   # entity.html
    "read-h", "entities-h", "map-h", "sources-h",                              # index.html
    "crossings-map", "list-h",                                                 # map.html
    "search-input", "search-status", "search-results",                         # search.html
    "citedby-h",                                                               # source.html
    "notes-h", "bib-h",                                                        # features/bibliography.py
})


def reserved_id(role: str, item_id: str, folder: str | None = None) -> str | None:
    """Why an entity's (role "entity") or source's (role "source") id cannot be used, or None.
    folder: the content folder of the file (countries, sources...), to name the page it would replace."""
    if item_id in RESERVED_IDS:
        if role == "source":
            folder = "sources"
        page = f"{folder}/{item_id}.html" if folder else f"{item_id}.html of the entity's kind folder"
        return (f"the id {item_id!r} is reserved: {page} is the list of the folder's "
                f"{'sources' if role == 'source' else 'entities'}, written by the generator; choose another id")
    if role == "source" and item_id in TEMPLATE_ELEMENT_IDS:
        return (f"the id {item_id!r} is reserved for sources: sources/index.html gives each source an HTML element with "
                f"the source's id, and the site's templates use {item_id!r} for an element of their own; choose another id")
    return None


# Which entity kinds each referencing key accepts (None: any entity).
REF_KINDS = {"country": {"country"}, "countries": {"country"}, "ends": {"place"}, "crosses": {"place"},
             "place": {"place"}, "location": {"place"}, "participants": None, "parties": None}


def _cites(value, path: str) -> tuple[Citation, ...]:
    return tuple(Citation(str(s), loc, Pos(path, s.line, s.col)) for s, loc in (value or ()))


def _pos(path: str, value, offset: int = 0) -> Pos:
    return Pos(path, getattr(value, "line", 0) + offset, getattr(value, "col", 0))


def convert(raw: RawFile, diags: Diagnostics):
    """One file's typed record (Config, Entity, Source, Page or map layer), or None. Depends on
    the file alone: what needs other files (ids, relation types of dossier.yaml) is assemble's."""
    if not raw.ok:
        return None
    if raw.role == "dossier":
        return _config(raw, diags) if raw.node is not None else None
    if raw.role == "entity":
        return _entity(raw, diags)
    if raw.role == "source":
        return _source(raw, diags)
    if raw.role == "page":
        return _page(raw, diags)
    return parse_layer(raw.id, raw.path, raw.body, diags)


def assemble(files: list, diags: Diagnostics) -> Dossier:
    """The dossier from each file's (role, id, path, ok, record), in discovery order: duplicate
    ids, reserved page names and relation types are checked here, across files."""
    config = None
    entities: dict[str, Entity] = {}
    sources: dict[str, Source] = {}
    pages: dict[str, Page] = {}
    layers = []
    owners: dict[str, str] = {}  # id -> file that defines it
    duplicated: set[str] = set()  # ids defined twice: references to them are not errors of their own

    for f in files:
        if f.role == "dossier" and f.record is not None:
            config = f.record
    if config is None:
        # Only when nothing was said of dossier.yaml yet: not after "no dossier.yaml", an error
        # reading it, or one in its contents (a list, a title that is not text).
        reported = any(d.code == "missing-config" for d in diags.items) or any(
            f.role == "dossier" and (not f.ok or any(d.severity == "error" for d in getattr(f, "diagnostics", ())))
            for f in files)
        if not reported:
            diags.error("missing-config", "dossier.yaml is empty: it needs at least a title",
                        next((f.path for f in files if f.role == "dossier"), "dossier.yaml"))
        config = Config(path="dossier.yaml", title="(untitled)")
        relation_types = None  # its own types are unknown: do not report every use of them as unknown
    else:
        relation_types = {**RELATION_TYPES, **config.relation_types}
    meant = Closest(relation_types or ())   # the type meant by an unknown one, within a budget

    for f in files:
        if f.role in ("entity", "source") and f.id:
            if f.id in owners:
                # at both files: the one a pull request adds may be either, and must carry the error
                diags.error("duplicate-id", f"id {f.id!r} is already used by {owners[f.id]}: ids are unique across all entities and sources", f.path)
                diags.error("duplicate-id", f"id {f.id!r} is also used by {f.path}: ids are unique across all entities and "
                            "sources; rename one of them", owners[f.id])
                duplicated.add(f.id)
                continue
            owners[f.id] = f.path
            why = reserved_id(f.role, f.id, os.path.basename(os.path.dirname(f.path)))   # not pathlib: 10,000 times a build
            if why:
                diags.error("reserved-id", why, f.path)
        if f.record is None:
            continue
        if f.role == "entity":
            entities[f.id] = _known_relations(f.record, relation_types, diags, meant)
        elif f.role == "source":
            sources[f.id] = f.record
        elif f.role == "page":
            if f.record.slug in RESERVED_SLUGS:
                diags.error("reserved-slug", f"a page named {f.record.slug!r} would collide with a page the generator writes; choose another file name", f.path)
            else:
                pages[f.record.slug] = f.record
        elif f.role == "layer":
            layers.append(f.record)
    for slug, page in pages.items():
        if slug in owners:
            diags.error("duplicate-id", f"the page {slug!r} has the id of {owners[slug]}: [[{slug}]] links to that one, "
                        "so this page could not be linked; rename the page's file", page.path)
            diags.error("duplicate-id", f"the id {slug!r} is also the name of the page {page.path}: [[{slug}]] links here, "
                        "so that page could not be linked; rename one of them", owners[slug])
            duplicated.add(slug)
    # A file refused for its name or place: references to the id it was meant to have are not
    # reported as unknown; its own error says what to mend, and on a pull request it is not
    # hidden among theirs (GitHub shows the first ten).
    unloaded = frozenset(meant for f in files if f.role in ("entity", "source", "page") and f.record is None
                         for meant in (f.id, meant_id(f.path)) if meant)
    return Dossier(config, entities, sources, pages, layers=layers, unloaded=unloaded, duplicated=frozenset(duplicated))


def _known_relations(entity: Entity, relation_types, diags: Diagnostics, meant: Closest) -> Entity:
    """Keep the relations whose type exists (built in or declared in dossier.yaml); report the
    others. With no readable dossier.yaml none is kept, and none reported."""
    kept, dropped = [], []
    for rel in entity.relations:
        if relation_types is not None and rel.type in relation_types:
            kept.append(rel)
            continue
        dropped.append(rel)
        if relation_types is not None:
            close = meant(rel.type)
            hint = f" (did you mean {close!r}?)" if close else ""
            diags.error("unknown-relation", f"unknown relation type {rel.type!r}{hint}: use one from docs/content-format.md "
                        "or declare it under 'relations' in dossier.yaml", entity.path, rel.type_pos.line, rel.type_pos.col)
    if dropped:
        gone = {(rel.target, rel.pos) for rel in dropped}
        refs = [ref for ref in entity.refs if ref[2] != "entity" or (ref[0], ref[1]) not in gone]
        # a new record (cached ones stay as read), whose references are found again without the
        # dropped relations' notes and citations
        return replace(entity, relations=kept, refs=refs, referenced=None)
    return entity


def _config(raw: RawFile, diags: Diagnostics) -> Config | None:
    data = DOSSIER.convert(raw.node, Ctx(raw.path, diags))
    if data is INVALID or "title" not in data:
        return None
    types = {}
    for type_id, spec in (data.get("relations") or {}).items():
        if "label" in spec and "reverse" in spec:   # else 'missing-key' was reported at the spec
            types[type_id] = RelationType(type_id, str(spec["label"]), str(spec["reverse"]))
    center = data.get("map", {}).get("center")
    return Config(path=raw.path, title=str(data["title"]), description=str(data.get("description", "")),
                  language=str(data.get("language", "en")), base_url=data.get("base_url"),
                  license=data.get("license"), map_center=tuple(center) if center else None,
                  map_zoom=data.get("map", {}).get("zoom"), relation_types=types)


def _location(value, path: str) -> Location:
    return Location(value.get("lat"), value.get("lon"), value.get("precision_m"), value.get("note"),
                    _cites(value.get("cite"), path))


def _entity(raw: RawFile, diags: Diagnostics) -> Entity | None:
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
        if "label" in fact and "value" in fact:
            # a 'cite' in error has its own error: no second message saying there is none
            if not fact.get("cite") and "cite" not in getattr(fact, "key_pos", {}):
                diags.warning("uncited-fact", f"fact {str(fact['label'])!r} has no citation: add 'cite: [source-id]'", path, fact.line, fact.col)
            entity.facts.append(Fact(str(fact["label"]), str(fact["value"]), _cites(fact.get("cite"), path),
                                     fact.get("note"), _pos(path, fact)))
    seen: dict[tuple, int] = {}
    for number, rel in enumerate(data.get("relations", []), start=1):
        if "type" not in rel or "target" not in rel:
            continue
        target, where = str(rel["target"]), _pos(path, rel["target"])
        if target == raw.id:
            diags.error("self-relation", f"relation {number} leads to {raw.id!r} itself: a relation links two entities", path, where.line, where.col)
            continue
        same = (str(rel["type"]), target, rel.get("date"))
        if same in seen:
            diags.error("duplicate-item", f"relation {number} repeats relation {seen[same]} ({same[0]} {target!r}"
                        f"{', ' + str(same[2]) if same[2] else ''}): remove the repeat, or give each its date", path, where.line, where.col)
            continue
        seen[same] = number
        entity.relations.append(Relation(str(rel["type"]), raw.id, target, _cites(rel.get("cite"), path),
                                         rel.get("date"), rel.get("note"), where, _pos(path, rel["type"])))
        entity.refs.append((target, where, "entity"))
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
    listed = list(enumerate(data.get("annotations", []), start=1))
    # An annotation's anchor is #a-<id>, or #a-<number> (its place in the list) when it has no id;
    # so an id can take the anchor of another annotation's id, or of one without an id ('2').
    given: dict[str, tuple] = {}   # anchor -> (number, id) of the first annotation whose id gives it
    for number, a in listed:
        if "id" in a:
            given.setdefault(f"a-{a['id']}", (number, a["id"]))
    for number, a in listed:
        if "quote" not in a:
            continue
        own = a.get("id")
        anchor = f"a-{own}" if own is not None else f"a-{number}"
        where = _pos(raw.path, a["quote"])   # the line a quote not found, or found twice, is mended on
        first_number, first_id = given.get(anchor, (number, own))
        if first_number != number:
            if own is not None:
                diags.error("duplicate-annotation", f"annotation id {str(own)!r} is used twice in this source (first on line {first_id.line})",
                            raw.path, own.line, own.col)
            else:   # reported at the id that takes this annotation's numbered anchor
                diags.error("duplicate-annotation", f"annotation id {str(first_id)!r} gives the anchor #{anchor}, which is also the "
                            f"anchor of annotation {number} (line {where.line}): an annotation without an id is anchored by its "
                            "number in the list; choose another id", raw.path, first_id.line, first_id.col)
            continue
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
    if is_blank(raw.body or ""):   # published as a title alone (an outside hunt: nothing said so)
        diags.warning("empty-page", "the page has no text below its front matter, and is published as a title alone: "
                      "write it in Markdown after the closing '---'", raw.path, raw.body_line, 1)
    return Page(raw.id, raw.path, str(data["title"]), int(data.get("order", 0)), raw.body, raw.body_line)
