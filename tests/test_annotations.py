"""Annotations anchor on the article's words as a reader sees them, like a TextQuoteSelector."""
from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup

from dossier.build import build
from dossier.stages import resolve
from dossier.markdown import MD
from dossier.markdown.anchoring import find_quote, fold, reader_text


def anchor(markdown: str, quote: str, prefix=None, suffix=None) -> list[str]:
    reader = reader_text(MD.parse(markdown, {}))
    return [reader.text[m.start:m.end] for m in find_quote(fold(reader.text), quote, prefix, suffix)]


def test_an_exact_quote_is_found_once():
    assert anchor("The bridge opened in 1959.", "opened in 1959") == ["opened in 1959"]


def test_prefix_and_suffix_pick_one_of_several_matches():
    text = "The bridge is long. The other bridge is short."
    assert len(anchor(text, "bridge")) == 2
    assert anchor(text, "bridge", prefix="other") == ["bridge"]
    assert anchor(text, "bridge", suffix="is short") == ["bridge"]


def test_whitespace_and_typographic_quotes_are_folded_but_shown_as_written():
    text = "Putin and Kim’s  ‘Bridge\nof Unity’ opened."
    assert anchor(text, "Kim's 'Bridge of Unity'") == ["Kim’s  ‘Bridge\nof Unity’"]


def test_a_quote_may_span_emphasis_and_links():
    text = "The *new* bridge crosses [the river](https://example.org) at Khasan."
    assert anchor(text, "new bridge crosses the river at") == ["new bridge crosses the river at"]


def test_quotes_with_hangul_cyrillic_dashes_and_markdown_punctuation():
    text = "Names: 조로친선교 — Мост Дружбы (1959) *and* [brackets]."
    assert anchor(text, "조로친선교 — Мост Дружбы (1959)") == ["조로친선교 — Мост Дружбы (1959)"]
    assert anchor(text, "and [brackets]") == ["and [brackets]"]


def test_no_match_and_ambiguous_match_give_nothing_or_several():
    assert anchor("One two three.", "four") == []
    assert len(anchor("a b a b", "a b")) == 2


def build_source(content, annotations: str, body: str) -> BeautifulSoup:
    content.write("sources/daily-news.md", f"---\ntitle: News\naccessed: 2026-01\nannotations:\n{annotations}---\n{body}")
    return content


def test_quote_not_found_is_an_error_naming_the_annotation(content):
    build_source(content, '  - {quote: "not in text", id: missing}\n', "Some text.\n")
    assert "sources/daily-news.md:5:13: error: annotation a-missing: quote 'not in text' is not in the text [quote-not-found]" in content.errors()


def test_ambiguous_quote_says_how_many_and_where(content):
    build_source(content, '  - {quote: "bridge"}\n', "A bridge.\n\nAnother bridge.\n")
    assert "sources/daily-news.md:5:13: error: annotation a-1: quote 'bridge' is found 2 times (lines 7, 9); add a prefix or suffix to pick one [quote-ambiguous]" in content.errors()


def test_unknown_kind_status_and_about_are_errors(content):
    build_source(content, '  - {quote: "A b", kind: rumour}\n  - {quote: "bridge", kind: claim, status: maybe, note: x}\n'
                          '  - {quote: "Another", about: [nobody]}\n', "A bridge.\n\nAnother one.\n")
    errors = content.errors()
    assert any(e.startswith("sources/daily-news.md:5:26: error: 'rumour' is not allowed here") for e in errors)
    assert any(e.startswith("sources/daily-news.md:6:44: error: 'maybe' is not allowed here") for e in errors)
    assert "sources/daily-news.md:7:32: error: unknown entity 'nobody' in 'about' of annotation a-3 [unknown-id]" in errors


def test_a_claim_needs_a_status_and_a_correction_a_note(content):
    build_source(content, '  - {quote: "A", kind: claim, note: x}\n  - {quote: "bridge", kind: correction}\n', "A bridge.\n")
    errors = content.errors()
    assert any("a claim needs a 'status'" in e for e in errors)
    assert any("a correction needs a 'note'" in e for e in errors)


