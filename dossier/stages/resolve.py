"""Stage 3: resolve ids, [[links]], [@citations], annotation anchors, backlinks and mentions.

After this stage every reference is known to exist (or an error says where it does not), and
the indexes that pages need (relations both ways, who cites or links what, mentions, claims) are
built once, so rendering never searches the whole dossier for one page.
"""
from __future__ import annotations

import hashlib
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from .. import collector
from ..diagnostics import Diagnostics
from ..features.mentions import UNLINKED, MentionMatcher
from ..kinds import KINDS, RELATION_TYPES
from ..markdown import MD
from ..markdown.anchoring import LIMIT, ReaderText, cuts_emoji, find_quote, fold, fold_plain, fold_spaces, reader_text
from ..markdown.decorate import MARK_BYTES, tokens_inside_links
from ..markdown.near_miss import near_miss
from ..markdown.refs import PANDOC_CITATION, SPACED_CITATION, malformed, mask_code, openers, scan
from ..model import Annotation, Dossier, Page, Referenced, Source
from ..schema import SUGGESTION_BUDGET, Budget, Closest
from .incremental import note
from .link_check import check_links, links_of, may_link, warn_refused
from .pool import fork_map
from .positions import forget_files, markdown_pos
from .raw_html import described, may_hold_html, raw_html
from .validate import REF_KINDS

SNIPPET_CHARS = 90
_CITATION_IN_QUOTE = re.compile(r"\[@[^\]]*\]")
FOOTNOTE = re.compile(r"\[\^[^\]\s]+\]")   # a Markdown footnote's marker or definition ('[^1]'): not read here
MALFORMED = {   # what a malformed reference (refs.malformed) is told
    "link": "begins no link and is shown as text: a link is [[id]] or [[id|shown text]] in one paragraph, and "
            "its shown text holds no bracket; in a table, write [[id\\|shown text]]; to show the brackets, write \\[[",
    "cite": "begins no citation and is shown as text: a citation is [@id], [@id, locator] or [@a; @b] in one "
            "paragraph, and its locator holds no bracket; to show the brackets, write \\[@",
}


@dataclass(frozen=True)
class Target:
    id: str
    name: str
    url: str
    kind: str


class SiteIndex:
    """Everything a link can point at, by id."""

    def __init__(self, dossier: Dossier):
        self.targets: dict[str, Target] = {}
        for e in dossier.entities.values():
            self.targets[e.id] = Target(e.id, e.name, e.url, e.kind)
        for s in dossier.sources.values():
            self.targets[s.id] = Target(s.id, s.title, s.url, "source")
        for p in dossier.pages.values():
            self.targets.setdefault(p.slug, Target(p.slug, p.title, p.url, "page"))

    def lookup(self, id_: str) -> Target | None:
        note(f"tgt:{id_}")   # a page that shows this target's name or address depends on it
        return self.targets.get(id_)


ENTITY_KINDS = frozenset(KINDS.values())
SOURCE_KIND = frozenset({"source"})


class Suggestions:
    """'did you mean ...?' for an unknown id: the closest id among the targets of the kinds that
    would do (a typo, or a file renamed with the old id still in use). difflib compares the id
    with every candidate, 60 ms at 10,000 ids of 15 characters and 1 s at 2,000 ids of 80 much
    alike, so one build spends at most BUDGET characters compared (schema.closest_cost) in all,
    and looks for each unknown id once."""
    BUDGET = SUGGESTION_BUDGET

    def __init__(self, targets: dict[str, Target]):
        self.targets = targets
        self.budget = Budget(self.BUDGET)
        self.pools: dict[frozenset | None, Closest] = {}   # the ids of some kinds (None: all)

    @property
    def spent(self) -> int:
        return self.budget.spent

    def hint(self, ref: str, kinds: frozenset | None = None) -> str:
        """' (did you mean 'x'?)', or '' (kinds: the target kinds that would do; None: any)."""
        ref = str(ref)
        lowered = ref.lower()   # ids are lowercase: 'Ada-Example' means 'ada-example'
        target = self.targets.get(lowered)
        if target is not None and (kinds is None or target.kind in kinds):
            close = lowered
        else:
            pool = self.pools.get(kinds)
            if pool is None:
                ids = (i for i, t in self.targets.items() if kinds is None or t.kind in kinds)
                pool = self.pools[kinds] = Closest(ids, self.budget)
            close = pool(ref)
        return f" (did you mean {close!r}?)" if close else ""


class Anchored(NamedTuple):
    """An annotation with its place in the reader's text."""
    annotation: object
    source_id: str
    start: int
    end: int


class Mention(NamedTuple):   # all its fields make its digest (incremental._ENTRY)
    source_id: str
    snippet_before: str
    text: str
    snippet_after: str
    count: int


