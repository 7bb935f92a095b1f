"""Markdown for content: markdown-it-py's safe ``js-default`` preset plus our plugins.

Raw HTML is shown as text, only http, https, mailto and relative links are kept, and a remote
image becomes a link (the site never loads anything from the network).
"""
from __future__ import annotations

import re
from html import escape

from markdown_it import MarkdownIt

from .citations import citations_plugin
from .decorate import render_decorated
from .links import wikilinks_plugin

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_SAFE_SCHEMES = {"http", "https", "mailto"}


def safe_url(url: str) -> bool:
    """http, https, mailto, or a relative link that stays on the site (not //host, not /root)."""
    # Browsers ignore tabs and newlines inside URLs and trim control characters: so do we.
    cleaned = re.sub(r"[\x00-\x20\x7f]+", "", url)
    m = _SCHEME.match(cleaned)
    if m:
        return m.group(1).lower() in _SAFE_SCHEMES
    return not cleaned.startswith(("/", "\\"))


def _render_image(self, tokens, idx, options, env):
    token = tokens[idx]
    src = token.attrGet("src") or ""
    alt = self.renderInlineAsText(token.children or [], options, env)
    if _SCHEME.match(src):  # never load from the network: link to the remote image instead
        return f'<a class="remote-image" href="{escape(src)}">{escape(alt or src)}</a>'
    return self.image(tokens, idx, options, env)


def _render_link_open(self, tokens, idx, options, env):
    token = tokens[idx]
    href = token.attrGet("href") or ""
    if _SCHEME.match(href) and not href.startswith("mailto:"):
        token.attrSet("rel", "noopener noreferrer")
        token.attrSet("class", "external")
    return self.renderToken(tokens, idx, options, env)


def make_markdown() -> MarkdownIt:
    md = MarkdownIt("js-default", {"maxNesting": 40})
    md.validateLink = safe_url
    md.use(wikilinks_plugin).use(citations_plugin)
    md.add_render_rule("image", _render_image)
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("decorated", render_decorated)
    return md


MD = make_markdown()


def render(text: str, env: dict) -> str:
    return MD.render(text or "", env)


def render_inline(text: str, env: dict) -> str:
    return MD.renderInline(text or "", env)
