"""Stage 3: resolve ids, [[links]], [@citations], annotation anchors, backlinks and mentions.

After this stage every reference is known to exist (or an error says where it does not), and
the indexes that pages need (relations both ways, who cites or links what, mentions, claims) are
built once, so rendering never searches the whole dossier for one page.
"""
from __future__ import annotations

import hashlib
import os
import posixpath
import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePath
from typing import NamedTuple

from .. import collector
from ..diagnostics import Diagnostics
from ..features.mentions import MentionMatcher
from ..kinds import FOLDER_OF, RELATION_TYPES
from ..markdown import MD
from ..markdown.anchoring import LIMIT, ReaderText, find_quote, fold, fold_spaces, reader_text
from ..markdown.refs import scan
from ..model import Dossier, Pos, Source
from ..yamlload import scalar_offsets
from .incremental import note
from .pool import fork_map
from .validate import REF_KINDS
from .verify import resolve_link

SNIPPET_CHARS = 90


@dataclass(frozen=True)
class Target:
    id: str
    name: str
    url: str
    kind: str


class SiteIndex:
    """Everything a link can point at, by id."""

    def __init__(self, dossier: Dossier):
        self.targets: dict[str, Target] = {}
        for e in dossier.entities.values():
            self.targets[e.id] = Target(e.id, e.name, e.url, e.kind)
        for s in dossier.sources.values():
            self.targets[s.id] = Target(s.id, s.title, s.url, "source")
        for p in dossier.pages.values():
            self.targets.setdefault(p.slug, Target(p.slug, p.title, p.url, "page"))

    def lookup(self, id_: str) -> Target | None:
        note(f"tgt:{id_}")   # a page that shows this target's name or address depends on it
        return self.targets.get(id_)


class Anchored(NamedTuple):
    """An annotation with its place in the reader's text."""
    annotation: object
    source_id: str
    start: int
    end: int


class Mention(NamedTuple):   # all its fields make its digest (incremental._ENTRY)
    source_id: str
    snippet_before: str
    text: str
    snippet_after: str
    count: int


@dataclass
class Resolved:
    dossier: Dossier
    site: SiteIndex
    relation_types: dict
    incoming: dict[str, list] = field(default_factory=lambda: defaultdict(list))      # target -> relations
    linked_from: dict[str, set] = field(default_factory=lambda: defaultdict(set))     # id -> referrer ids
    cited_by: dict[str, set] = field(default_factory=lambda: defaultdict(set))        # source -> referrer ids
    anchors: dict[str, list[Anchored]] = field(default_factory=dict)                  # source -> anchored annotations
    about: dict[str, list[Anchored]] = field(default_factory=lambda: defaultdict(list))  # entity -> annotations
    mentions: dict[str, list[Mention]] = field(default_factory=lambda: defaultdict(list))  # entity -> mentions
    events_of: dict[str, list] = field(default_factory=lambda: defaultdict(list))     # entity -> events
    matcher: MentionMatcher | None = None
    reading_keys: set = field(default_factory=set)   # the keys of the source readings used


def markdown_pos(path: str, text, offset: int) -> Pos:
    """File position of a character of a Markdown value read from YAML (or of a body).

    A body is the file's text from its first line. A YAML value was folded and unescaped from
    what the file holds (quotes, escapes, folded lines, indentation): the scalar is read again
    from the file and its rules replayed (yamlload.scalar_offsets), and where that does not give
    back the value exactly, the value's own position is given rather than a wrong one."""
    line0, col0 = getattr(text, "line", 0), getattr(text, "col", 0)
    style = getattr(text, "style", None)
    if style == "body" or not line0:
        before = text[:offset]
        n = before.count("\n")
        col = offset - (before.rfind("\n") + 1)
        if n == 0:
            return Pos(path, line0, col0 + col)
        return Pos(path, line0 + n, col + 1)
    found = _source(path)
    if found is not None and 0 <= offset < len(text):
        source, starts = found
        if line0 <= len(starts):
            start = starts[line0 - 1] + col0 - 1
            offsets = scalar_offsets(source, start, style, str(text)) if start < len(source) else None
            if offsets is not None:
                at = offsets[offset]
                line = bisect_right(starts, at)
                return Pos(path, line, at - starts[line - 1] + 1)
    return Pos(path, line0, col0)


