"""Our Markdown: [[links]], [@citations] as numbered notes, and nothing unsafe gets through."""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dossier.build import check
from dossier.markdown import render, safe_url
from dossier.markdown.citations import Notes
from dossier.markdown.refs import scan
from test_matching_bounds import cpu_bound


@dataclass
class T:
    id: str
    name: str
    url: str
    kind: str


class Site:
    targets = {"putin": T("putin", "Vladimir Putin", "people/putin.html", "person"),
               "news": T("news", "The News", "sources/news.html", "source"),
               "wiki": T("wiki", "Wiki", "sources/wiki.html", "source")}

    def lookup(self, id_):
        return self.targets.get(id_)


def md(text: str, root: str = "../"):
    notes = Notes(Site(), root)
    env = {"site": Site(), "root": root, "notes": notes}
    return render(text, env), notes


def test_wikilinks_show_the_target_name_or_the_given_text():
    html, _ = md("See [[putin]] and [[putin|the president]].")
    assert '<a class="ref ref-person" href="../people/putin.html">Vladimir Putin</a>' in html
    assert '>the president</a>' in html


def test_citations_become_numbered_marks_and_identical_ones_share_a_number():
    html, notes = md("One [@news, p. 4]. Two [@wiki; @news, para. 2]. Again [@news, p. 4].")
    assert html.count('<sup class="cite">') == 3
    assert [n.items for n in notes.notes] == [(("news", "p. 4"),), (("wiki", ""), ("news", "para. 2"))]
    assert 'href="#note-1" id="cite-1-2"' in html
    assert notes.sources() == ["news", "wiki"]


def test_something_that_only_looks_like_a_citation_stays_text():
    html, notes = md("An email [@ not-a-cite] and [see @news].")
    assert notes.notes == [] and "[@ not-a-cite]" in html


def test_raw_html_is_shown_as_text():
    html, _ = md('<script>alert(1)</script> <img src=x onerror="alert(1)"> <iframe src="https://x"></iframe>')
    assert "<script" not in html and "<img" not in html and "<iframe" not in html
    assert "&lt;script&gt;" in html


def appended_to_news(content, text: str) -> int:
    """Add a paragraph to the end of the fixture's daily-news source; the file line it begins on."""
    news = content.root / "sources" / "daily-news.md"
    before = news.read_text(encoding="utf-8")
    news.write_text(before + "\n" + text + "\n", encoding="utf-8")
    return before.count("\n") + 2


def raw_html_places(content) -> list[str]:
    """Where check says pages/tags.md holds raw HTML ('pages/tags.md:line:col')."""
    return [m.split(": warning: ")[0] for m in content.messages() if m.startswith("pages/tags.md") and m.endswith("[raw-html]")]


def test_raw_html_is_a_warning_at_its_first_tag_with_how_many_more(content):
    """A contributor who writes <br>, <b> or a comment meant to be hidden sees it printed on the
    page: check says so where it begins. What markdown-it reads as code, an autolink or a lone
    '<' is not HTML."""
    content.write("pages/tags.md", "---\ntitle: Tags\n---\nA `<b>` in code, <https://example.org>, 1 < 2.\n\n"
                                   "Then a<br>break and <b>bold</b>.\n\n<!-- TODO: check the date -->\n")
    person = content.root / "entities/people/ada-example.yaml"
    person.write_text(person.read_text(encoding="utf-8").replace('cite: [daily-news]}', "note: 'a <i>note</i>', cite: [daily-news]}", 1),
                      encoding="utf-8")
    body_line = appended_to_news(content, "<div>\nA block.\n</div>")
    warned = [m for m in content.messages() if m.endswith("[raw-html]") and not m.startswith("pages/overview.md")]
    assert [m.split(": warning: ")[0] for m in warned] == ["entities/people/ada-example.yaml:9:43", "pages/tags.md:6:7",
                                                            f"sources/daily-news.md:{body_line}:1"]
    assert "'<br>' is shown on the page as written (and 3 more raw HTML in this text)" in warned[1]
    assert "'<div>' is shown on the page as written: content is Markdown" in warned[2]
    content.write("pages/tags.md", "---\ntitle: Tags\n---\nFine.\n\n<!-- TODO: check the date -->\n")
    warned = [m for m in content.messages() if m.startswith("pages/tags.md")]
    assert warned == ["pages/tags.md:6:1: warning: '<!-- TODO: check the date -->' is shown on the page as written: "
                      "an HTML comment in content is text, not hidden; take the note out of the text [raw-html]"]


