"""Where a quote that is not in a text parts from it, for the quote-not-found error.

A quote copied by hand differs from the article by a character or a word more often than not: a
hyphen for the article's en dash, 'U.S.' for 'US', a full stop the sentence does not end with,
an ellipsis over words left out, a typo. Saying only "not in the text" leaves the contributor to
compare the two letter by letter. The longest start of the quote that the text has is found by
bisection (whether a start is in the text is true up to some length, then false), or else its
longest end; from there difflib says where the two part and where they meet again.
"""
from __future__ import annotations

import unicodedata
from difflib import SequenceMatcher
from typing import NamedTuple

LEAST = 12      # characters the quote and the text must share, from its start or its end
_AHEAD = 40     # characters of the text looked at past the quote's length
_SHOWN = 50     # characters of each side a message shows


class NearMiss(NamedTuple):
    at: int        # offset in the text of what is shown from it
    text: str      # the text's words where the quote parts from it
    quote: str     # the quote's words in their place
    chars: str     # what differs, named, when it is a mark or two ("an en dash in the text, ...") else ''
    more: bool     # the quote differs somewhere else too


def near_miss(text: str, quote: str) -> NearMiss | None:
    """Where the quote comes closest to the text that does not hold it: at the longest start of
    the quote the text has, or else at its longest end, if at least LEAST characters long."""
    for backwards in (False, True):
        q, t = (quote[::-1], text[::-1]) if backwards else (quote, text)
        shared = _longest_start(t, q)
        if shared < LEAST or shared == len(q):
            continue
        at = t.find(q[:shared]) + shared   # where they part, in t
        q_gap, t_gap, more = _parting(q[shared:], t[at:at + len(q) - shared + _AHEAD])
        q_span, t_span = (shared, shared + q_gap), (at, at + t_gap)
        if backwards:
            q_span = (len(q) - q_span[1], len(q) - q_span[0])
            t_span = (len(t) - t_span[1], len(t) - t_span[0])
        return _shown(text, quote, t_span, q_span, more)
    return None


def _longest_start(text: str, quote: str) -> int:
    """The length of the longest start of quote that text holds."""
    low, high = 0, len(quote)
    while low < high:
        middle = (low + high + 1) // 2
        if quote[:middle] in text:
            low = middle
        else:
            high = middle - 1
    return low


def _parting(quote_rest: str, text_ahead: str) -> tuple[int, int, bool]:
    """How many characters of each differ before they agree again (on at least three), and
    whether the quote differs again after that. Both start where they part."""
    for q, t, size in SequenceMatcher(None, quote_rest, text_ahead, autojunk=False).get_matching_blocks():
        if size >= 3:
            rest = quote_rest[q:]
            return q, t, text_ahead[t:t + len(rest)] != rest
    return len(quote_rest), min(len(quote_rest), len(text_ahead)), False


def _shown(text: str, quote: str, t_span: tuple[int, int], q_span: tuple[int, int], more: bool) -> NearMiss:
    neighbours = t_span[0] == t_span[1] or q_span[0] == q_span[1]   # words left out show among their neighbours
    t_start, t_end = _words(text, *t_span, neighbours)
    q_start, q_end = _words(quote, *q_span, neighbours)
    return NearMiss(t_start, _cut(text[t_start:t_end]), _cut(quote[q_start:q_end]),
                    _named(text[slice(*t_span)], quote[slice(*q_span)]), more)


def _words(s: str, start: int, end: int, neighbours: bool) -> tuple[int, int]:
    """The span widened to the whole words it touches, and to the word on each side too."""
    if start == end < len(s) and s[start] == " ":   # between words: after the space, wherever difflib put it
        start = end = start + 1
    while start < end and s[start] == " ":
        start += 1
    while end > start and s[end - 1] == " ":
        end -= 1
    start = s.rfind(" ", 0, start) + 1
    if neighbours:
        start = s.rfind(" ", 0, max(start - 1, 0)) + 1
    if end > 0 and s[end - 1] != " ":
        end = _next_space(s, end)
    if neighbours and end < len(s):
        end = _next_space(s, end + 1)
    return start, end


def _next_space(s: str, i: int) -> int:
    found = s.find(" ", i)
    return len(s) if found < 0 else found


def _cut(s: str) -> str:
    return s if len(s) <= _SHOWN else s[:_SHOWN - 1] + "…"


def _named(in_text: str, in_quote: str) -> str:
    """The differing characters by name, when they are a mark or two, which look alike."""
    if len(in_text) > 2 or len(in_quote) > 2 or (in_text + in_quote).isalnum():
        return ""
    if not in_quote:
        return f"the text has {_names(in_text)} here"
    if not in_text:
        return f"the text has no {_names(in_quote, article=False)} here"
    return f"{_names(in_text)} in the text, {_names(in_quote)} in the quote"


def _names(chars: str, article: bool = True) -> str:
    names = []
    for ch in chars:
        name = unicodedata.name(ch, f"U+{ord(ch):04X}").lower()
        names.append(f"{'an' if name[0] in 'aeiou' else 'a'} {name}" if article else name)
    return " and ".join(names)
