"""Markdown for content: markdown-it-py's safe ``js-default`` preset plus our plugins.

Raw HTML is shown as text, only http, https, mailto and relative links are kept, and a remote
image becomes a link (the site never loads anything from the network).

Limits that keep the work bounded on hostile text (see SECURITY.md): blocks and inline markup nest
at most ``MAX_NESTING`` deep, and a text with more than ``MAX_MARKUP`` characters that Markdown
reads as markup is not parsed at all: it is shown as plain, escaped paragraphs (the load stage
reports such a source or page body as an error, so this is a last line of defence). markdown-it-py
spends 5 to 20 microseconds on each such character, more where brackets nest, whatever the text.
"""
from __future__ import annotations

import re
from html import escape

from markdown_it import MarkdownIt
from markdown_it.parser_block import ParserBlock
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token

from .citations import citation_html, citations_plugin
from .decorate import render_decorated, render_marked_wikilink
from .links import shown_text, wikilinks_plugin
from .prose import prose_html, prose_tokens

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_SAFE_SCHEMES = {"http", "https", "mailto"}

MAX_NESTING = 20
MAX_MARKUP = 20_000
# What stops markdown-it's text rule (and so costs a rule run), plus the table separator.
MARKUP_CHARS = "\n!#$%&*+-:<=>@[\\]^_`{}~|"
_PARAGRAPHS = re.compile(r"\n[ \t]*\n")


def markup_count(text: str) -> int:
    """How many characters of the text Markdown may read as markup (cheap: one pass each)."""
    return sum(text.count(ch) for ch in MARKUP_CHARS)


def within_markup_limit(text: str) -> bool:
    """markup_count(text) <= MAX_MARKUP, without counting a text too short to exceed it."""
    return len(text) <= MAX_MARKUP or markup_count(text) <= MAX_MARKUP


def markup_limit_offset(text: str) -> int | None:
    """Offset of the first character beyond MAX_MARKUP, or None when the text is within it."""
    if markup_count(text) <= MAX_MARKUP:
        return None
    seen = 0
    for m in re.finditer("[" + re.escape(MARKUP_CHARS) + "]", text):
        seen += 1
        if seen > MAX_MARKUP:
            return m.start()
    return None  # pragma: no cover - the count said otherwise


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
    # A citation in the description is the note of the image: its mark follows it (an alt text
    # holds no mark, and the citation was counted but shown nowhere).
    marks = "".join(citation_html(child.meta, env) for child in token.children or () if child.type == "citation")
    if _SCHEME.match(src):  # never load from the network: link to the remote image instead
        return f'<a class="remote-image" href="{escape(src)}">{escape(alt or src)}</a>{marks}'
    return self.image(tokens, idx, options, env) + marks


def _render_link_open(self, tokens, idx, options, env):
    token = tokens[idx]
    href = token.attrGet("href") or ""
    if _SCHEME.match(href) and not href.startswith("mailto:"):
        token.attrSet("rel", "noopener noreferrer")
        # an address shown as itself (<https://...>) is not printed twice (style.css, print)
        token.attrSet("class", "external url" if token.info == "auto" else "external")
    return self.renderToken(tokens, idx, options, env)


def _plain_tokens(text: str) -> list[Token]:
    """The text as escaped paragraphs, without parsing it: for texts beyond MAX_MARKUP."""
    tokens: list[Token] = []
    line = pos = 0
    for sep in [*_PARAGRAPHS.finditer(text), None]:
        end = sep.start() if sep else len(text)
        chunk = text[pos:end].strip("\n")
        lines = text.count("\n", pos, end)
        if chunk.strip():
            opening = Token("paragraph_open", "p", 1, block=True, map=[line, line + lines + 1])
            inline = Token("inline", "", 0, block=True, content=chunk, map=[line, line + lines + 1],
                           children=[Token("text", "", 0, content=chunk)])
            tokens += [opening, inline, Token("paragraph_close", "p", -1, block=True)]
        if sep is None:
            break
        line += lines + text.count("\n", sep.start(), sep.end())
        pos = sep.end()
    return tokens


class _BoundedBlocks(ParserBlock):
    """markdown-it's block parser, except that the blocks nested deeper than maxNesting are
    shown as one paragraph, their marks as written, where markdown-it drops them with the rest of
    the range it was given (for a list item's 21st level, every line to the end of the text).
    The paragraph ends where a line is indented less than the block it is in, as markdown-it
    ends that block. Where it began is noted in the parse's env as TOO_DEEP (its line, from 0),
    for the check."""

    def tokenize(self, state, startLine: int, endLine: int) -> None:
        line = state.skipEmptyLines(startLine)
        if state.level < state.md.options.maxNesting or line >= endLine or state.sCount[line] < state.blkIndent:
            super().tokenize(state, startLine, endLine)
            return
        end = line + 1
        while end < endLine and (state.isEmpty(end) or state.sCount[end] >= state.blkIndent):
            end += 1
        while state.isEmpty(end - 1):
            end -= 1
        if isinstance(state.env, dict):
            state.env.setdefault(TOO_DEEP, line)
        state.push("paragraph_open", "p", 1).map = [line, end]
        inline = state.push("inline", "", 0)
        inline.content, inline.map, inline.children = state.getLines(line, end, state.blkIndent, False).strip(), [line, end], []
        state.push("paragraph_close", "p", -1)
        state.line = end


