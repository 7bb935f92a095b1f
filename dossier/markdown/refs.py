"""The two reference syntaxes of our Markdown, shared by the parser plugins and the scanner.

``[[id]]`` / ``[[id|shown text]]`` link to an entity, source or page; ``[@id]``,
``[@id, p. 4]``, ``[@a; @b, para. 2]`` are Pandoc-style citations. The resolve stage scans
text with the same patterns (skipping code) to check every reference and record backlinks
before any page is rendered, and warns of what begins like a reference but is none
(``malformed``), which the page would show as text.

Content is hard-wrapped, so a label or a locator may go on over line breaks inside its
paragraph, and reads as on one line (``fold_breaks``); a blank line ends it, as it ends the
paragraph. The id of a wikilink stays on one line.

Both patterns and the code masking run in time linear in the text: content is untrusted, and a
pattern that backtracks (``[@a, x  ;@a, x  ;...`` without a closing bracket once took minutes)
would let one file stall every build.
"""
from __future__ import annotations

import re

# A reference may wrap over line breaks inside its paragraph (Markdown is often hard-wrapped), but
# never over a blank line, where markdown-it ends the paragraph: _BREAK is one line break that is
# not followed by a blank line, _GAP spaces with at most one such break. The id of a wikilink may
# have a line break before or after it ("[[\nid\n|label]]"), never inside it.
_BREAK = r"\n(?![ \t]*\n)"
_GAP = r"[^\S\n]*(?:" + _BREAK + r"[^\S\n]*)?"
WIKILINK = re.compile(r"\[\[(?>[ \t]*" + _BREAK + r")?([^\[\]|\n]{1,200})(?>" + _BREAK + r"[ \t]*)?"
                      r"(?:\|((?:[^\[\]\n]|" + _BREAK + r"){1,500}))?\]\]")
# One item: @id, then either a locator after a comma, or spaces only when a ';' follows. Each
# item is an atomic group and the parts are told apart by their first character, so a text that
# is not a citation fails without backtracking.
_CITE_ITEM = r"(?>@[A-Za-z0-9][A-Za-z0-9-]*(?:" + _GAP + r",(?:[^;\[\]\n]|" + _BREAK + r")*|" + _GAP + r"(?=;))?)"
CITATION = re.compile(r"\[(" + _CITE_ITEM + r"(?:;" + _GAP + _CITE_ITEM + r")*)\]")
# '[@ id': a citation with a space after its '@', which Markdown shows as text (resolve warns of it
# when the id is a source's: '[@ name]' may be text)
SPACED_CITATION = re.compile(r"\[@[ \t]+([a-z0-9]+(?:-[a-z0-9]+)*)\b(?!-)")
# Pandoc's other forms, which are not read here: a prefix before the '@' ('[see @id, p. 3]') or the
# author left out ('[-@id]'). Shown as text; resolve warns of one when the id is a source's.
PANDOC_CITATION = re.compile(r"\[(?:-|[^\[\]\n@]{0,80}?[ \t(])@([a-z0-9]+(?:-[a-z0-9]+)*)\b(?!-)")
# The '[' that may start a reference: before '[', or before '@' and a character an id starts with
# (malformed()). Zero-width after the bracket, so '[[[' holds two.
_OPENER = re.compile(r"\[(?=\[|@[A-Za-z0-9])")
# A line break inside a reference after which markdown-it surely continues the paragraph: the
# next line starts with a letter, an opening bracket or quote, '@', a star before a letter
# (emphasis, not a list item) or a digit that does not make an ordered list item. After any
# other line break (a '>' of a block quote, a list marker, a heading...) the block structure
# decides, and scan() asks markdown-it.
_PLAIN_BREAK = re.compile(r"\n[ \t]*(?:[^\W\d_]|[\[(\"'“‘«@]|\*[^\W_]|[0-9](?![0-9]*[.)]))")
# A line that may be an ATX heading (after block quote and list markers), and a table's delimiter row.
_HEADING_LINE = re.compile(r"[ \t>]*(?:(?:[-*+]|[0-9]{1,9}[.)])[ \t]+[ \t>]*)*#")
_DELIMITER_ROW = re.compile(r"[ \t>]*[|: \t-]+")   # a whole line, with a '|' and a '-' (_has_table)
_QUOTE_MARKS = re.compile(r"(?:[ ]{0,3}>[ ]?)*")
_QUOTE_MARKS_AT_LINE = re.compile(r"^(?:[ ]{0,3}>[ ]?)+", re.M)
# Where mask_code may not see code the way markdown-it does: backticks, tilde fences and indented
# lines (an indented code block).
_MAYBE_CODE = re.compile(r"`|~~~|^(?: {4}| {0,3}\t)", re.M)
MAX_MALFORMED = 10   # malformed() reports at most this many places of one text