@dataclass
class Resolved:
    dossier: Dossier
    site: SiteIndex
    relation_types: dict
    incoming: dict[str, list] = field(default_factory=lambda: defaultdict(list))      # target -> relations
    linked_from: dict[str, set] = field(default_factory=lambda: defaultdict(set))     # id -> referrer ids
    cited_by: dict[str, set] = field(default_factory=lambda: defaultdict(set))        # source -> referrer ids
    anchors: dict[str, list[Anchored]] = field(default_factory=dict)                  # source -> anchored annotations
    about: dict[str, list[Anchored]] = field(default_factory=lambda: defaultdict(list))  # entity -> annotations
    mentions: dict[str, list[Mention]] = field(default_factory=lambda: defaultdict(list))  # entity -> mentions
    events_of: dict[str, list] = field(default_factory=lambda: defaultdict(list))     # entity -> events
    matcher: MentionMatcher | None = None
    reading_keys: set = field(default_factory=set)   # the keys of the source readings used
    name_keys: dict[str, str] = field(default_factory=dict)   # source -> what stands for the names it may hold (name_keys)


def resolve(dossier: Dossier, diags: Diagnostics, readings: dict | None = None, names_before: dict | None = None) -> Resolved:
    """readings: SourceReadings of an earlier build (updated here), so that only the sources that
    changed are read again (the names they may hold are part of their key); names_before: that
    build's matcher.words."""
    with collector.paused(keep=True):
        return _resolve(dossier, diags, {} if readings is None else readings, names_before)


