"""Relative Markdown links, checked as the pages will have them.

The writer refuses a page whose links lead nowhere (stages/verify.py check_link); the same
rules are applied here to each Markdown text, on every page that shows it and read as that page
reads it (blocks: the templates' md filter; inline: their mdi filter), so the error names the
Markdown file, line and column and comes from `dossier check`, before anything is built.
"""
from __future__ import annotations

import posixpath
import re
from functools import lru_cache
from typing import TYPE_CHECKING

from ..diagnostics import Diagnostics
from ..features import paging
from ..features.claims import all_claims
from ..kinds import FOLDER_OF
from ..markdown import MD, safe_url
from ..model import Dossier
from . import sections
from .lists import page_paths, sorted_sources
from .positions import markdown_pos
from .verify import resolve_link

if TYPE_CHECKING:
    from .resolve import Resolved


_AUTOLINK = re.compile(r"<[A-Za-z][A-Za-z0-9+.-]{1,31}:")


def may_link(text: str) -> bool:
    """Whether markdown-it may make a link of the text: an inline link ('](') or a link reference
    definition (']:') needs its pair of characters, an autolink a '<' and a scheme. (One pattern
    of them all was ten times slower than the searches for the pairs, on every text.)"""
    return "](" in text or "]:" in text or ("<" in text and _AUTOLINK.search(text) is not None)


_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_EVERY_PAGE_IDS = frozenset({"main", "site-search"})   # templates/base.html
_LINK_HINT = "link to an entity, source or page with [[id]]"


def _site_pages(dossier: Dossier) -> set[str]:
    """Every page the site will have (Renderer.jobs) but the later pages of long lists and the
    pages of long sections, which _SiteLinks.has finds as they are asked for."""
    pages = {"index.html", "sources/index.html", "map.html", "timeline.html", "claims.html", "search.html", "404.html"}
    for entity in dossier.entities.values():
        pages.add(entity.url)
        pages.add(f"{FOLDER_OF[entity.kind]}/index.html")
    pages.update(source.url for source in dossier.sources.values())
    pages.update(page.url for page in dossier.pages.values())
    return pages