def _source(path: str) -> tuple[str, list[int]] | None:
    """A content file's text as the load stage read it (UTF-8, LF line ends) and where each of
    its lines starts; only read to place an error, so kept for a few files."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return _read_source(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _read_source(path: str, mtime_ns: int, size: int) -> tuple[str, list[int]] | None:
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    starts = [0]
    find = text.find
    at = find("\n")
    while at != -1:
        starts.append(at + 1)
        at = find("\n", at + 1)
    return text, starts


def resolve(dossier: Dossier, diags: Diagnostics, readings: dict | None = None) -> Resolved:
    """readings: SourceReadings of an earlier build (updated here), so that only the sources that
    changed are read again (the names matched are part of their key)."""
    with collector.paused(keep=True):
        return _resolve(dossier, diags, {} if readings is None else readings)


def _resolve(dossier: Dossier, diags: Diagnostics, readings: dict) -> Resolved:
    site = SiteIndex(dossier)
    res = Resolved(dossier, site, {**RELATION_TYPES, **dossier.config.relation_types})
    entities, sources = dossier.entities, dossier.sources
    targets = site.targets   # not site.lookup, which notes what the page being rendered reads
    # Ids that a file with errors would define: references to them are not errors of their own
    # (one broken file would otherwise bring an error at every reference to it).
    unloaded = _ids_of_broken_files(diags, targets)
    links: list[tuple] = []   # (path, owner, text, shown, its links or None): checked at the end

    def check_cites(owner: str, citations):
        for c in citations or ():
            target = targets.get(c.source)
            if target is None:
                if c.source in unloaded:
                    continue
                diags.error("unknown-source", f"unknown source {c.source!r} in citation", c.pos.path, c.pos.line, c.pos.col)
            elif target.kind != "source":
                diags.error("not-a-source", f"{c.source!r} is a {target.kind}, not a source: citations name sources", c.pos.path, c.pos.line, c.pos.col)
            else:
                res.cited_by[c.source].add(owner)

    def check_markdown(owner: str, path: str, text, shown=None):
        """shown: what decides the pages that show the text (see _shown_on); None for a source's
        body, whose links read_source finds."""
        if not text or "[" not in text:   # [[links]], [@citations] and [Markdown](links) need one
            return
        if shown is not None and _MAY_LINK.search(text):
            links.append((path, owner, text, shown, None))
        for offset, what, ref, _ in scan(str(text)):
            target = targets.get(ref)
            if target is None:
                if ref in unloaded:
                    continue
                where = markdown_pos(path, text, offset)
                syntax = f"[[{ref}]]" if what == "link" else f"[@{ref}]"
                diags.error("unknown-id" if what == "link" else "unknown-source",
                            f"unknown {'id' if what == 'link' else 'source'} {ref!r} in {syntax}", path, where.line, where.col)
            elif what == "cite":
                if target.kind != "source":
                    where = markdown_pos(path, text, offset)
                    diags.error("not-a-source", f"{ref!r} is a {target.kind}, not a source: [@...] cites sources; use [[{ref}]] to link", path, where.line, where.col)
                else:
                    res.cited_by[ref].add(owner)
            elif ref != owner:
                res.linked_from[ref].add(owner)

    for entity in (entities[k] for k in sorted(entities)):
        for ref, where, key in entity.refs:
            target = entities.get(ref)
            if target is None:
                if ref in unloaded:
                    continue
                other = "a source" if ref in sources else None
                message = f"unknown id {ref!r}" + (f": it is {other}, not an entity" if other else "")
                diags.error("unknown-id", message, where.path, where.line, where.col)
                continue
            wanted = REF_KINDS.get(key)
            if wanted and target.kind not in wanted:
                diags.error("wrong-kind", f"{ref!r} is a {target.kind}; '{key}' expects a {' or '.join(sorted(wanted))}", where.path, where.line, where.col)
                continue
            if ref != entity.id:
                res.linked_from[ref].add(entity.id)
        for fact in entity.facts:
            check_cites(entity.id, fact.cite)
            check_markdown(entity.id, entity.path, fact.note, "inline")
        for rel in entity.relations:
            check_cites(entity.id, rel.cite)
            check_markdown(entity.id, entity.path, rel.note, "inline")
            if rel.target in entities:
                res.incoming[rel.target].append(rel)
        if entity.location:
            check_cites(entity.id, entity.location.cite)
            check_markdown(entity.id, entity.path, entity.location.note, "location")
        check_markdown(entity.id, entity.path, entity.summary, "entity")
        check_markdown(entity.id, entity.path, entity.props.get("status_note"), "status")
        if entity.kind in ("event", "document"):
            # each entity once, even when it is both a participant and a relation's target
            related = {str(ref) for ref in entity.props.get("participants", []) + entity.props.get("parties", [])}
            related.update(rel.target for rel in entity.relations)
            for ref in related:
                res.events_of[ref].append(entity)

    names = []
    for entity in entities.values():
        names.append((entity.name, entity.id))
        names.extend((alias, entity.id) for alias in entity.aliases)
    res.matcher = MentionMatcher(sorted(names))

    ordered_sources = [sources[k] for k in sorted(sources)]
    for source in ordered_sources:
        check_markdown(source.id, source.path, source.meta.get("note"), "source")
        check_markdown(source.id, source.path, _body_text(source))
        for a in source.annotations:
            check_markdown(source.id, source.path, a.note, a)
            for ref in a.about:
                if ref not in entities and ref not in unloaded:
                    line, col = getattr(ref, "line", a.pos.line), getattr(ref, "col", a.pos.col)
                    diags.error("unknown-id", f"unknown entity {str(ref)!r} in 'about' of annotation {a.anchor}", a.pos.path, line, col)
    keys = [_reading_key(s, res.matcher) for s in ordered_sources]
    res.reading_keys = set(keys)
    for source, reading in zip(ordered_sources, _read_sources(ordered_sources, keys, res.matcher, readings)):
        diags.items.extend(reading.diagnostics)
        res.anchors[source.id] = reading.anchored
        for item in reading.anchored:
            for ref in item.annotation.about:
                res.about[ref].append(item)
        for entity_id, mention in reading.mentions:
            res.mentions[entity_id].append(mention)
        if reading.links:
            links.append((source.path, source.id, _body_text(source), "source", reading.links))

    for page in (dossier.pages[k] for k in sorted(dossier.pages)):
        check_markdown(page.slug, page.path, _body_text(page), "page")
    if links:
        _check_links(res, links, diags)
    _read_source.cache_clear()   # files read to place errors are not kept

    _warn_orphans(res, diags)
    for lst in res.events_of.values():
        lst.sort(key=lambda e: (e.date or "", e.id))
    return res


def _ids_of_broken_files(diags: Diagnostics, defined: dict) -> set[str]:
    """The ids that files with errors would define but do not (they did not load: a YAML syntax
    error, a control character, a missing name). The file's own error says what to fix."""
    out: set[str] = set()
    for d in diags.items:
        if d.severity != "error" or not d.path.endswith((".yaml", ".md")):
            continue
        path = PurePath(d.path)
        parts = path.parts
        if (path.suffix == ".yaml" and len(parts) >= 3 and parts[-3] == "entities") or \
                (path.suffix == ".md" and ("sources" in parts[:-1] or "pages" in parts[:-1])):
            if path.stem not in defined:
                out.add(path.stem)
    return out