def _resolve(dossier: Dossier, diags: Diagnostics, readings: dict, names_before: dict | None) -> Resolved:
    site = SiteIndex(dossier)
    res = Resolved(dossier, site, {**RELATION_TYPES, **dossier.config.relation_types})
    entities, sources = dossier.entities, dossier.sources
    targets = site.targets   # not site.lookup, which notes what the page being rendered reads
    # Ids that a file with errors would define: references to them are not errors of their own
    # (one broken file would otherwise bring an error at every reference to it).
    unloaded = dossier.unloaded - targets.keys()
    # Ids that two files define: one of them was dropped, so a reference to it may find the other,
    # of another kind; duplicate-id says so at both files, once, not again at every reference.
    duplicated = dossier.duplicated
    suggest = Suggestions(targets).hint
    linked_from, cited_by = res.linked_from, res.cited_by
    links: list[tuple] = []   # (path, owner, text, shown, its links or None): checked at the end

    def check_cites(owner: str, citations):
        for c in citations or ():
            target = targets.get(c.source)
            if target is None:
                if c.source in unloaded:
                    continue
                diags.error("unknown-source", f"unknown source {c.source!r} in citation{suggest(c.source, SOURCE_KIND)}",
                            c.pos.path, c.pos.line, c.pos.col)
            elif target.kind != "source":
                if c.source not in duplicated:
                    diags.error("not-a-source", f"{c.source!r} is a {target.kind}, not a source: citations name sources",
                                c.pos.path, c.pos.line, c.pos.col)
            elif c.source != owner:   # a source citing itself vouches for nothing: not counted as cited
                res.cited_by[c.source].add(owner)

    def check_markdown(owner: str, path: str, text, shown=None):
        """shown: what decides the pages that show the text (see _shown_on); None for a source's
        body, whose links read_source finds."""
        if not text:
            return
        if shown is not None and may_link(text):
            links.append((path, owner, text, shown, None))
        if shown is not None:   # a source's body: read_source says it, once per reading
            warn_raw_html(path, text, diags)
        if "[" not in text:   # [[links]] and [@citations] need one
            return
        bracket, cited, nth = None, set(), 0   # the items of one [@a; @b, p. 2]: each once, as in a cite list
        for offset, what, ref, detail in references_in(str(text), shown):
            item = offset   # where this item of a citation is: said at its '@', not at the citation's first
            if what == "cite" and offset:   # 0: a citation markdown-it read but no pattern placed
                if offset != bracket:
                    bracket, cited, nth = offset, set(), 0
                item, nth = _item_offset(str(text), offset, nth), nth + 1
                if (ref, detail) in cited:
                    where = markdown_pos(path, text, item)
                    diags.error("duplicate-item", f"[@{ref}{', ' + detail if detail else ''}] is cited twice in one citation: "
                                "remove the repeat", path, where.line, where.col)
                    continue
                cited.add((ref, detail))
            target = targets.get(ref)
            if target is None:
                if ref in unloaded:
                    continue
                where = markdown_pos(path, text, item)
                syntax = f"[[{ref}]]" if what == "link" else f"[@{ref}]"
                hint = suggest(ref, None if what == "link" else SOURCE_KIND)
                diags.error("unknown-id" if what == "link" else "unknown-source",
                            f"unknown {'id' if what == 'link' else 'source'} {ref!r} in {syntax}{hint}", path, where.line, where.col)
            elif what == "cite":
                if target.kind != "source":
                    if ref in duplicated:
                        continue
                    where = markdown_pos(path, text, item)
                    diags.error("not-a-source", f"{ref!r} is a {target.kind}, not a source: [@...] cites sources; use [[{ref}]] to link", path, where.line, where.col)
                elif ref != owner:
                    res.cited_by[ref].add(owner)
            elif ref != owner:
                res.linked_from[ref].add(owner)
        for offset, what in malformed(str(text)):
            where = markdown_pos(path, text, offset)
            line_end = str(text).find("\n", offset)
            shown = str(text)[offset:line_end if line_end != -1 else len(text)]
            shown = shown if len(shown) <= 30 else shown[:29] + "…"
            diags.warning("malformed-reference", f"{shown!r} {MALFORMED[what]}", path, where.line, where.col)
        if "[^" in text:
            footnotes = list(FOOTNOTE.finditer(mask_code(str(text))))
            if footnotes:
                where = markdown_pos(path, text, footnotes[0].start())
                more = f" (and {len(footnotes) - 1} more in this text)" if len(footnotes) > 1 else ""
                diags.warning("footnote", f"{footnotes[0].group()!r} is shown as written{more}: Markdown footnotes are not "
                              "read here (the marker and the '[^...]: ...' line are text on the page); cite a source with "
                              "[@source-id], or write the note in the text", path, where.line, where.col)
        if "[@" in text:
            for m in SPACED_CITATION.finditer(mask_code(str(text))):
                if m.group(1) in sources:   # '[@ some-source, p. 3]': meant as a citation, shown as text
                    where = markdown_pos(path, text, m.start())
                    diags.warning("malformed-reference", f"'[@ {m.group(1)}' begins no citation and is shown as text: write "
                                  f"the id right after the '@' ([@{m.group(1)}])", path, where.line, where.col)
        if "@" in text and "[" in text:
            for m in PANDOC_CITATION.finditer(mask_code(str(text))):
                if m.group(1) in sources:   # '[see @some-source, p. 3]', '[-@some-source]': Pandoc's, shown as text
                    where = markdown_pos(path, text, m.start())
                    diags.warning("malformed-reference", f"{m.group()!r} begins no citation and is shown as text: a citation "
                                  f"is [@{m.group(1)}] or [@{m.group(1)}, locator], with nothing before the '@' (a prefix such "
                                  "as 'see', or '-' to leave the author out, are Pandoc's and not read here: write them "
                                  "outside the brackets)", path, where.line, where.col)

    def settled(owner: str, found: Referenced) -> bool:
        """Record the backlinks and citations of what the owner's texts and citations name, and
        whether each id is known and of the right kind. When one is not, the caller reads the
        texts again with check_cites and check_markdown, which report each problem at its place
        (recording the same entries again changes nothing)."""
        if found.may_link or found.malformed:
            return False
        for ref in found.links:
            if ref in targets:
                if ref != owner:
                    linked_from[ref].add(owner)
            elif ref not in unloaded:
                return False
        for ref in found.cites:
            if ref in sources:   # the target of a source's id is that source (SiteIndex)
                if ref != owner:
                    cited_by[ref].add(owner)
            elif ref in targets or ref not in unloaded:
                return False
        return True

    def check_about(a) -> None:
        for ref in a.about:
            if ref not in entities and ref not in unloaded and ref not in duplicated:
                line, col = getattr(ref, "line", a.pos.line), getattr(ref, "col", a.pos.col)
                why = (": it is a source, not an entity" if ref in sources else ": it is a page, not an entity"
                       if ref in dossier.pages else suggest(ref, ENTITY_KINDS))
                diags.error("unknown-id", f"unknown entity {str(ref)!r} in 'about' of annotation {a.anchor}{why}",
                            a.pos.path, line, col)

    for entity in (entities[k] for k in sorted(entities)):
        for ref, where, key in entity.refs:
            target = entities.get(ref)
            if target is None:
                if ref in unloaded or ref in duplicated:
                    continue
                if ref in sources:
                    message = f"unknown id {ref!r}: it is a source, not an entity"
                else:
                    message = f"unknown id {ref!r}{suggest(ref, frozenset(REF_KINDS.get(key) or ENTITY_KINDS))}"
                diags.error("unknown-id", message, where.path, where.line, where.col)
                continue
            wanted = REF_KINDS.get(key)
            if wanted and target.kind not in wanted and ref not in duplicated:
                diags.error("wrong-kind", f"{ref!r} is a {target.kind}; '{key}' expects a {' or '.join(sorted(wanted))}", where.path, where.line, where.col)
                continue
            if ref != entity.id:
                res.linked_from[ref].add(entity.id)
        if not settled(entity.id, referenced_by(entity)):
            for citations, text, shown in markdown_texts(entity):
                check_cites(entity.id, citations)
                check_markdown(entity.id, entity.path, text, shown)
        for rel in entity.relations:
            if rel.target in entities:
                res.incoming[rel.target].append(rel)
        if entity.kind in ("event", "document"):
            # each entity once, even when it is both a participant and a relation's target
            related = {str(ref) for ref in entity.props.get("participants", []) + entity.props.get("parties", [])}
            related.update(rel.target for rel in entity.relations)
            for ref in related:
                res.events_of[ref].append(entity)

    res.matcher = MentionMatcher(_mention_names(entities, diags))

    ordered_sources = [sources[k] for k in sorted(sources)]
    for source in ordered_sources:
        if settled(source.id, referenced_by(source)):
            for a in source.annotations:
                check_about(a)
            continue
        for _, text, shown in markdown_texts(source):
            check_markdown(source.id, source.path, text, shown)
            if isinstance(shown, Annotation):
                check_about(shown)   # right after its note: the errors in the order of the file
    res.name_keys = name_keys(ordered_sources, res.matcher, names_before, readings)
    keys = [_reading_key(s, res.name_keys[s.id], targets) for s in ordered_sources]
    res.reading_keys = set(keys)
    for source, reading in zip(ordered_sources, _read_sources(ordered_sources, keys, res.matcher, targets, readings)):
        diags.items.extend(reading.diagnostics)
        res.anchors[source.id] = reading.anchored
        for item in reading.anchored:
            for ref in item.annotation.about:
                res.about[ref].append(item)
        for entity_id, mention in reading.mentions:
            res.mentions[entity_id].append(mention)
        if reading.links:
            links.append((source.path, source.id, _body_text(source), "source", reading.links))

    for page in (dossier.pages[k] for k in sorted(dossier.pages)):
        if not settled(page.slug, referenced_by(page)):
            for _, text, shown in markdown_texts(page):
                check_markdown(page.slug, page.path, text, shown)
    if links:
        check_links(res, links, diags)
    forget_files()   # the files read to place errors are not kept

    _warn_orphans(res, diags)
    for lst in res.events_of.values():
        lst.sort(key=lambda e: (e.date or "", e.id))
    return res


