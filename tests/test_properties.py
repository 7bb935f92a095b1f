"""Property-based tests (hypothesis) on the parts that read untrusted text: the YAML loader, the
Markdown plugins ([[...]], [@...]), annotation anchoring and the post-build scan. Whatever the
text, nothing raises but our diagnostics, no script comes out, and the output is deterministic.

Each property is bounded (max_examples, no per-example deadline) so the file runs in seconds.
"""
from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dossier.build import build
from dossier.diagnostics import Diagnostic, Diagnostics
from dossier.markdown import MD, render, render_inline
from dossier.markdown.anchoring import _attached, find_quote, fold, fold_plain, reader_text
from dossier.markdown.citations import Notes
from dossier.markdown.refs import CITATION, WIKILINK, mask_code, scan
from dossier.stages.load import read_text, split_front_matter
from dossier.stages.verify import check_link, scan_page
from dossier.yamlload import compose

from hostile.harness import FIXTURES, page_problems, tally

BOUNDED = settings(max_examples=200, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True, scope="module")
def _tally(request):
    yield tally(request.config)


# --- strategies ----------------------------------------------------------------------------------

YAML_PIECES = ["name", "title", ":", ": ", "- ", "-", "[", "]", "{", "}", ",", "&a ", "*a", "!!python/object:os.system ",
               "!x ", "!!str ", "? ", "|", ">", "'", '"', "#", "%YAML 1.1", "---", "...", "\n", "\n  ", "\t", "  ",
               "yes", "no", "~", "null", "2025-13-01", "0x10", "1e3", ".nan", "<<", "@", "`", "\\", "\ufeff", "é",
               "\x07", "\x85", "\u2028", "a", "b", "1"]
yaml_like = st.lists(st.sampled_from(YAML_PIECES), max_size=40).map("".join)
any_text = st.text(max_size=300)

MD_PIECES = ["[[", "]]", "[@", "@", "|", ";", ",", "[", "]", "(", ")", "<", ">", "!", "`", "```", "~~~", "*", "_",
             "\\", "\n", "\n\n", " ", "  ", "> ", "- ", "# ", "&", "&#106;", "&lt;", "&#x09;", ":", "#", "\"", "'",
             "putin", "news", "wiki", "nobody", "p. 4", "javascript:alert(1)", "JaVaScRiPt:x", "vbscript:x",
             "data:text/html,x", "java\tscript:x", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
             "<svg onload=x>", "<iframe>", "onclick=x", "https://ok.example/", "mailto:a@b.c", "x.html", "{{ x }}",
             "{% y %}", "é", "ü", "\u00a0", "a", "b"]
markdown_like = st.lists(st.sampled_from(MD_PIECES), max_size=60).map("".join)


@dataclass
class Target:
    id: str
    name: str
    url: str
    kind: str


class FakeSite:
    """A small site index: two entities with hostile names, a source, a page."""
    targets = {"putin": Target("putin", "Vladimir <script>alert(1)</script> Putin", "people/putin.html", "person"),
               "news": Target("news", "The \"News\" <img src=x onerror=alert(1)>", "sources/news.html", "source"),
               "wiki": Target("wiki", "Wiki", "sources/wiki.html", "source"),
               "page": Target("page", "A page", "page.html", "page")}

    def lookup(self, id_):
        return self.targets.get(id_)


def env(root: str = "../") -> dict:
    return {"site": FakeSite(), "root": root, "notes": Notes(FakeSite(), root)}


# Inside a tag (escaped text may say anything): a script, a handler, a dangerous link.
SCRIPT_OUT = re.compile(r"<script|<[a-z][^>]*?\son[a-z]+\s*=|<[a-z][^>]*?(?:href|src)\s*=\s*[\"']?\s*(?:javascript|vbscript|data):",
                        re.I)


def assert_harmless(html: str) -> None:
    assert not SCRIPT_OUT.search(html), html
    assert page_problems(html) == [], html


# --- the YAML loader ------------------------------------------------------------------------------

KNOWN_CODES = {"yaml-syntax", "yaml-depth", "yaml-size", "yaml-alias", "yaml-tag", "yaml-key", "duplicate-key",
               "encoding"}


def check_yaml(text: str) -> None:
    diags = Diagnostics()
    node = compose(text, "x.yaml", diags)
    for d in diags.items:
        assert isinstance(d, Diagnostic) and d.code in KNOWN_CODES | {"yaml-comment"}, d
        assert d.severity == ("warning" if d.code == "yaml-comment" else "error"), d
        assert d.path == "x.yaml" and d.line >= 1 and d.col >= 1 and "\n" not in d.message, d
        if d.code == "yaml-comment":   # at the '#' that cuts a value short
            assert text.split("\n")[d.line - 1][d.col - 1] == "#", d
    if [d for d in diags.items if d.severity == "error"]:
        assert node is None