# --- relative links in Markdown ---------------------------------------------------------------
# The writer refuses a page whose links lead nowhere (stages/verify.py check_link); the same
# rules are applied here to each Markdown text, on every page that shows it and read as that page
# reads it (blocks: the templates' md filter; inline: their mdi filter), so the error names the
# Markdown file, line and column and comes from `dossier check`, before anything is built.

_MAY_LINK = re.compile(r"\][(:]")   # what an inline link or a link reference definition needs
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_EVERY_PAGE_IDS = frozenset({"main", "site-search"})   # templates/base.html
_LINK_HINT = "link to an entity, source or page with [[id]]"


def _site_pages(dossier: Dossier) -> set[str]:
    """Every page the site will have (Renderer.jobs)."""
    pages = {"index.html", "sources/index.html", "map.html", "timeline.html", "claims.html", "search.html", "404.html"}
    for entity in dossier.entities.values():
        pages.add(entity.url)
        pages.add(f"{FOLDER_OF[entity.kind]}/index.html")
    pages.update(source.url for source in dossier.sources.values())
    pages.update(page.url for page in dossier.pages.values())
    return pages


def _site_files(res: Resolved) -> set[str]:
    """The files the build writes beside the pages: the data files (Renderer.data_files, by the
    names their writers give, nothing written) and the assets (build.copy_assets)."""
    from ..features import exports, search
    from ..features import map as drawing
    from .render import templates_dir
    files = {path for path, _ in exports.writers(res, None)}   # the map data is only read when written
    files.update(path for path, _ in search.writers(res))
    assets = templates_dir() / "assets"
    files.update("assets/" + path.relative_to(assets).as_posix() for path in assets.rglob("*") if path.is_file())
    try:
        files.update("assets/" + rel for _, rel in drawing.leaflet_files())
    except (ImportError, FileNotFoundError):   # the build stops on it; no link leads there
        pass
    files.add("assets/basemap.js")
    return files