def test_overlapping_and_nested_annotations_all_show_with_stable_anchors(content, tmp_path):
    build_source(content, '  - {quote: "big red bridge", id: whole}\n  - {quote: "red", id: inner, kind: correction, note: "Blue [@almanac]."}\n'
                          '  - {quote: "bridge over", id: overlap, kind: context}\n',
                 "The big red bridge over the river.\n")
    out = tmp_path / "site"
    result = content.build(out)
    assert not result.diagnostics.errors, [d.text() for d in result.diagnostics.errors]
    page = BeautifulSoup((out / "sources/daily-news.html").read_text(encoding="utf-8"), "html.parser")
    for anchor_id in ("a-whole", "a-inner", "a-overlap"):
        mark = page.find(id=anchor_id)
        assert mark is not None and mark.name == "mark", anchor_id
        assert page.find(id=anchor_id + "-note"), anchor_id
    assert "".join(m.get_text() for m in page.select('mark[data-anno="a-whole"]')).replace("  ", " ").strip().startswith("big")
    inner = page.find(id="a-inner")
    assert "hl-correction" in inner["class"] and inner.find_parent("mark") is not None  # nested in "whole"
    note = page.find(id="a-inner-note")
    assert note.select_one("sup.cite a")["href"].startswith("#note-")


def test_a_quote_takes_whole_letters_as_written_too(content):
    """A quote of an accent alone, found as written, marked half a letter (an outside review)."""
    build_source(content, '  - {quote: "\\u0301"}\n  - {quote: "Cafe\\u0301 bar"}\n', "Cafe\u0301 bar.\n")
    assert content.errors() == ["sources/daily-news.md:5:13: error: annotation a-1: quote '\u0301' is not in the text "
                                "(only as part of a letter: quote the whole letter, with its accents) [quote-not-found]"]


def test_a_quote_takes_whole_emoji(content):
    """A quote of one flag's letters was found between two flags (North Korea's and Russia's side
    by side hold Puerto Rico's), and a quote of one person of a family emoji inside it, and the
    highlight cut them apart (an outside test)."""
    text = "Flags \U0001F1F0\U0001F1F5\U0001F1F7\U0001F1FA here; a family \U0001F468\u200d\U0001F469\u200d\U0001F467 too.\n"
    build_source(content, '  - {quote: "\\U0001F1F5\\U0001F1F7"}\n  - {quote: "\\U0001F469"}\n'
                          '  - {quote: "\\U0001F1F7\\U0001F1FA here"}\n', text)
    assert content.errors() == [
        f"sources/daily-news.md:{line}:13: error: annotation a-{n}: quote '{quote}' is not in the text (only as part "
        "of a larger emoji, such as one of two flags side by side: quote the whole emoji) [quote-not-found]"
        for n, line, quote in ((1, 5, "\U0001F1F5\U0001F1F7"), (2, 6, "\U0001F469"))]


def test_an_accent_cut_from_its_letter_beside_a_symbol_is_told_as_an_accent(content):
    """A quote holding a symbol (©) and cut from an accent was told it cut an emoji (a review)."""
    build_source(content, '  - {quote: "\u00a9 Cafe"}\n', "\u00a9 Cafe\u0301 bar.\n")
    assert content.errors() == ["sources/daily-news.md:5:13: error: annotation a-1: quote '\u00a9 Cafe' is not in the text "
                                "(only as part of a letter: quote the whole letter, with its accents) [quote-not-found]"]


