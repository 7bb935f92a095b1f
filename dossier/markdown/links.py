"""markdown-it plugin: ``[[id]]`` and ``[[id|shown text]]`` become links to the target's page."""
from __future__ import annotations

import re
from html import escape

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

from .refs import WIKILINK, fold_breaks


def wikilink_meta(m: re.Match) -> dict:
    """A wikilink token's meta from a WIKILINK match (shared with prose.py). A label that wraps
    over lines reads as on one line."""
    return {"id": m.group(1).strip(), "text": m.group(2) and fold_breaks(m.group(2))}


def _wikilink_rule(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("[[", state.pos):
        return False
    m = WIKILINK.match(state.src, state.pos)
    if not m:
        return False
    if not silent:
        token = state.push("wikilink", "", 0)
        token.meta = wikilink_meta(m)
    state.pos = m.end()
    return True


def _render_wikilink(self, tokens, idx, options, env):
    return wikilink_html(tokens[idx].meta, env)


def shown_text(meta: dict, name: str | None) -> str:
    """What a [[link]] shows: its label, else the name of its target, else (unknown) its id."""
    if meta["text"]:
        return meta["text"].strip()
    return name if name is not None else meta["id"]


def wikilink_html(meta: dict, env, inner_html: str | None = None) -> str:
    """The link; inner_html: what it shows, as HTML (its shown text, marked: decorate.py),
    instead of its shown text."""
    target = env["site"].lookup(meta["id"]) if "site" in env else None
    if inner_html is None:
        inner_html = escape(shown_text(meta, target.name if target else None))
    if target is None:  # resolve reports it; in a build, Renderer._page stops on it (env "broken")
        if "broken" in env:
            env["broken"].append(meta["id"])
        return f'<span class="broken-link">{inner_html}</span>'
    env.setdefault("links", []).append(meta["id"])   # what a text links to, in order (tests compare the two renderers)
    return f'<a class="ref ref-{target.kind}" href="{escape(env["root"] + target.url)}">{inner_html}</a>'


def wikilinks_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("link", "wikilink", _wikilink_rule)
    md.add_render_rule("wikilink", _render_wikilink)