# The second and later pages of a list (features/paging.py): <folder>/index/N.html, claims/N.html...
_LIST_PAGE = re.compile(r"[^/]+/index/\d+\.html|(?:timeline|claims)/\d+\.html")
# The pages of a long section of a page (stages/sections.py): countries/russia/linked-from.html...
_SECTION_PAGE = re.compile(r"(?:[^/]+/)?[^/]+/(?:%s)(?:/\d+)?\.html" % "|".join(map(re.escape, sections.HEADINGS)))


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
        self.anchors: dict[str, set] = {}   # page -> the ids known on it
        for sid, items in res.anchors.items():
            if sid in sources:   # a highlight and its margin note (templates/_annotation.html)
                self.anchors[sources[sid].url] = {a for item in items for a in (item.annotation.anchor, f"{item.annotation.anchor}-note")}
        self._files: set[str] | None = None
        self._lists: dict[str, tuple[str, ...]] | None = None
        self._claims_pages: dict | None = None
        self._section_pages: set[str] | None = None

    def has(self, target: str) -> bool:
        if target in self.pages:
            return True
        if _LIST_PAGE.fullmatch(target):
            return any(target in paths for paths in self._list_pages().values())
        if _SECTION_PAGE.fullmatch(target):
            if self._section_pages is None:
                self._section_pages = sections.all_section_pages(self.res)
            return target in self._section_pages
        if not target.startswith(("assets/", "data/")):
            return False
        if self._files is None:
            self._files = _site_files(self.res)
        return target in self._files

    def ids_on(self, target: str) -> set[str] | tuple:
        """The ids known to be on a page (those of its template's fixed elements are not here)."""
        if target.startswith("sources/index"):
            self._list_pages()
        return self.anchors.get(target, ())

    def index_page_of(self, source_id: str) -> str | None:
        """The page of the sources index that lists a source (None: no such source)."""
        for path in self._list_pages()["list:sources"]:
            if source_id in self.anchors[path]:
                return path
        return None

    def _list_pages(self) -> dict[str, tuple[str, ...]]:
        """The pages of every list (stages/lists.py), and which sources each page of the sources
        index lists (templates/sources_index.html: each is an element with its id)."""
        if self._lists is None:
            self._lists = page_paths(self.res)
            paths = self._lists["list:sources"]
            for path in paths:
                self.anchors[path] = set()
            for i, source in enumerate(sorted_sources(self.res.dossier.sources.values())):
                self.anchors[paths[i // paging.PAGE_ROWS]].add(source.id)
        return self._lists

    def about_page(self, entity_id: str, source_id: str, annotation) -> str | None:
        """The page of a long section of an entity (stages/sections.py) that shows an annotation
        about it, if the section is long enough to have pages of its own."""
        section = "claims" if annotation.kind == "claim" else "annotations"
        pages = sections.overflowing(self.res, "entity", entity_id)
        if section not in pages:
            return None
        found = sections.rows(self.res, "entity", entity_id)[section]
        at = next((i for i, a in enumerate(found) if a.source_id == source_id and a.annotation.anchor == annotation.anchor), None)
        if at is None:   # not anchored: on no page
            return None
        return sections.section_path(self.res.dossier.entities[entity_id].url, section, at // paging.PAGE_ROWS + 1)

    def claims_page(self, source_id: str, anchor: str) -> str:
        """The page of the claims ledger that shows a claim (templates/claims.html)."""
        if self._claims_pages is None:
            paths = self._list_pages()["list:claims"]
            self._claims_pages = {(a.source_id, a.annotation.anchor): paths[i // paging.PAGE_ROWS]
                                  for i, a in enumerate(all_claims(self.res))}
        return self._claims_pages.get((source_id, anchor), "claims.html")   # not anchored: on no page


def links_of(text: str, tokens: list | None = None, inline: bool = False) -> list[tuple[str, bool, int]]:
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


# 'www.civil.ge/x', 'civil.ge/en/news': a host written without its scheme, which reads as a file
_LOOKS_LIKE_A_HOST = re.compile(r"www\.|(?:[a-z0-9-]+\.)+(?!(?:html?|png|jpe?g|gif|svg|webp|pdf|json|geojson|md|txt|csv"
                                r"|js|css|xml)(?:[/?#]|$))[a-z]{2,}(?:[/:?#]|$)", re.I)


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
    if fragment and target.endswith(".html") and fragment not in _EVERY_PAGE_IDS and fragment not in site.ids_on(target):
        on = site.index_page_of(fragment) if target.startswith("sources/index") else None
        return f"{shown}: no element with id {fragment!r} in {target}" + (f" (that source is on {on})" if on else "")
    return None


def _shown_on(d: Dossier, owner: str, shown, site: _SiteLinks) -> tuple[tuple[str, bool, str], ...]:
    """(page, whether it shows the text inline: the templates' mdi filter, else md, how an error
    names it) for each page that shows a text of owner. shown is "entity" (its page), "inline" (a
    fact's or relation's note, inline on its page), "status" (the status note, shown with a status
    only), "location" (its page, and inline on the map page for a crossing without coordinates:
    templates/map.html), "source", "page", or an annotation (its note is shown by its source, on
    the pages of the entities it is about, and on the claims ledger)."""
    if shown in ("entity", "inline"):
        return _named(((d.entities[owner].url, shown == "inline"),))
    if shown == "status":
        entity = d.entities[owner]
        return _named(((entity.url, False),)) if entity.props.get("status") else ()
    if shown == "location":
        entity = d.entities[owner]
        on_map = entity.kind == "crossing" and not (entity.location and entity.location.has_point)
        return _named(((entity.url, False), ("map.html", True)) if on_map else ((entity.url, False),))
    if shown == "page":
        return _named(((d.pages[owner].url, False),))
    if shown == "source":
        return _named(((d.sources[owner].url, False),))
    pages = list(_named(((d.sources[owner].url, False), *((d.entities[ref].url, False) for ref in shown.about if ref in d.entities))))
    # Where else the note may be shown, whether or not it is now, so that a link's verdict does not
    # change with edits elsewhere: the page of the long section of an entity it is about, one
    # folder deeper (stages/sections.py), and for a claim the ledger, whose first page is at the
    # top of the site and later ones a folder down (a claim moves between them as others come).
    section = "claims" if shown.kind == "claim" else "annotations"
    for ref in shown.about:
        if ref in d.entities:
            path = site.about_page(ref, owner, shown) or sections.section_path(d.entities[ref].url, section)
            pages.append((path, False, f"{path}, which lists this text when that section of the page is long"))
    if shown.kind == "claim":
        ledger = site.claims_page(owner, shown.anchor)
        pages.append(("claims.html", False, "claims.html, which shows this text" if ledger == "claims.html"
                      else f"claims.html, the claims ledger, whose page {ledger} shows this claim now"))
    return tuple(pages)


def _named(pages) -> tuple[tuple[str, bool, str], ...]:
    return tuple((page, inline, f"{page}, which shows this text") for page, inline in pages)


def check_links(res: Resolved, texts: list, diags: Diagnostics) -> None:
    site = _SiteLinks(res)
    for path, owner, text, shown, found in texts:
        if found is None:   # a source's body is read for them with the source (resolve.read_source)
            warn_refused(path, text, diags)
        shown_on = _shown_on(res.dossier, owner, shown, site)
        reported: set = set()
        for inline in (False, True):
            pages = [(page, name) for page, mode, name in shown_on if mode is inline]
            if not pages:
                continue
            offsets = None
            links = found if found is not None and not inline else links_of(str(text), inline=inline)
            for url, image, number in links:
                for page, name in pages:
                    problem = _link_problem(page, url, image, site)
                    if problem:
                        if offsets is None:
                            offsets = _link_offsets(str(text), inline)
                        offset = offsets[number] if number < len(offsets) else 0
                        if (offset, url) not in reported:   # a link read both ways: one error
                            reported.add((offset, url))
                            where = markdown_pos(path, text, offset)
                            on = f" (on {name})" if len(shown_on) > 1 else ""
                            hint = "a web address begins with https://" if _LOOKS_LIKE_A_HOST.match(url.strip()) else _LINK_HINT
                            diags.error("bad-link", f"{problem}{on}: {hint}", path, where.line, where.col)
                        break


# Where each link is: markdown-it gives blocks their lines (token.map) and inline tokens none.
# A second Markdown made like MD, whose link, image and reference rules also note where the
# destination they read starts, places each link exactly; it only reads texts with an error.
_AT, _DEFINED = "dossier_link_at", "dossier_defined_at"


@lru_cache(maxsize=2)
def _placing_markdown(permissive: bool = False):
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

    def autolink_rule(rule):
        def placed(state, silent: bool) -> bool:
            start, count = state.pos, len(state.tokens)
            if not rule(state, silent):
                return False
            token = next((t for t in state.tokens[count:] if t.type == "link_open"), None)
            if not silent and _AT in state.env and token is not None:
                state.env[_AT][id(token)] = ("at", start + 1)   # after its '<'
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
    if permissive:   # every address a link or image can have, refused or not (refused_links)
        md.validateLink = lambda url: True
    wrap(md.inline.ruler, "link", lambda rule: inline_rule(rule, "link_open"))
    wrap(md.inline.ruler, "image", lambda rule: inline_rule(rule, "image"))
    wrap(md.inline.ruler, "autolink", autolink_rule)
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


def refused_links(text: str) -> list[tuple[str, int]]:
    """(address, offset) of each link or image of a Markdown text that pages show as its brackets
    and words, not as a link: markdown-it refuses an address that is not http, https, mailto or
    relative on the site (markdown.safe_url: not javascript:, data:, //host or /root)."""
    if not may_link(text):
        return []
    refused = [(url, n) for url, _, n in links_of(text, _placing_markdown(True).parse(text, {})) if not safe_url(url)]
    if not refused:
        return []
    offsets = _link_offsets(text, False, permissive=True)
    return [(url, offsets[n] if n < len(offsets) else 0) for url, n in refused]


def warn_refused(path: str, text, diags: Diagnostics) -> None:
    """A warning at each link of the text that is shown as text (refused_links), and at each one
    whose text holds a [[link]] or a [@citation] (links_around_references)."""
    for url, offset in refused_links(str(text)):
        where = markdown_pos(path, text, offset)
        diags.warning("refused-link", f"the link to {url.strip()[:60]!r} is shown as text, not as a link: a link's address "
                                      "is http, https, mailto or a relative path on the site ([[id]] for a page of the dossier)",
                      path, where.line, where.col)
    for offset in links_around_references(str(text)):
        where = markdown_pos(path, text, offset)
        diags.warning("link-in-link", "this link is shown as its brackets and address, not as a link: its text holds a "
                                      "[[link]] or a [@citation], and Markdown puts no link in a link; write the "
                                      "reference beside the link", path, where.line, where.col)


_REFERENCE = r"\[\[[^\[\]\n]*\]\]|\[@[^\[\]\n]*\]"
# A link's bracketed text, with the references in it (each alternative begins with another
# character, so the pattern never tries one text two ways), and its '(' after.
_BRACKETED_LINK = re.compile(rf"(?<!!)\[((?:[^\[\]\n]|{_REFERENCE})*)\]\(")


def links_around_references(text: str) -> list[int]:
    """Offsets of the '[' of each [text](address) whose text holds a [[link]] or a [@citation]:
    markdown-it shows such a link as text (an image's is kept, its alt text the words around)."""
    if "](" not in text:
        return []
    return [m.start() for m in _BRACKETED_LINK.finditer(text)
            if ("[[" in m.group(1) or "[@" in m.group(1)) and "`" not in m.group(1)]


def _link_offsets(text: str, inline: bool, permissive: bool = False) -> list[int]:
    """Where in the text each link of links_of(text, inline=inline) is (the start of its
    destination, or of its definition's): exact where the parse says, else the start of the
    line of its block (the text's start when even that is not known): never another place.
    permissive: of each link markdown-it reads, the refused ones too (refused_links)."""
    if "\r" in text:   # markdown-it reads it as a line end: its lines are not the text's
        return []
    env = {_AT: {}, _DEFINED: {}}
    md = _placing_markdown(permissive)
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
                at = where if whole else None if inline else in_text(text, starts, token, where, lines)
            else:   # not placed: the start of its block's line
                at = None
            offsets.append(block if at is None else at)
    return offsets


def in_text(text: str, starts: list[int], token, at: int, lines: bool) -> int | None:
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
