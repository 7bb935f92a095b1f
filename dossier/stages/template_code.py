"""The Python code our templates compile to: each value a page prints is escaped without being
made a Markup first.

With autoescape, Jinja compiles ``{{ value }}`` to ``escape(value)``, MarkupSafe's, which returns
a Markup: a new string object made by a Python-level ``__new__`` for every value printed (and a
copy of a Markup already escaped, such as a filter's HTML). The value is then only joined into
the page, where a plain string does as well. That wrapping was a tenth of rendering a page at
10,000 entities. ``output_escape`` escapes exactly as MarkupSafe does (the same function does the
work) and returns the string; Environment.code_generator_class (Jinja's documented way to change
the code a template compiles to) writes it in place of ``escape`` where a value is printed, and
nowhere else: ``|e``, ``~`` and macros' results are Jinja's own, Markup as before.
"""
from __future__ import annotations

from typing import Any

from jinja2 import Environment
from jinja2.compiler import CodeGenerator
from markupsafe import Markup, escape

try:   # the function markupsafe.escape wraps in a Markup (MarkupSafe 3.0 and later)
    from markupsafe import _escape_inner
except ImportError:   # pragma: no cover - another MarkupSafe: the same escape, by its public name
    def _escape_inner(text: str) -> str:
        return str(escape(text))

# Part of the bytecode cache's key (stages/compiled_templates.py): change it when the code written
# here changes, so that no code compiled by an older generator is loaded.
GENERATOR = "dossier output_escape 1"


def output_escape(value: Any) -> str:
    """markupsafe.escape(value), as a plain string: the text escaped, HTML (a Markup, anything with
    __html__) as it is."""
    if type(value) is str:
        return _escape_inner(value)
    if type(value) is Markup:
        return value
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return _escape_inner(str(value))


class _Generator(CodeGenerator):
    def _output_child_pre(self, node, frame, finalize) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile:
            self.write("environment.output_escape(")
            if finalize.src is not None:
                self.write(finalize.src)
        else:
            super()._output_child_pre(node, frame, finalize)


class TemplateEnvironment(Environment):
    """A Jinja environment whose templates print values through output_escape."""

    code_generator_class = _Generator
    output_escape = staticmethod(output_escape)
    generator = GENERATOR   # read by the bytecode cache