class _SiteLinks:
    """What a relative link can lead to: the pages, the files beside them (found when a link
    leads into assets/ or data/) and the ids known to be on a page."""

    def __init__(self, res: Resolved):
        self.res = res
        self.pages = _site_pages(res.dossier)
        sources = res.dossier.sources
        self.anchors: dict[str, set] = {"sources/index.html": set(sources)}   # templates/sources_index.html
        for sid, items in res.anchors.items():
            if sid in sources:   # a highlight and its margin note (templates/_annotation.html)
                self.anchors[sources[sid].url] = {a for item in items for a in (item.annotation.anchor, f"{item.annotation.anchor}-note")}
        self._files: set[str] | None = None

    def has(self, target: str) -> bool:
        if target in self.pages:
            return True
        if not target.startswith(("assets/", "data/")):
            return False
        if self._files is None:
            self._files = _site_files(self.res)
        return target in self._files


def _links_of(text: str, tokens: list | None = None, inline: bool = False) -> list[tuple[str, bool, int]]:
    """(URL as the page will have it, whether an image, its number among them) of each link and
    image markdown-it makes of the text (not the [[links]]: they are checked above), read as
    blocks or, inline, as one paragraph's content. tokens: the text's tokens, when already parsed.
    Where each is in the text is only needed for an error (_link_offsets)."""
    found = []
    if tokens is None:
        tokens = MD.parseInline(text, {}) if inline else MD.parse(text, {})
    for token in tokens:
        for child in token.children or ():
            if child.type == "link_open":
                found.append((str(child.attrGet("href") or ""), False, len(found)))
            elif child.type == "image":
                found.append((str(child.attrGet("src") or ""), True, len(found)))
    return found


