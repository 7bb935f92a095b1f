"""Anchor annotations on an article's text as a reader sees it (W3C TextQuoteSelector style).

The reader's text is the concatenation of the parsed Markdown's inline text. Matching happens on
a folded copy (runs of whitespace become one space, typographic quotes become ASCII quotes) and
maps back to offsets in the unfolded text, so the page shows the words as written. A quote that
is not there may still be there through characters a reader does not see or that are written
two ways: soft hyphens, zero-width spaces and joiners, byte-order marks, and accents composed or
decomposed (see Loosened).

The time is bounded whatever the annotations (before, each annotation looked at every place of
its quote: 4,000 annotations on a common word took half an hour). The places of a quote, prefix
or suffix are looked for once per distinct text, LIMIT + 1 at most, and an annotation checks
those of its quote, or if there are more, of its prefix, or else of its suffix. A quote whose
prefix and suffix (if any) also occur more than LIMIT times cannot be told apart that way, and
is reported as such (Matches.complete). What is left is one search in C through the text for
each distinct quote, prefix or suffix that is needed (about a millisecond per MB).
"""
from __future__ import annotations

import re
import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

from .links import shown_text

LIMIT = 1000   # places of one quote, prefix or suffix looked at, at most
SHOWN = 11     # places of a quote too common to tell apart that are given (a message lists 10)

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'",
                         "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"'})


@dataclass
class Segment:
    start: int          # offset in the reader's text
    token: object       # the markdown-it token that shows the text (decoratable), or None (a line break)
    text: str
    line: int           # 0-based line of the block in the Markdown text
    block: int          # index of the inline token (its block) in the token stream
    kind: str = "text"  # the token's type: text, code_inline or wikilink (the shown name or label);
                        # only text is searched for mentions


@dataclass
class ReaderText:
    text: str
    segments: list[Segment]
    # Offsets of the separators ("\n\n") between a table cell and the block before or after it:
    # a reader sees the cells apart, so a quote may not run across one (crosses_cell).
    cell_walls: list[int] = field(default_factory=list)
    _lines: tuple | None = field(default=None, init=False, repr=False, compare=False)

    def crosses_cell(self, start: int, end: int) -> bool:
        """Whether text[start:end] runs from a table cell into another block."""
        k = bisect_left(self.cell_walls, start)
        return k < len(self.cell_walls) and self.cell_walls[k] < end

    def line_at(self, offset: int) -> int:
        """0-based line in the Markdown of the character at offset: its block's first line, plus
        the line breaks of the block before it. (A code span that runs over a line break shows
        it as a space, and is counted as one line.)"""
        if self._lines is None:
            block_start, first_of_block = {}, []
            for seg in self.segments:
                first_of_block.append(block_start.setdefault(seg.block, seg.start))
            newlines = [m.start() for m in re.finditer("\n", self.text)]
            self._lines = ([seg.start for seg in self.segments], first_of_block, newlines)
        starts, first_of_block, newlines = self._lines
        k = bisect_right(starts, offset) - 1
        if k < 0:
            return 0
        return self.segments[k].line + bisect_left(newlines, offset) - bisect_left(newlines, first_of_block[k])


def reader_text(tokens, target_of=None) -> ReaderText:
    """The text a reader sees, with the tokens that show each part: text, code spans, the
    shown text of [[links]] (the label, or else the name of target_of(id), a link target or
    None when unknown; without target_of, or for an unknown id, the id, as the page shows it),
    and line breaks as newlines. Blocks are joined by an empty line."""
    parts: list[str] = []
    segments: list[Segment] = []
    walls: list[int] = []
    length = 0
    previous_cell = False
    for index, block in enumerate(tokens):
        if block.type != "inline" or not block.children:
            continue
        line = block.map[0] if block.map else 0
        cell = in_table_cell(tokens, index)
        if parts:
            if cell or previous_cell:
                walls.append(length)
            parts.append("\n\n")
            length += 2
        previous_cell = cell
        for child in block.children:
            kind = child.type
            if kind == "text" or kind == "code_inline":
                piece, token = child.content, child
            elif kind in ("softbreak", "hardbreak"):
                piece, token = "\n", None
            elif kind == "wikilink":
                piece, token = wikilink_shown(child.meta, target_of), child
            else:
                continue
            if piece:
                segments.append(Segment(length, token, piece, line, index, kind))
                parts.append(piece)
                length += len(piece)
    return ReaderText("".join(parts), segments, walls)


