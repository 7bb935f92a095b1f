"""Raw HTML in a Markdown text, which pages show as written (the Markdown reader is made with
html off: markdown/__init__.py). A contributor who writes `<br>`, `<b>...</b>` or a comment
meant to be hidden sees it printed on the page; `dossier check` says so at its place.

What is raw HTML is what markdown-it itself reads as such with html on (CommonMark's HTML
blocks and inline tags, comments and declarations), so a tag in a code span or code block, an
autolink (`<https://...>`) and a lone '<' ('a < b') are not. Of the tags, only those of HTML's
own elements are taken for HTML: `<John Smith>` or `List<String>` is text its writer wants
shown as written, and is.
"""
from __future__ import annotations

import re

from .link_check import in_text

# A '<' that may begin HTML: a tag, a closing tag, a comment, a declaration or an instruction.
_MAY_BE_HTML = re.compile(r"<[A-Za-z/!?]")
_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")
# The elements of HTML (the living standard's, and the obsolete ones still read), and SVG's and
# MathML's roots: a tag of one of them was meant as HTML.
HTML_ELEMENTS = frozenset("""
a abbr acronym address applet area article aside audio b base basefont bdi bdo bgsound big blink
blockquote body br button canvas caption center cite code col colgroup data datalist dd del details
dfn dialog dir div dl dt em embed fieldset figcaption figure font footer form frame frameset h1 h2
h3 h4 h5 h6 head header hgroup hr html i iframe image img input ins isindex kbd keygen label legend li
link listing main map mark marquee math menu menuitem meta meter multicol nav nextid nobr noembed
noframes noscript object ol optgroup option output p param picture plaintext portal pre progress q
rb rp rt rtc ruby s samp script search section select slot small source spacer span strike strong
style sub summary sup svg table tbody td template textarea tfoot th thead time title tr track tt u
ul var video wbr xmp
""".split())
_SHOWN = 40   # characters of the HTML quoted in a warning
_PLACED = "raw_html_at"   # env key: id(html_inline token) -> its offset in its inline content


def _html_reader():
    """The pages' Markdown reader with HTML read as HTML, noting where each inline piece starts."""
    from ..markdown import make_markdown
    md = make_markdown()
    md.options["html"] = True   # the same rules and plugins as pages, HTML read as HTML
    ruler = md.inline.ruler
    rule = ruler.__rules__[ruler.__find__("html_inline")]
    html_inline = rule.fn

    def placed(state, silent: bool) -> bool:
        start, count = state.pos, len(state.tokens)
        if not html_inline(state, silent):
            return False
        if not silent and _PLACED in state.env:
            for token in state.tokens[count:]:
                state.env[_PLACED][id(token)] = start
        return True
    ruler.at("html_inline", placed, {"alt": list(rule.alt)})
    return md


_READER = None


def raw_html(text: str) -> list[tuple[str, int]]:
    """(the HTML as written, its offset in the text) of each piece of raw HTML, in text order.
    An offset is exact where the parse says where the piece is, else the start of the line where
    its block begins (as link_check places links): never another place."""
    global _READER
    if "<" not in text or not _MAY_BE_HTML.search(text):
        return []
    if _READER is None:
        _READER = _html_reader()
    env: dict = {_PLACED: {}}
    tokens = _READER.parse(text, env)
    starts = [0, *(m.end() for m in re.finditer("\n", text))]
    exact = "\r" not in text   # markdown-it reads a lone '\r' as a line end: its lines are not the text's
    found = []
    for n, token in enumerate(tokens):
        if token.type != "html_block" and not token.children:
            continue
        block = starts[token.map[0]] if token.map and token.map[0] < len(starts) else 0
        if token.type == "html_block":
            html = token.content.strip()
            if _meant_as_html(html):
                line_end = text.find("\n", block)
                first = text.find(html.split("\n", 1)[0], block, len(text) if line_end == -1 else line_end)
                found.append((html, first if exact and first != -1 else block))
            continue
        opener = tokens[n - 1] if n else None
        lines = opener is not None and (opener.type == "paragraph_open" or
                                        opener.type == "heading_open" and opener.markup in ("=", "-"))
        for child in token.children:
            if child.type == "html_inline" and _meant_as_html(child.content):
                at = env[_PLACED].get(id(child))
                where = in_text(text, starts, token, at, lines) if exact and at is not None else None
                found.append((child.content, block if where is None else where))
    return found


def _meant_as_html(html: str) -> bool:
    """A comment, a declaration or an instruction, or a tag of an element of HTML."""
    name = _TAG_NAME.match(html)
    return name is None or name.group(1).lower() in HTML_ELEMENTS


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
            "meant as text, write its '<' as &lt;)")