def _link_problem(page: str, url: str, image: bool, site: _SiteLinks) -> str | None:
    """What stages/verify.py check_link would say of the link on that page, or None."""
    what = "resource" if image and not _SCHEME.match(url) else "link"   # a remote image becomes a link
    problem, target, fragment = resolve_link(posixpath.dirname(page), url, what)
    if problem:
        return problem.split(": link to", 1)[0]   # verify's own advice is for the HTML
    if target is None:   # external, or mailto:
        return None
    target = target or page
    shown = f"{'image' if image else 'link'} {url.strip()!r}"
    if target != page and not site.has(target):
        from_here = f" (from {page} it leads to {target!r})" if "/" in page else ""
        return f"{shown} points to a missing file{from_here}"
    if fragment and target.endswith(".html") and fragment not in _EVERY_PAGE_IDS and fragment not in site.anchors.get(target, ()):
        return f"{shown}: no element with id {fragment!r} in {target}"
    return None


def _shown_on(d: Dossier, owner: str, shown) -> tuple[tuple[str, bool], ...]:
    """(page, whether it shows the text inline: the templates' mdi filter, else md) for each page
    that shows a text of owner. shown is "entity" (its page), "inline" (a fact's or relation's
    note, inline on its page), "status" (the status note, shown with a status only), "location"
    (its page, and inline on the map page for a crossing without coordinates: templates/map.html),
    "source", "page", or an annotation (its note is shown by its source, on the pages of the
    entities it is about, and on the claims page)."""
    if shown in ("entity", "inline"):
        return ((d.entities[owner].url, shown == "inline"),)
    if shown == "status":
        entity = d.entities[owner]
        return ((entity.url, False),) if entity.props.get("status") else ()
    if shown == "location":
        entity = d.entities[owner]
        on_map = entity.kind == "crossing" and not (entity.location and entity.location.has_point)
        return ((entity.url, False), ("map.html", True)) if on_map else ((entity.url, False),)
    if shown == "page":
        return ((d.pages[owner].url, False),)
    if shown == "source":
        return ((d.sources[owner].url, False),)
    pages = (d.sources[owner].url, *(d.entities[ref].url for ref in shown.about if ref in d.entities),
             *(("claims.html",) if shown.kind == "claim" else ()))
    return tuple((page, False) for page in pages)


def _check_links(res: Resolved, texts: list, diags: Diagnostics) -> None:
    site = _SiteLinks(res)
    for path, owner, text, shown, found in texts:
        shown_on = _shown_on(res.dossier, owner, shown)
        reported: set = set()
        for inline in (False, True):
            pages = [page for page, mode in shown_on if mode is inline]
            if not pages:
                continue
            offsets = None
            links = found if found is not None and not inline else _links_of(str(text), inline=inline)
            for url, image, number in links:
                for page in pages:
                    problem = _link_problem(page, url, image, site)
                    if problem:
                        if offsets is None:
                            offsets = _link_offsets(str(text), inline)
                        offset = offsets[number] if number < len(offsets) else 0
                        if (offset, url) not in reported:   # a link read both ways: one error
                            reported.add((offset, url))
                            where = markdown_pos(path, text, offset)
                            on = f" (on {page}, which shows this text)" if len(shown_on) > 1 else ""
                            diags.error("bad-link", f"{problem}{on}: {_LINK_HINT}", path, where.line, where.col)
                        break


# Where each link is: markdown-it gives blocks their lines (token.map) and inline tokens none.
# A second Markdown made like MD, whose link, image and reference rules also note where the
# destination they read starts, places each link exactly; it only reads texts with an error.
_AT, _DEFINED = "dossier_link_at", "dossier_defined_at"


