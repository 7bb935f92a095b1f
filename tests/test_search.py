"""Search: terms, documents, the index built in Python in MiniSearch's format, and search.js.

The tests marked "in Node" run the shipped JavaScript (templates/assets/search.js and the vendored
MiniSearch) in Node, which this machine has; without node they are skipped. The built site is
also searched in Chromium by tests/browser/test_site_in_browser.py.
"""
from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dossier.build import check
from dossier.features import search
from dossier.features.search import Doc, build_index, fold, index_terms, payload, script, tokenize
from dossier.markdown.refs import CITATION

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "minimal"
CONTENT = ROOT / "content"
ASSETS = ROOT / "templates" / "assets"
SEARCH_JS = ASSETS / "search.js"
MINISEARCH_JS = ASSETS / "vendor" / "minisearch.js"
NODE = shutil.which("node")
in_node = pytest.mark.skipif(NODE is None, reason="node is not installed")

# What offline checkers (shared/tools/check-offline-site) take for JavaScript that needs a server.
SERVER_ONLY = [re.compile(r"\bfetch\s*\("), re.compile(r"\bXMLHttpRequest\b"), re.compile(r"\bimport\s*\("),
               re.compile(r"\.wasm\b")]


@pytest.fixture(scope="module")
def fixture_res():
    result = check(FIXTURE)
    assert result.resolved is not None, result.diagnostics
    return result.resolved


@pytest.fixture(scope="module")
def demo_res():
    if not (CONTENT / "dossier.yaml").is_file():
        pytest.skip("no demo content")
    result = check(CONTENT)
    assert result.resolved is not None
    return result.resolved


def index_script(res) -> str:
    (path, data), = list(search.files(res))
    assert path == "data/search-index.js"
    return data.decode("utf-8")


def decode(text: str) -> dict:
    """The value data/search-index.js sets, read without a JavaScript engine."""
    m = re.fullmatch(r"window\.DOSSIER_SEARCH = JSON\.parse\('(.*)'\);\n", text, re.S)
    assert m, text[:200]
    return json.loads(re.sub(r"\\(.)", r"\1", m.group(1)))  # the literal escapes only \ and '


# JavaScript run before each Node program: MiniSearch, DossierSearch, `input` (from stdin),
# `index(scriptText)` to load a data/search-index.js, and `print(value)` to answer in JSON.
NODE_PRELUDE = r"""
const fs = require('fs');
const input = JSON.parse(fs.readFileSync(0, 'utf8'));
const MiniSearch = require(input.minisearchJs);
require(input.searchJs);
function index(text) {
  const context = { window: {}, JSON: JSON };
  require('vm').runInNewContext(text, context);
  return DossierSearch.load(context.window.DOSSIER_SEARCH, MiniSearch);
}
function found(idx, query) {
  return DossierSearch.search(idx, query).results.map(r => r.id);
}
function print(value) { process.stdout.write(JSON.stringify(value)); }
"""


