"""Our Markdown: [[links]], [@citations] as numbered notes, and nothing unsafe gets through."""
from __future__ import annotations

from dataclasses import dataclass

from dossier.markdown import render, safe_url
from dossier.markdown.citations import Notes
from dossier.markdown.refs import scan


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


def test_only_http_https_mailto_and_relative_links_are_kept():
    for bad in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "vbscript:x", "data:text/html,x",
                "file:///etc/passwd", "//evil.example/x", "/absolute.html"):
        assert not safe_url(bad), bad
    for good in ("https://example.org", "http://example.org", "mailto:a@b.c", "page.html", "../sources/x.html#a-1"):
        assert safe_url(good), good
    html, _ = md("[x](javascript:alert(1)) [y](&#106;avascript:alert(1)) <javascript:alert(1)>")
    assert "href" not in html


def test_remote_images_become_links_and_are_never_loaded():
    html, _ = md("![a chart](https://example.org/chart.png)")
    assert "<img" not in html and 'href="https://example.org/chart.png"' in html


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


def test_a_reference_the_check_did_not_read_stops_the_build_and_nothing_is_written(content, tmp_path, monkeypatch):
    monkeypatch.setattr("dossier.stages.resolve.scan", lambda text: iter(()))   # a scanner that misses them
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
