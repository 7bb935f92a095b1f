"""A fast path for the commonest Markdown in a dossier: paragraphs of prose with [[links]],
[@citations], *emphasised words* and "## headings", nothing else.

markdown-it-py tries every block and inline rule at every line and every markup character, which
was most of the cost of a page. A text that uses none of that markup reads much more cheaply:
paragraphs are runs of lines between empty lines and headings, and inside them only our two
plugins' patterns, single stars around words and line breaks mean anything. ``prose_tokens`` gives
exactly the tokens markdown-it would, and ``prose_html`` exactly the HTML it would render
(tests/test_prose.py compares both), or None when the text might hold anything more, and the
caller parses it in full. It is deliberately conservative: a character that could start any
other construct sends the text to markdown-it.
"""
from __future__ import annotations

import re

from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from .citations import citation_html, citation_meta
from .links import wikilink_html, wikilink_meta
from .refs import CITATION, WIKILINK

# Anywhere in the text: inline markup other than single stars (underscores, code, strikethrough,
# autolinks, entities, escapes, images, strong emphasis), a reference definition's "]:", tabs, and
# what markdown-it normalises first.
_UNSAFE = ("&", "_", "`", "~", "<", "\\", "\t", "\r", "\0", "![", "]:", "**")
# How a line may start: a letter, an opening bracket or quote, a star before a letter (emphasis,
# not a list), or a digit that does not make an ordered list item. Anything else (#, >, -, +, =,
# |, spaces...) may open or end a block.
_LINE_START = re.compile(r"[^\W\d_]|[\[(\"'“‘«]|\*[^\W_]|[0-9](?![0-9]*[.)])")
# An ATX heading without a closing sequence: "## Words", one space, no "#" in the words.
_HEADING = re.compile(r"(#{1,6}) (?=[^\s#])([^#]*)")
# A single star that can only open emphasis (whitespace or an opening mark before it, a letter or
# digit after) and the next star, that can only close it (a letter or digit before it,
# whitespace or punctuation after), with neither a line break nor a bracket between them.
# The pattern starts with the star itself, and what may stand before it is checked behind it
# ("\A or one of ' \n(\"' before the star"): a pattern that starts with an assertion is tried
# at every character of the paragraph, one that starts with a literal jumps from star to star.
_EM = re.compile(r"\*(?<=(?<![^ \n(\"])\*)([^\W_](?:[^*\[\]\n]*[^\W_])?)\*(?=\Z|[ \n.,;:!?)\"'\[])")


def _blocks(src: str) -> list[tuple[str, int, int, str]] | None:
    """(tag, first line, line after the last, inline text) of each paragraph ("p") and heading
    ("h1".."h6"), or None if the text is not plain prose."""
    if any(unsafe in src for unsafe in _UNSAFE):
        return None
    lines = src.split("\n")
    out = []
    start = None
    for number, line in enumerate(lines):
        if line and line[-1].isspace():
            return None
        heading = line.startswith("#") and _HEADING.fullmatch(line)
        if line and not heading and not _LINE_START.match(line):
            return None
        if start is not None and (heading or not line):
            out.append(("p", start, number, "\n".join(lines[start:number])))
            start = None
        if heading:
            out.append((f"h{len(heading.group(1))}", number, number + 1, heading.group(2)))
        elif line and start is None:
            start = number
    if start is not None:
        out.append(("p", start, len(lines), "\n".join(lines[start:])))
    return out


def _parts(content: str) -> list | None:
    """Inline text as text (str) and (kind, data) pairs for links, citations and emphasis, in
    order; None if a bracket or a star is not one of ours."""
    out: list = []
    pos = 0
    while True:
        bracket = content.find("[", pos)
        end = len(content) if bracket == -1 else bracket
        if "]" in content[pos:end]:
            return None
        if "*" in content[pos:end]:
            if not _emphasis(content, pos, end, out):
                return None
        elif end > pos:
            out.append(content[pos:end])
        if bracket == -1:
            return out
        if content.startswith("[[", bracket):
            m = WIKILINK.match(content, bracket)
            part = m and ("wikilink", wikilink_meta(m))
        elif content.startswith("[@", bracket):
            m = CITATION.match(content, bracket)
            part = m and ("citation", citation_meta(m))
        else:
            return None
        if m is None:
            return None
        out.append(part)
        pos = m.end()


def _emphasis(content: str, pos: int, end: int, out: list) -> bool:
    """Text with *emphasis* in content[pos:end] into out; False if a star is not in a pair that
    markdown-it reads as emphasis the same way whatever surrounds it."""
    found = list(_EM.finditer(content, pos, end))
    if content.count("*", pos, end) != 2 * len(found):
        return False
    for m in found:
        if m.start() > pos:
            out.append(content[pos:m.start()])
        out.append(("em", m.group(1)))
        pos = m.end()
    if end > pos:
        out.append(content[pos:end])
    return True


def _parsed(src: str) -> list[tuple[str, int, int, str, list]] | None:
    blocks = _blocks(src)
    if blocks is None:
        return None
    out = []
    for tag, first, after, content in blocks:
        parts = _parts(content)
        if parts is None:
            return None
        out.append((tag, first, after, content, parts))
    return out


def prose_tokens(src: str) -> list[Token] | None:
    """markdown-it's tokens for plain prose (see the module docstring), else None."""
    blocks = _parsed(src)
    if blocks is None:
        return None
    tokens: list[Token] = []
    for tag, first, after, content, parts in blocks:
        children: list[Token] = []
        for part in parts:
            if isinstance(part, str):
                _text_tokens(part, children, 0)
            elif part[0] == "em":
                children.append(Token("em_open", "em", 1, markup="*"))
                _text_tokens(part[1], children, 1)
                children.append(Token("em_close", "em", -1, markup="*"))
            else:
                children.append(Token(part[0], "", 0, meta=part[1]))
        kind, markup = ("paragraph", "") if tag == "p" else ("heading", "#" * int(tag[1]))
        tokens.append(Token(f"{kind}_open", tag, 1, map=[first, after], block=True, markup=markup))
        tokens.append(Token("inline", "", 0, map=[first, after], level=1, block=True, content=content,
                            children=children))
        tokens.append(Token(f"{kind}_close", tag, -1, block=True, markup=markup))
    return tokens


def _text_tokens(text: str, out: list[Token], level: int) -> None:
    first, *rest = text.split("\n")
    if first:
        out.append(Token("text", "", 0, content=first, level=level))
    for line in rest:
        out.append(Token("softbreak", "br", 0, level=level))
        if line:
            out.append(Token("text", "", 0, content=line, level=level))


def _em_html(text: str, env) -> str:
    return f"<em>{escapeHtml(text)}</em>"


_RENDER = {"wikilink": wikilink_html, "citation": citation_html, "em": _em_html}


def prose_html(src: str, env) -> str | None:
    """What markdown-it renders for plain prose (see the module docstring), else None. A soft
    break renders as the line break itself, so text between links is escaped whole."""
    blocks = _parsed(src)
    if blocks is None:
        return None
    out = []
    for tag, _, _, _, parts in blocks:   # links and citations render (and number) once all parsed
        out.append(f"<{tag}>")
        out.extend(escapeHtml(part) if isinstance(part, str) else _RENDER[part[0]](part[1], env) for part in parts)
        out.append(f"</{tag}>\n")
    return "".join(out)