TOO_DEEP = "too_deep"


class _Renderer(RendererHTML):
    """markdown-it's HTML renderer, with an image's alt text holding what its [[links]] show
    (markdown-it keeps only text, and dropped them)."""

    def renderInlineAsText(self, tokens, options, env) -> str:
        out = []
        for token in tokens or ():
            if token.type == "wikilink":
                target = env["site"].lookup(token.meta["id"]) if "site" in env else None
                out.append(shown_text(token.meta, target.name if target else None))
            else:
                out.append(super().renderInlineAsText([token], options, env))
        return "".join(out)


class GuardedMarkdown(MarkdownIt):
    """MarkdownIt that will not parse a text beyond MAX_MARKUP (see the module docstring), that
    reads plain prose with [[links]] and [@citations] without its rules (``prose.py``), and that
    shows the text of blocks nested too deep rather than dropping it (_BoundedBlocks)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bounded = _BoundedBlocks()
        bounded.ruler = self.block.ruler
        self.block = bounded

    def parse(self, src: str, env=None):
        if not within_markup_limit(src):
            return _plain_tokens(src)
        if isinstance(src, str):
            tokens = prose_tokens(src)
            if tokens is not None:
                return tokens
        return super().parse(src, env)

    def parseInline(self, src: str, env=None):
        if not within_markup_limit(src):
            return [Token("inline", "", 0, content=src, children=[Token("text", "", 0, content=src)])]
        return super().parseInline(src, env)


def make_markdown() -> MarkdownIt:
    md = GuardedMarkdown("js-default", {"maxNesting": MAX_NESTING}, renderer_cls=_Renderer)
    md.validateLink = safe_url
    md.use(wikilinks_plugin).use(citations_plugin)
    md.add_render_rule("image", _render_image)
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("decorated", render_decorated)
    md.add_render_rule("marked_wikilink", render_marked_wikilink)
    # Margin notes of an article's annotations: the page renderer passes env["anno_notes"].
    md.add_render_rule("anno_notes", lambda self, tokens, idx, options, env: env["anno_notes"](tokens[idx].meta["items"]))
    md.add_render_rule("passage_open", lambda self, tokens, idx, options, env: '<div class="passage">\n')
    md.add_render_rule("passage_close", lambda self, tokens, idx, options, env: "</div>\n")
    return md


MD = make_markdown()


def render(text: str, env: dict) -> str:
    text = text or ""
    if within_markup_limit(text):
        html = prose_html(text, env)
        if html is not None:
            return attach_marks(html)
    return attach_marks(MD.render(text, env))


def render_inline(text: str, env: dict) -> str:
    return attach_marks(MD.renderInline(text or "", env))


_MARK = '<sup class="cite">'
# What may come between a mark and the word before it, besides white space ('1938 </mark><sup').
_CLOSING_TAGS = ("</mark>", "</a>", "</em>", "</strong>")


def attach_marks(html: str) -> str:
    """Each citation mark right after the word before it, as superscript numbers are set: the
    space of "1938 [@source]" let a line start with the mark, and a word joiner inside the mark
    does not keep Chromium from breaking at a space. (Only our citations make this tag: raw
    HTML in Markdown is shown as text.) The text before each mark is read from its end, so a
    page's cost is its marks', not its spaces' (a pattern tried at every space was 8% of
    rendering)."""
    if _MARK not in html:
        return html
    parts = html.split(_MARK)
    for i in range(len(parts) - 1):
        parts[i] = _without_space_at_end(parts[i])
    return _MARK.join(parts)


def _without_space_at_end(text: str) -> str:
    """The text without the white space at its end, also where closing tags of a highlight, link
    or emphasis come between (kept: 'in <mark>1938 </mark> ' gives 'in <mark>1938</mark>')."""
    end = len(text)
    closing = []
    spaced = False
    while True:
        while end and text[end - 1].isspace():
            end -= 1
            spaced = True
        tag = next((tag for tag in _CLOSING_TAGS if text.endswith(tag, 0, end)), None)
        if tag is None:
            break
        closing.append(tag)
        end -= len(tag)
    return text[:end] + "".join(reversed(closing)) if spaced else text