class _Body(str):
    """A body's text positioned at its first line, for markdown_pos."""
    line: int
    col: int = 1
    style = "body"


def warn_raw_html(path: str, text, diags: Diagnostics) -> None:
    """A warning at the first raw HTML of a Markdown text (pages show it as written)."""
    found = raw_html(str(text))
    if found:
        html, offset, count = found
        where = markdown_pos(path, text, offset)
        diags.warning("raw-html", described(html, count - 1), path, where.line, where.col)


def _body_text(doc) -> _Body:
    body = _Body(doc.body)
    body.line = doc.body_line
    return body


def markdown_texts(record) -> Iterator[tuple[tuple, object, object]]:
    """(citations, Markdown text or None, shown) of each text of an entity, source or page that
    resolve checks, in the order it checks them; shown as check_markdown has it."""
    if isinstance(record, Source):
        yield (), record.meta.get("note"), "source"
        yield (), _body_text(record), None
        for a in record.annotations:
            yield (), a.note, a
    elif isinstance(record, Page):
        yield (), _body_text(record), "page"
    else:
        for fact in record.facts:
            yield fact.cite, fact.note, "inline"
        for rel in record.relations:
            yield rel.cite, rel.note, "inline"
        if record.location:
            yield record.location.cite, record.location.note, "location"
        yield (), record.summary, "entity"
        yield (), record.props.get("status_note"), "status"


def _item_offset(text: str, at: int, nth: int) -> int:
    """The offset of the '@' of the nth item (from 0) of the citation whose first '@' is at `at`:
    after its nth ';' (a citation wraps over lines, so its items may be on other lines than its
    first; refs.CITATION allows no ';' or ']' in a locator), or `at` when it cannot be found."""
    end = text.find("]", at)
    end = len(text) if end == -1 else end
    place = at
    for _ in range(nth):
        place = text.find(";", place + 1, end)
        if place == -1:
            return at
    item = text.find("@", place, end)
    return at if item == -1 else item


def references_in(text: str, shown) -> Iterator[tuple]:
    """scan() of a text as the pages that show it read it: within a paragraph (a fact's or a
    relation's note), as blocks, or both (a crossing's location note: its page, and the map page
    when it has no coordinates), each reference once."""
    if shown == "inline":
        yield from scan(text, inline=True)
    elif shown == "location":
        as_blocks = Counter(scan(text))
        yield from as_blocks.elements()
        yield from (Counter(scan(text, inline=True)) - as_blocks).elements()   # what only the map page reads
    else:
        yield from scan(text)


def referenced_by(record) -> Referenced:
    """What the record's texts and citations name, found the first time resolve reads the record
    and kept with it: the record of a file whose bytes did not change is the same object in the
    next build (or comes back with the build's state), so its texts are not scanned again, but
    to place an error when a name is unknown or of the wrong kind (settled)."""
    if record.referenced is None:
        record.referenced = _referenced(record)
    return record.referenced