def node(program: str, **data):
    data.update(minisearchJs=str(MINISEARCH_JS), searchJs=str(SEARCH_JS))
    proc = subprocess.run([NODE, "-e", NODE_PRELUDE + program], input=json.dumps(data), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def doc(url, kind="person", **fields) -> Doc:
    """A document with the given fields (name, alias, title, about, text)."""
    return Doc(url=url, kind=kind, title=fields.get("name") or fields.get("title") or url,
               fields=fields, snippet=search.snippet(fields.get("about") or fields.get("text") or ""))


# --- terms -------------------------------------------------------------------------------------

# Texts that tokenizers get wrong: folding, scripts without spaces, Hangul, compatibility forms.
TRICKY = ["The bridge of the Tumen", "Vladimir Putin", "Владимир Владимирович ПУТИН", "블라디미르 푸틴", "Tŭmangang", "ﬁle ① Ⅻ",
          unicodedata.normalize("NFD", "Tŭmangang 두만강"), "圖們江大橋 2025年4月", "トウモンコウ", "𠀀𠀁 x",
          "İstanbul ΟΔΟΣ ß", "Kim's road_bridge (2024-06-19)", "Ji'an O’Brien x＇y 'q' 북'러 a'b'c Ji‘an's I'll we’re rock'n'roll", "हिन्दी العربية עברית", "ㄱㄴ ᄀ", "ǅemal"]


def test_case_and_accents_are_folded():
    assert fold("Tŭmangang") == fold("TUMANGANG") == "tumangang"
    assert fold("Ñandú Ærø Ståle Čečen") == "nandu ærø stale cecen"  # letters, not marks, stay
    assert fold("ﬁle ①") == "file 1"                                   # compatibility forms
    assert tokenize("Tŭmangang") == tokenize("tumangang") == ["tumangang"]
    assert tokenize(unicodedata.normalize("NFD", "Tŭmangang")) == ["tumangang"]


def test_cyrillic_is_folded_to_lower_case():
    assert tokenize("Владимир Владимирович Путин") == ["владимир", "владимирович", "путин"]
    assert tokenize("ПУТИН") == tokenize("Путин") == tokenize("путин") == ["путин"]
    assert tokenize("Ёлка") == ["елка"]


def test_hangul_stays_in_syllables_one_word_a_term():
    assert tokenize("블라디미르 푸틴") == ["블라디미르", "푸틴"]
    assert tokenize(unicodedata.normalize("NFD", "블라디미르 푸틴")) == ["블라디미르", "푸틴"]  # jamo
    assert tokenize("러 \"북러 잇는 두만강 자동차 다리 착공\"…") == ["러", "북러", "잇는", "두만강", "자동차", "다리", "착공"]


def test_hangul_words_are_indexed_with_their_suffixes():
    # so that "강" (river) finds "두만강" (the Tumen river), and prefix search any part of a word
    assert index_terms("두만강") == ("두만강", "만강", "강")
    assert index_terms("푸틴") == ("푸틴", "틴")
    assert index_terms("putin") == ("putin",)
    assert index_terms("가" * (search.HANGUL_SUFFIX_MAX + 1)) == ("가" * (search.HANGUL_SUFFIX_MAX + 1),)


def test_han_and_kana_are_split_into_bigrams():
    assert tokenize("圖們江大橋") == ["圖們", "們江", "江大", "大橋", "橋"]
    assert tokenize("2025年4月") == ["2025", "年", "4", "月"]
    assert tokenize("トウモンコウ") == ["トウ", "ウモ", "モン", "ンコ", "コウ", "ウ"]


def test_words_are_split_on_anything_but_letters_and_digits():
    assert tokenize("Tumen–Namyang road_bridge (2024-06-19)") == [
        "tumen", "namyang", "road", "bridge", "2024", "06", "19"]
    assert tokenize("") == tokenize(" — ") == []


def test_a_word_with_apostrophes_is_also_a_term_without_them():
    assert tokenize("Ji'an and O’Brien") == ["ji", "an", "and", "o", "brien", "jian", "obrien"]
    assert tokenize("Ji‘an＇s 'quoted'") == ["ji", "an", "s", "quoted", "jian"]   # ‘ and a fullwidth ' too
    assert tokenize("북'러") == ["북", "러"]                                        # not in Hangul, Han or kana


def test_a_contraction_joins_nothing():
    assert tokenize("I'll Kim's we're can't") == ["i", "ll", "kim", "s", "we", "re", "can", "t"]


def _words_reference(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", fold(text))


def test_the_fast_split_finds_what_the_regular_expression_finds_for_every_character():
    text = "".join(f"{chr(i)} x{chr(i)}y{chr(i)}{chr(i)}z " for i in range(0x10000))
    assert search._spaced(text).split() == _words_reference(text)


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=40) | st.lists(st.sampled_from(TRICKY + list(" -–_'.\n\u00a0\u3000ﬁŭ①Ⅻς’—“…«\u0301\u0338=\u0bc6\u0bbe가")), max_size=12).map("".join))
def test_the_fast_split_finds_what_the_regular_expression_finds(text):
    assert search._spaced(text).split() == _words_reference(text)


# --- documents ---------------------------------------------------------------------------------

def test_markdown_becomes_the_text_a_reader_sees(fixture_res):
    text = search.plain("Ada leads [[ruritania]] and signed the [[bridge-treaty|treaty]] [@daily-news, p. 2].",
                        fixture_res.site)
    assert text == "Ada leads Ruritania and signed the treaty ."
    assert search.snippet(text) == "Ada leads Ruritania and signed the treaty."


def test_a_citation_across_a_line_break_is_left_out_as_the_page_leaves_it_out():
    text = search.plain("Khasan lies on the border [@wiki-friendship-bridge;\n@wiki-kraskino, p. 2]. Not [@ a note].")
    assert text == "Khasan lies on the border . Not [@ a note]."


def test_snippets_are_cut_at_a_word_boundary():
    text = " ".join(["word"] * 100)
    cut = search.snippet(text)
    assert len(cut) <= search.SNIPPET + 1 and cut.endswith("word…")