@BOUNDED
@given(text=yaml_like)
def test_the_yaml_loader_only_ever_reports_diagnostics_on_yaml_like_text(text, _tally):
    _tally.add("property examples")
    check_yaml(text)


@BOUNDED
@given(text=any_text)
def test_the_yaml_loader_only_ever_reports_diagnostics_on_any_text(text, _tally):
    _tally.add("property examples")
    check_yaml(text)


@settings(max_examples=100, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=200) | yaml_like.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_reading_any_bytes_as_a_content_file_gives_text_or_a_diagnostic(data, _tally):
    _tally.add("property examples")
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("x.yaml", "x.md"):
            path = Path(tmp) / name
            path.write_bytes(data)
            diags = Diagnostics()
            text = read_text(path, name, diags)
            assert (text is None) == bool(diags.errors)
            if text is None:
                continue
            assert "\r" not in text
            if name == "x.md":
                split = split_front_matter(text, name, diags)
                if split:
                    check_yaml(split[0])
            else:
                check_yaml(text)


# --- Markdown and our plugins ----------------------------------------------------------------------

@BOUNDED
@given(text=markdown_like)
def test_markdown_with_our_syntax_never_raises_nor_outputs_script(text, _tally):
    _tally.add("property examples")
    html = render(text, env())
    assert_harmless(html)
    assert_harmless(render_inline(text, env()))
    assert render(text, env()) == html   # deterministic


@BOUNDED
@given(text=any_text)
def test_markdown_of_any_text_never_raises_nor_outputs_script(text, _tally):
    _tally.add("property examples")
    html = render(text, env("")) + render_inline(text, env(""))
    assert_harmless(html)


@BOUNDED
@given(text=markdown_like)
def test_references_are_read_without_backtracking_and_never_inside_code(text, _tally):
    _tally.add("property examples")
    found = list(scan(text))
    masked = mask_code(text)
    assert len(masked) == len(text) and masked.count("\n") == text.count("\n")
    for offset, kind, ref, _ in found:
        assert 0 <= offset < len(text)
        assert masked[offset] == "[" or masked[offset - 1] == "["
    for m in CITATION.finditer(text):
        assert m.group(0).startswith("[@") and m.group(0).endswith("]")
    for m in WIKILINK.finditer(text):
        assert m.group(0).startswith("[[") and m.group(0).endswith("]]")


# Pieces around code: fences at every indentation, in quotes, with info strings; references.
FENCED_PIECES = ["```", "~~~", "````", "```a`b", "```py", "\n", "\n\n", " ", "    ", "   ", "> ", ">", "`", "x",
                 "[[a]]", "[[b|B]]", "[@s]", "[@s, p. 2]", "- ", "1. ", "\\",
                 "[[c|wrapped\n", "[@t, p.\n", "]]", "]", "[[d\n"]
fenced_like = st.lists(st.sampled_from(FENCED_PIECES), max_size=40).map("".join)


def rendered_references(tokens) -> set[str]:
    found = set()
    for token in tokens:
        for child in token.children or ():
            if child.type == "wikilink":
                found.add(child.meta["id"])
            elif child.type == "citation":
                found.update(key for key, _ in child.meta["items"])
    return found


@BOUNDED
@given(text=fenced_like)
def test_every_reference_markdown_renders_is_one_the_check_reads(text, _tally):
    # The check reads references with scan(); a page renders what markdown-it parses. A reference
    # rendered but not read would reach the build unchecked (it then stops, never publishes it).
    _tally.add("property examples")
    read = {ref for _, _, ref, _ in scan(text)}
    assert rendered_references(MD.parse(text, {})) <= read, text


# --- annotation anchoring -------------------------------------------------------------------------

spaced_text = st.lists(st.sampled_from(["a", "b", "c", " ", "  ", "\n", "\t", "\u00a0", "‘", "’", "“", "”", "'", "\"",
                                        "`", "é", "e\u0301", "x", "yz", ".", ","]), max_size=80).map("".join)


@BOUNDED
@given(text=spaced_text, data=st.data())
def test_a_quote_of_whole_letters_taken_from_the_text_is_always_found_where_it_is(text, data, _tally):
    _tally.add("property examples")
    folded = fold(text)
    i = data.draw(st.integers(0, len(text)))
    j = data.draw(st.integers(i, len(text)))
    quote = text[i:j]
    matches = find_quote(folded, quote, None, None)
    if not fold_plain(quote):
        assert matches == []
        return
    # a quote that cuts a letter from its accent may still be found elsewhere, whole
    if not (_attached(text[i]) or j < len(text) and _attached(text[j])):
        assert matches, (text, quote)
    for m in matches:
        assert 0 <= m.start < m.end <= len(text)
        assert fold_plain(text[m.start:m.end]) == fold_plain(quote)
        assert not _attached(text[m.start]) and (m.end == len(text) or not _attached(text[m.end])), (text, quote, m)