def _referenced(record) -> Referenced:
    links: dict[str, None] = {}
    cites: dict[str, None] = {}
    bad = False
    for citations, text, shown in markdown_texts(record):
        for c in citations or ():
            cites[c.source] = None
        if not text:
            continue
        if shown is not None and may_link(text):
            return Referenced((), (), may_link=True)
        bad = bad or shown is not None and may_hold_html(str(text))   # check_markdown says whether, and where
        if "[" not in text:   # as check_markdown
            continue
        read, items = set(), set()
        for offset, what, ref, detail in references_in(str(text), shown):
            # one string per id, not one per place it is named (145,000 for 12,000 ids at 10,000 entities)
            (links if what == "link" else cites)[sys.intern(ref)] = None
            read.add(offset)
            if what == "cite" and offset:
                bad = bad or (offset, ref, detail) in items   # an item cited twice in one [@...]: check_markdown says where
                items.add((offset, ref, detail))
        # a '[[' or '[@' that no reference read begins: a place to warn of, perhaps (check_markdown)
        if openers(str(text)) > len(read) and malformed(str(text)) or "[@" in text and SPACED_CITATION.search(text) \
                or "[^" in text and FOOTNOTE.search(text) or "@" in text and PANDOC_CITATION.search(text):
            bad = True
    return Referenced(tuple(links), tuple(cites), malformed=bad)


@dataclass
class SourceReading:
    """What resolve learns from one source's text: its anchored annotations, the entities it
    mentions, the problems of its quotes and its Markdown links (checked against the site by
    the caller). A function of the source and the names matched."""
    anchored: list[Anchored]
    mentions: list[tuple[str, Mention]]          # (entity id, mention), by entity id
    diagnostics: list
    links: list = field(default_factory=list)    # the body's Markdown links (_links_of)


def read_source(source: Source, matcher: MentionMatcher, targets: dict | None = None) -> SourceReading:
    """Anchor the source's annotations, find the entities its text mentions and its links.
    targets: SiteIndex.targets, for the names that its bare [[links]] show."""
    diags = Diagnostics()
    tokens = MD.parse(source.body or "", {})
    reader = reader_text(tokens, targets.get if targets is not None else None)
    anchored = _anchor(source, reader, diags) if source.annotations else []
    if anchored:
        _within_highlight_limit(source, reader, anchored, diags)

    found: dict[str, list] = {}
    # Nor in an autolink's address (<https://...>, <name@host>): a name in an address is no mention,
    # and the address is shown decoded ('%5A' reads 'Z', a punycode host its letters), words the
    # file does not hold, which name_keys could not see (an outside test found a kept reading
    # missing a mention so made).
    addresses = tokens_inside_links(tokens, "autolink") if "<" in (source.body or "") else ()
    for seg in reader.segments:
        if seg.kind != "text" or id(seg.token) in addresses:   # not in code, the text of a [[link]] or an address
            continue
        for start, end, entity_id in matcher.find(seg.text):
            hit = found.setdefault(entity_id, [seg.start + start, seg.start + end, 0])
            hit[2] += 1
    mentions = []
    for entity_id, (start, end, count) in sorted(found.items()):
        before, text, after = _snippet(reader.text, start, end)
        mentions.append((entity_id, Mention(source.id, before, text, after, count)))
    body = source.body or ""
    warn_raw_html(source.path, _body_text(source), diags)
    links = []
    if may_link(body):
        links = links_of(body, tokens)
        warn_refused(source.path, _body_text(source), diags)
    return SourceReading(anchored, mentions, diags.items, links)


# What the highlights of one source may add to its page: each piece of the text under an
# annotation is wrapped in a mark (decorate.MARK_BYTES and its anchor), so annotations that
# overlap, or quote across much formatted text, multiply (1,800 annotations over 900 pieces of
# emphasis made a 231 MB page in 11 s). The demo's most annotated source makes 3 KB.
MAX_HIGHLIGHT_BYTES = 8_000_000


def _within_highlight_limit(source: Source, reader: ReaderText, anchored: list, diags: Diagnostics) -> None:
    """An error when the marks of the source's highlights would pass MAX_HIGHLIGHT_BYTES. Counted
    in one sweep over the places where a piece begins or ends (a piece is a stretch of one segment
    of the text that the same annotations cover), without making them."""
    delta: dict[int, int] = defaultdict(int)
    for a in anchored:
        weight = MARK_BYTES + len(a.annotation.anchor)
        delta[a.start] += weight
        delta[a.end] -= weight
    inside: dict[int, int] = defaultdict(int)   # the segments that take marks (render's decorate)
    for seg in reader.segments:
        if seg.token is not None and seg.text:
            inside[seg.start] += 1
            inside[seg.start + len(seg.text)] -= 1
    total = covering = depth = 0
    places = sorted(delta.keys() | inside.keys())
    for here in places[:-1]:   # each place begins a piece (or a stretch between segments)
        covering += delta.get(here, 0)
        depth += inside.get(here, 0)
        if depth > 0 and covering:
            total += covering
    if total > MAX_HIGHLIGHT_BYTES:
        diags.error("highlight-limit", f"the highlights of its {len(anchored):,} annotations would add about "
                    f"{total / 1e6:,.0f} MB to the page (the limit is {MAX_HIGHLIGHT_BYTES / 1e6:,.0f} MB): annotations that "
                    "overlap, or quote across much formatted text, multiply them; quote fewer words, or fewer times",
                    source.path, source.body_line, 1)