# The first, plainer versions of plain() and snippet(): the faster ones must give the same text.
def plain_reference(markdown: str) -> str:
    text = CITATION.sub("", markdown)   # what the pages render as a citation
    text = re.sub(r"\[\[([^\[\]|\n]+)(?:\|([^\[\]\n]+))?\]\]",
                  lambda m: m.group(2).strip() if m.group(2) else m.group(1).strip(), text)
    text = re.sub(r"!?\[([^\[\]\n]*)\]\([^()\n]*\)", lambda m: m.group(1), text)
    return re.sub(r"(^|\n)\s{0,3}(#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)|[*_`~]+|\\(?=[^\w\s])",
                  lambda m: m.group(1) or "", text)


def snippet_reference(text: str, limit: int = search.SNIPPET) -> str:
    text = re.sub(r"\s+([,.;:!?)\]])", r"\1", " ".join(text.split()))
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", limit * 3 // 4, limit)
    return text[:cut if cut > 0 else limit].rstrip(" ,;:") + "…"


MARKDOWN_BITS = st.sampled_from(["word", " ", "  ", "\n", "\n\n", "\t", "\u00a0", "\u2028", "#", "## ", "> ", "- ",
                                 "* ", "+ ", "1. ", "12) ", "*", "_", "`", "~", "\\", "\\*", "[[a]]", "[[a|B c]]",
                                 "[@s, p. 2]", "[@s;\n@t]", "[x](http://y)", "![alt](i.png)", "[", "]", "(", ")", ",", ".", ";",
                                 "é", "한국", "漢字"])


@settings(max_examples=2000, deadline=None)
@given(st.lists(MARKDOWN_BITS, max_size=30).map("".join))
def test_plain_text_is_what_the_reference_regexes_give(markdown):
    assert search.plain(markdown) == plain_reference(markdown)


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(["w", "word", "a-long-word", " ", "  ", "\n", "\t", "\u3000", ",", " ,", ".", " )"]),
                max_size=400).map("".join), st.sampled_from([4, 20, search.SNIPPET]))
def test_snippets_only_read_as_much_text_as_they_need(text, limit):
    assert search.snippet(text, limit) == snippet_reference(text, limit)


def test_every_entity_source_and_page_is_a_document(fixture_res):
    d = fixture_res.dossier
    docs = {x.url: x for x in search.documents(fixture_res)}
    assert set(docs) == ({e.url for e in d.entities.values()} | {s.url for s in d.sources.values()}
                         | {p.url for p in d.pages.values()})
    ada = docs["people/ada-example.html"]
    assert (ada.kind, ada.title) == ("person", "Ada Example")
    assert ada.fields["name"] == "Ada Example"
    assert set(ada.fields["alias"].split("\n")) == {"Ада Пример", "에이다", "Ada E."}
    assert "Ruritania" in ada.fields["about"] and "Born: 1970" in ada.fields["about"]
    news = docs["sources/daily-news.html"]
    assert news.kind == "source" and news.fields["title"] == "Bridge ‘news’ of the day"
    assert "It was 2024" in news.fields["about"]     # annotations are searchable
    assert "Daily News" in news.fields["about"]
    assert docs["overview.html"].kind == "page"
    assert all(not url.startswith(("/", "..")) for url in docs)  # relative to the site root


def test_an_entitys_tags_are_searchable(content):
    person = content.root / "entities/people/ada-example.yaml"
    person.write_text(person.read_text(encoding="utf-8") + "tags: [bridges, treaty law]\n", encoding="utf-8")
    result = check(content.root)
    assert not result.diagnostics.errors
    ada = {x.url: x for x in search.documents(result.resolved)}["people/ada-example.html"]
    assert ada.fields["about"].endswith("bridges treaty law")


# --- the index ----------------------------------------------------------------------------------

def test_index_is_in_minisearch_format():
    docs = [doc("people/putin.html", name="Vladimir Putin", alias="Путин\n푸틴", about="President of Russia."),
            doc("sources/a.html", kind="source", title="Putin in Pyongyang", text="Putin met Kim. Putin left.")]
    ix = build_index(docs)
    assert ix["serializationVersion"] == 2
    assert ix["documentCount"] == ix["nextId"] == 2
    assert ix["documentIds"] == {"0": "people/putin.html", "1": "sources/a.html"}
    assert ix["fieldIds"] == {"name": 0, "alias": 1, "title": 2, "about": 3, "text": 4}
    postings = dict(ix["index"])
    assert postings["putin"] == {"0": {"0": 1}, "2": {"1": 1}, "4": {"1": 2}}
    assert postings["путин"] == {"1": {"0": 1}}
    assert postings["틴"] == {"1": {"0": 1}}  # the suffix of 푸틴
    assert ix["fieldLength"] == {"0": [2, 2, None, 3], "1": [None, None, 3, None, 4]}  # distinct terms
    assert ix["storedFields"]["0"] == {"k": "person", "t": "Vladimir Putin", "s": "President of Russia."}
    assert [term for term, _ in ix["index"]] == sorted(postings)


