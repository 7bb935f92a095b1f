"""Notes and bibliography HTML, written in Python: they sit on nearly every page, and building
them with template macros cost more than the rest of the page."""
from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from markupsafe import Markup

from .timeline import human_date

GRADES = {"A": "completely reliable", "B": "usually reliable", "C": "fairly reliable", "D": "not usually reliable",
          "E": "unreliable", "F": "reliability cannot be judged"}
CREDIBILITY = {1: "confirmed by other sources", 2: "probably true", 3: "possibly true", 4: "doubtful",
               5: "improbable", 6: "truth cannot be judged"}
SHOWN = ("title", "author", "publisher", "published", "url", "accessed", "reliability", "credibility", "language")
"""The metadata a note or a bibliography entry shows (all scalars: text, dates, a grade)."""


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


def _shown(source) -> tuple:
    """What the HTML of a source's note and entry depends on, as a cache key: its values, not the
    object, so an edited source never meets an old entry."""
    meta = source.meta
    return (source.url, meta["title"], *map(meta.get, SHOWN[1:]))


# The scripts of the languages whose titles are marked: a title written in its source's script is
# in its source's language (a screen reader then reads a Russian title with a Russian voice). The
# editors often give such a source a title of their own, in the dossier's language: that one is
# not marked (nor any title of a language written in Latin letters, which the letters cannot tell).
_SCRIPTS = {
    "ko": re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]"),
    "zh": re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]"),
    "ja": re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]"),
    "ar": re.compile(r"[\u0600-\u06ff]"), "fa": re.compile(r"[\u0600-\u06ff]"), "ur": re.compile(r"[\u0600-\u06ff]"),
    "he": re.compile(r"[\u0590-\u05ff]"), "yi": re.compile(r"[\u0590-\u05ff]"),
    "el": re.compile(r"[\u0370-\u03ff]"),
    **{lang: re.compile(r"[\u0400-\u04ff]") for lang in ("ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "mn", "tg")},
}


def title_language(title, language) -> str | None:
    """The language of a source's title: its source's (a checked BCP-47 tag), when the title is
    written in that language's script (see _SCRIPTS), else None."""
    script = _SCRIPTS.get(str(language or "").split("-")[0].lower())
    return str(language) if script and script.search(str(title)) else None


# Languages written from right to left (their primary subtags): their text is laid out so, with
# its punctuation at the sentence's end on the left (laid out left to right, an Arabic source's
# full stops and mixed runs were in the wrong places).
_RIGHT_TO_LEFT = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "ps", "sd", "syr", "ug", "ur", "yi"})


def direction(language) -> str | None:
    """'rtl' for a language written from right to left, else None (the page's own direction)."""
    return "rtl" if str(language or "").split("-")[0].lower() in _RIGHT_TO_LEFT else None


def direction_from(language, site_language) -> Markup:
    """A dir attribute for text in language on the pages of a dossier in site_language, when
    the two are written in different directions (an English article in an Arabic dossier
    too), else nothing."""
    mine = direction(language) or "ltr"
    return Markup(f' dir="{mine}"') if mine != (direction(site_language) or "ltr") else Markup("")


def _title(title, language) -> str:
    """A source's title, marked with its language (title_language) and then isolated as native
    names are (<bdi>: a right-to-left title keeps its order)."""
    language = title_language(title, language)
    if not language:
        return escape(str(title))
    return f'<bdi lang="{escape(language)}">{escape(str(title))}</bdi>'


def entry_html(source, root: str) -> str:
    """One bibliography entry: author, linked title, publisher, date, URL, access date, grade."""
    return _entry(_shown(source), root)


@lru_cache(maxsize=1 << 16)
def _entry(shown: tuple, root: str) -> str:
    """The same entries end thousands of pages: each is built once per page depth."""
    url_page, title, author, publisher, published, url, accessed, reliability, credibility, language = shown
    out = []
    if author:
        out.append(f"{escape(str(author))}. ")
    out.append(f'<a href="{escape(root + url_page)}">{_title(title, language)}</a>')
    where = ", ".join(x for x in (f"<i>{escape(str(publisher))}</i>" if publisher else "",
                                  _date_html(published) if published else "") if x)
    if where:
        out.append(". " + where)
    out.append(".")
    if url:
        url = str(url)
        shown_url = url if len(url) <= 80 else url[:77] + "..."
        out.append(f' <a class="external url" href="{escape(url)}" rel="noopener noreferrer">{escape(shown_url)}</a>')
    if accessed:
        out.append(f" (accessed {_date_html(accessed)})")
    if reliability or credibility:
        out.append(" " + grade_html({"reliability": reliability, "credibility": credibility}))
    return "".join(out)


@lru_cache(maxsize=1 << 16)
def _note_source(shown: tuple, root: str) -> str:
    """A source as a note names it: linked title, publisher, date."""
    url_page, title, _, publisher, published = shown[:5]
    text = f'<a href="{escape(root + url_page)}">{_title(title, shown[-1])}</a>'
    if publisher:
        text += f", {escape(str(publisher))}"
    if published:
        text += f" ({_date_html(published)})"
    return text


def _letters(n: int) -> str:
    """1 -> 'a', 26 -> 'z', 27 -> 'aa': the names of a note's marks."""
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


def _date_html(date) -> str:
    """A date as the pages write dates ('30 April 2025'), machine-readable in <time>."""
    return f'<time datetime="{escape(str(date))}">{escape(human_date(str(date)))}</time>'


def notes_html(notes, sources: dict, root: str) -> str:
    """The page's numbered notes, each back to its marks, and the bibliography of what they cite."""
    if not notes.notes:
        return ""
    shown = {}
    for source_id in notes.sources():
        shown[source_id] = _shown(sources[source_id])
    out = ['<section class="notes" aria-labelledby="notes-h">\n<h2 id="notes-h">Notes</h2>\n<ol>\n']
    for note in notes.notes:
        items = "; ".join(_note_source(shown[source_id], root) + (f", {escape(locator)}" if locator else "")
                          for source_id, locator in note.items)
        if len(note.backrefs) == 1:
            backs = f'<a class="backref" href="#{note.backrefs[0]}" aria-label="Back to citation {note.number}">↩</a>'
        else:
            # ↩ a b c: each mark of the note told apart, as a reader sees them (not ↩↩↩)
            backs = "↩ " + " ".join(f'<a class="backref" href="#{back}" aria-label="Back to citation {note.number} ({i})">{_letters(i)}</a>'
                                    for i, back in enumerate(note.backrefs, start=1))
        out.append(f'<li id="note-{note.number}">{items}. {backs}</li>\n')
    out.append('</ol>\n</section>\n<section class="bibliography" aria-labelledby="bib-h">\n<h2 id="bib-h">Bibliography</h2>\n<ul>\n')
    for source_id in sorted(shown):
        out.append(f"<li>{_entry(shown[source_id], root)}</li>\n")
    out.append("</ul>\n</section>\n")
    return "".join(out)
