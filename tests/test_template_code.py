"""Our templates print values through output_escape, which escapes exactly as MarkupSafe's escape
(Jinja's own with autoescape) does, without making a Markup of each value."""
from __future__ import annotations

import pytest
from jinja2 import DictLoader, Environment
from markupsafe import Markup, escape

from dossier.stages.template_code import TemplateEnvironment, output_escape


class Html:
    def __html__(self):
        return "<b>safe</b>"


class NumberAsHtml:
    def __html__(self):
        return 42


@pytest.mark.parametrize("value", ["plain", "<a & 'b' \"c\">", "", Markup("<i>x</i>"), 3, 2.5, None, Html(), NumberAsHtml(), ["<x>"]])
def test_a_value_is_escaped_as_markupsafe_escapes_it(value):
    assert output_escape(value) == str(escape(value))
    assert type(output_escape(value)) in (str, Markup)


TEMPLATES = {
    "page.html": ('{% import "macros.html" as m %}<p title="{{ title }}">{{ text }} {{ html }} {{ n }} {{ text|e }}'
                  '{{ text ~ html }} {{ m.box(text) }} {% set held %}{{ text }}{% endset %}{{ held }}'
                  '{% for x in items %}{{ x }}{% endfor %}{% autoescape false %}{{ text }}{% endautoescape %}'
                  '{% autoescape flag %}{{ text }}{% endautoescape %}</p>'),
    "macros.html": '{% macro box(v) %}<div>{{ v }}</div>{% endmacro %}',
}


@pytest.mark.parametrize("flag", [True, False])
@pytest.mark.parametrize("finalize", [None, lambda value: "" if value is None else value])
def test_a_template_prints_what_jinja_itself_prints(flag, finalize):
    context = dict(title='"quoted" & <tag>', text="<script>x</script>", html=Markup("<em>ok</em>"), n=7,
                   items=["a<b", Markup("<br>"), None], flag=flag)
    ours = TemplateEnvironment(loader=DictLoader(TEMPLATES), autoescape=True, finalize=finalize)
    jinjas = Environment(loader=DictLoader(TEMPLATES), autoescape=True, finalize=finalize)
    assert ours.get_template("page.html").render(context) == jinjas.get_template("page.html").render(context)
    assert "<script>x</script>" in ours.get_template("page.html").render(context)   # autoescape false is kept


def test_the_templates_compile_to_code_that_calls_output_escape():
    # A Jinja upgrade that no longer asks the generator would be slower, not wrong: this says so.
    ours = TemplateEnvironment(loader=DictLoader(TEMPLATES), autoescape=True)
    code = ours.compile(TEMPLATES["page.html"], raw=True)
    assert "environment.output_escape(" in code
    assert "escape(" not in code.replace("environment.output_escape(", "")
