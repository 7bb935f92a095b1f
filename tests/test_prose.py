"""The fast prose parse (dossier/markdown/prose.py) gives exactly markdown-it's tokens, or gives
up: on hand-picked texts, on random texts built from the characters that matter, and on every
Markdown text of the demo content."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from dossier.build import check
from dossier.markdown import MD, attach_marks, render
from dossier.markdown.citations import Notes
from dossier.markdown.prose import prose_html, prose_tokens

ROOT = Path(__file__).resolve().parent.parent


def full_parse(src: str):
    """markdown-it's own parse, bypassing the prose fast path."""
    return MarkdownIt.parse(MD, src, {})


class Site:
    def lookup(self, id_):
        return SimpleNamespace(name=id_.upper() + " & <co>", url=f"x/{id_}.html", kind="person")


def env() -> dict:
    return {"site": Site(), "root": "../", "notes": Notes(Site(), "../")}


def same_as_markdown_it(src: str) -> bool:
    """True when the fast path took the text; fails the test if its tokens or HTML differ."""
    fast = prose_tokens(src)
    html = prose_html(src, env())
    assert (fast is None) == (html is None), src
    if fast is None:
        return False
    full = full_parse(src)
    assert [t.as_dict() for t in fast] == [t.as_dict() for t in full], src
    assert html == MD.renderer.render(full, MD.options, env()), src
    return True


TAKEN = [
    "",
    "\n\n",
    "One line.",
    "Two\nlines.\n",
    "A para.\n\nAnother [[a-b]] para [@src, p. 4].\n\n\n",
    "[[a]] starts, [[b|Shown text]] and [@x; @y, para. 2] end",
    "[@a] leads the line\n[[b]] too\n(brackets) and “quotes” and 'single' and \"double\"",
    "Line ending with a link [[a]]\nand a citation [@b]\nand text.",
    "2024 was a year; 1990s too. 3rd place — 12 km.",
    "Colons: fine, #hash mid-line, + plus, = equals, > greater, - dash | pipe @at {braces} ^caret $ %",
    "Кириллица и 한국어 및 漢字 mixed [[x]].",
    "Spaces  inside   lines are kept",
    "Stop! Really?",
    "## A heading\nright before a paragraph *with* emphasis.\n# Top\n###### Six",
    "*Word* opens a line, (*parenthesised*) and \"*quoted*\" and *two words*; *end*",
    "A paragraph\n## interrupted by a heading [[a]] *em* [@b]",
    "*x* [@s] *y*[@t] [[a]] *z*.",
    # hard-wrapped references: a label or a locator goes on over a line break, an id has one around it
    "The leader [[a|Kim Jong\nUn]] met them [@s, para.\n6].",
    "[[a|Kim\nJong\nUn]] and [@s; @t, p.\n2]\nand [[\nb]] and [[c|C\nc]] [@s, p\n1]",
]

GIVEN_UP = [
    "> quote", "- item", "* item", "+ item", "1. item", "1) item", "    code", " lead",
    "trail ", "a  \nb", "a\\\nb", "_em_", "`code`", "~~del~~", "<b>", "&amp;", "![img](x.png)",
    "[link](http://x)", "[ref]: http://x", "[@a]: x", "a ] b", "a [ b", "[[broken", "a\tb", "a\r\nb",
    "Title\n===", "Title\n---", "a | b\n--|--\n1 | 2", "```\ncode\n```", "***", "a\n  b", " \n",
    "**strong**", "a*b*c", "*a *b* c*", "* item", "*a\nb*", "#no space", "## closed ##", "##  two spaces",
    "*[[a]]*", "[[a]]*b*", "*open only", "*a* *",
    "[[a|Kim\n\nUn]]", "[[a|b]c]]", "[[a\nb]]", "[[a|label\nto the end", "[@s, p.\n\n2]",
    "[[b\n]]", "[[c\n|C]]", "[@s\n, p. 1]",   # a line that starts with ']', '|' or ',': markdown-it reads it
]


@pytest.mark.parametrize("src", TAKEN)
def test_plain_prose_takes_the_fast_path_with_the_same_tokens(src):
    assert same_as_markdown_it(src)


@pytest.mark.parametrize("src", GIVEN_UP)
def test_anything_else_goes_to_markdown_it(src):
    assert prose_tokens(src) is None


PIECES = st.sampled_from([
    "word", "Word", " ", "  ", "\n", "\n\n", "\n ", " \n", "[[a]]", "[[a-b|Shown]]", "[[a|x*y]]",
    "[@s]", "[@s, p. 2]", "[@s; @t]", "[@s;\n@t]", "[[a|Two\nlines]]", "[[a|", "[[\na\n]]", "[@s, p.\n2]",
    "[@s\n", ", p. 2]", "|x\n", "[", "]", "[[", "]]", "[@", "!", "(", ")", "\"", "'",
    "1", "1.", "2)", "#", ">", "-", "*", "_", "`", "~", "<", "&", "\\", ":", "|", "=", "+", "\t",
    "é", "한", "漢", "—", "\u00a0", "\u2028", "*w*", "*Two words*", "## ", "# H", "\n## H\n", ".", ",",
])


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES, max_size=14).map("".join))
def test_random_texts_give_markdown_its_tokens_or_none(src):
    same_as_markdown_it(src)


def markdown_texts(content: Path) -> list[str]:
    d = check(content).resolved.dossier
    texts = []
    for e in d.entities.values():
        texts += [e.summary, e.location and e.location.note, e.props.get("status_note")]
        texts += [f.note for f in e.facts] + [r.note for r in e.relations]
    for s in d.sources.values():
        texts += [s.body, s.meta.get("note")] + [a.note for a in s.annotations]
        texts += s.body.split("\n\n")
    texts += [p.body for p in d.pages.values()]
    return [str(t) for t in texts if t]


@pytest.mark.parametrize("content", ["content", "tests/fixtures/minimal"])
def test_demo_content_takes_the_same_tokens(content):
    texts = markdown_texts(ROOT / content)
    taken = sum(same_as_markdown_it(text) for text in texts)
    assert texts and taken


def test_render_takes_the_fast_path_with_the_same_html_and_notes():
    src = "A \"quoted\" [[a]] and [[b|B, co]] > c\nnext [@s, p. 1] line [@t; @s, p. 1].\n\nSecond [@s]."
    fast_env, full_env = env(), env()
    assert prose_html(src, env()) is not None
    assert render(src, fast_env) == attach_marks(MD.renderer.render(full_parse(src), MD.options, full_env))
    assert fast_env["links"] == full_env["links"] == ["a", "b"]
    assert [(n.number, n.items, n.backrefs) for n in fast_env["notes"].notes] == \
        [(n.number, n.items, n.backrefs) for n in full_env["notes"].notes]
