"""The two reference syntaxes of our Markdown, shared by the parser plugins and the scanner.

``[[id]]`` / ``[[id|shown text]]`` link to an entity, source or page; ``[@id]``,
``[@id, p. 4]``, ``[@a; @b, para. 2]`` are Pandoc-style citations. The resolve stage scans
text with the same patterns (skipping code) to check every reference and record backlinks
before any page is rendered.

Both patterns and the code masking run in time linear in the text: content is untrusted, and a
pattern that backtracks (``[@a, x  ;@a, x  ;...`` without a closing bracket once took minutes)
would let one file stall every build.
"""
from __future__ import annotations

import re

WIKILINK = re.compile(r"\[\[([^\[\]|\n]{1,200})(?:\|([^\[\]\n]{1,500}))?\]\]")
# One item: @id, then either a locator after a comma, or spaces only when a ';' follows. Each
# item is an atomic group and the parts are told apart by their first character, so a text that
# is not a citation fails without backtracking.
_CITE_ITEM = r"(?>@[A-Za-z0-9][A-Za-z0-9-]*(?:\s*,[^;\[\]\n]*|\s*(?=;))?)"
CITATION = re.compile(r"\[(" + _CITE_ITEM + r"(?:;\s*" + _CITE_ITEM + r")*)\]")
# A fence opens a code block where markdown-it opens one: at most three spaces in, after any '>'
# of block quotes (each with one optional space), and, for backticks, no backtick in the rest of
# the line. Four spaces in is an indented code line, which opens no fence.
_FENCE = re.compile(r"^(?:[ ]{0,3}>[ ]?)*[ ]{0,3}(`{3,}(?=[^`\n]*$)|~{3,})", re.M)
_QUOTED = re.compile(r"[ ]{0,3}>")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_TICKS = re.compile(r"`+")
_ESCAPED = re.compile(r"\\(?:\\|([\[\]@`]))")   # an escaped bracket, @ or backtick; or an escaped backslash


def parse_citation(inner: str) -> list[tuple[str, str]]:
    """'@a; @b, p. 3' -> [('a', ''), ('b', 'p. 3')]"""
    items = []
    for part in inner.split(";"):
        key, _, locator = part.strip()[1:].partition(",")
        items.append((key.strip(), locator.strip()))
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
    """The text with fenced code blocks, inline code spans and backslash-escaped brackets blanked
    (same length, newlines kept), so they are not read as references."""
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
        masked = _ESCAPED.sub(lambda m: "  " if m.group(1) else m.group(0), masked)
    return masked


def scan(text: str):
    """Yield (offset, kind, id, detail) for each reference outside code. kind: 'link' or 'cite'.
    Where code may be (a backtick or a tilde fence), the references are those markdown-it reads,
    as the page renders them: where code blocks and spans begin and end depends on the whole
    block structure (lists, quotes, fences that no line closes), which no pattern reproduces."""
    if "`" in text or "~~~" in text:
        yield from _scan_parsed(text)
        return
    masked = mask_code(text)
    for m in WIKILINK.finditer(masked):
        yield m.start(), "link", m.group(1).strip(), m.group(2)
    for m in CITATION.finditer(masked):
        offset = m.start() + 1
        for key, locator in parse_citation(m.group(1)):
            yield offset, "cite", key, locator


def _scan_parsed(text: str):
    """scan() from markdown-it's tokens. Each reference it reads is placed at the next match of
    the patterns, in reading order, that names the same thing (one in code is passed over)."""
    from . import MD   # the parser is built from the plugins, which import this module
    read = []
    for token in MD.parse(text, {}):
        for child in token.children or ():
            if child.type == "wikilink":
                read.append(("link", child.meta["id"], child.meta["text"]))
            elif child.type == "citation":
                read.append(("cite", tuple(child.meta["items"]), None))
    if not read:
        return
    masked = text if "\\" not in text else _ESCAPED.sub(lambda m: "  " if m.group(1) else m.group(0), text)
    found = sorted([(m.start(), "link", m.group(1).strip(), m) for m in WIKILINK.finditer(masked)]
                   + [(m.start(), "cite", tuple(parse_citation(m.group(1))), m) for m in CITATION.finditer(masked)],
                   key=lambda f: f[0])
    at = 0
    for kind, what, detail in read:
        k = next((i for i in range(at, len(found)) if found[i][1] == kind and found[i][2] == what), None)
        offset = 0 if k is None else found[k][0]
        at = at if k is None else k + 1
        if kind == "link":
            yield offset, "link", what, detail
        else:
            for key, locator in what:
                yield offset + (k is not None), "cite", key, locator
