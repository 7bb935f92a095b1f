"""Shortcuts taken for speed in rendering give what the plain forms gave."""
from __future__ import annotations

import random
import re

from jinja2 import Environment

from dossier.markdown.prose import _EM
from dossier.stages.render import props_view

# The emphasis pattern as first written: what may stand before the star, then the star.
_EM_PLAIN = re.compile(r"(?:\A|(?<=[ \n(\"]))\*([^\W_](?:[^*\[\]\n]*[^\W_])?)\*(?=\Z|[ \n.,;:!?)\"'\[])")


def _matches(pattern, text, pos, end):
    return [(m.span(), m.group(1)) for m in pattern.finditer(text, pos, end)]


def test_the_emphasis_pattern_matches_as_its_plain_form_does():
    rnd = random.Random(7)
    alphabet = "ab1é *\n(\"'.,;[]_"
    for _ in range(50_000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 16)))
        pos = rnd.randint(0, len(text))
        end = rnd.randint(pos, len(text))
        assert _matches(_EM, text, pos, end) == _matches(_EM_PLAIN, text, pos, end), (text, pos, end)


def test_props_view_reads_as_the_props_dict_does_in_a_template():
    env = Environment()
    template = env.from_string("{% if props.role %}role={{ props.role }}{% endif %}"
                               "{% if props.length_m is defined %} length={{ props.length_m }}{% endif %}"
                               "{% if props.location is string %} at={{ props.location }}{% endif %}"
                               "{% if props.unknown %} unknown{% endif %}")
    for props in ({}, {"role": "Mayor"}, {"length_m": 0}, {"location": "x"}, {"location": "y", "role": ""},
                  {"role": "Envoy", "length_m": 12, "unknown": 1}):
        assert template.render(props=props_view(props)) == template.render(props=props)
