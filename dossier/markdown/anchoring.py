"""Anchor annotations on an article's text as a reader sees it (W3C TextQuoteSelector style).

The reader's text is the concatenation of the parsed Markdown's inline text. Matching happens on
a folded copy (runs of whitespace become one space, typographic quotes become ASCII quotes) and
maps back to offsets in the unfolded text, so the page shows the words as written.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'",
                         "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"'})


@dataclass
class Segment:
    start: int          # offset in the reader's text
    token: object       # the markdown-it text token (decoratable) or None
    text: str
    line: int           # 0-based line of the block in the Markdown text
    block: int          # index of the inline token (its block) in the token stream


@dataclass
class ReaderText:
    text: str
    segments: list[Segment]

    def line_at(self, offset: int) -> int:
        line = 0
        for seg in self.segments:
            if seg.start > offset:
                break
            line = seg.line
        return line


def reader_text(tokens) -> ReaderText:
    """The text a reader sees, with the text tokens that hold each part."""
    parts: list[str] = []
    segments: list[Segment] = []
    length = 0
    for index, block in enumerate(tokens):
        if block.type != "inline" or not block.children:
            continue
        line = block.map[0] if block.map else 0
        if parts:
            parts.append("\n\n")
            length += 2
        for child in block.children:
            if child.type == "text":
                piece, token = child.content, child
            elif child.type == "code_inline":
                piece, token = child.content, None
            elif child.type in ("softbreak", "hardbreak"):
                piece, token = "\n", None
            elif child.type == "wikilink":
                piece, token = (child.meta.get("text") or child.meta["id"]), None
            else:
                continue
            if piece:
                segments.append(Segment(length, token, piece, line, index))
                parts.append(piece)
                length += len(piece)
    return ReaderText("".join(parts), segments)


class Folded:
    """The reader's text with whitespace runs folded to one space and typographic quotes made
    ASCII, and the way back to offsets in the original (by bisection over the folded runs)."""

    def __init__(self, text: str):
        self.text = _ascii_quotes(fold_spaces(text))
        self._folded_starts, self._starts, self._removed = [], [], []
        removed = 0
        for run in _LONG_SPACE_RUN.finditer(text):   # a run of one character moves no offset
            start, end = run.span()
            self._folded_starts.append(start - removed)
            self._starts.append(start)
            removed += end - start - 1
            self._removed.append(removed)

    def original(self, index: int) -> int:
        """Offset in the original text of the folded character at ``index``."""
        k = bisect_right(self._folded_starts, index) - 1
        if k < 0:
            return index
        if index == self._folded_starts[k]:
            return self._starts[k]
        return index + self._removed[k]


# Folding visits only what it changes: a pattern that replaced every single space (there is one
# after most words), or str.translate looking up every character, took longer than parsing the
# Markdown.
_LONG_SPACE_RUN = re.compile(r"\s{2,}")
_QUOTE_CHAR = re.compile("[" + re.escape("".join(map(chr, _QUOTES))) + "]")


def fold_spaces(text: str) -> str:
    """Each run of whitespace made one space, as re.sub(r"\\s+", " ", text) does (str.split and
    the pattern agree on what whitespace is)."""
    inner = " ".join(text.split())
    if not inner:
        return " " if text else ""
    return (" " if text[0].isspace() else "") + inner + (" " if text[-1].isspace() else "")


def _ascii_quotes(text: str) -> str:
    """text.translate(_QUOTES), faster where quotes are few."""
    return _QUOTE_CHAR.sub(lambda m: _QUOTES[ord(m.group())], text)


def fold(text: str) -> Folded:
    return Folded(text)


def fold_plain(text: str) -> str:
    return " ".join(text.split()).translate(_QUOTES)


@dataclass
class Match:
    start: int   # offsets in the reader's text
    end: int


def find_quote(folded: Folded, quote: str, prefix: str | None, suffix: str | None):
    """All places the quote matches, kept only where prefix and suffix (if given) agree."""
    q = fold_plain(quote)
    if not q:
        return []
    p = fold_plain(prefix) if prefix else ""
    s = fold_plain(suffix) if suffix else ""
    found = []
    text = folded.text
    i = text.find(q)
    while i != -1:
        end = i + len(q)
        if (not p or text[max(0, i - len(p) - 1):i].rstrip().endswith(p)) and \
                (not s or text[end:end + len(s) + 1].lstrip().startswith(s)):
            found.append(Match(folded.original(i), folded.original(end - 1) + 1))
        i = text.find(q, i + 1)
    return found