@pytest.mark.parametrize("body, where", [
    ("Use `<br>` or \\<br>, not <br>.\n", "4:26"),      # the one markdown-it reads as HTML, not the same text before it
    ("Intro.\n\n> <div>\n> x\n> </div>\n", "6:3"),      # an HTML block in a quote: after the quote's marker
    ("- one\n- two <i>x</i>\n", "5:7"),
    ("Signed by <John Smith>, List<String>, x<y and y>z.\n", None),   # no element of HTML: text, as meant
])
def test_raw_html_is_placed_where_a_reader_sees_it_and_only_html_is_taken_for_it(content, body, where):
    content.write("pages/tags.md", "---\ntitle: Tags\n---\n" + body)
    assert raw_html_places(content) == ([f"pages/tags.md:{where}"] if where else [])


def test_a_body_full_of_tags_is_checked_within_seconds(content):
    """An outside review's page: one 2 MB paragraph holding 9,900 <br>, within the markup limit.
    Each tag was placed by counting lines over the whole paragraph: resolve took 19 s. Only the
    first is placed now, and the others counted."""
    content.write("pages/tags.md", "---\ntitle: Tags\n---\n" + ("word " * 40 + "<br>") * 9900 + "\n")
    with cpu_bound(5):   # 19 s before; 0.3 s now
        warned = [m for m in content.messages() if m.endswith("[raw-html]") and m.startswith("pages/tags.md")]
    assert warned == ["pages/tags.md:4:201: warning: '<br>' is shown on the page as written (and 9899 more raw HTML in "
                      "this text): content is Markdown, and raw HTML in it is text, not markup (write **bold**, *italic*, "
                      "[text](https://...), a blank line between paragraphs; meant as text, write its '<' as &lt;) [raw-html]"]


@pytest.mark.parametrize("body, where", [
    ("<my-note>\n<b>bold</b> <!-- hidden? -->\n", "5:1"),   # a block that begins with a tag of no element
    ("<John Smith>\nand <!-- x -->\n", "5:5"),
])
def test_raw_html_in_a_block_is_found_past_a_first_tag_of_no_element(content, body, where):
    content.write("pages/tags.md", "---\ntitle: Tags\n---\n" + body)
    assert raw_html_places(content) == [f"pages/tags.md:{where}"]


def test_only_http_https_mailto_and_relative_links_are_kept():
    for bad in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "vbscript:x", "data:text/html,x",
                "file:///etc/passwd", "//evil.example/x", "/absolute.html"):
        assert not safe_url(bad), bad
    for good in ("https://example.org", "http://example.org", "mailto:a@b.c", "page.html", "../sources/x.html#a-1"):
        assert safe_url(good), good
    html, _ = md("[x](javascript:alert(1)) [y](&#106;avascript:alert(1)) <javascript:alert(1)>")
    assert "href" not in html


def test_a_link_shown_as_text_because_its_address_is_refused_is_a_warning_at_the_address(content):
    content.write("pages/links.md", "---\ntitle: Links\n---\nSee [the file](file:///etc/passwd), [ok](https://example.org)\n"
                                    "and ![a map](//cdn.example/map.png).\n")
    body_line = appended_to_news(content, "An [archive](/archive/x.html) link.")
    warned = [m for m in content.messages() if m.endswith("[refused-link]") and not m.startswith("pages/overview.md")]
    assert [m.split(": warning: ")[0] for m in warned] == ["pages/links.md:4:16", "pages/links.md:5:14",
                                                            f"sources/daily-news.md:{body_line}:14"]
    assert "the link to 'file:///etc/passwd' is shown as text, not as a link" in warned[0]


