"""Finding names and quotes in a source takes time linear in its text, whatever the content.

A contributor writes both the names (100 aliases an entity file) and the sources (2 MB, 20,000
markup characters, thousands of annotations), so neither matching may cost (names) x (text) or
(annotations) x (text) in Python. Each hostile input below has the shape an outside tester sent,
scaled so that the code before this fix took more than ten times the bound (measured on the
same machine; the bounds leave room for a slow shared one). What the fast paths find is compared
with the plain definitions they replace, and two reported mistakes are fixed: the lines of an
ambiguous quote, and quotes not found because of characters a reader does not see.
"""
from __future__ import annotations

import contextlib
import gc
import re
import signal
import time
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from dossier.features import mentions
from dossier.features.mentions import MentionMatcher
from dossier.markdown import MD
from dossier.markdown import anchoring
from dossier.markdown.anchoring import find_quote, fold, fold_plain, reader_text
from test_text_matching import reference_find

BOUNDED = settings(max_examples=300, deadline=None, database=None)
BOUND = 3.0     # seconds of CPU for one hostile input; the code before took 30 s to hours


@contextlib.contextmanager
def cpu_bound(seconds: float = BOUND):
    """Fail if the block takes more than `seconds` of CPU; stop it at ten times that (the code
    before this fix would run for minutes or hours). The cyclic collector is off meanwhile: in a
    full test run its passes walk what earlier tests left in this process, which once took the
    block over the bound on a loaded machine, and is not the matching's time."""
    def stop(signum, frame):
        raise AssertionError(f"still running after {10 * seconds:.0f} s of CPU")
    gc.collect()
    gc.disable()
    previous = signal.signal(signal.SIGPROF, stop)
    signal.setitimer(signal.ITIMER_PROF, 10 * seconds)
    start = time.process_time()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
        gc.enable()
    used = time.process_time() - start
    assert used < seconds, f"took {used:.1f} s of CPU, more than {seconds} s"


@contextlib.contextmanager
def setting(module, **values):
    """The module's constants set to values for the block (hypothesis reruns a test's body, so
    the monkeypatch fixture would not undo them between examples)."""
    before = {name: getattr(module, name) for name in values}
    for name, value in values.items():
        setattr(module, name, value)
    try:
        yield
    finally:
        for name, value in before.items():
            setattr(module, name, value)


# --- A. mentions: many names sharing a first word ---------------------------------------------------

def test_two_thousand_aliases_sharing_a_first_word_cost_time_linear_in_the_text():
    # The tester's shape: 20 entities "a eN", each with 100 aliases "a bNxI", and a source of
    # "a a a ...". Before: each "a" tried all 2,000 names (9.7 s for 50,000 words in check; 40 s
    # for these 200,000).
    names = [(f"a e{n}", f"e{n}") for n in range(20)]
    names += [(f"a b{n}x{i}", f"e{n}") for n in range(20) for i in range(100)]
    matcher = MentionMatcher(sorted(names))
    text = "a " * 200_000 + "a b7x42 and a e3"
    with cpu_bound():
        found = list(matcher.find(text))
    assert [(text[s:e], entity) for s, e, entity in found] == [("a b7x42", "e7"), ("a e3", "e3")]


def test_a_quote_among_many_flags_costs_time_linear_in_the_text():
    """Whether a match cuts a flag was read by walking back to the start of its run of flag
    letters, at each candidate: 48 s for 25,000 flags (a review)."""
    text = "\U0001F1F0\U0001F1F5" * 100_000 + "\U0001F1EF\U0001F1F5" * 999 + " end."
    with cpu_bound():
        found = find_quote(fold(text), "\U0001F1EF\U0001F1F5", None, None)
    assert found.complete and len(found) == 999   # every one of the flags, each whole


def test_long_names_that_branch_at_every_word_cost_time_linear_in_the_text():
    # 1,000 names "a a ... a bJ" (1 to 50 words of "a"), all starting with "a" and going on as far
    # as the text does: before, 400,000 occurrences x 1,000 names (about 40 s).
    names = [("a " * k + f"b{j}", f"n{j}") for k in range(1, 51) for j in range(20)]
    matcher = MentionMatcher(sorted(names))
    text = "a " * 400_000 + "b3."
    with cpu_bound():
        found = list(matcher.find(text))
    assert [(text[s:e], entity) for s, e, entity in found] == [("a " * 50 + "b3", "n3")]


