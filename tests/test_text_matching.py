"""The fast paths of resolve's text work give what the plain definitions give.

Folding whitespace, folding an article for anchoring, and finding entity names were rewritten
to visit only what they change or find; each is compared here with the straightforward version
it replaced, on hostile whitespace (every kind of Unicode space, runs at the ends) and words that
only look like names (inside longer words, next to underscores or digits).
"""
from __future__ import annotations

import re
from bisect import bisect_right

from hypothesis import given, settings
from hypothesis import strategies as st

from dossier.features.mentions import MentionMatcher
from dossier.markdown.anchoring import _QUOTES, fold, fold_spaces

BOUNDED = settings(max_examples=300, deadline=None, database=None)
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+")

# Whitespace of every kind, quotes that fold, word characters and what separates words.
PIECES = [" ", "  ", "\n", "\t", "\r\n", "\x0b", "\x1c", "\x85", "\u00a0", "\u2003", "\u2028", "\u3000",
          "’", "“", "`", "«", "'", "a", "b", "_", "1", "é", "Kim", "Kim Jong", "Kimball", "Jong Un",
          "Tumen", "_Tumen", "Tumen1", "Tumen River", ".", ",", "-", "ß", "\u0301"]
texts = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


def reference_folded(text: str):
    """The folding as first written: every whitespace run recorded, quotes translated."""
    runs = [(m.start(), m.end()) for m in _SPACES.finditer(text)]
    folded = _SPACES.sub(" ", text).translate(_QUOTES)
    folded_starts, starts, removed_after = [], [], []
    removed = 0
    for start, end in runs:
        folded_starts.append(start - removed)
        starts.append(start)
        removed += end - start - 1
        removed_after.append(removed)

    def original(index: int) -> int:
        k = bisect_right(folded_starts, index) - 1
        if k < 0:
            return index
        return starts[k] if index == folded_starts[k] else index + removed_after[k]
    return folded, original


def reference_find(matcher: MentionMatcher, text: str):
    """Mentions as first found: every word of the text looked up in the index."""
    pos = 0
    for word in _WORD.finditer(text):
        start = word.start()
        if start < pos:
            continue
        for surface, entity_id in matcher.index.get(word.group(0), ()):
            end = start + len(surface)
            if text.startswith(surface, start) and (start == 0 or not text[start - 1].isalnum()) \
                    and (end == len(text) or not (text[end].isalnum() or text[end] == "_")):
                yield start, end, entity_id
                pos = end
                break


@BOUNDED
@given(texts)
def test_fold_spaces_is_a_whitespace_substitution(text):
    assert fold_spaces(text) == _SPACES.sub(" ", text)


@BOUNDED
@given(texts)
def test_folded_text_and_offsets_match_the_plain_folding(text):
    folded = fold(text)
    expected, original = reference_folded(text)
    assert folded.text == expected
    for index in range(len(expected) + 1):
        assert folded.original(index) == original(index)


MATCHER = MentionMatcher(sorted([("Kim", "kim"), ("Kim Jong Un", "kju"), ("Tumen", "tumen"),
                                 ("Tumen River", "tumen-river"), ("Jong", "jong"), ("é", "too-short"),
                                 ("Kimball", "kimball"), ("1 Tumen", "one-tumen")]))


@BOUNDED
@given(texts)
def test_mentions_match_a_lookup_of_every_word(text):
    assert list(MATCHER.find(text)) == list(reference_find(MATCHER, text))


def test_mentions_skip_names_inside_longer_words():
    text = "Kimball met Kim Jong Un at the Tumen_ and Tumen River, not Tumen1 or xKim."
    assert [(text[s:e], i) for s, e, i in MATCHER.find(text)] == \
        [("Kimball", "kimball"), ("Kim Jong Un", "kju"), ("Tumen River", "tumen-river")]