def test_an_autolink_shown_as_text_is_a_warning_at_its_address_too(content):
    """<javascript:...> is refused like [x](javascript:...): it was said nowhere, or at the first
    line of its paragraph."""
    content.write("pages/auto.md", "---\ntitle: Auto\n---\nIntro line\nmore <javascript:alert(1)> text\n\n"
                                   "- first\n- second <data:text/html,x> and <https://example.org>\n")
    person = content.root / "entities/people/ada-example.yaml"
    person.write_text(person.read_text(encoding="utf-8").replace('cite: [daily-news]}', "note: '<vbscript:x>', cite: [daily-news]}", 1),
                      encoding="utf-8")   # a note with no '[' in it
    warned = [m.split(": warning: ")[0] + " " + m.split("'")[1] for m in content.messages() if m.endswith("[refused-link]")
              and not m.startswith("pages/overview.md")]
    assert warned == ["entities/people/ada-example.yaml:9:42 vbscript:x", "pages/auto.md:5:7 javascript:alert(1)",
                      "pages/auto.md:8:11 data:text/html,x"]


def test_a_link_whose_text_holds_a_reference_is_shown_as_text_and_warned_of(content, tmp_path):
    """Markdown puts no link in a link: markdown-it shows '[see [@a] here](address)' as its
    brackets and address, the citation in it read. An image keeps its link."""
    content.write("pages/nested.md", "---\ntitle: Nested\n---\nA [see [@daily-news] here](https://example.org) and\n"
                                     "[go [[ada-example]] now](overview.html), [plain [x] y](overview.html).\n")
    warned = [m.split(": warning: ")[0] for m in content.messages() if m.endswith("[link-in-link]")]
    assert warned == ["pages/nested.md:4:3", "pages/nested.md:5:1"]
    html, _ = md("[see [[putin]] here](https://example.org) [plain [x] y](https://example.org)")
    assert "](https://example.org)" in html and html.count("<a ") == 2   # the reference, and the plain link


def test_blocks_nested_deeper_than_the_limit_are_shown_as_one_paragraph_not_dropped():
    quoted, _ = md(">" * 25 + " the deepest words\n\nafter the quote\n")
    assert quoted.count("<blockquote>") == 20 and "the deepest words" in quoted and "<p>after the quote</p>" in quoted
    listed, _ = md("".join("  " * i + f"- item {i}\n" for i in range(25)) + "\n## After the list\n\nafter the list\n")
    assert all(f"item {i}" in listed for i in range(25))
    assert listed.endswith("</ul>\n<h2>After the list</h2>\n<p>after the list</p>\n")   # not in the list: past its end


def test_a_page_nested_deeper_than_the_limit_is_a_warning_at_the_line_where_that_paragraph_begins(content):
    lines = ["---", "title: Deep", "---", "Intro.", ""] + ["  " * i + f"- item {i}" for i in range(12)]
    content.write("pages/deep.md", "\n".join(lines) + "\n")
    warned = [m for m in content.messages() if m.endswith("[markup-nesting]")]
    assert warned == [f"pages/deep.md:{lines.index('  ' * 9 + '- item 9') + 1}:1: warning: block quotes and lists nest "
                      "more than 20 levels deep here: from this line on, the rest of the block is shown as one paragraph, its marks as written "
                      "[markup-nesting]"]


def test_remote_images_become_links_and_are_never_loaded():
    html, _ = md("![a chart](https://example.org/chart.png)")
    assert "<img" not in html and 'href="https://example.org/chart.png"' in html


def test_an_images_alt_text_holds_what_its_links_show():
    """markdown-it keeps only the text of an image's description: '![map of [[putin]]](x.png)'
    had the alt text 'map of '."""
    html, _ = md("![a map of [[putin]] from [[news|the paper]]](map.png) ![seen by [[putin]]](https://example.org/i.png)")
    assert '<img src="map.png" alt="a map of Vladimir Putin from the paper">' in html
    assert '<a class="remote-image" href="https://example.org/i.png">seen by Vladimir Putin</a>' in html


