"""`dossier new <kind> <id>`: a skeleton file that passes `dossier check` as written.

Each skeleton carries the ``# yaml-language-server: $schema=...`` line (editors then complete keys
and flag mistakes as you type) and, as comments, the keys a contributor fills in next, with the
rules that matter (every fact cited, coordinates only from a source). Nothing is invented: the name
is made from the id, a crossing's position says it is not yet researched, and a date that is
required but not given is a placeholder that `dossier check` points at until it is filled in.
"""
from __future__ import annotations

import datetime
import os
import re
from pathlib import Path

from .kinds import FOLDER_OF, KINDS
from .schema import ID_MAX, ID_RE, date_problem, is_blank

ENTITY_KINDS = tuple(KINDS.values())
KIND_NAMES = (*ENTITY_KINDS, "source", "page")
ALIASES = {**{folder: kind for folder, kind in KINDS.items()}, "sources": "source", "pages": "page",
           **{kind: kind for kind in KIND_NAMES}}
DATE_PLACEHOLDER = "YYYY-MM-DD"


def content_folder_problem(content: Path) -> str | None:
    """Why --content names no content folder, or None when it names a folder."""
    if content.is_dir():
        return None
    if content.exists():
        hint = f" (the folder that holds it: --content {str(content.parent)!r})" if content.name == "dossier.yaml" else ""
        return f"--content {str(content)!r} is a file: it names the content folder{hint}"
    return f"content folder {str(content)!r} not found (use --content to name another one)"


class ScaffoldError(Exception):
    """The kind or id cannot be used (exit 2)."""


def resolve_kind(kind: str) -> str:
    found = ALIASES.get(kind.strip().lower())
    if found is None:
        raise ScaffoldError(f"unknown kind {kind!r}: expected one of {', '.join(KIND_NAMES)} "
                            f"(or a folder name: {', '.join(KINDS)}, sources, pages)")
    return found


def check_id(source_id: str, what: str = "id") -> None:
    if not ID_RE.match(source_id) or len(source_id) > ID_MAX:
        raise ScaffoldError(f"{source_id!r} is not a valid {what}: use lowercase ASCII letters, digits and single "
                            f"hyphens (like 'kim-jong-un' or 'tass-2025-11-27-bridge-spans'), at most {ID_MAX} characters")


def existing_ids(content: Path) -> dict[str, Path]:
    """Every id in use, from file names: entities of all kinds and sources (any extension)."""
    found: dict[str, Path] = {}
    for folder in (content / "entities", content / "sources"):
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    found.setdefault(path.stem, path)
    return found


def page_named(content: Path, item_id: str) -> Path | None:
    """The authored page whose file name is item_id, if any: an entity or a source with its id
    would take [[item_id]] from the page (duplicate-id, at the page)."""
    pages = content / "pages"
    taken = sorted(p for p in pages.glob(f"{item_id}.*") if p.is_file()) if pages.is_dir() else []
    return taken[0] if taken else None


def leads_out(path: Path, content: Path) -> str | None:
    """Why a file may not be written at path, or None: a folder on the way that is a link out of
    the content folder (a pull request can add one) would take it elsewhere on the machine."""
    if path.parent.resolve().is_relative_to(content.resolve()):
        return None
    return f"{path.parent} leads out of the content folder (a symbolic link): nothing is written there"


def target_path(kind: str, item_id: str, content: Path) -> Path:
    if kind == "source":
        return content / "sources" / f"{item_id}.md"
    if kind == "page":
        return content / "pages" / f"{item_id}.md"
    return content / "entities" / FOLDER_OF[kind] / f"{item_id}.yaml"


def ensure_free(kind: str, item_id: str, content: Path) -> None:
    """Refuse an id that is taken: ids are unique across entities and sources."""
    ids = existing_ids(content)
    if item_id in ids:
        raise ScaffoldError(f"the id {item_id!r} is already used by {ids[item_id]}: ids are unique across all "
                            "entities and sources; choose another one")
    from .stages.validate import RESERVED_SLUGS, reserved_id
    if kind != "page":
        page = page_named(content, item_id)
        if page:
            raise ScaffoldError(f"the id {item_id!r} is the name of the page {page}: [[{item_id}]] could then not link "
                                "to that page; choose another one")
        why = reserved_id("source" if kind == "source" else "entity", item_id,
                          "sources" if kind == "source" else FOLDER_OF[kind])
        if why:
            raise ScaffoldError(why)
    else:
        if item_id in RESERVED_SLUGS:
            raise ScaffoldError(f"a page named {item_id!r} would collide with a page the generator writes; choose another name")
        page = page_named(content, item_id)
        if page:
            raise ScaffoldError(f"the page {page} already exists")


