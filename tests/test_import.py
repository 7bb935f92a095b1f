"""`dossier import`: saved pages (tests/fixtures/import/, written for these tests, hostile ones
among them) and the seed's plain-text copy become sources that pass `dossier check`."""
from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from dossier.build import build, check
from dossier.cli import main
from dossier.importer import (defuse, escape_inline, escape_line_start, from_html, from_text, one_line, safe_link,
                              slugify)
from dossier.markdown import MD
from dossier.markdown.refs import scan

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PAGES = HERE / "fixtures" / "import"
MINIMAL = HERE / "fixtures" / "minimal"
SEED = REPO / "seeds" / "000_0bbbdefbe2862710.txt"
DEMO_SOURCE = REPO / "content" / "sources" / "interbellum-2025-bridge.md"


class _NoDates(yaml.SafeLoader):
    """Unquoted dates stay strings, as the engine reads them."""


_NoDates.yaml_implicit_resolvers = {k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"]
                                    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}


@pytest.fixture
def content(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "content"
    shutil.copytree(MINIMAL, root)
    monkeypatch.chdir(tmp_path)
    return root


def split(text: str) -> tuple[dict, str]:
    m = re.match(r"\A---\n(.*?)\n---\n(.*)\Z", text, re.S)
    assert m, "front matter"
    return yaml.load(m.group(1), Loader=_NoDates), m.group(2)


def errors_of(root: Path) -> list[str]:
    return [d.text() for d in check(root).diagnostics.sorted() if d.severity == "error"]


def folded(text: str) -> str:
    return " ".join(text.split())


# --- the seed -------------------------------------------------------------------------------------

def test_importing_the_seed_gives_the_demo_source_text(content, capsys):
    assert main(["import", str(SEED), "--content", str(content), "--accessed", "2026-11-26"]) == 0
    path = content / "sources" / "putin-and-kims-bridge-of-unity-north-korea-russia-open-first-road-link.md"
    meta, body = split(path.read_text(encoding="utf-8"))
    demo_meta, demo_body = split(DEMO_SOURCE.read_text(encoding="utf-8"))
    assert meta["title"] == demo_meta["title"]
    assert meta == {"title": demo_meta["title"], "accessed": "2026-11-26", "type": "article"}
    # The demo keeps two no-break spaces of the copy ("recognize\u00a0North Korea"); the import
    # writes plain spaces. Whitespace aside, the text is the same, word for word and line for line.
    assert folded(body) == folded(demo_body)
    assert [line.replace("\u00a0", " ") for line in demo_body.splitlines()] == body.splitlines()
    assert errors_of(content) == []


def test_the_imported_seed_passes_check_in_the_demo_dossier_and_keeps_its_annotations_anchored(tmp_path, monkeypatch):
    root = tmp_path / "content"
    shutil.copytree(REPO / "content", root)
    monkeypatch.chdir(tmp_path)
    # replace the demo's body with the imported one: every annotation must still anchor
    assert main(["import", str(SEED), "--content", str(root), "--id", "seed-copy", "--accessed", "2026-11-26"]) == 0
    _, body = split((root / "sources" / "seed-copy.md").read_text(encoding="utf-8"))
    demo = (root / "sources" / "interbellum-2025-bridge.md").read_text(encoding="utf-8")
    front = demo[: demo.index("\n---\n") + 5]
    (root / "sources" / "interbellum-2025-bridge.md").write_text(front + body, encoding="utf-8")
    assert errors_of(root) == []


def test_plain_text_rules():
    text = ("Photo caption shown at the top of the page\n"
            "Photo caption shown at the top of the page.WidgetCard\n\n"
            "The Title of the Piece\n\n"
            "First paragraph, with *stars* and [[brackets]].\n\n"
            "A Heading\n\n"
            "A caption of the photo in the article body.\n"
            "A caption of the photo in the article body. Example Agency\n\n"
            "Second paragraph.\n\n"
            "Photo caption shown at the top of the page\n"
            "Teaser title of another story\n\n"
            "Related Stories\n\nNo stories found.\nFooter\n")
    article = from_text(text)
    assert article.title == "The Title of the Piece"
    assert article.body() == ("First paragraph, with \\*stars\\* and \\[\\[brackets\\]\\].\n\n"
                              "## A Heading\n\n"
                              "*A caption of the photo in the article body.*\n\n"
                              "Second paragraph.\n")


def test_an_unpunctuated_sentence_at_the_end_is_kept_and_short_lines_left_out_are_named(content, tmp_path, capsys):
    """A line without its full stop was a heading, and the headings at the end were dropped as
    related stories' titles: the article's last two paragraphs were lost without a word (an
    outside test)."""
    text = ("My Title\n\nThe bridge opened on Wednesday, officials said.\n\n"
            'The ceremony was attended by 300 guests including the governor who said "we will build more"\n\n'
            "It is expected to open in 2026\n")
    article = from_text(text)
    assert "we will build more" in article.body()
    assert article.dropped == ["It is expected to open in 2026"]
    path = tmp_path / "art.txt"
    path.write_text(text, encoding="utf-8")
    assert main(["import", str(path), "--id", "imp-b", "--content", str(content)]) == 0
    assert "'It is expected to open in 2026'" in capsys.readouterr().err


def test_sentences_ending_in_cjk_or_arabic_marks_are_paragraphs_not_headings():
    """Without a Latin full stop every line was a heading, and the headings at the end were left
    out: a Chinese article's text was empty (a review)."""
    article = from_text("图们江公路桥\n\n俄罗斯和朝鲜开始建设公路桥。\n\n举行了开工仪式！\n\nهل يفتح الجسر؟\n")
    assert article.body() == "俄罗斯和朝鲜开始建设公路桥。\n\n举行了开工仪式！\n\nهل يفتح الجسر؟\n"
    assert article.dropped == []


def test_hard_wrapped_text_is_joined_into_paragraphs(content):
    assert main(["import", str(PAGES / "wrapped.txt"), "--content", str(content), "--accessed", "2026-01-01",
                 "--url", "https://example.org/ferry"]) == 0
    meta, body = split((content / "sources" / "ferry-service-resumes-on-the-lower-tumen.md").read_text(encoding="utf-8"))
    assert meta["url"] == "https://example.org/ferry"
    assert body == ("The ferry between the two banks resumed on Monday after a pause of three years, the district "
                    "administration said in a statement that was read out on local radio in the morning.\n\n"
                    "## Timetable\n\n"
                    "Two crossings a day are planned, one in the morning and one in the evening, weather permitting, "
                    "with room for twelve passengers and a small number of bicycles on each crossing.\n")


# --- HTML -----------------------------------------------------------------------------------------

ARTICLE = """\
---
# yaml-language-server: $schema=../../schemas/source.schema.json
# Imported by `dossier import` from article.html: compare the text with the original before annotating it.
title: "Rail bridge over the Old River reopens after repairs"
publisher: "Example Times"
author: "Jane Doe"
url: "https://news.example.org/2025/04/bridge-reopens"
published: 2025-04-30
accessed: 2026-01-02
language: en-GB
type: article
---
*The Old Bridge at dawn, 29 April 2025. Photo: Example Agency*

The **Old Bridge** reopened on *Wednesday* after eight months of repairs, the [railway operator](https://rail.example.org/news/42) said.

Trains will run twice a day, according to the [new timetable](https://news.example.org/timetable). Questions go to [the press office](mailto:press@rail.example.org).

## What changed

- New rails on all ten spans
- A repaired signal box, with
  1. new cables
  2. new lamps

> “It is a great day for the region,” said the mayor.

### Next steps

A second track is planned for 2027.\\
Funding is not yet agreed.

| Year | Trains a day |
| --- | --- |
| 2024 | 0 |
| 2025 | 2 |
"""


def test_a_news_page_becomes_a_clean_source(content, capsys):
    assert main(["import", str(PAGES / "article.html"), "--content", str(content), "--accessed", "2026-01-02"]) == 0
    path = content / "sources" / "rail-bridge-over-the-old-river-reopens-after-repairs.md"
    assert path.read_text(encoding="utf-8") == ARTICLE
    # what was dropped: navigation, cookie banner, share buttons, the byline, the ad, the repeated
    # caption, related stories, the newsletter form and the footer
    for gone in ("Skip to content", "Politics", "cookies", "Share on X", "By Jane Doe", "Advertisement",
                 "Another bridge story", "newsletter", "All rights reserved"):
        assert gone not in ARTICLE
    assert ARTICLE.count("The Old Bridge at dawn") == 1
    assert errors_of(content) == []
    err = capsys.readouterr().err
    assert err.startswith(f"dossier: wrote {path}\n")


def test_the_markdown_renders_as_the_page_structured_it():
    html = MD.render(split(ARTICLE)[1], {})
    soup = BeautifulSoup(html, "html.parser")
    assert [h.get_text() for h in soup.find_all(["h2", "h3"])] == ["What changed", "Next steps"]
    assert [li.get_text(" ", strip=True) for li in soup.select("ol > li")] == ["new cables", "new lamps"]
    assert soup.find("blockquote").get_text(strip=True).startswith("“It is a great day")
    assert [td.get_text() for td in soup.select("tbody td")] == ["2024", "0", "2025", "2"]
    assert [a["href"] for a in soup.find_all("a")] == ["https://rail.example.org/news/42",
                                                         "https://news.example.org/timetable",
                                                         "mailto:press@rail.example.org"]
    assert soup.find("br") is not None


def test_metadata_from_json_ld_and_the_article_body_element():
    article = from_html((PAGES / "jsonld.html").read_bytes())
    assert article.title == "Treaty enters into force"
    assert article.meta == {"publisher": "Example Wire", "author": "A. Writer, B. Writer",
                            "url": "https://wire.example.net/treaty", "published": "2024-12-04", "language": "ru"}
    assert article.body() == ("The treaty entered into force on 4 December 2024, when the instruments of ratification "
                              "were exchanged.\n\nThe earlier treaty of 2000 lapsed the same day, the ministry said in "
                              "a statement.\n")


def test_without_article_markup_the_element_with_most_paragraph_text_wins():
    article = from_html((PAGES / "divs.html").read_bytes())
    assert article.title == "Station notes"  # the <title>, without " | Rail Blog"
    assert article.meta == {"publisher": "Rail Blog"}
    assert article.body().startswith("Khasan station is the last Russian station")
    assert "Great post" not in article.body() and "Welcome" not in article.body() and "Links:" not in article.body()


def test_a_page_in_another_encoding_and_a_cyrillic_title(content):
    assert main(["import", str(PAGES / "cp1251.html"), "--content", str(content), "--accessed", "2026-01-01"]) == 0
    meta, body = split((content / "sources" / "most-druzhby.md").read_text(encoding="utf-8"))
    assert meta["title"] == "Мост Дружбы"
    assert body == "Железнодорожный мост через реку Туманган, открыт в 1959 году.\n"


@pytest.mark.parametrize("head, words, page_bytes", [
    # HTML reads a declared UTF-16 as UTF-8 (such bytes would begin with a mark): BeautifulSoup's
    # guess took it at its word, and an ASCII page came out as CJK characters (an outside hunt)
    ('<meta charset="utf-16">', "Bridge", "utf-8"),
    ("", "Café", "cp1252"),   # nothing declared, and not UTF-8: what browsers take, windows-1252
    # browsers read a declared iso-8859-1 as windows-1252, and a label no codec has as nothing declared
    ('<meta charset="iso-8859-1">', "“Café” – 5€", "cp1252"),
    ('<meta charset="x-unknown">', "Café", "cp1252"),
])
def test_a_page_is_decoded_as_a_browser_decodes_it(content, tmp_path, head, words, page_bytes):
    page = tmp_path / "page.html"
    data = f"<html><head>{head}<title>{words} news</title></head><body><p>The {words} opened.</p></body></html>".encode(page_bytes)
    page.write_bytes(data + b" " * (len(data) % 2))   # an even length, which UTF-16 would read
    assert main(["import", str(page), "--content", str(content), "--accessed", "2026-01-01", "--id", "page"]) == 0
    meta, body = split((content / "sources" / "page.md").read_text(encoding="utf-8"))
    assert (meta["title"], body) == (f"{words} news", f"The {words} opened.\n")


@pytest.mark.parametrize("data, error", [
    (bytes(range(256)) * 10, "page.html is not a text file (it contains NUL bytes)"),
    (('<meta charset="utf-8"><p>' + "été " * 50 + "</p>").encode("latin-1"),
     "page.html cannot be read as utf-8 (the charset it declares, utf-8): 100 characters are not valid in it; "
     "save it as UTF-8 and try again"),
])
def test_a_page_that_is_not_text_in_its_encoding_is_refused_not_imported_as_mojibake(content, tmp_path, capsys, data, error):
    page = tmp_path / "page.html"
    page.write_bytes(data)
    assert main(["import", str(page), "--content", str(content), "--accessed", "2026-01-01"]) != 0
    assert error in capsys.readouterr().err
    assert not list((content / "sources").glob("page*"))


# --- hostile HTML --------------------------------------------------------------------------------

PAYLOADS = ["onload-payload", "base-payload", "refresh-payload", "author-payload", "ogurl-payload",
            "canonical-payload", "script-payload", "body-payload", "h1-payload", "onmouseover-payload",
            "js-payload", "case-payload", "tab-payload", "entity-payload", "vb-payload", "img-payload",
            "svg-payload", "svg-text-payload", "iframe-payload", "object-payload", "embed-payload",
            "noscript-payload", "template-payload", "hidden-payload", "display-none-payload",
            "aria-hidden-payload", "form-payload", "math-payload", "style-payload", "onclick-payload",
            "comment-payload", "cdata-payload", "javascript:", "vbscript:", "data:", "PHNjcmlwd"]


def test_hostile_html_never_reaches_the_output(content, tmp_path):
    assert main(["import", str(PAGES / "hostile.html"), "--content", str(content), "--accessed", "2026-01-01",
                 "--id", "hostile"]) == 0
    text = (content / "sources" / "hostile.md").read_text(encoding="utf-8")
    for payload in PAYLOADS:
        assert payload not in text, payload
    meta, body = split(text)
    # the front matter is data: the title's newline and "---" could not open a YAML key or end it
    assert set(meta) == {"title", "publisher", "author", "accessed", "language", "type"}
    assert meta["title"] == 'Hostile "page" --- evil: [[front-matter-payload]]'
    assert meta["author"] == "Mallory\\u0000 …"
    # the page's own text that looks like our syntax or HTML is text, escaped
    assert "[[" not in body and "[@" not in body
    assert r"\[\[kim-jong-un\]\] and \[\@some-source, p. 4\]" in body
    assert r"\<script\>alert('text-payload')\</script\>" in body
    # only the two safe links are links; the others are their text
    links = [t.attrGet("href") for tok in MD.parse(body, {}) for t in (tok.children or []) if t.type == "link_open"]
    assert links == ["https://ok.example/a%28b%29c%20d", "https://ok.example/", "https://ok.example/",
                     "https://ok.example/"]
    assert "js link, case link, tab link, entity link, vb link, data link, relative link, protocol relative" in body
    # the check passes, and the built page holds no script, handler or javascript: from the page
    assert errors_of(content) == []
    out = tmp_path / "site"
    assert not build(content, out).diagnostics.errors
    html = (out / "sources" / "hostile.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert all(s.get("src", "").startswith("../assets/") for s in soup.find_all("script"))
    assert not [t for t in soup.find_all(True) for a in t.attrs if a.lower().startswith("on")]
    assert not [a for a in soup.find_all(href=True) if re.match(r"\s*(javascript|vbscript|data):", a["href"], re.I)]
    assert not soup.find_all(["iframe", "object", "embed", "svg", "math", "base"])
    assert not soup.find("main").find_all(["form", "input", "button"])
    for payload in PAYLOADS[:-6]:
        if payload not in ("h1-payload",):
            assert payload not in html.replace("text-payload", ""), payload


def test_links_are_kept_only_when_safe():
    base = "https://site.example/news/a.html"
    assert safe_link("https://x.example/p?q=1", base) == "https://x.example/p?q=1"
    assert safe_link("mailto:a@b.example", base) == "mailto:a@b.example"
    assert safe_link("/other", base) == "https://site.example/other"
    assert safe_link("../up", base) == "https://site.example/up"
    assert safe_link("#section", base) is None
    assert safe_link("/other", None) is None
    for bad in ("javascript:alert(1)", " JAVASCRIPT:alert(1)", "java\tscript:alert(1)", "java\nscript:x",
                "\x01javascript:x", "vbscript:x", "data:text/html,x", "file:///etc/passwd", "ftp://x.example/"):
        assert safe_link(bad, base) is None, bad
    assert safe_link("https://x.example/a b(c)[d]<e>", None) == "https://x.example/a%20b%28c%29%5Bd%5D%3Ce%3E"


def test_deeply_nested_html_does_not_crash(content, tmp_path):
    page = tmp_path / "deep.html"
    page.write_text("<html><body>" + "<div>" * 5000 + "<p>Deep text that is long enough to count as a paragraph.</p>"
                    + "</div>" * 5000 + "</body></html>", encoding="utf-8")
    code = main(["import", str(page), "--content", str(content), "--accessed", "2026-01-01", "--id", "deep"])
    assert code == 0
    assert "Deep text" in (content / "sources" / "deep.md").read_text(encoding="utf-8")
    assert errors_of(content) == []


# --- escaping ------------------------------------------------------------------------------------

def test_escaping_units():
    assert escape_inline("a*b_c`d[e]f<g>h|i~j\\k") == "a\\*b\\_c\\`d\\[e\\]f\\<g\\>h\\|i\\~j\\\\k"
    assert escape_inline("AT&T &amp; &#60; & co") == "AT\\&T \\&amp; \\&#60; & co"
    assert defuse("[[x]] [@y] \\[@z\\]") == "[\\[x]] [\\@y] \\[\\@z\\]"
    assert defuse("a ![b](https://x)") == "a \\![b](https://x)"
    assert escape_line_start("# x") == "\\# x"
    assert escape_line_start("- x") == "\\- x"
    assert escape_line_start("2024. A year") == "2024\\. A year"
    assert escape_line_start("3) x") == "3\\) x"
    assert escape_line_start("    code?") == "code?"
    assert escape_line_start("===") == "\\==="


_SPECIALS = "[]@<>*_`~|\\#&;!()-+=.:/\"' \t\n1aZ"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(_SPECIALS)) | st.characters(codec="utf-8"), max_size=60))
def test_any_text_reads_back_as_itself_and_never_as_our_syntax(text):
    """The core promise: a paragraph made from any text shows exactly that text, and holds no
    reference, link, emphasis, code or HTML."""
    flat = re.sub("[\r\n\u2028\u2029]", " ", text)  # one line: the test is about escaping
    article = from_text("Title\n\n" + flat + " end.")
    body = article.body()
    assert list(scan(body)) == []
    tokens = MD.parse(body, {})
    children = [c for t in tokens if t.type == "inline" for c in t.children]
    assert {c.type for c in children} <= {"text", "softbreak", "hardbreak"}, body
    assert {t.type for t in tokens} <= {"paragraph_open", "paragraph_close", "inline", "heading_open",
                                        "heading_close", "em_open", "em_close"}, body
    shown = "".join(c.content for c in children)
    assert " ".join(shown.split()) == " ".join(one_line(flat + " end.").split())