def test_a_first_word_found_inside_many_longer_words_costs_time_linear_in_the_text():
    # First words "a", "aa", ... "a" x 2000, and a text holding each of them once: looking for each
    # word with str.find stopped at every place it is part of a longer one, about 10^9 stops.
    names = [("a" * k + " b", f"w{k}") for k in range(1, 2001)]
    matcher = MentionMatcher(sorted(names))
    text = " ".join("a" * k for k in range(1, 2001)) + " " + "a" * 1500 + " b"
    with cpu_bound():
        found = list(matcher.find(text))
    assert found == [(len(text) - 1502, len(text), "w1500")]


# reference_find (test_text_matching.py): every word of the text, every name starting with it, longest first.


NAME_PIECES = ["Kim", "Jong", "Un", "U", "S", "Co", "a", "b", "é", "1", "_"]
SEPARATORS = [" ", "-", ".", ". ", ", ", "’", "\u00a0"]
name_text = st.lists(st.tuples(st.sampled_from(NAME_PIECES), st.sampled_from(SEPARATORS + [""])),
                     min_size=1, max_size=4).map(lambda parts: "".join(w + s for w, s in parts))
article = st.lists(st.sampled_from(NAME_PIECES + SEPARATORS + ["\n", "x", "Kimball", "U.S.", "Co.uk"]),
                   max_size=60).map("".join)


@BOUNDED
@given(names=st.lists(st.tuples(name_text, st.sampled_from(["p", "q", "r"])), min_size=1, max_size=30),
       texts=st.lists(article, min_size=1, max_size=3), few=st.sampled_from([0, 2, 8]),
       searched=st.sampled_from([0, 1, 16]), chunk=st.sampled_from([1, 3, 1 << 16]))
def test_mentions_are_those_of_trying_every_name_at_every_word(names, texts, few, searched, chunk):
    # However the names are split between one-by-one tries and the automaton (FEW), whether
    # first words are found by str.find or word by word (SEARCHED), and in what parts the
    # automaton reads the text (CHUNK), the mentions are the same, names ending in punctuation
    # ("U.S.", "Co.") included.
    with setting(mentions, FEW=few, SEARCHED=searched, CHUNK=chunk):
        matcher = MentionMatcher(sorted(names))
        for text in texts + [" ".join(s for s, _ in names)]:
            assert list(matcher.find(text)) == list(reference_find(matcher, text))


# --- B. anchoring: many annotations, common quotes --------------------------------------------------

def _source(content, annotations: str, body: str):
    content.write("sources/daily-news.md", f"---\ntitle: News\naccessed: 2026-01\nannotations:\n{annotations}---\n{body}")


def test_hundreds_of_annotations_on_a_common_word_are_checked_in_bounded_time(content):
    # The tester's shape: {quote: a, prefix: zzz} and a body of "a a a ...". Before, each
    # annotation looked at each of the 200,000 places of "a": 200 of them took 20 s, these 400
    # take 40 s, and 4,000 fit under the markup limit.
    _source(content, "".join(f"  - {{quote: a, prefix: zzz, note: n{i}}}\n" for i in range(400)), "a " * 200_000 + "\n")
    with cpu_bound():
        errors = content.errors()
    assert len([e for e in errors if "[quote-not-found]" in e]) == 400
    assert "sources/daily-news.md:5:13: error: annotation a-1: quote 'a' is not in the text with this prefix/suffix (the quote " \
           "alone is more than 1,000 times, first on line 406, where the prefix does not match the text around it) [quote-not-found]" in errors


def test_a_quote_whose_prefix_and_suffix_are_as_common_says_so_at_the_annotation(content):
    _source(content, '  - {quote: a, prefix: "a ", suffix: " a", note: n}\n', "a " * 5_000 + "\n")
    with cpu_bound():
        errors = content.errors()
    assert any(e.startswith("sources/daily-news.md:5:13: error: annotation a-1: quote 'a' occurs more than 1,000 times, "
                            "and so do its prefix and suffix (first on line 7)") and "[quote-ambiguous]" in e
               for e in errors), errors