def schema_line(path: Path, content: Path, schema: str) -> str:
    """The editor's schema line, relative from the file to ``schemas/`` beside the content folder."""
    rel = os.path.relpath(content.resolve().parent / "schemas" / f"{schema}.schema.json", path.parent.resolve())
    return f"# yaml-language-server: $schema={Path(rel).as_posix()}"


def yaml_string(text: str) -> str:
    """A YAML double-quoted scalar that reads back as exactly ``text`` (any characters)."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif code < 0x20 or code == 0x7F or 0x80 <= code <= 0x9F or code in (0x2028, 0x2029, 0xFEFF) \
                or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def name_from_id(item_id: str) -> str:
    return " ".join(word.capitalize() for word in item_id.split("-"))


_COMMON_TAIL = """\
# names: {{ko: ..., ru: ...}}           # the name in other scripts, by language tag
# aliases: [Another Name]             # other names; also used to find mentions in sources
# summary: |                          # Markdown: [[entity-id]] links, [@source-id] citations
#   One or two sentences on what this is [@source-id].
# wikidata: Q12345
# tags: [{tag}]
# facts:                              # infobox rows; each one needs cite: [source-id]
#   - {{label: {fact}, value: "...", cite: [source-id]}}
#   - {{label: {fact}, value: "...", cite: ["source-id, p. 4"]}}   # same label: sources disagree
# relations:                          # types: docs/content-format.md#relations
#   - {{type: {relation}, target: entity-id, cite: [source-id]}}
"""

_KIND_KEYS = {
    "person": """\
# role: Minister of Something          # the person's role or office
# country: north-korea                # a country id
""",
    "organization": """\
# country: russia                     # the country it belongs to (a country id)
""",
    "country": """\
# iso: KP                             # ISO 3166-1 alpha-2 code
""",
    "place": """\
# location: {lat: 42.35, lon: 130.4, cite: [source-id]}   # coordinates only from a source
# country: north-korea                # the country it is in (a country id)
""",
    "crossing": """\
# Never invent coordinates. When a source gives them, replace the note below with
#   location: {{lat: 42.4, lon: 130.6, cite: [source-id]}}
# and when the position is approximate add precision_m (metres) and a note saying how it was derived.
location:
  note: Position not yet researched; no source consulted so far publishes coordinates.
# mode: road                          # rail, road, pedestrian, mixed or unknown
# status: open                        # open, closed, under-construction, planned, built-not-opened or unknown
# status_note: What the sources say of the status [@source-id].
# opened: 2025-04-30
# countries: [north-korea, russia]    # the two country ids
# ends: [place-id, place-id]          # the places on each bank
# crosses: tumen-river                # a place id, usually a river
# length_m: 623
# border: North Korea–Russia          # groups crossings on the map page
""",
    "event": """\