def fold_breaks(text: str) -> str:
    """A label or locator that wraps over lines as it reads on one line: each line break, with
    the spaces around it, becomes one space."""
    if "\n" not in text:
        return text
    return " ".join(line.strip(" \t") for line in text.split("\n"))


# A fence opens a code block where markdown-it opens one: at most three spaces in, after any '>'
# of block quotes (each with one optional space), and, for backticks, no backtick in the rest of
# the line. Four spaces in is an indented code line, which opens no fence.
_FENCE = re.compile(r"^(?:[ ]{0,3}>[ ]?)*[ ]{0,3}(`{3,}(?=[^`\n]*$)|~{3,})", re.M)
_QUOTED = re.compile(r"[ ]{0,3}>")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_TICKS = re.compile(r"`+")
_ESCAPED = re.compile(r"\\(?:\\|([\[\]@`]))")   # an escaped bracket, @ or backtick; or an escaped backslash


def _unescape(m: re.Match) -> str:
    """What an escape leaves for the patterns: an escaped '[' opens nothing but still ends a
    label or a locator, as in markdown-it (so it becomes ']'); an escaped ']' is left as it is,
    since markdown-it reads the escape only outside a reference and a ']' ends a reference
    anyway; an escaped '@' or backtick, and the backslash, are blanked."""
    escaped = m.group(1)
    if escaped is None or escaped == "]":
        return m.group(0)
    return " ]" if escaped == "[" else "  "


def parse_citation(inner: str) -> list[tuple[str, str]]:
    """'@a; @b, p. 3' -> [('a', ''), ('b', 'p. 3')]"""
    items = []
    for part in inner.split(";"):
        key, _, locator = part.strip()[1:].partition(",")
        items.append((key.strip(), fold_breaks(locator).strip()))
    return items


def _code_spans(text: str, start: int, end: int):
    """(start, end) of the inline code spans in text[start:end], one paragraph: a run of n
    backticks opens a span closed by the next run of exactly n backticks (CommonMark). Outside
    a span a backslash makes the first backtick of a run text; inside one it is text itself, so
    a closing run counts whole."""
    runs = [(m.start(), m.end()) for m in _TICKS.finditer(text, start, end)]
    by_length: dict[int, list[int]] = {}
    for index, (a, b) in enumerate(runs):
        by_length.setdefault(b - a, []).append(index)
    cursor = {n: 0 for n in by_length}   # per length, the first run not yet passed
    index = 0
    while index < len(runs):
        a, b = runs[index]
        if _escaped(text, a, start):
            a += 1
        same = by_length.get(b - a, ())
        k = cursor.get(b - a, 0)
        while k < len(same) and same[k] <= index:
            k += 1
        if same:
            cursor[b - a] = k
        if a < b and k < len(same):   # closed: skip everything up to the closer
            closer = same[k]
            yield a, runs[closer][1]
            index = closer + 1
        else:
            index += 1


def _escaped(text: str, at: int, start: int) -> bool:
    """Whether the character at `at` follows an odd number of backslashes (from `start` on)."""
    n = 0
    while at - n - 1 >= start and text[at - n - 1] == "\\":
        n += 1
    return n % 2 == 1