def index_reference(docs: list[Doc]) -> dict:
    """The index as MiniSearch's ``add`` builds it, one token at a time, in Python values."""
    postings = [{} for _ in search.FIELDS]
    field_length, average = {}, [None] * len(search.FIELDS)
    for i, d in enumerate(docs):
        lengths = []
        for f, name in enumerate(search.FIELDS):
            if not d.fields.get(name):
                continue
            tokens = tokenize(d.fields[name])
            lengths += [None] * (f + 1 - len(lengths))
            lengths[f] = len(set(tokens))
            average[f] = ((average[f] or 0) * i + lengths[f]) / (i + 1)
            for token in tokens:
                for term in () if token in search.STOP_WORDS else index_terms(token):
                    by_doc = postings[f].setdefault(term, {})
                    by_doc[str(i)] = by_doc.get(str(i), 0) + 1
        if lengths:
            field_length[str(i)] = lengths
    while average and average[-1] is None:
        average.pop()
    return {"documentCount": len(docs), "nextId": len(docs), "documentIds": {str(i): d.url for i, d in enumerate(docs)},
            "fieldIds": {name: f for f, name in enumerate(search.FIELDS)}, "fieldLength": field_length,
            "averageFieldLength": [None if a is None else int(a) if a == int(a) else a for a in average],
            "storedFields": {str(i): {k: v for k, v in zip(search.STORE, (d.kind, d.title, d.aliases, d.snippet)) if v}
                             for i, d in enumerate(docs)},
            "dirtCount": 0, "serializationVersion": 2,
            "index": [[term, {str(f): p[term] for f, p in enumerate(postings) if term in p}]
                      for term in sorted(set().union(*postings))]}


FIELD_TEXT = st.lists(st.sampled_from(["the", "The", "of", "bridge", "Bridge", "Мост", "и", "두만강", "강", "만강", "圖們江",
                                       "江", "Tŭmen", "x1", " ", "\n", ", ", "–", "_", "'s", "</"]), max_size=20).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(search.FIELDS), FIELD_TEXT | st.text(max_size=20)), max_size=12))
def test_the_index_is_what_adding_one_token_at_a_time_gives(fields):
    docs = [doc(f"d{i}.html", **f) for i, f in enumerate(fields)]
    index = json.loads(search.index_json(docs))   # keeps the order of the JSON text
    assert index == index_reference(docs)
    for _, by_field in index["index"]:             # fields, then documents, in order, as MiniSearch writes them
        assert list(by_field) == sorted(by_field, key=int)
        assert all(list(by_doc) == sorted(by_doc, key=int) for by_doc in by_field.values())


def test_the_same_content_gives_the_same_bytes(fixture_res):
    first = index_script(fixture_res)
    entities = fixture_res.dossier.entities
    fixture_res.dossier.entities = dict(reversed(list(entities.items())))
    try:
        assert index_script(fixture_res) == first
    finally:
        fixture_res.dossier.entities = entities
    assert index_script(check(FIXTURE).resolved) == first


def test_the_index_is_a_script_that_sets_a_global_and_never_closes_a_script_element(fixture_res):
    text = index_script(fixture_res)
    assert text.startswith("window.DOSSIER_SEARCH = JSON.parse('") and text.endswith("');\n")
    # the fixture's page has "<script>alert(1)</script>" as text
    assert "</" not in text and "<!--" not in text
    assert r"<\\/script>" in text
    data = decode(text)
    assert data == payload(search.documents(fixture_res))
    assert any("</script>" in value.get("s", "") for value in data["index"]["storedFields"].values())


def test_the_index_written_in_pieces_is_the_index_written_whole(fixture_res):
    pieces = []
    search.write_index_script(fixture_res, pieces.append)
    assert b"".join(pieces).decode("utf-8") == index_script(fixture_res) == search.index_script(fixture_res)
    assert index_script(fixture_res) == script(search.payload_json(search.documents(fixture_res)))


# Every text that the script escapes, in stored fields, in indexed text and at the edges of both.
ESCAPED = ["</script>", "<!-- x -->", "a\u2028b\u2029", "fetch (url)", "fetch(", "import('x')", "XMLHttpRequest",
           "x.wasm", "it's", "back\\slash", "\\'", "<", "/"]