def test_a_citation_in_an_images_description_is_its_note_after_it():
    """The alt text keeps no mark: the citation was counted as citing the source and shown
    nowhere (an outside hunt). Its mark follows the image, or the link to a remote one."""
    html, notes = md("![a map [@news, p. 9]](map.png) and ![seen [@news]](https://example.org/i.png)")
    assert re.search(r'<img src="map.png" alt="a map ?"><sup class="cite">.*?>1</a></sup>', html)
    assert re.search(r'<a class="remote-image" href="https://example.org/i.png">seen ?</a><sup class="cite">.*?>2</a></sup>', html)
    assert len(notes.notes) == 2


def test_external_links_are_marked_and_do_not_leak_the_opener():
    html, _ = md("[site](https://example.org)")
    assert 'rel="noopener noreferrer"' in html


def test_wikilink_labels_and_locators_are_escaped():
    html, _ = md('[[putin|<b onclick="x">]] [@news, <img src=x onerror=alert(1)>]')
    assert "<b " not in html and "<img" not in html


def test_template_syntax_in_content_is_plain_text():
    html, _ = md("{{ config.title }} {% for x in y %}")
    assert "{{ config.title }}" in html and "{% for x in y %}" in html


def test_the_scanner_finds_references_outside_code_only():
    found = list(scan("[[a]] `[[b]]` [@c, p. 1]\n```\n[[d]]\n```\n[@e; @f]"))
    assert [(kind, ref) for _, kind, ref, _ in found] == [("link", "a"), ("cite", "c"), ("cite", "e"), ("cite", "f")]


def test_what_only_looks_like_code_is_read_for_references_as_the_page_reads_it():
    def refs(text):
        return sorted(ref for _, _, ref, _ in scan(text))
    assert refs("para\n\n    ```\n\nreal [[zz-1]] and [@zz-2]") == ["zz-1", "zz-2"]   # indented: no fence
    assert refs("> ```\n\n[@zz-2]") == ["zz-2"]          # a fence in a quote ends with the quote
    assert refs("```a`b\n\n[@zz-2]") == ["zz-2"]         # a backtick in the info string: no fence
    assert refs("- ```\n[[a]]```") == ["a"]              # the list item's fence ends with the item
    assert refs("\\\\[[a]] \\`[[b]]`") == ["a", "b"]     # an escaped backslash escapes nothing after it
    assert refs("```\n[[in-code]]\n```\n[[after]]") == ["after"]


def test_a_text_shown_within_a_paragraph_is_read_for_references_as_such():
    def refs(text, inline):
        return [ref for _, _, ref, _ in scan(text, inline=inline)]
    assert refs("    see [[a]] `x`", inline=False) == []        # as blocks: an indented code block
    assert refs("    see [[a]] `x`", inline=True) == ["a"]      # within a paragraph: text, and a link
    assert refs("> [[b|" + "x\n> " * 150 + "y]]", inline=False) == ["b"]   # a label longer as written


def test_references_markdown_it_reads_and_the_patterns_do_not_are_each_placed_at_their_own_opening():
    two_links = "> [[b|" + "x\n> " * 150 + "y]] and > [[b|" + "x\n> " * 150 + "z]]"
    assert [offset for offset, *_ in scan(two_links)] == [2, two_links.rindex("[[b")]
    note = "see [@almanac, p.\n> 3] and [@almanac, p.\n> 4]"   # within a paragraph: '>' is text
    assert [(offset, detail) for offset, _, _, detail in scan(note, inline=True)] == [(5, "p. > 3"), (28, "p. > 4")]


def test_a_reference_the_check_did_not_read_stops_the_build_and_nothing_is_written(content, tmp_path, monkeypatch):
    monkeypatch.setattr("dossier.stages.resolve.scan", lambda text, inline=False: iter(()))   # a scanner that misses them
    out = tmp_path / "site"
    for summary, message in (("Knows [[nobody]].", "people/ada.html links to 'nobody', which names nothing"),
                             ("As told [@nothing].", "people/ada.html cites 'nothing', which is not a source")):
        content.write("entities/people/ada.yaml", f"name: Ada\nsummary: {summary}\n")
        errors = [d.text() for d in content.build(out).diagnostics.errors]
        assert any(f"{message}; dossier check did not see it" in e and e.endswith("[output]") for e in errors), errors
        assert not out.exists()


