"""The page scan reads a page in one pass when it can, and tag by tag when it must; both read
the same tags, so the fast pass never sees less than the careful one."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dossier.stages import verify
from dossier.stages.verify import scan_page

REPO = Path(__file__).resolve().parent.parent

markup = st.lists(st.sampled_from(["<", ">", "</", "<!--", "-->", "/", "a", "img", "p", "script", " ", "\n", "=",
                                   "\"", "'", "href", "id", "src", "onclick", "style", "javascript:", "&#106;",
                                   "&amp;", "x.html#y", "<a href=\"q.html\">", "</a>", "<p id=\"z\">"]),
                  max_size=60).map("".join)


@settings(max_examples=500, deadline=None, database=None)
@given(html=markup | st.text(max_size=200))
def test_the_one_pass_scan_finds_what_the_tag_by_tag_scan_finds(html):
    assert scan_page(html) == verify._scan_carefully(html)


def test_a_tag_start_that_no_tag_can_be_read_from_or_a_tag_holding_a_tag_start_sends_the_page_to_the_careful_scan(monkeypatch):
    careful = []
    monkeypatch.setattr(verify, "_scan_carefully", lambda html: careful.append(html) or verify.PageScan())
    scan_page("<p><img/src/onerror=alert(1)></p>")
    scan_page('<p id="a"><a href="x.html">x</a><p class="open</p>')
    scan_page('<p id="a"><a title="<b>bold</b>" href="x.html">x</a></p>')
    assert len(careful) == 3
    scan_page('<p id="a"><a title="&lt;b&gt;" href="x.html">x</a> 1 &lt; 2</p><!-- note --><title>A &amp; B</title>')
    assert len(careful) == 3


@pytest.mark.parametrize("html", [
    '<!-- <x a=" --><img src=x onerror=alert(1)>"> -->',        # the comment ends at '-->': the <img> is a tag
    '<title><x a="</title><img src=x onerror=alert(1)>"></title>',  # so does the title at '</title>'
    '<textarea><x a="</textarea><a href="javascript:alert(1)">"></textarea>',
    '<a x=\xa0"y onclick=alert(1) z" >',   # a no-break space is no white space to a browser: onclick is an attribute
])
def test_a_tag_a_browser_reads_is_never_hidden_from_the_scan(html):
    # An outside review's cases: the scan read each as one harmless tag (a quoted value running on
    # past the end of a comment or a title, or a no-break space taken for white space).
    assert scan_page(html).problems and verify._scan_carefully(html).problems


def test_a_tag_written_again_is_read_once():
    once = scan_page('<p><a href="x.html" onclick="a()">x</a> <img src="https://x.org/i.png"></p>')
    twice = scan_page('<p><a href="x.html" onclick="a()">x</a> <img src="https://x.org/i.png">'
                      '<a href="x.html" onclick="a()">x</a> <img src="https://x.org/i.png"></p>')
    assert twice == once and len(once.links) == 2 and len(once.problems) == 1
    assert verify._scan_carefully('<a href="x.html">x</a><a href="x.html">y</a>').links == [("x.html", "link")]


def test_only_the_values_that_are_checked_are_decoded():
    scan = scan_page('<a id="a&amp;b" href="x.html?a=1&amp;b=2" data-x="&lt;script&gt;" title="&#106;s">x</a>')
    assert scan.ids == {"a&b"} and scan.links == [("x.html?a=1&b=2", "link")] and scan.problems == []
    assert scan_page('<a href="&#106;avascript:x()">x</a>').links == [("javascript:x()", "link")]


def test_the_demo_site_pages_scan_the_same_both_ways(tmp_path):
    from dossier.build import build
    site = tmp_path / "site"
    assert not build(REPO / "content", site, use_cache=False).diagnostics.errors
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 100
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert scan_page(html) == verify._scan_carefully(html), page


URL_PARTS = ["a", "b.html", "..", ".", "/", "#", "x-1_y", "%20", "?q", ":", "http:", "//", " ", "\t", "é", ""]


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(["", "people", "sources/sub"]), st.lists(st.sampled_from(URL_PARTS), max_size=8).map("".join),
       st.sampled_from(["link", "resource", "form"]))
def test_a_plain_url_resolves_as_the_full_parse_resolves_it(folder, url, what):
    assert verify.resolve_link(folder, url, what) == verify._resolve_url.__wrapped__(folder, url, what)


def test_plain_urls_take_the_quick_way_and_others_the_full_parse():
    assert verify._PLAIN_URL.fullmatch("../people/kim-jong-un.html#cite-3-1")
    assert verify._PLAIN_URL.fullmatch("#main") and verify._PLAIN_URL.fullmatch("index.html")
    for other in ("https://example.org/", "a b.html", "a%20b.html", "/abs.html", "dir/", "a.html?x", "javascript:x", ""):
        assert not verify._PLAIN_URL.fullmatch(other)
    assert verify.resolve_link("sources", "../../x.html", "link")[0] == "link '../../x.html' points outside the site"


# The tag expression as first written, with quantifiers that give back: the possessive one in
# verify must read exactly the same tags.
W = r"[\t\n\f\r ]"   # HTML's white space
BACKTRACKING_TAG = rf"""<([a-zA-Z][a-zA-Z0-9-]*)((?:{W}+[^\t\n\f\r "'>/=]+(?:{W}*={W}*(?:"[^"]*"|'[^']*'|[^\t\n\f\r "'=<>`]+))?)*){W}*/?>"""


space = st.sampled_from(["", " ", "  ", "\t", "\n ", "\xa0", "\f"])
attribute = st.tuples(st.sampled_from([" ", "\t", "", "/", "\xa0"]), st.sampled_from(["href", "x", "data-a", "on", "'", "="]),
                      st.sampled_from(["", "=", " = ", "=\t"]),
                      st.sampled_from(["", "\"v\"", "'v'", "v", "v/", "/", "\"a>b\"", "a=b", "`", "\"", "'"])).map("".join)