def test_json_escaped_a_part_at_a_time_is_the_json_escaped_whole(monkeypatch, demo_res):
    docs = [doc(f"d{i}.html", kind="page", title=text, text=text, about=" ".join(ESCAPED)) for i, text in enumerate(ESCAPED)]
    docs += search.documents(demo_res)
    whole = script(search.payload_json(docs))
    monkeypatch.setattr(search, "_SCRIPT_PART", 1)   # each piece of JSON escaped alone
    parts = list(search._script_pieces(search._payload_pieces(search.Index(docs))))
    assert len(parts) > 1000
    assert "".join(parts) == whole
    assert not any(p.search(whole) for p in SERVER_ONLY) and "</" not in whole


def test_text_that_looks_like_a_network_call_is_escaped():
    data = {"s": "use fetch (url) or import('x') or XMLHttpRequest for a.wasm </script> \u2028 it's \\"}
    text = script(data)
    assert not any(p.search(text) for p in SERVER_ONLY), text
    assert "\u2028" not in text
    assert decode(text) == data


def test_shipped_javascript_needs_no_server():
    for path in (SEARCH_JS, MINISEARCH_JS):
        text = path.read_text(encoding="utf-8")
        assert not any(p.search(text) for p in SERVER_ONLY), path
        assert "eval(" not in text and "new Function" not in text and "innerHTML" not in text, path
        assert not re.search(r"^\s*(import|export)\s", text, re.M), path
    assert "textContent" in SEARCH_JS.read_text(encoding="utf-8")


def test_vendored_minisearch_is_upstream_with_the_documented_changes():
    text = MINISEARCH_JS.read_text(encoding="utf-8")
    header, sep, body = text.partition("End of dossier header. */\n")
    assert sep and "MiniSearch 7.2.0" in header
    upstream = body.replace("fetch/**/(", "fetch(").replace("fetch\\u0028", "fetch(")
    upstream += "//# sourceMappingURL=index.js.map\n"
    digest = hashlib.sha256(upstream.encode("utf-8")).hexdigest()
    assert digest == "03c27931eb603af1d3358579e9885eafdb6a2f5fa9929557b3e77d7e99d06d03"
    assert digest in header
    assert (MINISEARCH_JS.parent / "minisearch.LICENSE.txt").read_text().startswith("Copyright 2022 Luca Ongaro")


# --- in Node: the shipped JavaScript -------------------------------------------------------------

@in_node
def test_search_js_splits_text_exactly_like_search_py():
    spec = payload([])["tokenizer"]
    got = node("const t = DossierSearch.makeTokenizer(input.spec);"
               "print(input.texts.map(s => [t.tokenize(s), [].concat(...t.tokenize(s).map(w => t.indexTerms(w) || []))]));",
               spec=spec, texts=TRICKY)
    want = [[tokenize(s), [t for w in tokenize(s) if w not in search.STOP_WORDS for t in index_terms(w)]]
            for s in TRICKY]
    assert got == want


@in_node
def test_minisearch_builds_the_same_index_from_the_same_documents(fixture_res, demo_res):
    docs = search.documents(demo_res) + search.documents(fixture_res)
    for d in docs[-len(fixture_res.dossier.pages):]:
        d.url = "fixture/" + d.url  # MiniSearch refuses two documents with one id
    docs.append(doc("x.html", kind="page", title="Edge cases", text="\n".join(TRICKY), about="—"))
    data = payload(docs)
    js_docs = [{"id": d.url, **{k: v for k, v in d.fields.items() if v},
                **{k: v for k, v in zip(search.STORE, (d.kind, d.title, d.aliases, d.snippet)) if v}} for d in docs]
    theirs = node("const t = DossierSearch.makeTokenizer(input.data.tokenizer);"
                  "const ms = new MiniSearch(DossierSearch.options(input.data, t));"
                  "ms.addAll(input.docs); print(ms.toJSON());", data=data, docs=js_docs)
    ours = data["index"]
    assert {k: v for k, v in theirs.items() if k != "index"} == {k: v for k, v in ours.items() if k != "index"}
    assert dict(theirs["index"]) == dict(ours["index"])


@in_node
def test_a_name_match_outranks_a_text_match():
    docs = [doc("sources/s.html", kind="source", title="A report", text="The bridge at Khasan opened late."),
            doc("places/khasan.html", kind="place", name="Khasan", about="A settlement in Primorsky Krai."),
            doc("people/k.html", name="Someone", alias="Khasan (nickname)", about="A person.")]
    got = node("print(found(index(input.script), 'khasan'));", script=script(payload(docs)))
    assert got == ["places/khasan.html", "people/k.html", "sources/s.html"]