def test_notes_and_bibliography_end_the_page_and_follow_edits_to_a_source():
    from dossier.features.bibliography import notes_html
    from dossier.model import Source

    def source(**meta):
        return Source("news", "sources/news.yaml", {"title": "The <News>", **meta}, [], "", 0)

    notes = Notes(Site(), "../")
    notes.mark([("news", "p. 4")])
    notes.mark([("news", "p. 4")])
    notes.mark([("news", ""), ("wiki", "")])
    sources = {"news": source(publisher="Daily", published="2024-05", reliability="B", credibility=2),
               "wiki": Source("wiki", "sources/wiki.yaml", {"title": "Wiki"}, [], "", 0)}
    html = notes_html(notes, sources, "../")
    assert ('<li id="note-1"><a href="../sources/news.html">The &lt;News&gt;</a>, Daily (<time datetime="2024-05">May 2024</time>), p. 4. '
            '↩ <a class="backref" href="#cite-1-1" aria-label="Back to citation 1 (1)">a</a> '
            '<a class="backref" href="#cite-1-2" aria-label="Back to citation 1 (2)">b</a></li>') in html
    assert ('<li id="note-2"><a href="../sources/news.html">The &lt;News&gt;</a>, Daily (<time datetime="2024-05">May 2024</time>); '
            '<a href="../sources/wiki.html">Wiki</a>. '
            '<a class="backref" href="#cite-2-1" aria-label="Back to citation 2">↩</a></li>') in html
    assert ('<li><a href="../sources/news.html">The &lt;News&gt;</a>. <i>Daily</i>, <time datetime="2024-05">May 2024</time>. <span class="grade" '
            'title="Admiralty grade: source usually reliable; information probably true">B2</span></li>\n'
            '<li><a href="../sources/wiki.html">Wiki</a>.</li>') in html
    # entries are cached by what they show, not by source: an edited source shows its new values
    sources["news"] = source(publisher="Weekly", author="Ada")
    html = notes_html(notes, sources, "../")
    assert "Daily" not in html and "B2" not in html
    assert '<li>Ada. <a href="../sources/news.html">The &lt;News&gt;</a>. <i>Weekly</i>.</li>' in html


def test_a_link_definition_belongs_to_its_own_text_not_to_the_next_one_on_the_page(content, tmp_path):
    content.write("entities/people/bob.yaml", "name: Bob\nsummary: |\n  Read [the site][r].\n\n  [r]: https://example.org/\n"
                  "relations:\n  - {type: related-to, target: ruritania, cite: [daily-news], note: 'See [r].'}\n")   # shown after the summary
    content.write("sources/daily-news.md", "---\ntitle: Daily News\naccessed: 2026-01\n---\nText about [[bob]].\n")
    assert not content.errors()
    assert not content.build(tmp_path / "site").diagnostics.errors
    html = (tmp_path / "site/people/bob.html").read_text(encoding="utf-8")
    assert html.count('href="https://example.org/"') == 1 and "See [r]." in html


# --- references that wrap over lines, and what only begins like one ---------------------------------

ONE_LINE = "The leader [[putin|Vladimir Putin]] spoke [@news, para. 6] and [[putin]] [@wiki; @news, p. 2]."


def test_a_label_and_a_locator_that_wrap_over_lines_read_as_on_one_line():
    for wrapped in ("The leader [[putin|Vladimir\nPutin]] spoke [@news, para.\n6] and [[putin]] [@wiki; @news, p. 2].",
                    "The leader [[putin|Vladimir \n  Putin]] spoke [@news,\npara. 6] and [[\nputin\n]] [@wiki;\n@news, p.\n2].",
                    "The leader [[putin\n|Vladimir Putin]] spoke [@news\n, para. 6] and [[putin\n]] [@wiki; @news, p. 2]."):
        html, notes = md(wrapped)
        one, one_notes = md(ONE_LINE)
        assert html == one, wrapped
        assert [n.items for n in notes.notes] == [n.items for n in one_notes.notes] == \
            [(("news", "para. 6"),), (("wiki", ""), ("news", "p. 2"))]


