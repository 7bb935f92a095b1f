"""Mark annotated passages and link entity mentions inside an article's parsed tokens.

Each token of the reader's text (plain text, a code span, the shown text of a [[link]]) is cut at
every annotation boundary; each piece is wrapped in one ``<mark>`` per annotation that covers it
(so overlapping and nested annotations all show), and mentions found in plain text outside links
become links. Marks go inside a code span's ``<code>`` and inside a [[link]]'s ``<a>``, so a quote
may lie in either. The piece where an annotation starts carries its ``id`` anchor.
"""
from __future__ import annotations

from bisect import bisect_right
from html import escape

from .anchoring import ReaderText
from .links import wikilink_html


# The bytes of one mark, but its anchor: '<mark class="anno hl-note" data-anno="" title="Note">' and
# '</mark>' (resolve bounds what a source's marks add to its page by it).
MARK_BYTES = 60


def decorate(reader: ReaderText, ranges, mention_html, tokens) -> None:
    """ranges: (start, end, anchor, css_class, title) in reader-text offsets.
    mention_html(text) -> HTML for a plain piece (escaped, with mention links)."""
    inside_link = tokens_inside_links(tokens)
    ranges = sorted(ranges, key=lambda r: (r[0], -r[1], r[2]))
    # Where each range's anchor goes: the first decoratable segment that ends after the range
    # starts (its first characters may be in code or other text that takes no mark).
    decoratable = [seg for seg in reader.segments if seg.token is not None]
    ends = [seg.start + len(seg.text) for seg in decoratable]
    first_segment = {}
    for r in ranges:
        i = bisect_right(ends, r[0])
        first_segment[r[2]] = decoratable[i] if i < len(decoratable) else None
    # One sweep: segments come in reading order, so a range is taken in once its start is passed
    # and let go once a segment starts after its end (all ranges against all segments was
    # seconds on a source with thousands of annotations).
    covering: list = []
    upcoming = 0
    for seg in reader.segments:
        token = seg.token
        if token is None:
            continue
        seg_start, seg_end = seg.start, seg.start + len(seg.text)
        while upcoming < len(ranges) and ranges[upcoming][0] < seg_end:
            covering.append(ranges[upcoming])
            upcoming += 1
        if covering:
            covering = [r for r in covering if r[1] > seg_start]
        linkable = seg.kind == "text" and id(token) not in inside_link
        if not covering and not linkable:
            continue
        cuts = {seg_start, seg_end}
        for r in covering:
            cuts.update(c for c in (r[0], r[1]) if seg_start < c < seg_end)
        cuts = sorted(cuts)
        html = []
        here: list = []   # the ranges over the piece, by the same sweep
        pending = 0
        for a, b in zip(cuts, cuts[1:]):
            piece = seg.text[a - seg_start:b - seg_start]
            inner = mention_html(piece) if linkable else escape(piece)
            while pending < len(covering) and covering[pending][0] < b:
                here.append(covering[pending])
                pending += 1
            here = [r for r in here if r[1] > a]
            for r in reversed(here):
                anchor = f' id="{r[2]}"' if r[0] == a or (a == seg_start and r[0] < seg_start and first_segment[r[2]] is seg) else ""
                inner = f'<mark class="anno {r[3]}"{anchor} data-anno="{r[2]}" title="{escape(r[4])}">{inner}</mark>'
            html.append(inner)
        if seg.kind == "wikilink":
            token.type = "marked_wikilink"
            token.meta = {**token.meta, "marked": "".join(html)}
        else:
            token.type = "decorated"
            token.content = "".join(html) if seg.kind == "text" else f"<code>{''.join(html)}</code>"


def tokens_inside_links(tokens, markup: str | None = None) -> set[int]:
    """The ids of the text tokens inside links: of any link, or of those written with this markup
    ('autolink': <https://...>, whose text is its address)."""
    inside: set[int] = set()
    for block in tokens:
        depth = 0
        for child in block.children or ():
            if child.type in ("link_open", "link_close") and markup in (None, child.markup):
                depth += 1 if child.type == "link_open" else -1
            elif depth and child.type == "text":
                inside.add(id(child))
    return inside


def render_decorated(self, tokens, idx, options, env):
    return tokens[idx].content


def render_marked_wikilink(self, tokens, idx, options, env):
    """A [[link]] as links.wikilink_html renders it, showing its marked text."""
    meta = tokens[idx].meta
    return wikilink_html(meta, env, inner_html=meta["marked"])