@pytest.mark.parametrize("body, says", [
    ("", "the source has no text after its front matter, and its 1 annotation quotes it: paste the article's text "
         "below the front matter"),
    ("```\nhello world\n```\n", "the source has no text a reader sees as text (only code, images or markup) and its "
     "1 annotation quotes it: a quote is taken from the article's text, not from code or an image's description"),
    ("![hello world](https://example.com/x.png)\n", "the source has no text a reader sees as text (only code, images or "
     "markup) and its 1 annotation quotes it: a quote is taken from the article's text, not from code or an image's description"),
])
def test_a_source_without_text_a_reader_sees_says_what_it_has(content, body, says):
    """A body of only a code block said the source had no text at all (an outside test)."""
    build_source(content, '  - {quote: "hello world"}\n', body)
    assert content.errors() == [f"sources/daily-news.md:7:1: error: {says} [quote-not-found]"]


@pytest.mark.parametrize("language, direction, title_direction", [
    ("ar", "rtl", "rtl"),
    ("he-IL", "rtl", None),   # a title in Arabic letters is not marked as Hebrew
    ("ru", None, None),
])
def test_an_article_is_laid_out_in_its_languages_direction_and_its_notes_in_the_dossiers(content, tmp_path, language, direction,
                                                                                          title_direction):
    """An Arabic article was laid out left to right, its full stops and mixed runs misplaced; and
    the notes, in English, were marked as in the article's language (an outside test)."""
    content.write("sources/daily-news.md", f"---\ntitle: \"جسر جديد\"\naccessed: 2026-01\nlanguage: {language}\n"
                  "annotations:\n  - {quote: \"جسر الطريق\", note: \"The road bridge.\"}\n---\n"
                  "بدأت كوريا الشمالية وروسيا بناء جسر الطريق فوق نهر تومين.\n")
    out = tmp_path / "site"
    assert not content.build(out).diagnostics.errors
    page = BeautifulSoup((out / "sources/daily-news.html").read_text(encoding="utf-8"), "html.parser")
    assert page.select_one(".article-text").get("dir") == direction
    assert page.select_one("h1").get("dir") == title_direction
    notes = page.select_one(".passage-notes")
    assert (notes.get("lang"), notes.get("dir")) == ("en", "ltr" if direction else None)


def test_a_right_to_left_dossier_is_laid_out_so_and_marks_left_to_right_articles(content, tmp_path):
    """In an Arabic dossier the pages had no direction, and an English article in it would have
    been laid out as its pages are."""
    content.write("dossier.yaml", (content.root / "dossier.yaml").read_text(encoding="utf-8") + "language: ar\n")
    content.write("sources/daily-news.md", "---\ntitle: News\naccessed: 2026-01\nlanguage: en\n"
                  "annotations:\n  - {quote: \"road bridge\", note: \"جسر الطريق\"}\n---\nThe road bridge opened.\n")
    out = tmp_path / "site"
    assert not content.build(out).diagnostics.errors
    page = BeautifulSoup((out / "sources/daily-news.html").read_text(encoding="utf-8"), "html.parser")
    assert (page.html.get("lang"), page.html.get("dir")) == ("ar", "rtl")
    assert page.select_one(".article-text").get("dir") == "ltr"
    notes = page.select_one(".passage-notes")
    assert (notes.get("lang"), notes.get("dir")) == ("ar", "rtl")


def test_an_annotation_written_twice_is_a_repeat(content):
    build_source(content, '  - {quote: "bridge", note: "Built in 1959."}\n  - {quote: "bridge", note: "Built in 1959.", id: again}\n'
                          '  - {quote: "bridge", note: "Rebuilt in 1990."}\n', "A bridge.\n")
    assert content.errors() == ["sources/daily-news.md:6:13: error: annotation a-again repeats annotation a-1 (the same quote, "
                                "kind and note): remove the repeat [duplicate-item]"]