@in_node
def test_a_name_written_with_an_apostrophe_is_found_without_it():
    docs = [doc("places/jian.html", kind="place", name="Ji'an", about="A city on the Yalu."),
            doc("people/o.html", name="Seán O’Brien", about="A person.")]
    got = node("const i = index(input.script);"
               "print(['jian', \"ji'an\", 'ji an', 'obrien', 'o’brien'].map(q => found(i, q)));",
               script=script(payload(docs)))
    assert got == [["places/jian.html"]] * 3 + [["people/o.html"]] * 2


@in_node
def test_a_title_match_outranks_a_summary_match():
    docs = [doc("people/a.html", name="Ann", about="Wrote about the Tumen bridge."),
            doc("sources/b.html", kind="source", title="The Tumen bridge", text="Text.")]
    got = node("print(found(index(input.script), 'tumen bridge'));", script=script(payload(docs)))
    assert got == ["sources/b.html", "people/a.html"]


@in_node
def test_the_last_word_is_a_prefix_and_every_word_must_match():
    docs = [doc("places/tumangang.html", kind="place", name="Tumangang", about="A district of Rason."),
            doc("places/tumen.html", kind="place", name="Tumen River", about="A river."),
            doc("places/rason.html", kind="place", name="Rason", about="A zone.")]
    got = node("const i = index(input.script);"
               "print(['Tum', 'tumen riv', 'rason tum', 'River Tumen', 'zzz'].map(q => {"
               "  const f = DossierSearch.search(i, q); return [f.results.map(r => r.id).sort(), f.loose]; }));",
               script=script(payload(docs)))
    assert got == [
        [["places/tumangang.html", "places/tumen.html"], False],
        [["places/tumen.html"], False],
        [["places/tumangang.html"], False],
        [["places/tumen.html"], False],
        [[], True],
    ]


def test_stop_words_are_left_out_of_the_index():
    ix = build_index([doc("a.html", kind="page", title="The bridge of the Tumen", text="Мост и река")])
    assert [term for term, _ in ix["index"]] == ["bridge", "tumen", "мост", "река"]
    assert ix["fieldLength"]["0"] == [None, None, 4, None, 3]  # as MiniSearch counts: stop words too


@in_node
def test_stop_words_are_left_out_of_queries():
    docs = [doc("a.html", kind="page", title="The bridge of the Tumen"), doc("b.html", kind="page", title="Theory")]
    got = node("const i = index(input.script);"
               "print(['the bridge', 'bridge of the tumen', 'the', 'theo'].map(q => {"
               "  const f = DossierSearch.search(i, q); return [f.results.map(r => r.id), f.terms, f.common]; }));",
               script=script(payload(docs)))
    assert got == [[["a.html"], ["bridge"], False], [["a.html"], ["bridge", "tumen"], False],
                   [[], [], True], [["b.html"], ["theo"], False]]


@in_node
def test_when_no_document_has_every_word_any_word_will_do():
    docs = [doc("a.html", kind="page", title="Khasan station"), doc("b.html", kind="page", title="Tumangang")]
    got = node("const f = DossierSearch.search(index(input.script), 'khasan tumangang');"
               "print([f.loose, f.results.map(r => r.id).sort()]);", script=script(payload(docs)))
    assert got == [True, ["a.html", "b.html"]]


@in_node
def test_korean_finds_part_of_a_word_and_words_with_endings():
    docs = [doc("places/tumen.html", kind="place", name="Tumen River", alias="두만강"),
            doc("sources/k.html", kind="source", title="푸틴은 평양에 도착했다")]
    got = node("const i = index(input.script); print(['강', '만강', '푸틴', '평양', '도착'].map(q => found(i, q)));",
               script=script(payload(docs)))
    assert got == [["places/tumen.html"], ["places/tumen.html"], ["sources/k.html"], ["sources/k.html"],
                   ["sources/k.html"]]


@in_node
def test_a_korean_word_with_a_particle_finds_the_word():
    docs = [doc("places/tumen.html", kind="place", name="Tumen River", alias="두만강"),
            doc("people/kim.html", kind="person", name="Kim Jong Un", alias="김정은"),
            doc("sources/k.html", kind="source", title="푸틴은 평양에 도착했다")]
    got = node("const i = index(input.script);"
               "print(['두만강을', '김정은이', '평양에서', '두만강의 다리', '김정은', '김정은 두만강을', '국가', '도로'].map(q => {"
               "  const f = DossierSearch.search(i, q); return [f.results.map(r => r.id), f.terms, f.loose]; }));",
               script=script(payload(docs)))
    assert got == [[["places/tumen.html"], ["두만강"], False], [["people/kim.html"], ["김정은"], False],
                   [["sources/k.html"], ["평양"], False], [["places/tumen.html"], ["두만강", "다리"], True],
                   [["people/kim.html"], ["김정은"], False],
                   # a word found as typed keeps its ending; one syllable left is no word to look for
                   [["people/kim.html", "places/tumen.html"], ["김정은", "두만강"], True],
                   [[], ["국가"], True], [[], ["도로"], True]]


