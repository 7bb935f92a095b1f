"""The two reference syntaxes of our Markdown, shared by the parser plugins and the scanner.

``[[id]]`` / ``[[id|shown text]]`` link to an entity, source or page; ``[@id]``,
``[@id, p. 4]``, ``[@a; @b, para. 2]`` are Pandoc-style citations. The resolve stage scans
text with the same patterns (skipping code) to check every reference and record backlinks
before any page is rendered.
"""
from __future__ import annotations

import re

WIKILINK = re.compile(r"\[\[([^\[\]|\n]{1,200})(?:\|([^\[\]\n]{1,500}))?\]\]")
_CITE_ITEM = r"@[A-Za-z0-9][A-Za-z0-9-]*(?:\s*,[^;\[\]\n]*)?"
CITATION = re.compile(r"\[(" + _CITE_ITEM + r"(?:\s*;\s*" + _CITE_ITEM + r")*)\]")
_CODE = re.compile(r"(```+|~~~+)[^\n]*\n.*?(?:\n\1[ \t]*(?:\n|$)|\Z)|(`+)(?!`).+?(?<!`)\2(?!`)", re.S)


def parse_citation(inner: str) -> list[tuple[str, str]]:
    """'@a; @b, p. 3' -> [('a', ''), ('b', 'p. 3')]"""
    items = []
    for part in inner.split(";"):
        key, _, locator = part.strip()[1:].partition(",")
        items.append((key.strip(), locator.strip()))
    return items


def scan(text: str):
    """Yield (offset, kind, id, detail) for each reference outside code. kind: 'link' or 'cite'."""
    masked = _CODE.sub(lambda m: " " * len(m.group(0)), text) if "`" in text or "~~~" in text else text
    for m in WIKILINK.finditer(masked):
        yield m.start(), "link", m.group(1).strip(), m.group(2)
    for m in CITATION.finditer(masked):
        offset = m.start() + 1
        for key, locator in parse_citation(m.group(1)):
            yield offset, "cite", key, locator
