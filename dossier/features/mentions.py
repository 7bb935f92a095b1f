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
        self._first_words = set(index)
        # What the matcher finds depends on these names only: results keyed by it can be reused.
        self.digest = hashlib.sha256(repr(sorted(index.items())).encode("utf-8", "surrogatepass")).hexdigest()

    def find(self, text: str):
        """Yield (start, end, entity id) of non-overlapping mentions, left to right."""
        pos = 0
        for start, word in self._first_words_in(text):
            if start < pos:
                continue
            for surface, entity_id in self.index[word]:
                end = start + len(surface)
                if text.startswith(surface, start) and (start == 0 or not text[start - 1].isalnum()) \
                        and (end == len(text) or not (text[end].isalnum() or text[end] == "_")):
                    yield start, end, entity_id
                    pos = end
                    break

    def _first_words_in(self, text: str) -> list[tuple[int, str]]:
        """(offset, word) of each word of the text (as _WORD splits it) that starts a name, in
        order. A text holds few of them: they are looked for with str.find rather than by
        visiting every word in Python, which took most of the time."""
        found = []
        for word in self._first_words.intersection(_WORD.findall(text)):
            i = text.find(word)
            while i != -1:
                end = i + len(word)
                if (i == 0 or not _is_word_char(text[i - 1])) and (end == len(text) or not _is_word_char(text[end])):
                    found.append((i, word))
                i = text.find(word, i + 1)
        found.sort()
        return found


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"   # what \w matches in a str pattern
