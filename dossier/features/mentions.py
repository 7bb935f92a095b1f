"""Find entity names and aliases in text: longest match first, whole words, exact case.

The cost is linear in the text's length whatever the names, even when thousands of them share a
first word (a contributor controls both the names and the texts):
- the words that start a name are found with searches in C, or by visiting each word when that
  would take longer (a short first word found again and again inside longer words);
- at each of them, a first word that starts at most FEW names tries them one by one;
- the words that start more names are read once, right to left, by an Aho-Corasick automaton of
  those names written backwards, which gives the longest name starting at each word in constant
  time per piece of text, however many names share the word or how long they are. Trying each
  of them at each occurrence cost (names sharing a first word) x (its occurrences): hours.
"""
from __future__ import annotations

import hashlib
import re
from array import array
from collections import deque

_WORD = re.compile(r"\w+")
_PIECE = re.compile(r"(\w+)|(\W)")   # a word, or one character that is not part of a word
_BETWEEN_WORDS = re.compile(r"(?<!\w)|(?!\w)")   # a place that is not inside a word

FEW = 8              # names sharing a first word that are tried one by one where it occurs
SEARCHED = 16        # first words looked for with str.find in one text, at most
CHUNK = 1 << 16      # characters the automaton reads at a time (their pieces are listed first)
_BEFORE_NON_WORD = "\0"   # marks a non-word character followed by another, or by the end
UNLINKED = ""   # the id of a name that names no one entity (two share it): found, so that no shorter
                # name matches inside it ("Korea" in "North Korea"), and never yielded


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
        # What the matcher finds in a text depends only on the names whose first word is a word of
        # the text: each first word's names have a digest, which resolve.name_keys compares with
        # the last build's; the digest of them all stands for every name.
        self.words = {word: hashlib.blake2b(repr(index[word]).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
                      for word in sorted(index)}
        self.digest = hashlib.sha256(repr(sorted(self.words.items())).encode("utf-8", "surrogatepass")).hexdigest()
        self._shared = {word for word, candidates in index.items() if len(candidates) > FEW}
        self._automaton = _Automaton([c for word in sorted(self._shared) for c in index[word]]) if self._shared else None

    def find(self, text: str):
        """Yield (start, end, entity id) of non-overlapping mentions, left to right."""
        words = _WORD.findall(text)
        present = self._first_words.intersection(words)
        if not present:
            return
        starts = _offsets(text, words, present)
        shared = () if self._shared.isdisjoint(present) else present.intersection(self._shared)
        if shared:
            longest = self._automaton.longest_at(text, [start for start, word in starts if word in shared])
        pos = 0
        for start, word in starts:
            if start < pos:
                continue
            if word in shared:
                hit = longest.get(start)
                if hit:
                    pos = start + hit[0]
                    if hit[1] != UNLINKED:
                        yield start, pos, hit[1]
                continue
            for surface, entity_id in self.index[word]:
                end = start + len(surface)
                if text.startswith(surface, start) and (start == 0 or not text[start - 1].isalnum()) \
                        and (end == len(text) or not (text[end].isalnum() or text[end] == "_")):
                    if entity_id != UNLINKED:
                        yield start, end, entity_id
                    pos = end
                    break


def _offsets(text: str, words: list[str], present: set[str]) -> list[tuple[int, str]]:
    """(offset, word) of each of the text's words (as _WORD splits it) that is in present, in
    order. A text holds few words that start a name: they are looked for with str.find rather
    than by visiting every word in Python, which took most of the time. But str.find also stops
    inside longer words ("a" in "banana") and reads the whole text for each word: past SEARCHED
    words, or as many stops as the text has words, visiting every word is cheaper."""
    if len(present) <= SEARCHED:
        found = []
        budget = len(words) // 4 + 4   # stops; a stop costs a few words' visit
        for word in present:
            i = text.find(word)
            while i != -1 and budget:
                budget -= 1
                end = i + len(word)
                if (i == 0 or not _is_word_char(text[i - 1])) and (end == len(text) or not _is_word_char(text[end])):
                    found.append((i, word))
                i = text.find(word, i + 1)
            if i != -1:
                break
        else:
            found.sort()
            return found
    return [(m.start(), m.group()) for m in _WORD.finditer(text) if m.group() in present]


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"   # what \w matches in a str pattern


def _pieces_backwards(text: str, start: int, end: int, word_after: bool):
    """(symbol, offset, is a word) of text[start:end] from right to left. A symbol is a whole
    word, or one other character, marked when what follows it is not part of a word (so that a
    name ending in "." matches "Co.," but not "Co.uk"). word_after: whether text[end] is part of
    a word."""
    offset = end
    for word, char in reversed(_PIECE.findall(text, start, end)):
        if word:
            offset -= len(word)
            yield word, offset, True
        else:
            offset -= 1
            yield (char if word_after else char + _BEFORE_NON_WORD), offset, False
        word_after = bool(word)


class _Automaton:
    """Aho-Corasick over the names written backwards, symbol by symbol (see _pieces_backwards).

    Reading a text right to left, the state after a word is the longest run of symbols from that
    word on that some name ends with (a path in the trie of reversed names), and `best` of the
    state is the longest whole name among that run and the shorter ones its failure links lead
    to: the longest name that starts at that word. A name's symbols are the text's from a word
    exactly when the name is there as whole words, so it is the name that trying the names one
    by one, longest first, would find.

    Kept small, as the names of many files can be long: most nodes have one child, numbered
    next (`chain`); only branching edges are in dictionaries, and links are arrays of ints."""

    def __init__(self, candidates: list[tuple[str, str]]):
        """candidates: (surface, entity id), longest first, then by surface and id (the first id of a
        surface is the one matched, as when they are tried in this order)."""
        ids: dict[str, int] = {}
        chain = array("i", [-1])            # chain[u]: the symbol of the edge from u to u + 1, or -1
        more: dict[int, dict[int, int]] = {}     # u -> {symbol: child} for u's other edges
        names: list[tuple[int, str]] = []        # (length, entity id)
        ends: dict[int, int] = {}                # node -> the name (index in names) it ends
        seen = set()
        for surface, entity_id in candidates:
            if surface in seen:
                continue     # the same name for another entity: the first one is found
            seen.add(surface)
            node = 0
            for symbol, _, _ in _pieces_backwards(surface, 0, len(surface), False):
                sid = ids.setdefault(symbol, len(ids))
                if chain[node] == sid:
                    node += 1
                    continue
                nxt = more[node].get(sid) if node in more else None
                if nxt is None:
                    nxt = len(chain)
                    chain.append(-1)
                    if node + 1 == nxt:      # the node made last: its first child is the next one
                        chain[node] = sid
                    else:
                        more.setdefault(node, {})[sid] = nxt
                node = nxt
            ends[node] = len(names)
            names.append((len(surface), entity_id))
        fail = array("i", [0]) * len(chain)
        best = array("i", [-1]) * len(chain)
        for node, name in ends.items():
            best[node] = name
        queue = deque([0])
        while queue:
            node = queue.popleft()
            children = [(chain[node], node + 1)] if chain[node] != -1 else []
            if node in more:
                children.extend(more[node].items())
            for sid, child in children:
                queue.append(child)
                if node:
                    fail[child] = f = self._step(chain, more, fail, fail[node], sid)
                    if best[child] == -1:
                        best[child] = best[f]
        self.ids, self.chain, self.more, self.fail, self.best, self.names = ids, chain, more, fail, best, names
        self.reach = max(len(s) for s, _ in candidates) + 1   # a name and the character after it

    @staticmethod
    def _step(chain, more, fail, state: int, sid: int) -> int:
        """The state after reading symbol sid in state."""
        while True:
            if chain[state] == sid:
                return state + 1
            if state in more:
                nxt = more[state].get(sid)
                if nxt is not None:
                    return nxt
            if not state:
                return 0
            state = fail[state]

    def longest_at(self, text: str, starts: list[int]) -> dict[int, tuple[int, str]]:
        """{start: (length, entity id)} of the longest name at each of these word starts (sorted),
        where one is. Only the text within reach of them is read, each character once."""
        ids, chain, more, fail, best, names = self.ids, self.chain, self.more, self.fail, self.best, self.names
        wanted = set(starts)
        windows: list[list[int]] = []
        for start in starts:
            end = min(len(text), start + self.reach)
            if windows and start <= windows[-1][1]:
                windows[-1][1] = end
            else:
                windows.append([start, end])
        found = {}
        for start, end in windows:
            state = 0
            word_after = end < len(text) and _is_word_char(text[end])
            while end > start:   # in parts of about CHUNK characters, cut between words
                cut = _BETWEEN_WORDS.search(text, max(start, end - CHUNK)).start()
                if cut >= end:   # one word longer than CHUNK
                    cut = start
                offset = end
                for word, char in reversed(_PIECE.findall(text, cut, end)):   # as _pieces_backwards
                    if word:
                        offset -= len(word)
                        sid = ids.get(word)
                    else:
                        offset -= 1
                        sid = ids.get(char if word_after else char + _BEFORE_NON_WORD)
                    word_after = bool(word)
                    if sid is None:
                        state = 0
                        continue
                    while True:          # as _step
                        if chain[state] == sid:
                            state += 1
                            break
                        if state in more:
                            nxt = more[state].get(sid)
                            if nxt is not None:
                                state = nxt
                                break
                        if not state:
                            break
                        state = fail[state]
                    if word and best[state] != -1 and offset in wanted:
                        found[offset] = names[best[state]]
                end = cut
        return found