@BOUNDED
@given(text=any_text, quote=any_text, prefix=st.one_of(st.none(), any_text), suffix=st.one_of(st.none(), any_text))
def test_anchoring_never_raises(text, quote, prefix, suffix, _tally):
    _tally.add("property examples")
    for m in find_quote(fold(text), quote, prefix, suffix):
        assert 0 <= m.start <= m.end <= len(text)


@BOUNDED
@given(text=markdown_like)
def test_the_readers_text_of_any_markdown_can_be_anchored(text, _tally):
    _tally.add("property examples")
    reader = reader_text(MD.parse(text, {}))
    folded = fold(reader.text)
    for seg in reader.segments[:5]:
        if fold_plain(seg.text):
            assert find_quote(folded, seg.text, None, None)


# --- the post-build scan --------------------------------------------------------------------------

html_like = st.lists(st.sampled_from(["<", ">", "/", "a", "img", "script", " ", "=", "\"", "'", "href", "src",
                                      "onclick", "javascript:", "&#106;", "x", "\n", "<!--", "-->", "svg", "style"]),
                     max_size=60).map("".join)


@BOUNDED
@given(html=html_like | any_text)
def test_the_scan_never_raises_and_refuses_what_the_tests_own_checker_finds(html, _tally):
    _tally.add("property examples")
    scan = scan_page(html)
    findings = scan.problems + [p for url, what in scan.links
                                if (p := check_link("index.html", url, what, {"index.html"}, lambda _: scan.ids))]
    if page_problems(html):
        assert findings, f"the scan let through {html!r}: {page_problems(html)}"


# --- a whole build, twice ------------------------------------------------------------------------

def test_hostile_content_builds_to_the_same_bytes_twice(tmp_path, monkeypatch, _tally):
    from hostile.harness import all_cases
    content = tmp_path / "content"
    shutil.copytree(FIXTURES / "minimal", content)
    for case in all_cases():
        if not case.errors and not case.import_html and (case.folder / "content").is_dir():
            shutil.copytree(case.folder / "content", content, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    sites = []
    for n in (1, 2):
        site = tmp_path / f"site{n}"
        result = build(content, site, use_cache=False)
        assert not result.diagnostics.errors, [d.text() for d in result.diagnostics.errors]
        sites.append({p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()})
    _tally.add("property examples")
    assert sites[0].keys() == sites[1].keys()
    assert [k for k in sites[0] if sites[0][k] != sites[1][k]] == []


# --- the data scripts the pages load ----------------------------------------------------------------

JS_TERMINATORS = "\n\r\u2028\u2029"


def js_single_quoted(literal: str) -> str:
    """Decode a JavaScript '...' string body, allowing only the escapes \\\\ and \\' (anything
    else would mean the text reached JavaScript's own escape handling)."""
    out, i = [], 0
    while i < len(literal):
        ch = literal[i]
        assert ch != "'" and ch not in JS_TERMINATORS, f"the string would end at {i}: {literal[max(0, i - 20):i + 20]!r}"
        if ch == "\\":
            nxt = literal[i + 1]
            assert nxt in "\\'", f"a JavaScript escape \\{nxt} at {i}"
            out.append(nxt)
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


script_text = st.lists(st.sampled_from(list("ab '\"\\/<>!-\n\r\t\u2028\u2029\x00é")
                                       + ["</script>", "<!--", "fetch(", "import (", ".wasm", "\\u0028"]),
                       max_size=30).map("".join) | st.text(max_size=50)


@BOUNDED
@given(texts=st.lists(script_text, max_size=5))
def test_the_search_index_script_never_leaves_its_string(texts, _tally):
    """data/search-index.js ships the index as JSON inside a JavaScript string literal: whatever
    the content, the literal holds, no line ends in it, and JSON.parse gives the data back."""
    import json

    from dossier.features.search import script
    _tally.add("property examples")
    data = {"docs": [{"title": t, "text": t[::-1]} for t in texts]}
    code = script(data)
    prefix, suffix = "window.DOSSIER_SEARCH = JSON.parse('", "');\n"
    assert code.startswith(prefix) and code.endswith(suffix)
    body = code[len(prefix):-len(suffix)]
    assert "</script" not in body.lower() and "<!--" not in body
    assert json.loads(js_single_quoted(body)) == data