_FRAGMENT = st.recursive(
    st.text(alphabet=st.sampled_from(list(_SPECIALS)) | st.characters(codec="utf-8"), max_size=20).map(html.escape),
    lambda inner: st.tuples(st.sampled_from(["em", "strong", "a", "span", "code", "q", "b", "br"]),
                            st.lists(inner, max_size=3),
                            st.sampled_from(["https://x.example/a", "javascript:x", "/rel", "mailto:a@b.example",
                                             "#f", "https://x.example/[[y]]?a=1&amp;b", "data:,x"]))
    .map(lambda t: "<br>" if t[0] == "br" else f'<{t[0]} href="{t[2]}">{"".join(t[1])}</{t[0]}>'),
    max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(st.lists(_FRAGMENT, min_size=1, max_size=4))
def test_any_inline_html_gives_text_emphasis_and_safe_links_only(parts):
    page = f"<html><body><article><p>{''.join(parts)} end.</p><ul><li>{''.join(parts)}</li></ul></article></body></html>"
    body = from_html(page.encode()).body()
    assert list(scan(body)) == []
    for token in MD.parse(body, {}):
        for t in [token, *(token.children or [])]:
            assert t.type not in ("html_inline", "html_block", "code_inline", "code_block", "fence", "image"), body
            if t.type == "link_open":
                assert re.match(r"^(https?:|mailto:)", t.attrGet("href")), body


def test_slugs():
    assert slugify("Putin and Kim’s ‘Bridge of Unity’: North Korea, Russia Open First Road Link") == \
        "putin-and-kims-bridge-of-unity-north-korea-russia-open-first-road-link"
    assert slugify("Мост Дружбы через Туманную") == "most-druzhby-cherez-tumannuiu"
    assert slugify("Café — “Ünïcödé”!") == "cafe-unicode"
    assert slugify("조로친선교") == ""
    long = slugify("word " * 40)
    assert len(long) <= 80 and not long.endswith("-") and long.startswith("word-word")


def test_the_imported_front_matter_validates_against_the_source_schema(content):
    assert main(["import", str(PAGES / "article.html"), "--content", str(content), "--accessed", "2026-01-02"]) == 0
    assert main(["import", str(PAGES / "hostile.html"), "--content", str(content), "--accessed", "2026-01-02"]) == 0
    schema = json.loads((REPO / "schemas" / "source.schema.json").read_text(encoding="utf-8"))
    for path in (content / "sources").glob("*.md"):
        front = re.match(r"\A---\n(.*?)\n---\n", path.read_text(encoding="utf-8"), re.S).group(1)
        data = yaml.load(front, Loader=_NoDates)
        jsonschema.validate(data, schema)



# --- refusals and unreadable input ----------------------------------------------------------------

def test_refuses_to_overwrite_without_force(content, capsys):
    args = ["import", str(PAGES / "jsonld.html"), "--content", str(content), "--accessed", "2026-01-01"]
    assert main(args) == 0
    path = content / "sources" / "treaty-enters-into-force.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nEdited.\n", encoding="utf-8")
    capsys.readouterr()
    assert main(args) == 2
    assert "already exists; use --force" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8").endswith("Edited.\n")
    assert main([*args, "--force"]) == 0
    assert not path.read_text(encoding="utf-8").endswith("Edited.\n")


