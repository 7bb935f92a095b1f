"""The letter index above a long list page (a kind's index, the sources): a link to the first
row of each initial, so that a reader of 3,000 people can jump to "M" instead of scrolling.

A row's initial is the first letter or digit of its name with its accents set aside ("Á" is
under "A"), in capitals; digits are together under "#", and a Korean name is under its first
consonant ("두만강" under "ㄷ"). A list is sorted by its names in casefold order, where an
accented initial comes after "Z": its rows are reached from the first row of that letter, and
the index does not name the letter twice.
"""
from __future__ import annotations

import unicodedata

LETTER_INDEX_FROM = 30   # rows: a shorter list needs no index
# A Hangul syllable decomposes into its jamo, and a Korean index goes by the first consonant: the
# leading consonants (U+1100-U+1112) are shown as the letters a reader knows (ㄱ, ㄴ, ㄷ ...).
_HANGUL_LEADS = dict(zip(map(chr, range(0x1100, 0x1113)), "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"))


def initial(name: str) -> str | None:
    """The initial a name is listed under, or None (no letter or digit in it)."""
    for char in name:
        if char.isdigit():
            return "#"
        if char.isalpha():
            base = unicodedata.normalize("NFKD", char)[0]
            return _HANGUL_LEADS.get(base, base.upper()[0])   # ("ß" is "SS" in capitals)
    return None


class LetterIndex:
    """letters: (initial, index of its first row, an id for that row) in the list's order; rows:
    row index -> that id (a row with an id of its own, such as a source, is linked by that)."""

    def __init__(self, firsts: dict[str, int], anchor_of=None):
        """firsts: initial -> the index of its first row; anchor_of: the id of that row (anchor)."""
        anchor_of = anchor_of or anchor
        self.letters = [(letter, index, anchor_of(letter)) for letter, index in firsts.items()]
        self.rows = {index: anchor_of(letter) for letter, index in firsts.items()}

    def __bool__(self) -> bool:
        return bool(self.letters)


def letter_index(names) -> LetterIndex:
    """The letter index of a list of names, in its order; empty (false) for a list shorter than
    LETTER_INDEX_FROM or under one initial."""
    names = list(names)
    firsts: dict[str, int] = {}
    if len(names) >= LETTER_INDEX_FROM:
        for index, name in enumerate(names):
            letter = initial(str(name))
            if letter is not None and letter not in firsts:
                firsts[letter] = index
    return LetterIndex(firsts if len(firsts) > 1 else {})


# First words of Unicode names that name no script: such an initial goes with the others.
_NOT_SCRIPTS = {"MODIFIER", "IDEOGRAPHIC"}


def script(letter: str) -> str:
    """The script an initial is written in, as a reader names it ("Latin", "Cyrillic", "Hangul",
    "Han"), or "" for "#" (the digits) and for a letter whose name gives no script."""
    if not letter.isalpha():
        return ""
    first = unicodedata.name(letter, "").split(" ")[0]
    if first in _NOT_SCRIPTS or not first:
        return ""
    return "Han" if first == "CJK" else first.capitalize()


def by_script(jumps) -> list[tuple[str, list]]:
    """The links of a letter index (each an initial first) in one group a script, named by it, in
    the order the scripts first come: a Cyrillic "В" or "Т" looks like a Latin "B" or "T", and a
    bar of both seemed to name letters twice. A script that comes back later in the list (a title
    opening with a quotation mark sorts after the others) joins its group. One group, unnamed,
    when all are of one script; "#" and initials of no script go with the first group."""
    scripts = [script(jump[0]) for jump in jumps]
    first = next(filter(None, scripts), "")
    groups: dict[str, list] = {}
    for jump, name in zip(jumps, scripts):
        groups.setdefault(name or first, []).append(jump)
    return list(groups.items()) if len(groups) > 1 else [("", list(jumps))]


def anchor(letter: str) -> str:
    """The id of the row an initial leads to: letter-4D for "M" (any script gives a plain id)."""
    return f"letter-{ord(letter):X}"