def in_table_cell(tokens, index: int) -> bool:
    """Whether the inline token at index is a table cell's text."""
    return index > 0 and tokens[index - 1].type in ("td_open", "th_open")


def wikilink_shown(meta: dict, target_of=None) -> str:
    """The text a [[link]] shows (links.shown_text), its target found with target_of."""
    target = target_of(meta["id"]) if target_of is not None and not meta["text"] else None
    return shown_text(meta, target.name if target is not None else None)


class Folded:
    """The reader's text with whitespace runs folded to one space and typographic quotes made
    ASCII, and the way back to offsets in the original (by bisection over the folded runs)."""

    def __init__(self, text: str):
        self.text = _ascii_quotes(fold_spaces(text))
        self.unfolded = text
        self._places: dict[str, list[int] | array] = {}
        self._loosened: Loosened | None = None
        self._loosens: bool | None = None   # False once the text is known to have nothing to loosen
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

    def places(self, s: str) -> list[int] | array:
        """Where s is in the folded text, overlapping places too, in order: all of them, or the
        first LIMIT + 1 when there are more. Found once per text and string."""
        found = self._places.get(s)
        if found is None:
            found, text = [], self.text
            i = text.find(s)
            while i != -1 and len(found) <= LIMIT:
                found.append(i)
                i = text.find(s, i + 1)
            self._places[s] = found if len(found) < 16 else array("i", found)   # 4 bytes a place
        return found

    def loosened(self, needed: bool = False) -> Loosened | None:
        """The text as Loosened, if that differs from the text, or needed anyway (the quote has
        such characters); else None."""
        if self._loosened is None:
            if not (needed or self._loosens is not False and _may_loosen(self.unfolded)):
                self._loosens = False
                return None
            self._loosened = Loosened(self.unfolded)
        return self._loosened


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


class Matches(list):
    """The places a quote matches (Match), in order. complete is False when the quote, and its
    prefix and suffix if given, each occur more than LIMIT times: the list then holds the first
    SHOWN places of the quote alone (where the prefix and suffix were not checked), to say
    where it is. Such a quote needs more words, or a longer prefix or suffix."""
    complete = True


def find_quote(folded: Folded, quote: str, prefix: str | None, suffix: str | None) -> Matches:
    """All places the quote matches, kept only where prefix and suffix (if given) agree. If there
    are none, the places it matches once the characters Loosened sets aside are."""
    q = fold_plain(quote)
    if not q:
        return Matches()
    p = fold_plain(prefix) if prefix else ""
    s = fold_plain(suffix) if suffix else ""
    places, complete = _search(folded, q, p, s)
    if places or not complete:
        found = Matches([Match(folded.original(i), folded.original(i + len(q) - 1) + 1) for i in places])
        if not complete:
            found.complete = False
        return found
    loose = folded.loosened(_may_loosen(quote) or _may_loosen(prefix) or _may_loosen(suffix))
    if loose is None:
        return Matches()
    q, p, s = loose.fold(quote), loose.fold(prefix), loose.fold(suffix)
    if not q:
        return Matches()
    places, complete = _search(loose.folded, q, p, s, loose.whole)
    found = Matches(Match(*loose.original(i, i + len(q))) for i in places)
    found.complete = complete
    return found