@pytest.mark.parametrize("argv_tail, message", [
    (["--id", "ruritania"], "the id 'ruritania' is already used by"),
    (["--id", "ruritania", "--force"], "the id 'ruritania' is already used by"),
    (["--id", "Not_An_Id"], "'Not_An_Id' is not a valid id"),
    (["--id", "index"], "the id 'index' is reserved"),
    (["--id", "site-search"], "the id 'site-search' is reserved for sources"),
    (["--accessed", "2026-02-30"], "--accessed '2026-02-30' is not a date"),
    (["--accessed", "yesterday"], "is not a date"),
    (["--url", "javascript:alert(1)"], "is not an http(s) address"),
])
def test_usage_errors(content, capsys, argv_tail, message):
    before = sorted((content / "sources").iterdir())
    assert main(["import", str(PAGES / "jsonld.html"), "--content", str(content), *argv_tail]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert sorted((content / "sources").iterdir()) == before


def test_unreadable_inputs_exit_1_with_a_message(content, tmp_path, capsys):
    cases = {
        "missing.html": None,
        "empty.txt": b"",
        "blank.html": b"   \n",
        "binary.txt": b"\x00\x01\x02PNG",
        "latin1.txt": "Caf\xe9 au lait".encode("latin-1"),
        "nothing.html": (PAGES / "nothing.html").read_bytes(),
        "folder.html": "dir",
    }
    for name, data in cases.items():
        path = tmp_path / name
        if data == "dir":
            path.mkdir()
        elif data is not None:
            path.write_bytes(data)
        assert main(["import", str(path), "--content", str(content)]) == 1, name
        err = capsys.readouterr().err
        assert err.startswith("dossier import: error: ") and "Traceback" not in err, err
    assert sorted(p.name for p in (content / "sources").iterdir()) == ["almanac.md", "daily-news.md"]


def test_unsupported_file_type_is_a_usage_error(content, tmp_path, capsys):
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4")
    assert main(["import", str(tmp_path / "a.pdf"), "--content", str(content)]) == 2
    assert "expected a saved web page (.html, .htm) or a text file (.txt)" in capsys.readouterr().err


def test_printable_filenames_only_in_the_provenance_comment(content, tmp_path):
    page = tmp_path / "evil\nname: x.txt"
    page.write_text("A Title\n\nSome text of the article.\n", encoding="utf-8")
    assert main(["import", str(page), "--content", str(content), "--accessed", "2026-01-01"]) == 0
    text = (content / "sources" / "a-title.md").read_text(encoding="utf-8")
    assert "from evil_name_ x.txt:" in text
    assert errors_of(content) == []


