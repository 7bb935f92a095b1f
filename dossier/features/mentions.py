"""Find entity names and aliases in text: longest match first, whole words, exact case.

One index keyed by first word keeps this linear in the text's length whatever the number of
entities (no scan over every name for every text).
"""
from __future__ import annotations

import hashlib
import re

_WORD = re.compile(r"\w+")


class MentionMatcher:
    def __init__(self, names: list[tuple[str, str]]):
        """names: (surface form, entity id) pairs."""
        index: dict[str, list[tuple[str, str]]] = {}
        for surface, entity_id in names:
            surface = " ".join(surface.split())
            first = _WORD.search(surface)
            if not first or first.start() != 0 or len(surface) < 3:
                continue  # a name must start with a letter or digit and be at least 3 characters
            index.setdefault(first.group(0), []).append((surface, entity_id))
        for candidates in index.values():
            candidates.sort(key=lambda c: (-len(c[0]), c[0], c[1]))
        self.index = index
        # What the matcher finds depends on these names only: results keyed by it can be reused.
        self.digest = hashlib.sha256(repr(sorted(index.items())).encode("utf-8", "surrogatepass")).hexdigest()

    def find(self, text: str):
        """Yield (start, end, entity id) of non-overlapping mentions, left to right."""
        pos = 0
        for word in _WORD.finditer(text):
            start = word.start()
            if start < pos:
                continue
            for surface, entity_id in self.index.get(word.group(0), ()):
                end = start + len(surface)
                if text.startswith(surface, start) and (start == 0 or not text[start - 1].isalnum()) \
                        and (end == len(text) or not (text[end].isalnum() or text[end] == "_")):
                    yield start, end, entity_id
                    pos = end
                    break