def test_distinct_common_quotes_with_distinct_prefixes_are_checked_in_bounded_time():
    # 2,000 annotations, each a different run of "a" that occurs all over the text, picked by a
    # different prefix: each looks at the places of its prefix, not at those of its quote.
    # Before: 2,000 x 200,000 places (minutes).
    text = "a " * 200_000 + "zzz7 " + "a " * 8 + "end"
    folded = fold(text)
    with cpu_bound():
        found = [find_quote(folded, " ".join(["a"] * (k % 40 + 1)), f"zzz{k}", None) for k in range(2_000)]
    assert [(k, len(m)) for k, m in enumerate(found) if m] == [(7, 1)]
    assert all(m.complete for m in found)
    assert text[found[7][0].start:found[7][0].end] == "a a a a a a a a"


def test_a_quote_too_common_to_tell_apart_is_reported_as_such_quickly():
    # "a" with neither prefix nor suffix, or with ones just as common, is not counted to the end:
    # more than LIMIT places are enough to say it needs more words, and the first few say where.
    # Before: 1,000 x 200,000 places (a minute).
    folded = fold("a " * 200_000)
    with cpu_bound():
        alone = find_quote(folded, "a", None, None)
        framed = [find_quote(folded, "a", "a " * (k % 50 + 1), "a") for k in range(1_000)]
    assert not alone.complete and len(alone) == anchoring.SHOWN
    assert all(not m.complete and len(m) == anchoring.SHOWN for m in framed)


# The plain definition: every place of the quote, kept where prefix and suffix agree.
def reference_quote(text: str, quote: str, prefix, suffix):
    folded = fold(text)
    q = fold_plain(quote)
    if not q:
        return []
    p, s = (fold_plain(prefix) if prefix else ""), (fold_plain(suffix) if suffix else "")
    found, t = [], folded.text
    i = t.find(q)
    while i != -1:
        end = i + len(q)
        if (not p or t[max(0, i - len(p) - 1):i].rstrip().endswith(p)) and \
                (not s or t[end:end + len(s) + 1].lstrip().startswith(s)):
            found.append((folded.original(i), folded.original(end - 1) + 1))
        i = t.find(q, i + 1)
    return found


spaced = st.lists(st.sampled_from(["a", "b", "ab", " ", "  ", "\n", "’", "'", "c", "a b", "."]), max_size=50).map("".join)


@BOUNDED
@given(text=spaced, data=st.data(), limit=st.sampled_from([0, 1, 2, 5, 1000]))
def test_anchors_are_those_of_checking_every_place_of_the_quote(text, data, limit):
    # With any cap on the places looked at, a complete answer is the plain one; an incomplete
    # one comes only when the quote, prefix and suffix given each occur more than the cap.
    part = st.one_of(st.none(), spaced, st.integers(0, len(text)).flatmap(
        lambda i: st.integers(i, min(len(text), i + 8)).map(lambda j: text[i:j])))
    quote, prefix, suffix = data.draw(part), data.draw(part), data.draw(part)
    quote = quote or "a"
    with setting(anchoring, LIMIT=limit):
        found = find_quote(fold(text), quote, prefix, suffix)
    if found.complete:
        assert [(m.start, m.end) for m in found] == reference_quote(text, quote, prefix, suffix)
    else:
        t = fold(text).text
        for given_text in (quote, prefix, suffix):
            if given_text and fold_plain(given_text):
                assert len(re.findall(f"(?={re.escape(fold_plain(given_text))})", t)) > limit


# --- C. the lines of an ambiguous quote ---------------------------------------------------------------

def test_an_ambiguous_quote_lists_the_line_of_each_place(content):
    _source(content, '  - {quote: "hello"}\n',
            "First line of the article,\nthen hello on line 8,\nand hello on line 9.\n\nA new paragraph: hello on line 11.\n")
    assert "sources/daily-news.md:5:13: error: annotation a-1: quote 'hello' is found 3 times (lines 8, 9, 11); add a prefix or suffix to pick one [quote-ambiguous]" in content.errors()