@lru_cache(maxsize=1)
def _placing_markdown():
    from markdown_it.common.utils import normalizeReference

    from ..markdown import make_markdown

    def inline_rule(rule, kind: str):
        def placed(state, silent: bool) -> bool:
            start, maximum, count = state.pos, state.posMax, len(state.tokens)
            if not rule(state, silent):
                return False
            if silent or _AT not in state.env:
                return True
            token = next((t for t in state.tokens[count:] if t.type == kind), None)
            if token is not None:
                end, src = state.pos, state.src
                state.posMax = maximum   # as the rule found its label (the parse's cache holds it)
                label_end = state.md.helpers.parseLinkLabel(state, start + 1, False) if kind == "image" \
                    else state.md.helpers.parseLinkLabel(state, start, True)
                if label_end >= 0 and src[end - 1] == ")":   # [label](destination): a reference ends in ']'
                    at = label_end + 2
                    while at < maximum and src[at] in " \t\n":
                        at += 1
                    state.env[_AT][id(token)] = ("at", at + (src[at:at + 1] == "<"))
                elif label_end >= 0:   # [label], [label][] or [text][label]: where its definition is
                    label, at = None, label_end + 1
                    if at < maximum and src[at] == "[":
                        closing = state.md.helpers.parseLinkLabel(state, at)
                        if closing >= 0:
                            label = src[at + 1:closing]
                    label = label or src[start + 1 + (kind == "image"):label_end]
                    state.env[_AT][id(token)] = ("ref", normalizeReference(label))
                state.pos, state.posMax = end, maximum
            return True
        return placed

    def reference_rule(reference):
        def placed(state, start_line: int, end_line: int, silent: bool) -> bool:
            before = len(state.env.get("references", ()))
            if not reference(state, start_line, end_line, silent):
                return False
            defined = state.env.get("references", {})
            if not silent and _DEFINED in state.env and len(defined) > before:   # a new label (the first one counts)
                at = _destination_of_definition(state, start_line)
                if at is not None:
                    state.env[_DEFINED][next(reversed(defined))] = at
            return True
        return placed

    def wrap(ruler, name: str, placed) -> None:
        rule = ruler.__rules__[ruler.__find__(name)]
        ruler.at(name, placed(rule.fn), {"alt": list(rule.alt)})

    md = make_markdown()
    wrap(md.inline.ruler, "link", lambda rule: inline_rule(rule, "link_open"))
    wrap(md.inline.ruler, "image", lambda rule: inline_rule(rule, "image"))
    wrap(md.block.ruler, "reference", reference_rule)
    return md


def _destination_of_definition(state, start_line: int) -> int | None:
    """Where the destination of the definition the reference rule just read starts in the text:
    its lines are read as the rule read them (each from its first character), after the label
    and its ':'."""
    src, pieces, string = state.src, [], ""
    for line in range(start_line, max(state.line, start_line + 1)):
        first = state.bMarks[line] + state.tShift[line]
        pieces.append((len(string), first))
        string += src[first:state.eMarks[line] + 1]
    at, label_end = 1, None
    while at < len(string):
        ch = string[at]
        if ch == "[":
            return None
        if ch == "]":
            label_end = at
            break
        at += 2 if ch == "\\" else 1
    if label_end is None or string[label_end + 1:label_end + 2] != ":":
        return None
    at = label_end + 2
    while at < len(string) and string[at] in " \t\n":
        at += 1
    at += string[at:at + 1] == "<"
    piece, first = next((p, f) for p, f in reversed(pieces) if p <= at)
    return first + at - piece


def _link_offsets(text: str, inline: bool) -> list[int]:
    """Where in the text each link of _links_of(text, inline=inline) is (the start of its
    destination, or of its definition's): exact where the parse says, else the start of the
    line of its block (the text's start when even that is not known): never another place."""
    if "\r" in text:   # markdown-it reads it as a line end: its lines are not the text's
        return []
    env = {_AT: {}, _DEFINED: {}}
    md = _placing_markdown()
    tokens = md.parseInline(text, env) if inline else md.parse(text, env)
    starts = [0]
    starts.extend(m.end() for m in re.finditer("\n", text))
    offsets = []
    for n, token in enumerate(tokens):
        if not token.children:
            continue
        block = starts[token.map[0]] if token.map and not inline and token.map[0] < len(starts) else 0
        # a paragraph's or a setext heading's content: lines of the text (its map, not the underline)
        opener = tokens[n - 1] if n else None
        lines = opener is not None and (opener.type == "paragraph_open" or
                                        opener.type == "heading_open" and opener.markup in ("=", "-"))
        whole = inline and token.content == text   # parseInline's one token holds the text as it is
        for child in token.children:
            if child.type not in ("link_open", "image"):
                continue
            how, where = env[_AT].get(id(child), (None, None))
            if how == "ref":
                at = env[_DEFINED].get(where)
            elif how == "at":
                at = where if whole else None if inline else _in_text(text, starts, token, where, lines)
            else:   # an autolink: never wrong, so never reported
                at = None
            offsets.append(block if at is None else at)
    return offsets