def _search(folded: Folded, q: str, p: str, s: str, whole=None) -> tuple[list[int], bool]:
    """Folded offsets where q is, preceded by p and followed by s (when not empty), each with at
    most one space between; and whether that is all of them. The candidates are the places of q,
    or if it has more than LIMIT those of p, or else of s (each is looked for only if needed, as
    a rare text is read to its end); if each has more than LIMIT, the first places of q, and
    False. whole(i, end): whether a match may start at i and end at end (by default, whole letters)."""
    text = folded.text
    candidates = folded.places(q)
    if len(candidates) > LIMIT:
        if p and len(places := folded.places(p)) <= LIMIT:
            candidates = [j + len(p) for j in places] + \
                [j + len(p) + 1 for j in places if text[j + len(p):j + len(p) + 1] == " "]
        elif s and len(places := folded.places(s)) <= LIMIT:
            candidates = [j - len(q) for j in places] + [j - 1 - len(q) for j in places if text[j - 1:j] == " "]
        else:
            return list(candidates[:SHOWN]), False
        candidates = sorted(set(candidates))
    found = []
    for i in candidates:
        end = i + len(q)
        if i >= 0 and text.startswith(q, i) and \
                (not p or text[max(0, i - len(p) - 1):i].rstrip().endswith(p)) and \
                (not s or text[end:end + len(s) + 1].lstrip().startswith(s)) and \
                (whole(i, end) if whole else _whole_at(text, i, end)):
            found.append(i)
    return found, True


def _whole_at(text: str, i: int, end: int) -> bool:
    """Whether text[i:end] takes whole letters: it starts and ends with no combining mark or Hangul
    vowel cut from the letter it belongs to (a quote of an accent alone marked half a letter), and
    cuts no emoji apart (the flags of North Korea and Russia side by side hold a Puerto Rico flag
    between them, which a quote found and marked)."""
    return _letter_starts(text, i) and _letter_starts(text, end)


_EMOJI_PART = re.compile("[\u200d\ufe00-\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f\U000e0100-\U000e01ef]")
"""What belongs with the character before it in an emoji: a joiner, a variation selector, a skin
tone, a tag (of a subdivision's flag)."""


def _regional(ch: str) -> bool:
    return "\U0001f1e6" <= ch <= "\U0001f1ff"   # a flag is two of these letters


_REGIONAL_RUN = re.compile("[\U0001f1e6-\U0001f1ff]+")


@lru_cache(maxsize=8)
def _regional_runs(text: str) -> list[int]:
    """Where each run of flag letters begins: read once per text (a candidate match walking back
    to its run's start made a text of many flags quadratic: 48 s for 25,000)."""
    return [m.start() for m in _REGIONAL_RUN.finditer(text)]


def _letter_starts(text: str, i: int) -> bool:
    """Whether a letter, as a reader sees one (a user-perceived character), may start at i."""
    if i >= len(text):
        return True
    ch = text[i]
    if _attached(ch) or unicodedata.category(ch) == "Mc":
        return False
    return not _cuts_emoji(text, i)


def _cuts_emoji(text: str, i: int) -> bool:
    """Whether i is inside an emoji: before its joiner, skin tone, variation selector or tag,
    after a joiner, or between the two letters of a flag."""
    if i >= len(text) or i == 0:
        return i < len(text) and _EMOJI_PART.match(text[i]) is not None
    if _EMOJI_PART.match(text[i]) or text[i - 1] == "\u200d":
        return True
    if _regional(text[i]) and _regional(text[i - 1]):
        starts = _regional_runs(text)
        start = starts[bisect_right(starts, i) - 1]
        return (i - start) % 2 == 1   # inside a flag, not between two
    return False


def cuts_emoji(text: str, quote: str, places: int = 20) -> bool:
    """Whether the quote, where the text has it (its first places), begins or ends inside an emoji."""
    i = text.find(quote)
    while i != -1 and places:
        if _cuts_emoji(text, i) or _cuts_emoji(text, i + len(quote)):
            return True
        i, places = text.find(quote, i + 1), places - 1
    return False