def test_lines_count_the_breaks_inside_lists_quotes_and_hard_breaks():
    text = "Intro\n\n- one\n  two hello\n\n> three\n> hello four  \n> hello five\\\nhello six\n"
    reader = reader_text(MD.parse(text, {}))
    lines = text.split("\n")
    for i in (m.start() for m in re.finditer("hello", reader.text)):
        line = reader.line_at(i)
        assert "hello" in lines[line], (line, lines[line])


# --- D. characters a reader does not see ---------------------------------------------------------------

def anchor(markdown: str, quote: str, prefix=None, suffix=None) -> list[str]:
    reader = reader_text(MD.parse(markdown, {}))
    return [reader.text[m.start:m.end] for m in find_quote(fold(reader.text), quote, prefix, suffix)]


def test_a_quote_is_found_through_soft_hyphens_zero_width_characters_and_byte_order_marks():
    assert anchor("The co\u00adoperation treaty was signed.", "cooperation treaty") == ["co\u00adoperation treaty"]
    assert anchor("The bridge\u200b opened in 1959.", "bridge opened", prefix="The") == ["bridge\u200b opened"]
    assert anchor("\ufeffThe Friendship Bridge", "The Friendship") == ["The Friendship"]
    assert anchor("Kim Jong\u200dUn met", "Kim JongUn met") == ["Kim Jong\u200dUn met"]


def test_a_quote_is_found_whether_its_accents_are_composed_or_not():
    decomposed, composed = "Cafe\u0301 de Flore", "Café de Flore"
    assert anchor(f"The {decomposed} opened.", composed) == [decomposed]
    assert anchor(f"The {composed} opened.", unicodedata.normalize("NFD", composed)) == [composed]
    hangul = unicodedata.normalize("NFD", "조로친선교")   # conjoining jamo, as some editors save it
    assert anchor(f"Names: {hangul} (1959)", "조로친선교") == [hangul]


def test_looser_matching_never_splits_a_letter_from_its_accent():
    assert anchor("The Ca\u00adfe\u0301 opened.", "Cafe") == []            # "Café", not "Cafe"
    assert anchor("The Ca\u00adfe\u0301 opened.", "Café") == ["Ca\u00adfe\u0301"]


def test_a_quote_through_a_soft_hyphen_anchors_in_a_build(content):
    _source(content, '  - {quote: "cooperation treaty", note: n}\n', "The co\u00adoperation treaty was signed.\n")
    assert not [e for e in content.errors() if "quote" in e]


# --- C. highlighting: many long annotations ---------------------------------------------------------

def test_many_long_annotations_are_highlighted_in_time_linear_in_their_text(content, tmp_path):
    # Each highlight looked for its anchor's segment from the start of the text: 40 annotations
    # of 2,400 words each on an 18,000-line source took 64 s to render.
    words = " ".join(["a"] * 2_400)
    annotations = "".join(f'  - {{quote: "{words}{" a" * n}", prefix: "X", note: n{n}}}\n' for n in range(40))
    _source(content, annotations, "a\n" * 9_000 + "X\n" + "a\n" * 9_000)
    with cpu_bound():
        result = content.build(tmp_path / "site")
    assert not result.diagnostics.errors, result.diagnostics.errors[:3]


# --- D. the hints of YAML errors and the search terms of apostrophes (an outside code review) -------

def test_yaml_hints_stay_linear_in_the_size_of_the_file():
    from dossier.diagnostics import Diagnostics
    from dossier.yamlload import compose
    # each value counted the lines before it: 40,000 lines with one comment took 168 s
    with cpu_bound():
        compose("".join(f"k{i}: v\n" for i in range(40_000)) + "z: a #b\n", "f.yaml", Diagnostics())
    with cpu_bound():   # a syntax error after 8,000 quoted values over two lines took 13 s
        compose("".join(f'k{i}: "multi\n  line"\n' for i in range(20_000)) + "bad: [x\n", "f.yaml", Diagnostics())


def test_the_apostrophe_rule_of_search_stays_linear_in_the_length_of_a_word():
    from dossier.features.search import tokenize
    with cpu_bound():   # tried from each letter: 3.5 s for 16,000 letters
        assert tokenize("a" * 100_000 + "'") == ["a" * 100_000]