def test_highlights_that_would_multiply_a_page_are_refused_at_once(content, tmp_path):
    """Each annotation is marked in every piece of text it covers: 300 annotations over 900
    pieces of emphasis would add 17.6 MB to the page (an outside review made 231 MB)."""
    quote = "x" + "yx" * 450
    build_source(content, "".join(f'  - {{quote: "{quote}", note: "Note {n}."}}\n' for n in range(300)),
                 "x" + "*y*x" * 450 + "\n")
    result = content.build(tmp_path / "site")
    assert [d.text() for d in result.diagnostics.errors] == [
        "sources/daily-news.md:306:1: error: the highlights of its 300 annotations would add about 17 MB to the page (the "
        "limit is 8 MB): annotations that overlap, or quote across much formatted text, multiply them; quote fewer words, "
        "or fewer times [highlight-limit]"]
    assert not (tmp_path / "site").exists()


def test_annotations_export_as_w3c_web_annotations(content, tmp_path):
    out = tmp_path / "site"
    assert not content.build(out).diagnostics.errors
    data = json.loads((out / "data/annotations.jsonld").read_text(encoding="utf-8"))
    assert data["@context"][0] == "http://www.w3.org/ns/anno.jsonld"
    items = data["first"]["items"]
    assert len(items) == data["total"] == 3
    selector = items[0]["target"]["selector"]
    assert selector["type"] == "TextQuoteSelector" and selector["exact"]
    assert all(i["type"] == "Annotation" and i["body"] for i in items)


def test_entity_pages_list_annotations_claims_and_mentions_about_them(content, tmp_path):
    out = tmp_path / "site"
    assert not content.build(out).diagnostics.errors
    page = BeautifulSoup((out / "people/ada-example.html").read_text(encoding="utf-8"), "html.parser")
    assert page.select_one(".annotations-about a[href='../sources/daily-news.html#a-visit-date']")
    mention = page.select_one(".mentions li")
    assert mention.select_one("mark").get_text() == "Ada Example"


def test_a_name_two_entities_share_links_no_mention_and_is_warned_of_at_both(content, tmp_path):
    """A new file named as an existing entity took over every mention of it (the first id in
    order won), without a word (an outside review); and a shorter name must not then match
    inside the shared one."""
    content.write("entities/people/a-ada.yaml", "name: Ada  Example\nsummary: Not [[ada-example]].\n")
    content.write("entities/places/example.yaml", "name: Example\nsummary: Not [[ada-example]] either.\n")
    out = tmp_path / "site"
    result = content.build(out)
    assert [d.text() for d in result.diagnostics.items if d.code == "shared-name"] == [
        "entities/people/a-ada.yaml: warning: 'Ada Example' names 'ada-example' too: mentions of it in sources are "
        "linked to none of them; make one name or alias more specific [shared-name]",
        "entities/people/ada-example.yaml: warning: 'Ada Example' names 'a-ada' too: mentions of it in sources are "
        "linked to none of them; make one name or alias more specific [shared-name]"]
    article = BeautifulSoup((out / "sources/daily-news.html").read_text(encoding="utf-8"), "html.parser")
    assert not article.select("a.mention[href$='a-ada.html'], a.mention[href$='ada-example.html'], "
                              "a.mention[href$='example.html']")
    assert not BeautifulSoup((out / "people/ada-example.html").read_text(encoding="utf-8"), "html.parser").select(".mentions li")


def test_a_name_many_entities_share_is_warned_of_in_a_few_lines(content):
    for n in range(30):
        content.write(f"entities/people/twin-{n:02d}.yaml", "name: The Twin\nsummary: See [[ada-example]].\n")
    warned = [m for m in content.messages() if "[shared-name]" in m]
    assert len(warned) == resolve.SHARED_NAME_WARNINGS
    assert warned[0] == ("entities/people/twin-00.yaml: warning: 'The Twin' names 'twin-01', 'twin-02', 'twin-03' and 26 "
                         "more too: mentions of it in sources are linked to none of them; make one name or alias more "
                         "specific [shared-name]")


