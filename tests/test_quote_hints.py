"""A quote that is not in its source's text is told where it comes closest: a quote copied by
hand differs by a character or a word more often than not, and "not in the text" alone left the
contributor to compare the two letter by letter."""
from __future__ import annotations

import pytest

from dossier.markdown.near_miss import near_miss

BODY = ("The new road bridge over the Tumen River links Khasan–Tumangang.\n\n"
        "It was completed in 2025, and the opening is due next year, the U.S. State Department said.\n")


def _source(content, annotation: str) -> list[str]:
    content.write("sources/s.md", "---\ntitle: S\npublisher: P\nurl: https://example.org/s\naccessed: 2026-01-01\n"
                  f"annotations:\n  - {annotation}\n    note: n.\n---\n{BODY}")
    content.write("pages/p.md", "---\ntitle: P\n---\nSee [@s].\n")
    return [e for e in content.errors() if e.startswith("sources/s.md")]


@pytest.mark.parametrize("quote, hint", [
    ("links Khasan-Tumangang.",
     "closest on line 10: the text has 'Khasan–Tumangang.' where the quote has 'Khasan-Tumangang.': an en dash in "
     "the text, a hyphen-minus in the quote"),
    ("It was completed in 2025.",
     "closest on line 12: the text has '2025,' where the quote has '2025.': a comma in the text, a full stop in "
     "the quote"),
    ("over the Tuman River links", "closest on line 10: the text has 'Tumen' where the quote has 'Tuman'"),
    ("The new bridge over the Tumen River", "closest on line 10: the text has 'new road bridge' where the quote has "
                                            "'new bridge'"),
    ("the US State Department said", "closest on line 12: the text has 'U.S.' where the quote has 'US'"),
    ("The road bridge over the Tumen River", "closest on line 10: the text has 'The new road' where the quote has "
                                             "'The road'"),
])
def test_a_quote_that_differs_by_a_word_or_a_mark_is_told_where(content, quote, hint):
    assert _source(content, f"quote: {quote!r}".replace("'", '"')) == [
        f"sources/s.md:7:12: error: annotation a-1: quote {quote!r} is not in the text ({hint}) [quote-not-found]"]


def test_a_quote_with_words_left_out_is_told_it_must_be_one_stretch(content):
    [error] = _source(content, 'quote: "The new road bridge … links Khasan"')
    assert error.endswith("a quote is one stretch of the text, without words left out: annotate each part) "
                          "[quote-not-found]")
    assert "closest on line 10: the text has 'over the Tumen River' where the quote has '…'" in error


def test_a_quote_found_alone_is_told_its_prefix_or_suffix_is_what_differs(content):
    assert _source(content, 'quote: "road bridge"\n    prefix: "The old"') == [
        "sources/s.md:7:12: error: annotation a-1: quote 'road bridge' is not in the text with this prefix/suffix (the "
        "quote alone is on line 11, where the prefix does not match the text around it) [quote-not-found]"]
    assert _source(content, 'quote: "road bridge"\n    prefix: "The new"\n    suffix: "under"') == [
        "sources/s.md:7:12: error: annotation a-1: quote 'road bridge' is not in the text with this prefix/suffix (the "
        "quote alone is on line 12, where the suffix does not match the text around it) [quote-not-found]"]


def test_a_quote_not_found_even_alone_is_told_about_the_quote_not_its_prefix(content):
    assert _source(content, 'quote: "over the Tuman River links"\n    prefix: "bridge"') == [
        "sources/s.md:7:12: error: annotation a-1: quote 'over the Tuman River links' is not in the text (closest on "
        "line 11: the text has 'Tumen' where the quote has 'Tuman') [quote-not-found]"]


def test_a_quote_sharing_too_little_with_the_text_gets_no_hint(content):
    assert _source(content, 'quote: "words the article never had"') == [
        "sources/s.md:7:12: error: annotation a-1: quote 'words the article never had' is not in the text "
        "[quote-not-found]"]


def test_the_near_miss_says_when_the_quote_differs_in_more_than_one_place():
    miss = near_miss("the quick brown fox jumps over the lazy dog", "the quick brown cat jumps over a lazy dog")
    assert (miss.text, miss.quote, miss.more) == ("fox", "cat", True)
    miss = near_miss("the quick brown fox jumps over the lazy dog", "the quick brown cat jumps over the lazy dog")
    assert (miss.text, miss.quote, miss.more) == ("fox", "cat", False)


def test_the_near_miss_is_found_from_the_quotes_end_when_its_start_differs():
    text = "the quick brown fox jumps over the lazy dog"
    miss = near_miss(text, "a quick brown fox jumps over the lazy dog")
    assert (miss.text, miss.quote, miss.at) == ("the", "a", 0)


def test_a_difference_at_a_space_shows_the_words_around_it():
    miss = near_miss("The officials said the bridge will open.", "The officials. the bridge will open")
    assert (miss.text, miss.quote) == ("officials said", "officials.")


def test_a_text_without_spaces_shows_a_few_characters_around_what_differs():
    miss = near_miss("朝鲜和俄罗斯官员表示此桥预计将于明年完工并开放通车，双方对此表示欢迎。", "朝鲜和俄罗斯官员表示此桥预期将于明年完工并开放通车")
    assert "预计" in miss.text and "预期" in miss.quote and len(miss.text) <= 45


def test_long_quotes_over_repetitive_text_are_hinted_in_bounded_time(content):
    """difflib compared the whole rest of each quote with the text: 20 quotes of 5,000 characters
    over 6,000 repeated letters took 44 s (an outside review)."""
    from test_matching_bounds import cpu_bound
    annotations = "".join(f"  - {{quote: '{'x' * 12}b{'a' * 4980}', note: n{i}.}}\n" for i in range(20))
    content.write("sources/s.md", "---\ntitle: S\naccessed: 2026-01-01\nannotations:\n" + annotations + "---\n"
                  + "x" * 12 + "a" * 6000 + "\n")
    with cpu_bound():
        errors = [e for e in content.errors() if e.startswith("sources/s.md")]
    assert len(errors) == 20 and all("closest on line" in e for e in errors)
