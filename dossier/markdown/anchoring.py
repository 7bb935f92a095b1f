"""Anchor annotations on an article's text as a reader sees it (W3C TextQuoteSelector style).

The reader's text is the concatenation of the parsed Markdown's inline text. Matching happens on
a folded copy (runs of whitespace become one space, typographic quotes become ASCII quotes) and
maps back to offsets in the unfolded text, so the page shows the words as written.
"""
from __future__ import annotations

import unicodedata
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


def fold(text: str) -> tuple[str, list[int]]:
    """Folded text and, for each folded character, its offset in the original."""
    out: list[str] = []
    where: list[int] = []
    text = unicodedata.normalize("NFC", text) if not text.isascii() else text
    pending_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if out:
                pending_space = i
            continue
        if pending_space is not False:
            out.append(" ")
            where.append(pending_space)
            pending_space = False
        out.append(ch.translate(_QUOTES))
        where.append(i)
    return "".join(out), where


def fold_plain(text: str) -> str:
    return " ".join(text.split()).translate(_QUOTES)


@dataclass
class Match:
    start: int   # offsets in the reader's text
    end: int


def find_quote(folded: str, where: list[int], quote: str, prefix: str | None, suffix: str | None):
    """All places the quote matches, kept only where prefix and suffix (if given) agree."""
    q = fold_plain(quote)
    if not q:
        return []
    p = fold_plain(prefix) if prefix else ""
    s = fold_plain(suffix) if suffix else ""
    found = []
    i = folded.find(q)
    while i != -1:
        before, after = folded[:i].rstrip(), folded[i + len(q):].lstrip()
        if (not p or before.endswith(p)) and (not s or after.startswith(s)):
            found.append(Match(where[i], where[i + len(q) - 1] + 1))
        i = folded.find(q, i + 1)
    return found