def test_mentions_prefer_the_longest_name_and_whole_words(content, tmp_path):
    content.write("entities/countries/korea.yaml", "name: Korea\n")
    content.write("entities/countries/north-korea.yaml", "name: North Korea\n")
    content.write("sources/daily-news.md", "---\ntitle: News\n---\nNorth Korea and Korea, not Koreans.\n")
    out = tmp_path / "site"
    assert not content.build(out).diagnostics.errors
    page = BeautifulSoup((out / "sources/daily-news.html").read_text(encoding="utf-8"), "html.parser")
    links = [(a.get_text(), a["href"]) for a in page.select(".article-text a.mention")]
    assert links == [("North Korea", "../countries/north-korea.html"), ("Korea", "../countries/korea.html")]


def test_claims_ledger_lists_claims_with_status_source_and_filter(content, tmp_path):
    out = tmp_path / "site"
    assert not content.build(out).diagnostics.errors
    page = BeautifulSoup((out / "claims.html").read_text(encoding="utf-8"), "html.parser")
    claims = page.select("ol.claims > li.claim")
    assert len(claims) == 1
    assert claims[0]["data-status"] == "unverified"
    assert claims[0].select_one("a[href='sources/daily-news.html#a-2']")
    assert page.select("fieldset.claim-filter input[value=unverified]")
    # each claim can be linked to (only the first of each status could: an outside browser check)
    assert claims[0].select_one("p[id]")["id"] == "claim-daily-news-a-2"


# --- quotes in code spans, in [[links]] and in tables ---------------------------------------------
# The reader's text is what the page shows: a code span's text, a [[link]]'s label or, for a bare
# [[id]], the name of what it links to. A quote anywhere in it is marked where it is.

def built_source(content, tmp_path, annotations: str, body: str) -> BeautifulSoup:
    build_source(content, annotations, body)
    out = tmp_path / "site"
    result = content.build(out)
    assert not result.diagnostics.errors, [d.text() for d in result.diagnostics.errors]
    return BeautifulSoup((out / "sources/daily-news.html").read_text(encoding="utf-8"), "html.parser")


def marked(page, anchor_id: str) -> str:
    return "".join(m.get_text() for m in page.select(f'mark[data-anno="{anchor_id}"]'))


def test_a_quote_inside_a_code_span_is_marked_inside_the_code(content, tmp_path):
    page = built_source(content, tmp_path, '  - {quote: "code span", note: inside code}\n  - {quote: "Use code"}\n',
                        "Use `code span` please.\n")
    mark = page.find(id="a-1")
    assert mark.name == "mark" and mark.find_parent("code") is not None and marked(page, "a-1") == "code span"
    assert page.find(id="a-1-note")
    assert marked(page, "a-2") == "Use code"   # across the code span's edge, too
    assert page.select_one("article code").get_text() == "code span"


def test_a_quote_inside_a_links_label_is_marked_inside_the_link(content, tmp_path):
    page = built_source(content, tmp_path, '  - {quote: "the minister", id: label}\n  - {quote: "bold label", id: bold}\n'
                        '  - {quote: "the minister today", id: over}\n',
                        "See [[ada-example|the minister]] today.\n\nSee **[[ada-example|bold label]]** now.\n")
    for anchor_id, text in (("a-label", "the minister"), ("a-bold", "bold label"), ("a-over", "the minister today")):
        mark = page.find(id=anchor_id)
        assert mark.name == "mark" and mark.find_parent("a", class_="ref") is not None, anchor_id
        assert marked(page, anchor_id) == text and page.find(id=anchor_id + "-note"), anchor_id
    link = page.select_one("article a.ref")
    assert link["href"] == "../people/ada-example.html" and link.get_text() == "the minister"


def test_a_bare_link_reads_as_the_name_it_shows(content, tmp_path):
    page = built_source(content, tmp_path, '  - {quote: "met Ada Example today", id: name}\n',
                        "Officials met [[ada-example]] today.\n")
    assert marked(page, "a-name") == "met Ada Example today"
    assert page.select_one("article a.ref").get_text() == "Ada Example"


