"""Notes and bibliography HTML, written in Python: they sit on nearly every page, and building
them with template macros cost more than the rest of the page."""
from __future__ import annotations

from functools import lru_cache
from html import escape

GRADES = {"A": "completely reliable", "B": "usually reliable", "C": "fairly reliable", "D": "not usually reliable",
          "E": "unreliable", "F": "reliability cannot be judged"}
CREDIBILITY = {1: "confirmed by other sources", 2: "probably true", 3: "possibly true", 4: "doubtful",
               5: "improbable", 6: "truth cannot be judged"}


def grade_text(meta) -> str:
    parts = []
    if meta.get("reliability"):
        parts.append(f"source {GRADES[meta['reliability']]}")
    if meta.get("credibility"):
        parts.append(f"information {CREDIBILITY[meta['credibility']]}")
    return "; ".join(parts)


def grade_html(meta) -> str:
    code = f"{meta.get('reliability') or '–'}{meta.get('credibility') or ''}"
    return f'<span class="grade" title="Admiralty grade: {escape(grade_text(meta))}">{escape(code)}</span>'


@lru_cache(maxsize=1 << 14)
def entry_html(source, root: str) -> str:
    """One bibliography entry: author, linked title, publisher, date, URL, access date, grade.
    Cached per source and page depth: the same entries end thousands of pages."""
    m = source.meta
    out = []
    if m.get("author"):
        out.append(f"{escape(str(m['author']))}. ")
    out.append(f'<a href="{escape(root + source.url)}">{escape(str(m["title"]))}</a>')
    where = ", ".join(x for x in (f"<i>{escape(str(m['publisher']))}</i>" if m.get("publisher") else "",
                                  escape(str(m["published"])) if m.get("published") else "") if x)
    if where:
        out.append(". " + where)
    out.append(".")
    if m.get("url"):
        url = str(m["url"])
        shown = url if len(url) <= 80 else url[:77] + "..."
        out.append(f' <a class="external url" href="{escape(url)}" rel="noopener noreferrer">{escape(shown)}</a>')
    if m.get("accessed"):
        out.append(f" (accessed {escape(str(m['accessed']))})")
    if m.get("reliability") or m.get("credibility"):
        out.append(" " + grade_html(m))
    return "".join(out)


def notes_html(notes, sources: dict, root: str) -> str:
    """The page's numbered notes, each back to its marks, and the bibliography of what they cite."""
    if not notes.notes:
        return ""
    out = ['<section class="notes" aria-labelledby="notes-h">\n<h2 id="notes-h">Notes</h2>\n<ol>\n']
    for note in notes.notes:
        items = []
        for source_id, locator in note.items:
            s = sources[source_id]
            text = f'<a href="{escape(root + s.url)}">{escape(str(s.meta["title"]))}</a>'
            if s.meta.get("publisher"):
                text += f", {escape(str(s.meta['publisher']))}"
            if s.meta.get("published"):
                text += f" ({escape(str(s.meta['published']))})"
            if locator:
                text += f", {escape(locator)}"
            items.append(text)
        backs = "".join(
            f'<a class="backref" href="#{back}" aria-label="Back to citation {note.number}'
            f'{f" ({i})" if len(note.backrefs) > 1 else ""}">↩</a>' for i, back in enumerate(note.backrefs, start=1))
        out.append(f'<li id="note-{note.number}">{"; ".join(items)}. {backs}</li>\n')
    out.append('</ol>\n</section>\n<section class="bibliography" aria-labelledby="bib-h">\n<h2 id="bib-h">Bibliography</h2>\n<ul>\n')
    for source_id in sorted(notes.sources()):
        out.append(f"<li>{entry_html(sources[source_id], root)}</li>\n")
    out.append("</ul>\n</section>\n")
    return "".join(out)