def mask_code(text: str) -> str:
    """The text with fenced code blocks and inline code spans blanked, and backslash escapes
    defused (_unescape); same length, newlines kept: so they are not read as references."""
    if "`" not in text and "~~~" not in text and "\\" not in text:
        return text
    chars = list(text)

    def blank(a: int, b: int) -> None:
        for i in range(a, b):
            if chars[i] != "\n":
                chars[i] = " "

    # Fenced blocks (_FENCE opens one): a line with at least as many of the same character closes
    # it; an unclosed fence runs to the end of the text, or, inside a block quote, to the first
    # line that is not quoted (the quote, and the fence with it, ends there).
    prose: list[tuple[int, int]] = []   # stretches outside fences
    pos = 0
    fence = _FENCE.search(text)
    while fence:
        prose.append((pos, fence.start()))
        marker = fence.group(1)
        quoted = _QUOTED.match(text, fence.start()) is not None
        line_end = text.find("\n", fence.end())
        close_at = len(text)
        search_from = len(text) if line_end == -1 else line_end + 1
        while search_from < len(text):
            m = _FENCE.match(text, search_from)
            nl = text.find("\n", search_from)
            if quoted and not _QUOTED.match(text, search_from):
                close_at = search_from - 1   # the line break before the unquoted line
                break
            if m and m.group(1)[0] == marker[0] and len(m.group(1)) >= len(marker) \
                    and not text[m.end():len(text) if nl == -1 else nl].strip():
                close_at = len(text) if nl == -1 else nl
                break
            if nl == -1:
                break
            search_from = nl + 1
        blank(fence.start(), close_at)
        pos = close_at
        fence = _FENCE.search(text, pos) if pos < len(text) else None
    prose.append((pos, len(text)))

    for a, b in prose:
        if "`" not in text[a:b]:
            continue
        para = a
        for sep in list(_BLANK_LINE.finditer(text, a, b)) + [None]:
            para_end = sep.start() if sep else b
            for s, e in _code_spans(text, para, para_end):
                blank(s, e)
            para = sep.end() if sep else b
    masked = "".join(chars)
    if "\\" in masked:  # an escaped bracket, @ or backtick is text, outside code as Markdown has it
        masked = _ESCAPED.sub(_unescape, masked)
    return masked


def scan(text: str, inline: bool = False):
    """Yield (offset, kind, id, detail) for each reference outside code. kind: 'link' or 'cite'.
    Where code may be (a backtick or a tilde fence), the references are those markdown-it reads,
    as the page renders them: where code blocks and spans begin and end depends on the whole
    block structure (lists, quotes, fences that no line closes), which no pattern reproduces.
    So does a reference that wraps onto a line that may start a block of its own (a '>' of a
    block quote, a list item...): whether it is one reference depends on the blocks too; and
    so does a text over lines where a '[[' or '[@' is no reference the patterns read (a label
    that wraps over lines of a block quote is longer as written than as markdown-it reads it).
    inline: the text as a page shows it within a paragraph (the templates' mdi filter), where
    no line starts a block: four spaces before it make no code block."""
    if inline and (text[:1] in " \t" or "\n" in text):
        yield from _scan_parsed(text, inline=True)
        return
    if "`" in text or "~~~" in text:
        yield from _scan_parsed(text, inline)
        return
    masked = mask_code(text)
    read = _dequoted(masked)
    links = list(WIKILINK.finditer(read))
    cites = list(CITATION.finditer(read)) if "[@" in read else []
    if "\n" in text and (not all(map(_Wrapping(masked).plain, links + cites)) or openers(read) > len(links) + len(cites)):
        yield from _scan_parsed(text)
        return
    for m in links:
        yield m.start(), "link", m.group(1).strip(), m.group(2) and fold_breaks(m.group(2))
    for m in cites:
        offset = m.start() + 1
        for key, locator in parse_citation(m.group(1)):
            yield offset, "cite", key, locator