@in_node
def test_matches_are_marked_in_the_shown_text():
    spec = payload([])["tokenizer"]
    got = node("const t = DossierSearch.makeTokenizer(input.spec);"
               "print(input.cases.map(([text, matched, query]) =>"
               "  DossierSearch.segments(t, text, new Set(matched), query)));",
               spec=spec, cases=[
                   ["Vladimir Putin's visit", ["putin"], ["putin"]],
                   ["Tŭmangang, Tumen", ["tumangang", "tumen"], ["tum"]],
                   ["신압록강대교 · 두만강", ["강대교", "강"], ["강"]],
                   ["圖們江大橋", ["圖們", "們江", "江大"], ["圖們", "們江", "江"]],
                   ["ﬁle", ["file"], ["file"]],
                   ["no match here", ["putin"], ["putin"]],
               ])
    assert got == [
        [["Vladimir ", False], ["Putin", True], ["'s visit", False]],
        [["Tŭmangang", True], [", ", False], ["Tumen", True]],
        [["신압록", False], ["강", True], ["대교 · 두만", False], ["강", True]],
        [["圖們江", True], ["大橋", False]],
        [["ﬁle", True]],
        [["no match here", False]],
    ]


@in_node
def test_the_shipped_files_find_the_demo_people_in_any_script(demo_res, fixture_res):
    got = node("const demo = index(input.demo), mini = index(input.mini);"
               "print({demo: input.demoQueries.map(q => found(demo, q).slice(0, 3)),"
               "       mini: input.miniQueries.map(q => found(mini, q).slice(0, 3))});",
               demo=index_script(demo_res), mini=index_script(fixture_res),
               demoQueries=["Putin", "путин", "푸틴", "vladimir put"],
               miniQueries=["Ada", "Ада", "에이다", "пример", "ada e"])
    assert all(results[:1] == ["people/vladimir-putin.html"] for results in got["demo"]), got["demo"]
    assert all(results[:1] == ["people/ada-example.html"] for results in got["mini"]), got["mini"]
    tum = node("print(DossierSearch.search(index(input.demo), 'Tum').results.map(r => r.terms));",
               demo=index_script(demo_res))
    assert tum and all(any(t.startswith("tum") for t in terms) for terms in tum)


# --- an index in parts ---------------------------------------------------------------------------

PART_WORDS = ["tumen", "tumangang", "tumbling", "bridge", "bridges", "rail", "road", "river", "khasan", "rason",
              "korea", "kim", "ki", "x", "2024", "1959", "мост", "дружбы", "путин", "путина", "두만강", "철교를",
              "강동", "푸틴은", "圖們江大橋", "大橋", "ゆうびん", "𠀀𠀁", "the", "of"]


def many_docs(count: int, seed: int = 7) -> list[Doc]:
    """Documents enough for an index in parts, of words in every script the tokenizer splits apart."""
    rng = random.Random(seed)
    words = lambda n: " ".join(rng.choice(PART_WORDS) for _ in range(n))   # noqa: E731
    return [doc(f"d/{i}.html", name=words(2), alias=words(1), about=words(12), text=words(rng.randint(0, 30)))
            for i in range(count)]


def parted_files(docs: list[Doc]) -> tuple[str, list[str]]:
    """data/search-index.js and data/search/N.js of these documents, as IndexFiles writes them."""
    index = search.Index(docs, chunks=search.part_count(len(docs)))
    main = "".join(search._script_pieces(search._payload_pieces(index)))
    return main, ["".join(search._script_pieces(search._part_pieces(index, n), search._part_target(n)))
                  for n in range(index.chunks)]


