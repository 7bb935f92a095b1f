"""markdown-it plugin: Pandoc-style ``[@id, locator]`` citations as numbered notes.

The numbers belong to the page, not to one Markdown text: ``Notes`` is shared by everything
rendered on a page (infobox, summary, relations), so marks are numbered in reading order and
the page ends with one list of notes and a bibliography.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

from .refs import CITATION, parse_citation


@dataclass
class Note:
    number: int
    items: tuple[tuple[str, str], ...]   # (source id, locator)
    backrefs: list[str] = field(default_factory=list)
    title: str = ""                      # the cited sources' titles, escaped for the mark's title


class Notes:
    """The numbered notes of one page. An identical citation reuses its number."""

    def __init__(self, site, root: str):
        self.site, self.root = site, root
        self.notes: list[Note] = []
        self._by_items: dict[tuple, Note] = {}

    def mark(self, items) -> str:
        """The superscript mark for a citation, as HTML; registers the note."""
        return self._mark(tuple([(str(s), str(loc or "")) for s, loc in items]))

    def mark_citations(self, citations) -> str:
        """Marks for a model's ``cite`` list (one note for the whole list)."""
        if not citations:
            return ""
        return self._mark(tuple([(str(c.source), str(c.locator or "")) for c in citations]))

    def _mark(self, items: tuple) -> str:
        if not items:
            return ""
        note = self._by_items.get(items)
        if note is None:
            note = Note(len(self.notes) + 1, items, title=escape("; ".join([self._title(s) for s, _ in items])))
            self.notes.append(note)
            self._by_items[items] = note
        backref = f"cite-{note.number}-{len(note.backrefs) + 1}"
        note.backrefs.append(backref)
        # A word joiner first: no line starts with a mark ("1938 [1]" broke at its space).
        return (f'<sup class="cite">&#8288;<a href="#note-{note.number}" id="{backref}" '
                f'title="{note.title}">{note.number}</a></sup>')

    def _title(self, source_id: str) -> str:
        target = self.site.lookup(source_id)
        return target.name if target else source_id

    def sources(self) -> list[str]:
        """Distinct cited sources, in order of first citation."""
        seen = {}
        for note in self.notes:
            for source, _ in note.items:
                seen.setdefault(source, None)
        return list(seen)


def citation_meta(m: re.Match) -> dict:
    """A citation token's meta from a CITATION match (shared with prose.py)."""
    return {"items": parse_citation(m.group(1))}


def _citation_rule(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("[@", state.pos):
        return False
    m = CITATION.match(state.src, state.pos)
    if not m:
        return False
    if not silent:
        token = state.push("citation", "", 0)
        token.meta = citation_meta(m)
    state.pos = m.end()
    return True


def _render_citation(self, tokens, idx, options, env):
    return citation_html(tokens[idx].meta, env)


def citation_html(meta: dict, env) -> str:
    notes: Notes | None = env.get("notes")
    if notes is None:
        return escape("[" + "; ".join(f"@{s}" + (f", {l}" if l else "") for s, l in meta["items"]) + "]")
    return notes.mark(meta["items"])


def citations_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("link", "citation", _citation_rule)
    md.add_render_rule("citation", _render_citation)