def _depth(text: str, line_start: int) -> int:
    """How many block quotes the line that starts at line_start is in (its '>' marks)."""
    return text.count(">", line_start, _QUOTE_MARKS.match(text, line_start).end())


def _dequoted(text: str) -> str:
    """The text with the block quote marks at the start of its lines blanked (same length), so
    that a reference that wraps inside a block quote reads as markdown-it reads it."""
    if ">" not in text:
        return text
    return _QUOTE_MARKS_AT_LINE.sub(lambda m: " " * len(m.group()), text)


def _has_table(text: str) -> bool:
    """Whether a line of the text may be a table's delimiter row (| --- | :-: |). Line by line:
    a pattern searched over the whole text tried every position (30 µs for a fact sheet)."""
    if "|" not in text:
        return False
    return any("|" in line and "-" in line and _DELIMITER_ROW.fullmatch(line) for line in text.split("\n"))


class _Wrapping:
    """Whether a reference the patterns read in a text is one that markdown-it reads: no table
    may be in the text (any delimiter row sends it to markdown-it: a table's cells split a
    [[id|label]] at its bar), and the reference is on one line, or each of its line breaks surely
    continues the paragraph (_PLAIN_BREAK) and its first line is no ATX heading (one line long)."""

    def __init__(self, text: str):
        self.text = text   # as masked, block quote marks and all
        self.tables: bool | None = None

    def plain(self, m: re.Match) -> bool:
        if self.tables is None:
            self.tables = _has_table(self.text)
        if self.tables:
            return False
        n = m.group().count("\n")
        if n == 0:
            return True
        if len(_PLAIN_BREAK.findall(m.group())) != n:
            return False
        first = self.text.rfind("\n", 0, m.start()) + 1
        if _HEADING_LINE.match(self.text, first):
            return False
        # a line more deeply quoted than the first begins a block quote; one less deeply (or not
        # at all) goes on with the paragraph (a lazy continuation line)
        depth = _depth(self.text, first)
        at = m.start()
        for _ in range(n):
            at = self.text.index("\n", at) + 1
            if _depth(self.text, at) > depth:
                return False
        return True


def openers(text: str) -> int:
    """How many places of the text may begin a reference (in code too): when scan() reads fewer,
    malformed() may find some."""
    return len(_OPENER.findall(text)) if "[[" in text or "[@" in text else 0


def malformed(text: str) -> list[tuple[int, str]]:
    """(offset, 'link' or 'cite') of the places outside code where a reference begins ('[[', or
    '[@' and an id's first character) but none is read, so the page shows the text as it is:
    a wikilink with a bracket in its label or never closed in its paragraph, a citation without
    the comma before its locator... In a run of brackets ('[[[a]]') the last one decides. At most
    MAX_MALFORMED places, in order."""
    if "[[" not in text and "[@" not in text:
        return []
    masked = mask_code(text)
    found: list[tuple[int, str, re.Match | None]] = []
    unsure = False   # a reference that wraps onto a line that may start a block: markdown-it decides
    end = 0
    wrapping = _Wrapping(masked)
    read = _dequoted(masked)
    for opener in _OPENER.finditer(read):
        at = opener.start()
        if at < end or _OPENER.match(read, at + 1):   # inside a reference read, or the next bracket decides
            continue
        is_link = read[at + 1] == "["
        m = (WIKILINK if is_link else CITATION).match(read, at)
        if m is not None:
            end = m.end()
            if wrapping.plain(m):
                continue
            unsure = True
        found.append((at, "link" if is_link else "cite", m))
    if found and (unsure or _MAYBE_CODE.search(text)):
        found = _shown_as_text(text, found)
    return [(at, kind) for at, kind, _ in found[:MAX_MALFORMED]]


