"""Raw HTML in a Markdown text, which pages show as written (the Markdown reader is made with
html off: markdown/__init__.py). A contributor who writes `<br>`, `<b>...</b>` or a comment
meant to be hidden sees it printed on the page; `dossier check` says so at its place.

What is raw HTML is what markdown-it itself reads as such with html on (CommonMark's HTML
blocks and inline tags, comments and declarations), so a tag in a code span or code block, an
autolink (`<https://...>`) and a lone '<' ('a < b') are not.
"""
from __future__ import annotations

import re

# A '<' that may begin HTML: a tag, a closing tag, a comment, a declaration or an instruction.
_MAY_BE_HTML = re.compile(r"<[A-Za-z/!?]")
_SHOWN = 40   # characters of the HTML quoted in a warning


def _html_reader():
    from . import make_markdown
    md = make_markdown()
    md.options["html"] = True   # the same rules and plugins as pages, HTML read as HTML
    return md


_READER = None


def raw_html(text: str) -> list[tuple[str, int]]:
    """(the HTML as written, its offset in the text) of each piece of raw HTML, in text order."""
    global _READER
    if "<" not in text or not _MAY_BE_HTML.search(text):
        return []
    if _READER is None:
        _READER = _html_reader()
    line_starts = [0, *(m.end() for m in re.finditer("\n", text))]
    found = []
    for token in _READER.parse(text, {}):
        pieces = [token.content] if token.type == "html_block" else \
            [child.content for child in token.children or () if child.type == "html_inline"]
        if not pieces:
            continue
        at = line_starts[token.map[0]] if token.map and token.map[0] < len(line_starts) else 0
        for piece in pieces:
            html = piece.strip()
            where = text.find(html, at)
            if where == -1:   # not as written (a block's lines, their quote markers taken off)
                where = at
            else:
                at = where + len(html)
            found.append((html, where))
    return found


def described(html: str, more: int) -> str:
    """The warning for the first raw HTML of a text, and how many more the text holds."""
    first = html.split("\n", 1)[0]
    shown = first if len(first) <= _SHOWN else first[:_SHOWN - 1] + "…"
    rest = f" (and {more} more raw HTML in this text)" if more else ""
    if html.startswith("<!--"):
        return (f"{shown!r} is shown on the page as written{rest}: an HTML comment in content is text, not "
                "hidden; take the note out of the text")
    return (f"{shown!r} is shown on the page as written{rest}: content is Markdown, and raw HTML in it is "
            "text, not markup (write **bold**, *italic*, [text](https://...), a blank line between paragraphs; "
            "meant as text, write it \\<like this> or in `backticks`)")