def _in_text(text: str, starts: list[int], token, at: int, lines: bool) -> int | None:
    """The text's offset of offset at of a block's inline content, or None when not certain.
    The content of a paragraph or a setext heading (lines) is lines of the text, each from some
    character on (the markers of quotes and lists and the indentation removed), the whole
    stripped: when no line was stripped away, line n of the content is line n of its map.
    Elsewhere (a table cell, an ATX heading) the content is a part of its one line, found when
    it is there once."""
    content = token.content
    if not token.map:
        return None
    number = content.count("\n", 0, at)
    line_start = content.rfind("\n", 0, at) + 1
    line_end = content.find("\n", at)
    piece = content[line_start:len(content) if line_end == -1 else line_end]
    index = token.map[0] + number
    if index >= len(starts) or index >= token.map[1]:
        return None
    source = text[starts[index]:starts[index + 1] - 1 if index + 1 < len(starts) else len(text)]
    key = piece.strip()
    lead = len(piece) - len(piece.lstrip())
    if not key or at - line_start < lead:
        return None
    if lines:
        if content.count("\n") + 1 != token.map[1] - token.map[0] or not source.rstrip().endswith(key):
            return None
        return starts[index] + len(source.rstrip()) - len(key) + (at - line_start - lead)
    if "\n" not in content and "|" not in key and source.count(key) == 1:
        return starts[index] + source.index(key) + (at - line_start - lead)
    return None


class _Body(str):
    """A body's text positioned at its first line, for markdown_pos."""
    line: int
    col: int = 1
    style = "body"


def _body_text(doc) -> _Body:
    body = _Body(doc.body)
    body.line = doc.body_line
    return body


@dataclass
class SourceReading:
    """What resolve learns from one source's text: its anchored annotations, the entities it
    mentions, the problems of its quotes and its Markdown links (checked against the site by
    the caller). A function of the source and the names matched."""
    anchored: list[Anchored]
    mentions: list[tuple[str, Mention]]          # (entity id, mention), by entity id
    diagnostics: list
    links: list = field(default_factory=list)    # the body's Markdown links (_links_of)


def read_source(source: Source, matcher: MentionMatcher) -> SourceReading:
    """Anchor the source's annotations, find the entities its text mentions and its links."""
    diags = Diagnostics()
    tokens = MD.parse(source.body or "", {})
    reader = reader_text(tokens)
    anchored = _anchor(source, reader, diags) if source.annotations else []

    found: dict[str, list] = {}
    for seg in reader.segments:
        if seg.token is None:
            continue
        for start, end, entity_id in matcher.find(seg.text):
            hit = found.setdefault(entity_id, [seg.start + start, seg.start + end, 0])
            hit[2] += 1
    mentions = []
    for entity_id, (start, end, count) in sorted(found.items()):
        before, text, after = _snippet(reader.text, start, end)
        mentions.append((entity_id, Mention(source.id, before, text, after, count)))
    body = source.body or ""
    links = _links_of(body, tokens) if _MAY_LINK.search(body) else []
    return SourceReading(anchored, mentions, diags.items, links)