_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_EMPHASIS_MARKS = re.compile(r"[*`]+|(?<!\w)_+|_+(?!\w)")


def _without_markdown_marks(quote: str) -> str:
    """A quote copied from a source's Markdown with its marks ('*This photo*', '[the report](x)'),
    as a reader of the page sees it."""
    return _EMPHASIS_MARKS.sub("", _MARKDOWN_LINK.sub(r"\1", quote))


MAX_SEARCHING_HINTS = 20   # quotes of one source a hint looks for through the whole text: the file stays quick


class _NotFoundHints:
    """Why a quote is not in a source's text, when a likely reason can be told: what the source's
    texts are read as is made once, when a first quote needs it."""

    def __init__(self, source: Source, reader: ReaderText, folded):
        self.source, self.reader, self.folded = source, reader, folded
        self.shown_as = None   # [[id]] -> the name it shows, for a quote that has the id instead
        self.lowered = None    # the folded text in lower case, for a quote written with other capitals
        self.in_file = None    # the body as written, folded: for a quote found only there
        self.searches = 0      # hints given that looked through the whole text

    def why_not_found(self, a: Annotation) -> str:
        """' (why)', or ''."""
        if a.prefix or a.suffix:
            if self.searches >= MAX_SEARCHING_HINTS:
                return " (with this prefix/suffix)"
            self.searches += 1
            alone = find_quote(self.folded, a.quote, None, None)
            if not alone:   # the quote is what is not found
                return self._about_quote(a.quote)
            wrong = [name for name, prefix, suffix in (("prefix", a.prefix, None), ("suffix", None, a.suffix))
                     if (prefix or suffix) and not find_quote(self.folded, a.quote, prefix, suffix)]
            which = " and the ".join(wrong) or "prefix and suffix together"
            where = _lines(self.source, self.reader, alone)
            found = f"on {where}" if alone.complete else f"more than {LIMIT:,} times, first on {where}"
            return (f" with this prefix/suffix (the quote alone is {found}, where the {which} "
                    f"{'does' if len(wrong) == 1 else 'do'} not match the text around it)")
        return self._about_quote(a.quote)

    def _about_quote(self, quote: str) -> str:
        if self.shown_as is None:
            self.shown_as = {seg.token.meta["id"]: seg.text for seg in self.reader.segments if seg.kind == "wikilink"}
        ids = [f"[[{ref}]] reads as {name!r}" for ref, name in self.shown_as.items() if ref != name and ref in quote]
        if ids:
            return f" ({'; '.join(ids[:3])})"
        if "[@" in quote and _CITATION_IN_QUOTE.search(quote):
            return " (a citation is not part of the text a reader sees: leave the '[@...]' out of the quote)"
        if self.lowered is None:
            self.lowered = self.folded.text.lower()   # not casefold: 'ß' and 'ﬁ' are no capitals
        quoted = fold_plain(quote)
        if quoted.lower() in self.lowered:
            if quoted not in self.folded.text:
                return " (the text has it with other capitals: quote it as written)"
            if cuts_emoji(self.folded.text, quoted):
                return " (only as part of a larger emoji, such as one of two flags side by side: quote the whole emoji)"
            return " (only as part of a letter: quote the whole letter, with its accents)"
        unmarked = _without_markdown_marks(quote)
        if unmarked != quote and len(find_quote(self.folded, unmarked, None, None)) == 1:
            return f" (it is there without Markdown's marks, as a reader sees it: quote {_short(unmarked)!r})"
        if self.searches >= MAX_SEARCHING_HINTS:
            return ""
        self.searches += 1
        if self.in_file is None:
            self.in_file = fold_plain(self.source.body or "")
        if quoted in self.in_file:
            return (" (the file has these words where a reader does not see them as text: in code, "
                    "or among markup; a paragraph indented four spaces is a code block, not annotated)")
        miss = near_miss(self.folded.text, quoted)
        if miss is None:
            return ""
        line = self.source.body_line + self.reader.line_at(self.folded.original(miss.at))
        named = f": {miss.chars}" if miss.chars else ""
        more = "; the quote differs elsewhere too" if miss.more else ""
        gap = ("; a quote is one stretch of the text, without words left out: annotate each part"
               if "…" in quote or "..." in quote else "")
        return f" (closest on line {line}: the text has {miss.text!r} where the quote has {miss.quote!r}{named}{more}{gap})"