def test_a_quote_with_a_links_id_is_not_in_the_text(content):
    build_source(content, '  - {quote: "ada-example today", id: raw}\n  - {quote: "[[ada-example]]", id: syntax}\n',
                 "Officials met [[ada-example]] today.\n")
    errors = content.errors()
    assert "sources/daily-news.md:5:13: error: annotation a-raw: quote 'ada-example today' is not in the text " \
           "([[ada-example]] reads as 'Ada Example') [quote-not-found]" in errors
    assert any(e.startswith("sources/daily-news.md:6:13: error: annotation a-syntax: quote '[[ada-example]]' is not in the text")
               for e in errors)


def test_the_name_a_bare_link_shows_is_read_again_when_it_changes(content, tmp_path, monkeypatch):
    # A source's title is not among the names of mentions: only the link makes the reading depend on it.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    build_source(content, '  - {quote: "in The Almanac today"}\n', "It was in [[almanac]] today.\n")
    assert not content.build(tmp_path / "site").diagnostics.errors
    almanac = content.root / "sources/almanac.md"
    almanac.write_text(almanac.read_text().replace("title: The Almanac", "title: The Yearbook"))
    errors = [d.text() for d in content.build(tmp_path / "site").diagnostics.errors]   # incremental
    assert errors == ["sources/daily-news.md:5:13: error: annotation a-1: quote 'in The Almanac today' is not in the text [quote-not-found]"]
    content.write("sources/daily-news.md", (content.root / "sources/daily-news.md").read_text().replace("The Almanac", "The Yearbook"))
    incremental = build_and_read(content, tmp_path / "site")
    assert marked(BeautifulSoup(incremental, "html.parser"), "a-1") == "in The Yearbook today"
    assert not build(content.root, tmp_path / "cold", use_cache=False).diagnostics.errors
    assert incremental == (tmp_path / "cold/sources/daily-news.html").read_text(encoding="utf-8")


def build_and_read(content, out) -> str:
    result = content.build(out)
    assert not result.diagnostics.errors, [d.text() for d in result.diagnostics.errors]
    return (out / "sources/daily-news.html").read_text(encoding="utf-8")


def test_notes_on_a_table_cell_follow_the_table(content, tmp_path):
    page = built_source(content, tmp_path, '  - {quote: "cell one", id: one}\n  - {quote: "two", id: two}\n',
                        "| a | b |\n|---|---|\n| cell one | cell two |\n\nAfter the table.\n")
    assert page.find(id="a-one").find_parent("td") is not None and page.find(id="a-two").find_parent("td") is not None
    assert not page.select("table div, tr > div")
    notes = page.select_one("article table").find_next_sibling()
    assert "passage-notes" in notes["class"]
    assert [n["id"] for n in notes.select("aside")] == ["a-one-note", "a-two-note"]
    assert notes.find_next_sibling().get_text() == "After the table."


def test_a_quote_across_table_cells_is_an_error(content):
    build_source(content, '  - {quote: "one cell", id: across}\n  - {quote: "a b"}\n  - {quote: "row: a"}\n',
                 "A row:\n\n| a | b |\n|---|---|\n| cell one | cell two |\n")
    errors = content.errors()
    assert "sources/daily-news.md:5:13: error: annotation a-across: quote 'one cell' runs across the edge of a table cell " \
           "(from line 13), where readers see the cells apart; quote text within one cell [quote-across-cells]" in errors
    assert any(e.startswith("sources/daily-news.md:6:13: error: annotation a-2: quote 'a b' runs across the edge of a table cell (from line 11)")
               for e in errors)
    assert any(e.startswith("sources/daily-news.md:7:13: error: annotation a-3: quote 'row: a' runs across the edge of a table cell (from line 9)")
               for e in errors)


def test_a_quote_in_a_cell_is_found_once_though_it_also_runs_across_cells(content, tmp_path):
    page = built_source(content, tmp_path, '  - {quote: "b c", id: bc}\n', "| a | b |\n|---|---|\n| c | b c |\n")
    assert page.find(id="a-bc").find_parent("td") is not None and marked(page, "a-bc") == "b c"