def _anchor(source: Source, reader: ReaderText, diags: Diagnostics) -> list[Anchored]:
    """The annotations whose quote is found once in the reader's text; the others reported."""
    folded = fold(reader.text)
    anchored = []
    for a in source.annotations:
        matches = find_quote(folded, a.quote, a.prefix, a.suffix)
        if not matches.complete:   # places are looked at up to a limit, so a hostile file stays quick
            lines = ", ".join(str(source.body_line + reader.line_at(m.start)) for m in matches[:10])
            also = ", and so do its prefix and suffix" if a.prefix or a.suffix else ""
            diags.error("quote-ambiguous", f"annotation {a.anchor}: quote {_short(a.quote)!r} occurs more than {LIMIT:,} "
                        f"times{also} (first on lines {lines}); quote more words, or give a longer prefix or suffix",
                        a.pos.path, a.pos.line, a.pos.col)
            continue
        if not matches:
            hint = " (with this prefix/suffix)" if a.prefix or a.suffix else ""
            diags.error("quote-not-found", f"annotation {a.anchor}: quote {_short(a.quote)!r} is not in the text{hint}", a.pos.path, a.pos.line, a.pos.col)
            continue
        if len(matches) > 1:
            lines = ", ".join(str(source.body_line + reader.line_at(m.start)) for m in matches[:10])
            diags.error("quote-ambiguous", f"annotation {a.anchor}: quote {_short(a.quote)!r} is found {len(matches)} times (lines {lines}); add a prefix or suffix to pick one", a.pos.path, a.pos.line, a.pos.col)
            continue
        m = matches[0]
        anchored.append(Anchored(a, source.id, m.start, m.end))
    return anchored


def _read_sources(sources: list[Source], keys: list, matcher: MentionMatcher, cache: dict) -> list[SourceReading]:
    """read_source for each source, taken from cache[its key] when there, else computed (on
    every core when there are many) and added to the cache."""
    todo = [(s, k) for s, k in zip(sources, keys) if k not in cache]
    for (_, key), reading in zip(todo, fork_map(read_source, [s for s, _ in todo], (matcher,))):
        cache[key] = reading
    return [cache[k] for k in keys]


def _reading_key(source: Source, matcher: MentionMatcher) -> tuple:
    """Everything read_source reads: the text, the annotations (with their positions, which its
    diagnostics show) and the names matched."""
    text = hashlib.sha256(f"{source.path}\n{source.body_line}\n{source.annotations!r}\n".encode())
    text.update(source.body.encode("utf-8", "surrogatepass"))
    return source.id, text.hexdigest(), matcher.digest


def _short(text: str, n: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _snippet(text: str, start: int, end: int) -> tuple[str, str, str]:
    """The words around a mention, cut at word boundaries, whitespace folded."""
    lo, hi = max(0, start - SNIPPET_CHARS), min(len(text), end + SNIPPET_CHARS)
    before, after = text[lo:start], text[end:hi]
    if lo > 0:
        before = "…" + before.split(" ", 1)[-1]
    if hi < len(text):
        after = after.rsplit(" ", 1)[0] + "…"
    return fold_spaces(before), text[start:end], fold_spaces(after)


def _warn_orphans(res: Resolved, diags: Diagnostics) -> None:
    """Warnings maintainers care about: what nothing points at, and sources one cannot re-find."""
    d = res.dossier
    broken = {diag.path for diag in diags.items if diag.severity == "error"}  # fix errors first
    for entity in (d.entities[k] for k in sorted(d.entities) if d.entities[k].path not in broken):
        if not res.linked_from.get(entity.id) and not res.incoming.get(entity.id) and not res.about.get(entity.id):
            diags.warning("orphan-entity", f"nothing links to {entity.id!r}: link it from another entity, a page or an annotation", entity.path)
    for source in (d.sources[k] for k in sorted(d.sources) if d.sources[k].path not in broken):
        if not res.cited_by.get(source.id) and not res.linked_from.get(source.id):
            diags.warning("uncited-source", f"nothing cites the source {source.id!r}", source.path)
        if not source.meta.get("archive") and not source.meta.get("accessed"):
            diags.warning("source-unpreserved", "the source has neither an 'archive' link nor an 'accessed' date: readers cannot find the version the editors read", source.path)
