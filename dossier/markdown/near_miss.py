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
_WINDOW = 160   # characters of the quote compared where it parts from the text
_REACH = 20     # characters shown on each side of what differs, at most
_SHOWN = 70     # characters of each side a message shows


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
    whether the quote differs again after that. Both start where they part. difflib compares
    windows of them only: over whole quotes of thousands of characters of repetitive text it
    took seconds a quote (an outside review), and a message shows a few words."""
    window_q, window_t = quote_rest[:_WINDOW], text_ahead[:_WINDOW + _AHEAD]
    for q, t, size in SequenceMatcher(None, window_q, window_t, autojunk=False).get_matching_blocks():
        if size >= 3:
            rest = quote_rest[q:]
            return q, t, text_ahead[t:t + len(rest)] != rest
    return len(window_q), min(len(window_q), len(window_t)), False


def _shown(text: str, quote: str, t_span: tuple[int, int], q_span: tuple[int, int], more: bool) -> NearMiss:
    """The differing parts with the same context on each side in both (it is the same words there),
    widened to whole words: a word left out, or a space for a mark, shows among its neighbours."""
    neighbours = not text[slice(*t_span)].strip(" ") or not quote[slice(*q_span)].strip(" ")
    t_begin, t_stop = _widened(text, *t_span, neighbours)
    q_begin, q_stop = _widened(quote, *q_span, neighbours)
    left = min(_REACH, max(t_span[0] - t_begin, q_span[0] - q_begin))
    right = min(_REACH, max(t_stop - t_span[1], q_stop - q_span[1]))
    at = max(0, t_span[0] - left)
    return NearMiss(at, _excerpt(text, at, t_span[1] + right), _excerpt(quote, q_span[0] - left, q_span[1] + right),
                    _named(text[slice(*t_span)], quote[slice(*q_span)]), more)


def _widened(s: str, start: int, end: int, neighbours: bool) -> tuple[int, int]:
    """The span widened to the whole words it touches, and to the word on each side too when
    neighbours (a script written without spaces has no words: _REACH bounds what is shown)."""
    if start == end < len(s) and s[start] == " ":   # between words: after the space, wherever difflib put it
        start = end = start + 1
    while start < end and s[start] == " ":
        start += 1
    while end > start and s[end - 1] == " ":
        end -= 1
    begin = s.rfind(" ", 0, start) + 1
    if neighbours:
        begin = s.rfind(" ", 0, max(begin - 1, 0)) + 1
    stop = end if end == 0 or s[end - 1] == " " else _next_space(s, end)
    if neighbours and stop < len(s):
        stop = _next_space(s, stop + 1)
    return begin, stop


def _excerpt(s: str, begin: int, stop: int) -> str:
    """s[begin:stop], marked '…' where it cuts a word, and at most _SHOWN characters."""
    begin, stop = max(0, begin), min(len(s), stop)
    shown = ("…" if begin > 0 and s[begin - 1] != " " else "") + s[begin:stop].strip(" ") + \
        ("…" if stop < len(s) and s[stop] != " " else "")
    return shown if len(shown) <= _SHOWN else shown[:_SHOWN - 1] + "…"


def _next_space(s: str, i: int) -> int:
    found = s.find(" ", i)
    return len(s) if found < 0 else found


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
        name = unicodedata.name(ch, "").lower() or f"U+{ord(ch):04X}"   # a control or surrogate has no name
        names.append(f"{'an' if name[0] in 'aeiou' else 'a'} {name}" if article else name)
    return " and ".join(names)