date: {date}{date_comment}
# end: 2025-05-01                     # when it ended
# location: place-id                  # a place id, or {{lat: ..., lon: ..., cite: [...]}}
# participants: [entity-id, entity-id]
""",
    "document": """\
{date_line}# in_force: 2024-12-04               # the date it entered into force
# parties: [entity-id, entity-id]
# place: pyongyang                    # a place id: where it was signed
""",
}

_FACT = {"person": ("Born", "leads", "person"), "organization": ("Founded", "part-of", "agency"),
         "country": ("Capital", "borders", "country"), "place": ("Population", "located-in", "city"),
         "crossing": ("Length", "crosses", "rail"), "event": ("Venue", "participant-in", "summit"),
         "document": ("Signed at", "party-to", "treaty")}


def entity_skeleton(kind: str, item_id: str, name: str, line: str, date: str | None) -> str:
    fact, relation, tag = _FACT[kind]
    head = (f"{line}\n"
            f"# {'An' if kind[0] in 'aeiou' else 'A'} {kind}. Only the keys without '#' are needed; uncomment and fill in the others from your sources.\n"
            "# Every fact needs a citation (cite: [source-id], a file in content/sources/).\n"
            "# The format: docs/content-format.md. Check your work with `dossier check`.\n"
            f"name: {yaml_string(name)}\n")
    keys = _KIND_KEYS[kind]
    if kind == "event":
        keys = keys.format(date=date or DATE_PLACEHOLDER,
                           date_comment="" if date else "   # required: replace with the date (YYYY, YYYY-MM or YYYY-MM-DD)")
    elif kind == "document":
        keys = keys.format(date_line=f"date: {date}                    # signed or published\n" if date else
                           "# date: 2024-06-19                   # signed or published\n")
    elif kind == "crossing":
        keys = keys.format()
    return head + keys + _COMMON_TAIL.format(fact=fact, relation=relation, tag=tag)


def source_skeleton(name: str, line: str, today: str) -> str:
    return f"""---
{line}
# A source: the front matter below, then the article's text as Markdown after the closing '---'.
# Paste the text, or create the whole file from a saved page with `dossier import page.html`.
# The format: docs/content-format.md#sources.
title: {yaml_string(name)}       # required: the source's own title
# publisher: Inter Bellum News
# author: Jane Doe
# url: https://example.org/article
# published: 2025-04-30               # YYYY, YYYY-MM or YYYY-MM-DD
accessed: {today}                # the date you read it
# archive: https://web.archive.org/web/2025/https://example.org/article
# language: en
# type: article                       # article, reference, report, statement or map
# reliability: C                      # Admiralty source grade A-F
# credibility: 3                      # Admiralty information grade 1-6
# annotations:                        # notes anchored on the exact words of the text
#   - quote: "in June 2023"
#     kind: correction                # note, context, correction or claim
#     note: The visit took place in June 2024 [@other-source-id].
#     about: [entity-id]
---
"""


def page_skeleton(name: str) -> str:
    return f"""---
# An authored page, published as <file name>.html and listed in the navigation by 'order'.
# Write the page below the closing '---' in Markdown: [[entity-id]] links, [@source-id] citations.
title: {yaml_string(name)}
order: 10
---
"""


def new(kind: str, item_id: str, content: Path, name: str | None = None, date: str | None = None,
        today: str | None = None) -> tuple[Path, list[str]]:
    """Write the skeleton; returns its path and what is left to do. Raises ScaffoldError."""
    kind = resolve_kind(kind)
    check_id(item_id, "page name" if kind == "page" else "id")
    problem = content_folder_problem(content)
    if problem:
        raise ScaffoldError(problem)
    if date is not None:
        why = date_problem(date)
        if why:
            raise ScaffoldError(f"{date!r} is not a valid date: {why}")
        if kind not in ("event", "document"):
            raise ScaffoldError("--date is for events and documents")
    if name is not None and is_blank(name):   # as check has it: a zero-width space is no name
        raise ScaffoldError("--name is blank: give the name as readers should see it")
    if name is not None and (len(name) > 300 or re.search(r"[\x00-\x1f\x7f]", name)):
        raise ScaffoldError("--name must be one line of text, at most 300 characters")
    ensure_free(kind, item_id, content)
    path = target_path(kind, item_id, content)
    name = name.strip() if name else name_from_id(item_id)
    todo = []
    if kind == "source":
        text = source_skeleton(name, schema_line(path, content, "source"),
                               today or datetime.date.today().isoformat())
        todo.append(f"set the title and paste the article's text below the front matter of {path}")
    elif kind == "page":
        text = page_skeleton(name)
        todo.append(f"write the page in Markdown below the front matter of {path}")
    else:
        text = entity_skeleton(kind, item_id, name, schema_line(path, content, kind), date)
        if kind == "event" and not date:
            line_no = next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith("date: "))
            todo.append(f"replace {DATE_PLACEHOLDER} on line {line_no} with the event's date: "
                        "`dossier check` reports it until then")
        if kind == "crossing":
            todo.append("give the crossing's location from a source, or say in the note what the sources tell of it")
        todo.append(f"link it from another entity, a page or an annotation: [[{item_id}]]")
    if not (content / "dossier.yaml").is_file():   # a dossier begun with `dossier new`
        todo.append(f"write {content / 'dossier.yaml'} with at least the dossier's title ('title: ...'): "
                    "every content folder needs one")
    problem = leads_out(path, content)
    if problem:
        raise ScaffoldError(problem)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8", newline="\n") as f:  # "x": never overwrite
        f.write(text)
    return path, todo