def test_a_wrapped_reference_reads_the_same_in_a_list_item_and_a_block_quote():
    for one, wrapped in (("- [[putin|Vladimir Putin]] [@news, para. 6]", "- [[putin|Vladimir\n  Putin]] [@news, para.\n  6]"),
                         ("> [[putin|Vladimir Putin]] [@news, para. 6]", "> [[putin|Vladimir\n> Putin]] [@news, para.\n> 6]")):
        assert md(wrapped)[0] == md(one)[0] and "Vladimir Putin</a>" in md(one)[0]


def test_an_id_broken_over_lines_a_blank_line_or_a_new_block_is_no_reference():
    for text in ("[[pu\ntin]]", "[[putin|Vladimir\n\nPutin]]", "[@news, para.\n\n6]", "[[\n\nputin]]",
                 "- [[putin|Vladimir\n- Putin]]", "[@news;\n\n@wiki]"):
        html, notes = md(text)
        assert "<a class=\"ref" not in html and notes.notes == [], text


def test_the_scanner_reads_wrapped_references_as_the_page_does():
    def read(text):
        return [(offset, kind, ref, detail) for offset, kind, ref, detail in scan(text)]
    assert read("A [[putin|Vladimir\nPutin]] and [@news, para.\n6].") == \
        [(2, "link", "putin", "Vladimir Putin"), (32, "cite", "news", "para. 6")]
    assert read("[[\nputin\n]] [@news\n, p. 4]") == [(0, "link", "putin", None), (13, "cite", "news", "p. 4")]
    assert read("[[pu\ntin]] [[putin|a\n\nb]] [@news, p.\n\n4]") == []
    # where the next line may begin a block, the scanner reads what markdown-it reads
    assert read("> [[putin|Vladimir\n> Putin]] `x`") == [(2, "link", "putin", "Vladimir Putin")]
    assert read("> [[putin|Vladimir\n> Putin]]") == [(2, "link", "putin", "Vladimir Putin")]
    assert read("- [[putin|Vladimir\n- Putin]] [@news, p.\n# 4]") == []
    # a backslash before the closing brackets is part of the label: markdown-it reads the link first
    assert read("[[putin|a\\]] [@news, p. 4\\]") == [(0, "link", "putin", "a\\"), (14, "cite", "news", "p. 4\\")]


def test_a_wrapped_summary_records_its_backlinks_and_citations(content):
    content.write("entities/people/bob.yaml", "name: Bob\nsummary: |\n  Bob met [[ada-example|Ada\n  Example]] twice\n"
                  "  [@daily-news, p.\n  4; @almanac].\n")
    result = content.check()
    assert not [d for d in result.diagnostics.items if d.severity == "error"]
    assert "bob" in result.resolved.linked_from["ada-example"]
    assert "bob" in result.resolved.cited_by["daily-news"] and "bob" in result.resolved.cited_by["almanac"]


def test_an_unknown_id_in_a_wrapped_reference_is_an_error_where_it_begins(content):
    content.write("entities/people/bob.yaml", "name: Bob\nsummary: |\n  Bob met [[nobody|No\n  Body]] and\n"
                  "  [@nothing, p.\n  4].\n")
    assert content.errors() == [
        "entities/people/bob.yaml:3:11: error: unknown id 'nobody' in [[nobody]] [unknown-id]",
        "entities/people/bob.yaml:5:4: error: unknown source 'nothing' in [@nothing] [unknown-source]"]


def test_a_link_whose_bar_a_table_reads_as_a_cell_edge_is_a_warning_and_no_link(content):
    # In a table the bar of [[id|label]] ends a cell: the page shows two cells of text.
    content.write("pages/table.md", "---\ntitle: Table\n---\n| a | b |\n|---|---|\n| [[ada-example|split]] | z |\n"
                  "| [[ada-example\\|escaped]] | y |\n| [[nosuch|split too]] | x |\n")
    messages = content.messages()
    assert [m.split(": warning: ")[0] for m in messages if "malformed-reference" in m] == ["pages/table.md:6:3", "pages/table.md:8:3"]
    assert "write [[id\\|shown text]]" in next(m for m in messages if "malformed-reference" in m)
    assert not content.errors()   # 'nosuch' is text, not an unknown id