def test_a_large_index_is_written_in_parts_and_a_small_one_whole():
    assert search.part_count(search.WHOLE_MAX) == 0
    assert search.part_count(search.WHOLE_MAX + 1) == -(-(search.WHOLE_MAX + 1) // search.DOCUMENTS_PER_PART)
    js_small = re.search(r"const SMALL = (\d+);", SEARCH_JS.read_text(encoding="utf-8"))
    assert js_small and int(js_small.group(1)) == search.WHOLE_MAX   # search.js's prefix rule holds in parts
    docs = many_docs(search.WHOLE_MAX + 100)
    main, parts = parted_files(docs)
    data = decode(main)
    assert data["parts"] == len(parts) == search.part_count(len(docs)) and data["index"]["index"] == []
    assert data["index"]["documentCount"] == len(docs)
    whole = build_index(docs)
    terms = {}
    for n, text in enumerate(parts):
        m = re.fullmatch(r"\(window\.DOSSIER_SEARCH_PARTS = window\.DOSSIER_SEARCH_PARTS \|\| \{\}\)\[(\d+)\] = "
                         r"JSON\.parse\('(.*)'\);\n", text, re.S)
        assert m and int(m.group(1)) == n
        part = json.loads(re.sub(r"\\(.)", r"\1", m.group(2)))
        assert part["stamp"] == data["stamp"]   # which index the part belongs to
        entries = part["terms"]
        assert [t for t, _ in entries] == sorted(t for t, _ in entries)
        assert all(search.part_of(t, len(parts)) == n for t, _ in entries)
        terms.update(entries)
    assert terms == dict(whole["index"])   # every term once, with the postings of the index whole
    other = decode(parted_files(docs[:-1])[0])
    assert other["stamp"] != data["stamp"]   # a document less: other numbers, another stamp
    assert {k: v for k, v in data["index"].items() if k != "index"} == {k: v for k, v in whole.items() if k != "index"}


@in_node
def test_search_js_puts_each_term_in_the_part_search_py_does():
    terms = sorted({t for w in PART_WORDS + TRICKY for t in tokenize(w)} | {"a", "ab", "abc", "𠀀", "강"})
    got = node("const t = DossierSearch.makeTokenizer(input.spec);"
               "print(input.counts.map(n => input.terms.map(term => DossierSearch.partOf(t, term, n))));",
               spec=search._options()["tokenizer"], terms=terms, counts=[1, 2, 5, 97, 480])
    assert got == [[search.part_of(term, n) for term in terms] for n in [1, 2, 5, 97, 480]]


@in_node
def test_a_query_loads_only_the_parts_of_its_words_and_finds_what_the_whole_index_finds():
    docs = many_docs(search.WHOLE_MAX + 300)
    main, parts = parted_files(docs)
    queries = ["tumen", "tum", "tumen bri", "bridges", "kim", "ki", "x", "2024", "мост", "путин", "пут", "강", "두만",
               "두만강", "철교", "푸틴", "大橋", "圖們", "ゆう", "𠀀", "rason khasan", "road rail river", "the", "zzz",
               "tumenn", "brigde"]
    got = node("""
        const whole = index(input.whole), parted = index(input.main);
        function part(text) {
          const context = { window: {}, JSON: JSON };
          require('vm').runInNewContext(text, context);
          return context.window.DOSSIER_SEARCH_PARTS;
        }
        const shown = f => f.results.map(r => [r.id, Math.round(r.score * 1e6)]);
        print(input.queries.map(q => {
          const needed = DossierSearch.partsNeeded(parted, q);
          needed.forEach(n => { if (!DossierSearch.addPart(parted, n, part(input.parts[n])[n])) throw new Error('refused'); });
          const again = DossierSearch.partsNeeded(parted, q);
          return { q: q, needed: needed, again: again, whole: shown(DossierSearch.search(whole, q)),
                   parted: shown(DossierSearch.search(parted, q)) };
        }));
        """, whole=script(payload(docs)), main=main, parts=parts, queries=queries)
    for answer in got:
        q = answer["q"]
        assert answer["again"] == [], q
        assert len(answer["needed"]) <= len(q.split()) + len(q) // 2, q   # a part per word (a Han pair each)
        assert answer["parted"] == answer["whole"], q
    assert any(a["whole"] for a in got if a["q"] == "tum") and not got[0]["again"]


@in_node
def test_a_part_of_another_build_of_the_index_is_refused():
    docs = many_docs(search.WHOLE_MAX + 10)
    main, _ = parted_files(docs)
    _, rebuilt = parted_files(docs[1:] + docs[:1])   # the same documents under other numbers
    got = node("""
        const idx = index(input.main);
        const context = { window: {}, JSON: JSON };
        require('vm').runInNewContext(input.part, context);
        print([DossierSearch.addPart(idx, 0, context.window.DOSSIER_SEARCH_PARTS[0]), idx.loaded.size,
               DossierSearch.addPart(idx, 0, undefined), DossierSearch.addPart(idx, 0, {stamp: idx.data.stamp})]);
        """, main=main, part=rebuilt[0])
    assert got == [False, 0, False, False]
