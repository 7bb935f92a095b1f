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


_READER = None   # made when first needed: most texts hold no '<'
# The start of each piece of HTML an HTML block may hold: a comment or declaration, or a tag.
_PIECE = re.compile(r"<[!?]|</?([A-Za-z][A-Za-z0-9-]*)")
_MAY_HOLD = re.compile(r"<[!?]|</?(" + "|".join(sorted(HTML_ELEMENTS, key=len, reverse=True)) + r")(?![A-Za-z0-9-])", re.I)


def may_hold_html(text: str) -> bool:
    """Whether raw_html may find something: a comment, a declaration or a tag of an element of
    HTML, wherever it is (in code too). One search, no parse."""
    return "<" in text and _MAY_HOLD.search(text) is not None


def raw_html(text: str) -> tuple[str, int, int] | None:
    """(the first piece of raw HTML as written, its offset in the text, how many pieces the text
    holds), or None. Only the first is placed: exact where the parse says where it is, else the
    start of the line where its block begins (as link_check places links), never another place."""
    global _READER
    if not may_hold_html(text):
        return None
    if _READER is None:
        _READER = _html_reader()
    env: dict = {_PLACED: {}}
    tokens = _READER.parse(text, env)
    first, count = None, 0
    for n, token in enumerate(tokens):
        if token.type == "html_block":
            at = _first_meant(token.content)
            if at is not None:
                count += 1
                first = first or (token, None, at, n)
        elif token.children:
            for child in token.children:
                if child.type == "html_inline" and _meant_as_html(child.content):
                    count += 1
                    first = first or (token, child, None, n)
    if first is None:
        return None
    token, child, at, n = first
    starts = [0, *(m.end() for m in re.finditer("\n", text))]
    exact = "\r" not in text   # markdown-it reads a lone '\r' as a line end: its lines are not the text's
    block = starts[token.map[0]] if token.map and token.map[0] < len(starts) else 0
    if child is None:   # in an HTML block: on the line of the block where it is, found on that line
        piece = _piece_at(token.content, at)
        line = token.map[0] + token.content.count("\n", 0, at) if token.map else None
        where = None
        if exact and line is not None and line < len(starts):
            line_end = text.find("\n", starts[line])
            found = text.find(piece.split("\n", 1)[0], starts[line], len(text) if line_end == -1 else line_end)
            where = found if found != -1 else None
        return piece, block if where is None else where, count
    opener = tokens[n - 1] if n else None
    lines = opener is not None and (opener.type == "paragraph_open" or
                                    opener.type == "heading_open" and opener.markup in ("=", "-"))
    placed = env[_PLACED].get(id(child))
    where = in_text(text, starts, token, placed, lines) if exact and placed is not None else None
    return child.content, block if where is None else where, count


def _first_meant(block: str) -> int | None:
    """Where in an HTML block its first piece meant as HTML begins: a block may begin with a tag
    of no element (<my-note>) and hold <b> or a comment after it."""
    return next((m.start() for m in _PIECE.finditer(block) if _meant(m)), None)


def _piece_at(block: str, at: int) -> str:
    """The piece of HTML that begins at `at`: a comment whole, else up to its '>'."""
    end = block.find("-->", at + 4) + 3 if block.startswith("<!--", at) else block.find(">", at) + 1
    return block[at:end] if end > at else block[at:].split("\n", 1)[0]


def _meant(piece: re.Match) -> bool:
    """A comment, a declaration or an instruction, or a tag of an element of HTML (_PIECE's match)."""
    return piece.group(1) is None or piece.group(1).lower() in HTML_ELEMENTS


def _meant_as_html(html: str) -> bool:
    piece = _PIECE.match(html)
    return piece is None or _meant(piece)


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