def _anchor(source: Source, reader: ReaderText, diags: Diagnostics) -> list[Anchored]:
    """The annotations whose quote is found once in the reader's text; the others reported."""
    if not reader.text.strip():   # one error, not one per annotation
        n = len(source.annotations)
        quoted = f"its {n} annotation{'s' if n > 1 else ''} quote{'' if n > 1 else 's'} it"
        if source.body.strip():   # code blocks, images, markup: nothing a reader reads as text
            diags.error("quote-not-found", f"the source has no text a reader sees as text (only code, images or markup) "
                        f"and {quoted}: a quote is taken from the article's text, not from code or an image's description",
                        source.path, source.body_line, 1)
        else:
            diags.error("quote-not-found", f"the source has no text after its front matter, and {quoted}: "
                        "paste the article's text below the front matter", source.path, source.body_line, 1)
        return []
    folded = fold(reader.text)
    anchored = []
    written: dict[tuple, str] = {}   # an annotation as written (but its id) -> the first one's anchor
    hints = _NotFoundHints(source, reader, folded)
    for a in source.annotations:
        same = written.setdefault((a.quote, a.prefix, a.suffix, a.kind, a.status, a.note, a.about), a.anchor)
        if same != a.anchor:   # a second mark and note, word for word the first one's
            diags.error("duplicate-item", f"annotation {a.anchor} repeats annotation {same} (the same quote, kind and note): "
                        "remove the repeat", a.pos.path, a.pos.line, a.pos.col)
            continue
        matches = find_quote(folded, a.quote, a.prefix, a.suffix)
        if not matches.complete:   # places are looked at up to a limit, so a hostile file stays quick
            lines = _lines(source, reader, matches)
            also = ", and so do its prefix and suffix" if a.prefix or a.suffix else ""
            diags.error("quote-ambiguous", f"annotation {a.anchor}: quote {_short(a.quote)!r} occurs more than {LIMIT:,} "
                        f"times{also} (first on {lines}); quote more words, or give a longer prefix or suffix",
                        a.pos.path, a.pos.line, a.pos.col)
            continue
        if not matches:
            hint = hints.why_not_found(a)
            diags.error("quote-not-found", f"annotation {a.anchor}: quote {_short(a.quote)!r} is not in the text{hint}", a.pos.path, a.pos.line, a.pos.col)
            continue
        if any(reader.crosses_cell(m.start, m.end) for m in matches):
            within = [m for m in matches if not reader.crosses_cell(m.start, m.end)]
            if not within:   # a reader sees the cells apart: no one reads across them
                diags.error("quote-across-cells", f"annotation {a.anchor}: quote {_short(a.quote)!r} runs across the edge of a table "
                            f"cell (from {_lines(source, reader, matches)}), where readers see the cells apart; quote text within one cell", a.pos.path, a.pos.line, a.pos.col)
                continue
            matches = within
        if len(matches) > 1:
            first = "the first 10 on " if len(matches) > 10 else ""
            diags.error("quote-ambiguous", f"annotation {a.anchor}: quote {_short(a.quote)!r} is found {len(matches)} times "
                        f"({first}{_lines(source, reader, matches)}); add a prefix or suffix to pick one", a.pos.path, a.pos.line, a.pos.col)
            continue
        m = matches[0]
        anchored.append(Anchored(a, source.id, m.start, m.end))
    return anchored


def _lines(source: Source, reader: ReaderText, matches) -> str:
    """Where the first ten matches start: 'line 7' (once or more), 'lines 7, 9', or 'lines 22
    (2 times), 30' (the reader's text has no columns to tell them apart)."""
    counts = Counter(source.body_line + reader.line_at(m.start) for m in matches[:10])
    if len(counts) == 1:
        return f"line {next(iter(counts))}"
    return "lines " + ", ".join(f"{line} ({n} times)" if n > 1 else str(line) for line, n in counts.items())


def _read_sources(sources: list[Source], keys: list, matcher: MentionMatcher, targets: dict,
                  cache: dict) -> list[SourceReading]:
    """read_source for each source, taken from cache[its key] when there, else computed (on
    every core when there are many) and added to the cache."""
    todo = [(s, k) for s, k in zip(sources, keys) if k not in cache]
    for (_, key), reading in zip(todo, fork_map(read_source, [s for s, _ in todo], (matcher, targets))):
        cache[key] = reading
    return [cache[k] for k in keys]


MAX_CHANGED_NAME_WORDS = 64   # past this, every source counts as holding a changed name


def name_keys(sources: list[Source], matcher: MentionMatcher, names_before: dict | None, readings: dict) -> dict[str, str]:
    """For each source, a key that changes whenever the names its text may hold change: the
    matcher's digest when they may have, else the key the last build gave it. What the matcher
    finds in a text (resolve's mentions, and the links to them on the source's page) depends
    only on the names whose first word is a word of the text, so a source whose text (unchanged
    since the last build) holds none of the first words whose names changed keeps its reading
    and its page: a new entity renders again only the pages of the sources that may mention
    it, where it rendered every source's page again, and read every source again, in an outside
    test. Where the text might hold a word the file does not (an HTML entity or an escape that
    the Markdown decodes), any change counts; an autolink's address, shown decoded, is not read
    for mentions (read_source). A source whose text changed gets the digest: its
    key then never matches a reading of another text made with other names."""
    if names_before is None:
        return {source.id: matcher.digest for source in sources}
    now = matcher.words
    changed = [word for word in now.keys() | names_before.keys() if now.get(word) != names_before.get(word)]
    last = {key[0]: key for key in readings}   # (source id, its text's digest, its name key, ...) of the last build
    out = {}
    for source in sources:
        key = last.get(source.id)
        body = source.body or ""
        if key is None or len(changed) > MAX_CHANGED_NAME_WORDS or key[1] != _text_digest(source) \
                or changed and ("&" in body or "\\" in body or any(word in body for word in changed)):
            out[source.id] = matcher.digest
        else:
            out[source.id] = key[2]
    return out