def test_what_begins_a_reference_but_is_none_is_a_warning_at_its_place(content):
    content.write("pages/wrap.md", "---\ntitle: Wrap\n---\nBad [[ada-example|a]b]] and\n[[ada-example|never closed\n\n"
                  "`[[code|a]b]]` [@daily-news p. 2] [[ada-\nexample]] [[[ada-example]] [@ not a cite] \\[[x|a]b]]\n\n"
                  "```\n[[fenced|a]b]]\n```\n    [[indented|a]b]]\n\n- [[ada-example|a\n- b]]\n")
    content.write("entities/people/bob.yaml", "name: Bob\nsummary: |\n  Knows [[ada-example]] and [[ada-example|a]b]].\n")
    warnings = [m for m in content.messages() if "malformed-reference" in m]
    assert [w.split(": warning: ")[0] for w in warnings] == [
        "entities/people/bob.yaml:3:29",
        "pages/wrap.md:4:5", "pages/wrap.md:5:1", "pages/wrap.md:7:16", "pages/wrap.md:7:35", "pages/wrap.md:15:3"]
    assert warnings[1].endswith("'[[ada-example|a]b]] and' begins no link and is shown as text: a link is [[id]] or "
                                "[[id|shown text]] in one paragraph, and its shown text holds no bracket; in a table, "
                                "write [[id\\|shown text]]; to show the brackets, write \\[[ [malformed-reference]")
    assert "'[@daily-news p. 2] [[ada-' begins no citation" in warnings[3]
    assert not content.errors()
    assert any("malformed-reference" in m and ": error: " in m
               for m in (d.text() for d in check(content.root, strict=True).diagnostics.items))


def test_an_address_shown_as_itself_is_marked_so_print_does_not_repeat_it():
    html = render("see <https://example.org/x> and [the report](https://example.org/y)", {})
    assert '<a href="https://example.org/x" rel="noopener noreferrer" class="external url">https://example.org/x</a>' in html
    assert '<a href="https://example.org/y" rel="noopener noreferrer" class="external">the report</a>' in html


def test_a_citation_mark_follows_the_word_before_it_so_no_line_starts_with_one():
    html, _ = md("Built in 1938 [@news] and\n[@news, p. 2] (the purchase) [@wiki].")
    assert re.findall(r"\S+(?=<sup)", html) == ["1938", "and", "purchase)"]
    assert html.count('<sup class="cite">&#8288;<a') == 3   # and a word joiner: no break after ")" either


MARK_PIECES = [" ", "\n", "\t", "\xa0", "\u2009", "a", "1938", "</mark>", "</a>", "</em>", "</strong>", "</b>", "</span>",
               "<mark>", '<sup class="cite">', "</sup>", "<", ">", "</", "x "]


@settings(max_examples=3000, deadline=None, database=None)
@given(st.lists(st.sampled_from(MARK_PIECES), max_size=14).map("".join))
def test_marks_are_attached_as_the_pattern_that_defines_it_attaches_them(html):
    # White space before a mark, also across the closing tags of a highlight, link or emphasis, from
    # the start of its run; the tags stay. attach_marks reads back from each mark instead.
    from dossier.markdown import attach_marks
    defined = re.compile(r'(?<!\s)\s+(?:</(?:mark|a|em|strong)>\s*)*(?=<sup class="cite">)')
    assert attach_marks(html) == defined.sub(lambda m: "".join(re.findall(r"</\w+>", m.group())), html)


def test_white_space_before_a_mark_goes_also_from_inside_a_closing_highlight_and_in_linear_time():
    from dossier.markdown import attach_marks
    mark = '<sup class="cite">&#8288;<a href="#note-1">1</a></sup>'
    assert attach_marks(f"in <mark>1938 </mark> {mark}") == f"in <mark>1938</mark>{mark}"
    assert attach_marks(f"<em>then</em>\n{mark} and <a href=x>b </a>{mark}") == f"<em>then</em>{mark} and <a href=x>b</a>{mark}"
    from test_matching_bounds import cpu_bound
    spaces = "a" + " " * 100_000 + "x " + mark   # a long run of white space not before a mark
    with cpu_bound(0.5):
        assert attach_marks(spaces) == "a" + " " * 100_000 + "x" + mark