def _shown_as_text(text: str, places: list) -> list:
    """The places (offset, kind, match or None) that markdown-it shows as text: on a line of a
    paragraph, heading or table cell whose text shows '[[' (or '[@'), and, for a reference the
    pattern reads over lines, where markdown-it read no reference to the same id."""
    from . import MD   # the parser is built from the plugins, which import this module
    shown: dict[int, set] = {}   # line -> the openers shown as text there, and the references read
    for token in MD.parse(text, {}):
        if token.type != "inline" or not token.map:
            continue
        seen = set()
        words = "\0".join(child.content for child in token.children or () if child.type == "text")
        seen.update(o for o in ("[[", "[@") if o in words)
        for child in token.children or ():
            if child.type == "wikilink":
                seen.add(("link", child.meta["id"]))
            elif child.type == "citation" and child.meta["items"]:
                seen.add(("cite", child.meta["items"][0][0]))
        for line in range(token.map[0], token.map[1]):
            shown.setdefault(line, set()).update(seen)
    out = []
    line, at = 0, 0
    for offset, kind, m in places:
        line += text.count("\n", at, offset)
        at = offset
        here = shown.get(line, ())
        if m is not None:
            ref = m.group(1).strip() if kind == "link" else parse_citation(m.group(1))[0][0]
            if (kind, ref) in here:
                continue
        if ("[[" if kind == "link" else "[@") in here:
            out.append((offset, kind, m))
    return out


def _opening(kind: str, what) -> re.Pattern:
    """Where a reference markdown-it read may open: '[[id' or '[@id'."""
    return re.compile(r"\[\[\s*" + re.escape(what) if kind == "link" else r"\[@" + re.escape(what[0][0] if what else ""))


def _table_link(ref: str) -> re.Pattern:
    r"""'[[id\|', which only a table's cell reads as a link (it unescapes the bar)."""
    return re.compile(r"\[\[\s*" + re.escape(ref) + r"\s*\\\|")


def _scan_parsed(text: str, inline: bool = False):
    """scan() from markdown-it's tokens. Each reference it reads is placed at the next match of
    the patterns, in reading order, that names the same thing (one in code is passed over)."""
    from . import MD   # the parser is built from the plugins, which import this module
    read = []
    for token in MD.parseInline(text, {}) if inline else MD.parse(text, {}):
        for child in token.children or ():
            if child.type == "wikilink":
                read.append(("link", child.meta["id"], child.meta["text"]))
            elif child.type == "citation":
                read.append(("cite", tuple(child.meta["items"]), None))
    if not read:
        return
    masked = text if "\\" not in text else _ESCAPED.sub(_unescape, text)
    if not inline:   # within a paragraph, a '>' at a line's start is text
        masked = _dequoted(masked)
    found = sorted([(m.start(), "link", m.group(1).strip(), m) for m in WIKILINK.finditer(masked)]
                   + [(m.start(), "cite", tuple(parse_citation(m.group(1))), m) for m in CITATION.finditer(masked)],
                   key=lambda f: f[0])
    at, after = 0, 0   # the next of the patterns' matches to look at; where to look for an opening
    for kind, what, detail in read:
        # each reference after the one before it: two citations never share a place (the items of one
        # are told apart by it), even when one was placed at an opening the patterns read further on
        k = next((i for i in range(at, len(found)) if found[i][0] >= after and found[i][1] == kind and found[i][2] == what), None)
        opening = None
        if k is None:   # one the patterns do not read (a label longer as written): at its opening bracket
            m = _opening(kind, what).search(masked, after)
            opening = m.start() if m else None
        elif kind == "link" and "\\|" in masked:   # '[[id\|label]]' in a table's cell, which the table reads
            m = _table_link(what).search(masked, after, found[k][0])   # as '|', if it comes first
            opening = m.start() if m else None
        if opening is not None:
            offset, placed = opening, True
        elif k is not None:
            offset, placed = found[k][0], True
            at = k + 1
        else:
            offset, placed = 0, False
        if placed:   # each reference at an opening of its own: the next is looked for after it
            after = max(after, offset + 1)
        if kind == "link":
            yield offset, "link", what, detail
        else:
            for key, locator in what:
                yield offset + placed, "cite", key, locator