# Characters a reader does not see, set aside when a quote is not found as written.
_INVISIBLE = "\u00ad\u200b\u200c\u200d\ufeff"   # soft hyphen, zero-width space, non-joiner, joiner, BOM
_INVISIBLE_CHAR = re.compile(f"[{_INVISIBLE}]")
_NON_ASCII_RUN = re.compile(r"[\x00-\x7f]?[^\x00-\x7f]+")   # with the character before (a base letter)


def _may_loosen(text: str | None) -> bool:
    return bool(text) and (not unicodedata.is_normalized("NFC", text) or _INVISIBLE_CHAR.search(text) is not None)


def _attached(ch: str) -> bool:
    """Whether ch belongs with the character before it: a combining mark, a Hangul vowel or final."""
    return unicodedata.combining(ch) != 0 or "\u1160" <= ch <= "\u11ff" or "\ud7b0" <= ch <= "\ud7ff"


def _loosen(text: str) -> tuple[str, list[tuple[int, int, int, int]]]:
    """text without soft hyphens, zero-width characters and BOMs, each letter with its marks
    composed (NFC, one letter at a time); and the spans that changed, as (new start, new length,
    old start, old length), in order."""
    if not _may_loosen(text):
        return text, []
    parts, spans = [], []
    done = grown = 0
    for run in _NON_ASCII_RUN.finditer(text):
        if unicodedata.is_normalized("NFC", run.group()) and not _INVISIBLE_CHAR.search(run.group()):
            continue
        start, end = run.span()
        for i in range(start + 1, end + 1):
            if i < end and (_attached(text[i]) or text[i] in _INVISIBLE):
                continue   # text[start:i] is one letter with its marks, or one other character
            old = text[start:i]
            new = unicodedata.normalize("NFC", _INVISIBLE_CHAR.sub("", old))
            if new != old:
                parts.append(text[done:start])
                parts.append(new)
                spans.append((start + grown, len(new), start, len(old)))
                grown += len(new) - len(old)
                done = i
            start = i
    parts.append(text[done:])
    return "".join(parts), spans


class Loosened:
    """The reader's text as _loosen makes it, folded, and the way back to the original offsets.
    A match may not split a letter from its marks, and covers what was set aside inside it: the
    quote "cooperation" marks the text's "co-operation" whose hyphen is a soft one, and "Café"
    marks a "Cafe" followed by a combining acute accent."""

    def __init__(self, text: str):
        self.text = text
        loose, spans = _loosen(text)
        self.folded = Folded(loose)
        self._spans = spans
        self._new_starts = [span[0] for span in spans]

    def fold(self, text: str | None) -> str:
        return fold_plain(_loosen(text)[0]) if text else ""

    def whole(self, i: int, end: int) -> bool:
        """Whole letters here and in the reader's text (whose emoji keep their joiners)."""
        return _whole_at(self.folded.text, i, end) and _whole_at(self.text, *self.original(i, end))

    def original(self, i: int, end: int) -> tuple[int, int]:
        """Offsets in the reader's text of the folded loosened text[i:end]."""
        start = self._back(self.folded.original(i), False)
        stop = self._back(self.folded.original(end - 1), True)
        return start, stop

    def _back(self, index: int, after: bool) -> int:
        """The offset in the original text of the loosened character at index, or (after) the
        offset just after it; a character of a changed span stands for the whole span."""
        k = bisect_right(self._new_starts, index) - 1   # a span removed just before index counts
        if k < 0:
            return index + 1 if after else index
        new_start, new_len, old_start, old_len = self._spans[k]
        if index < new_start + new_len:
            return old_start + old_len if after else old_start
        moved = old_start + old_len - (new_start + new_len)
        return index + moved + 1 if after else index + moved