tag = st.tuples(st.sampled_from(["<", "< ", "</"]), st.sampled_from(["a", "img", "p-1", "x9", ""]), st.lists(attribute, max_size=4).map("".join),
                space, st.sampled_from(["", "/"]), st.sampled_from([">", "", "/>"])).map("".join)
tag_soup = st.lists(tag | st.sampled_from(["text", " ", "<", ">"]), max_size=6).map("".join)


@settings(max_examples=3000, deadline=None, database=None)
@given(html=markup | tag_soup | st.text(max_size=200))
def test_the_tag_expression_reads_the_tags_a_backtracking_one_reads(html):
    import re
    expected = [(m.span(), m.groups()) for m in re.finditer(BACKTRACKING_TAG, html)]
    assert [(m.span(), m.groups()) for m in verify._TAG.finditer(html)] == expected
    assert verify._TAG_TEXT.findall(html) == [html[start:end] for (start, end), _ in expected]


link_value = st.lists(st.sampled_from(["x.html", "#note-1", "../a", " ", "&amp;", "&#106;", "javascript:", "\"", "'", "<", ">", "é", ""]),
                      max_size=4).map("".join)
link_attribute = st.tuples(st.sampled_from([" ", "  ", "\n"]), st.sampled_from(["class", "href", "id", "title", "rel", "aria-label", "onclick", "HREF", "style", "data-x"]),
                           st.sampled_from(["=\"", "='", "="]), link_value, st.sampled_from(["\"", "'", ""])).map("".join)
link_tag = st.tuples(st.sampled_from(["<a", "<A", "<area"]), st.lists(link_attribute, max_size=5).map("".join), st.sampled_from([">", " >", "/>"])).map("".join)
written_link = st.tuples(st.sampled_from(["", ' class="ref ref-person"']), link_value, st.sampled_from(["", ' id="cite-1-1"', ' id=""', ' id="a&amp;b"']),
                         st.sampled_from(["", ' title="A &lt;b&gt; note"', ' rel="noopener"', ' aria-label="Back"', ' title="x" rel="y"']),
                         st.sampled_from(["", ' onclick="a()"', ' ONCLICK="a"', ' style="x:expression(1)"', ' href="y.html"',
                                          ' id="second"', ' srcdoc="x"', " title='x'"])
                         ).map(lambda p: f'<a{p[0]} href="{p[1]}"{p[2]}{p[3]}{p[4]}>')


@settings(max_examples=3000, deadline=None, database=None)
@given(tag=link_tag | written_link)
def test_a_link_as_our_templates_write_it_is_read_as_every_other_tag_is(tag):
    # The quick reading of plain links (verify._PLAIN_LINK) finds what the attribute-by-attribute one finds.
    m = verify._TAG.fullmatch(tag)
    if m is not None:
        assert verify._scan_tag_text.__wrapped__(tag) == verify._scan_tag(m.group(1), m.group(2))


def test_a_link_written_as_ours_but_with_a_handler_after_its_href_is_still_refused():
    for tag in ('<a href="x.html" onclick="alert(1)">', '<a class="ref" href="x.html" id="y" title="t" onmouseover="a()">',
                '<a href="x.html" style="background:url(javascript:a())">'):
        assert scan_page(f"<p>{tag}x</a></p>").problems, tag