def _text_digest(source: Source) -> str:
    """The digest of what read_source reads of the source itself (computed once per record)."""
    if source.digest is None:
        text = hashlib.sha256(f"{source.path}\n{source.body_line}\n{source.annotations!r}\n".encode())
        text.update(source.body.encode("utf-8", "surrogatepass"))
        source.digest = text.hexdigest()
        body = source.body or ""
        source.shown_names = tuple(dict.fromkeys(
            ref for _, what, ref, label in scan(body) if what == "link" and not label)) if "[[" in body else ()
    return source.digest


def _reading_key(source: Source, name_key: str, targets: dict) -> tuple:
    """Everything read_source reads: the text, the annotations (with their positions, which its
    diagnostics show), the names it may hold (name_keys) and the names its bare [[links]] show
    (part of the reader's text). The source's part is kept with the record, as its references
    are (referenced_by)."""
    digest = _text_digest(source)
    names = tuple((ref, target.name if (target := targets.get(ref)) is not None else None) for ref in source.shown_names)
    return source.id, digest, name_key, names


def _short(text: str, n: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _snippet(text: str, start: int, end: int) -> tuple[str, str, str]:
    """The words around a mention, cut at word boundaries, whitespace folded."""
    lo, hi = max(0, start - SNIPPET_CHARS), min(len(text), end + SNIPPET_CHARS)
    before, after = text[lo:start], text[end:hi]
    if lo > 0:
        before = "…" + before.split(" ", 1)[-1]
    if hi < len(text):
        after = after.rsplit(" ", 1)[0] + "…"
    return fold_spaces(before), text[start:end], fold_spaces(after)


SHARED_NAME_WARNINGS = 10   # files warned of one shared name, the first by id; the others counted


def _mention_names(entities: dict, diags: Diagnostics) -> list[tuple[str, str]]:
    """(name or alias, id) of every entity, for finding mentions in sources. A name two entities
    share names neither (mentions.UNLINKED: still found, so that a shorter name does not match
    inside it), and is warned of: a mention of it could be either, and the first id in order took
    every one (a new file named as an existing entity took over all its mentions, an outside
    review found)."""
    owners: dict[str, list[str]] = defaultdict(list)
    for entity_id in sorted(entities):
        entity = entities[entity_id]
        for surface in dict.fromkeys(" ".join(name.split()) for name in (entity.name, *entity.aliases)):
            if len(surface) >= 3:   # what the matcher reads at all
                owners[surface].append(entity_id)
    names = []
    for surface, ids in sorted(owners.items()):
        names.append((surface, ids[0] if len(ids) == 1 else UNLINKED))
        for entity_id in ids[1:] if len(ids) == 1 else ids[:SHARED_NAME_WARNINGS]:
            others = [other for other in ids if other != entity_id]
            listed = ", ".join(repr(other) for other in others[:3]) + (f" and {len(others) - 3:,} more" if len(others) > 3 else "")
            diags.warning("shared-name", f"{surface!r} names {listed} too: mentions of it in sources are linked to "
                          "none of them; make one name or alias more specific", entities[entity_id].path)
    return names


def _warn_orphans(res: Resolved, diags: Diagnostics) -> None:
    """Warnings maintainers care about: what nothing points at, and sources one cannot re-find."""
    d = res.dossier
    broken = {diag.path for diag in diags.items if diag.severity == "error"}  # fix errors first
    # A file that did not load links and cites nothing, nor does an annotation, relation or citation
    # in error: what only it points at would be called an orphan, on files a pull request did not
    # touch (errors with --strict). Said once the content has no errors.
    pointed_at_is_known = not d.unloaded and not broken
    for entity in (d.entities[k] for k in sorted(d.entities) if d.entities[k].path not in broken):
        if pointed_at_is_known and not res.linked_from.get(entity.id) and not res.incoming.get(entity.id) \
                and not res.about.get(entity.id):
            diags.warning("orphan-entity", f"nothing links to {entity.id!r}: link it from another entity, a page or an annotation", entity.path)
    for source in (d.sources[k] for k in sorted(d.sources) if d.sources[k].path not in broken):
        if pointed_at_is_known and not res.cited_by.get(source.id) and not res.linked_from.get(source.id):
            diags.warning("uncited-source", f"nothing cites the source {source.id!r}", source.path)
        if not source.meta.get("archive") and not source.meta.get("accessed"):
            diags.warning("source-unpreserved", "the source has neither an 'archive' link nor an 'accessed' date: readers cannot find the version the editors read", source.path)
