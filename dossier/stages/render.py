"""Stage 4: turn the resolved dossier into pages (path, HTML), one page at a time.

Templates are jinja2 with autoescape; Markdown goes through ``dossier.markdown``. Citation
marks are numbered per page in reading order by a ``Notes`` object the template shares with the
Markdown renderer, so the notes and bibliography at the end of each page match its marks.
"""
from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from html import escape
from pathlib import Path
from types import SimpleNamespace

from jinja2 import FileSystemLoader, Undefined, pass_context, select_autoescape
from markdown_it.token import Token
from markupsafe import Markup

from ..features import bibliography
from ..features import exports, letters, paging, search, sitemap
from ..features.mapping import MapData
from ..features.paging import Pager
from ..features.timeline import human_date
from ..kinds import CLAIM_STATUSES, FOLDER_OF, KIND_TITLES, KINDS
from ..markdown import MD, attach_marks, render, render_inline
from ..markdown.anchoring import in_table_cell, reader_text
from ..markdown.citations import Notes
from ..markdown.decorate import decorate
from ..model import Entity, Source
from ..schema import KIND_FIELDS
from .compiled_templates import use_compiled_templates
from .incremental import note, recording
from . import sections
from .lists import ListPage, Lists, sorted_sources
from .resolve import Resolved
from .template_code import TemplateEnvironment
from .write import WriteError

ANNOTATION_LABELS = {"note": "Note", "context": "Context", "correction": "Correction", "claim": "Claim"}
# Every kind's own keys, undefined as Jinja makes a missing key (see props_view).
_NO_PROPS = {key: Undefined(name=key) for fields in KIND_FIELDS.values() for key in fields}


def props_view(props: dict) -> SimpleNamespace:
    """An entity's props for its template, every kind's keys as attributes (absent ones
    undefined). The infobox asks for some twenty keys, most absent; on a dict, each absent one cost
    Jinja an AttributeError, a KeyError and a new Undefined."""
    view = SimpleNamespace()
    view.__dict__.update(_NO_PROPS)
    view.__dict__.update(props)
    return view


def templates_dir() -> Path:
    """Templates ship inside the package (wheel) or sit beside it (source checkout)."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "base.html").is_file():
            return candidate
    raise FileNotFoundError("the templates folder is missing from this installation")


def _unseen(page: str, does: str, ids: list, what: str) -> WriteError:
    """A reference that resolve did not see (its scan took Markdown for code that renders as
    text): the build stops rather than publish it; nothing is written."""
    names = ", ".join(sorted({repr(str(i)) for i in ids}))
    return WriteError([f"{page} {does} {names}, {what}; dossier check did not see it in its Markdown "
                       "(a code block that is not one?): please report this, with the text around it"])


# The authored pages every page's navigation shows, the first by order: all of them would make the
# navigation, and every page, grow with their number (1,000 pages made 98% of each page's bytes,
# and a build quadratic). Past these, "More pages" leads to the list on the front page.
NAV_PAGES = 10


class PageContext:
    """What one page's template and Markdown share: its depth and its numbered notes."""

    def __init__(self, renderer: "Renderer", path: str):
        self.path = path
        # What the page's links start from: the way up to the top of the site, or for a page
        # served at any address (Renderer.served_anywhere) the site's own address.
        self.root = renderer.served_anywhere.get(path) or "../" * path.count("/")
        self.notes = Notes(renderer.res.site, self.root)
        self.renderer = renderer
        # broken: [[ids]] that name nothing, shared by the copies of env a page's Markdown gets
        self.env = {"site": renderer.res.site, "root": self.root, "notes": self.notes, "broken": []}

    # Each text gets its own copy of env (the notes and the broken links stay shared): markdown-it
    # keeps a text's link definitions ([r]: url) in env, and they must not reach the next text.
    def md(self, text) -> Markup:
        return Markup(render(text, {**self.env})) if text else Markup("")

    def mdi(self, text) -> Markup:
        return Markup(render_inline(text, {**self.env})) if text else Markup("")

    def cite(self, citations) -> Markup:
        return Markup(self.notes.mark_citations(citations))

    def notes_html(self) -> Markup:
        sources = self.renderer.dossier.sources
        unknown = [s for s in self.notes.sources() if s not in sources]
        if unknown:
            raise _unseen(self.path, "cites", unknown, "which is not a source")
        return Markup(bibliography.notes_html(self.notes, sources, self.root))

    def bib_entry(self, source) -> Markup:
        return Markup(bibliography.entry_html(source, self.root))

    def grade(self, source) -> Markup:
        return Markup(bibliography.grade_html(source.meta))

    def url(self, target) -> str:
        if isinstance(target, str):
            found = self.renderer.res.site.lookup(target)
            return self.root + found.url if found else "#"
        return self.root + target.url

    def link(self, target, text=None) -> Markup:
        if isinstance(target, str):
            target = self.renderer.res.site.lookup(target)
        if target is None:   # an id that names nothing (lists hold such ids looked up already)
            return Markup("")
        if not text:
            return self.renderer.link_html(target, self.root)
        return Markup(f'<a class="ref ref-{target.kind}" href="{escape(self.root + target.url)}">{escape(text)}</a>')


def _page_filter(method):
    """A template filter that calls a PageContext method on the page's own ``p``
    (``{{ r.cite|cite }}`` is ``p.cite(r.cite)``). A compiled template calls a filter directly,
    while a call such as ``p.cite(...)`` goes through Jinja's Context.call, which costs more
    than most of these helpers do."""
    @pass_context
    def call(context, value, *args):
        return method(context["p"], value, *args)
    return call


PAGE_FILTERS = {name: _page_filter(getattr(PageContext, name)) for name in ("link", "cite", "md", "mdi")}


def _table_ends(tokens) -> dict[int, int]:
    """The index of the table_close token after each inline token in a table (tables do not
    nest in Markdown)."""
    ends, inside = {}, []
    for index, token in enumerate(tokens):
        if token.type == "inline":
            inside.append(index)
        elif token.type == "table_open":
            inside = []
        elif token.type == "table_close":
            ends.update(dict.fromkeys(inside, index))
            inside = []
    return ends


def _compared(text: str) -> str:
    """A fact's label or value as two are compared: 'Length' is 'length ' (grouped apart, two
    values of one label were not marked as a disagreement: an outside test)."""
    return " ".join(text.split()).lower()


def _said_once(facts: list) -> list:
    """The facts of one label with a value (and note) said by several of them on one row, with
    the citations of each: two rows with the same value read as a disagreement."""
    rows, row_of = [], {}
    for fact in facts:
        said = (_compared(fact.value), fact.note)
        if said not in row_of:
            row_of[said] = len(rows)
            rows.append(fact)
        else:
            i = row_of[said]
            rows[i] = rows[i]._replace(cite=_joined_citations(rows[i].cite, fact.cite))
    return rows


def _joined_citations(cite: tuple, more: tuple) -> tuple:
    """cite, then each of more that cites another source or place (one note says each once)."""
    cited = {(c.source, c.locator) for c in cite}
    return cite + tuple(c for c in more if (c.source, c.locator) not in cited)


def _declared_both_ways(outgoing: list, incoming: list) -> tuple[list, list]:
    """A relation that reads the same both ways ("related to", "counterpart of") declared by both
    entities is one row, the other's citations added to this one's: it was listed twice, the
    same entity on two rows. With another date each stays a row of its own."""
    rows, rest = list(outgoing), []
    row_of = {(r.target, r.date): i for i, r in enumerate(rows)}
    for rel in incoming:
        i = row_of.get((rel.source, rel.date))
        if i is None:
            rest.append(rel)
            continue
        rows[i] = rows[i]._replace(cite=_joined_citations(rows[i].cite, rel.cite))
    return rows, rest


class Renderer:
    def __init__(self, res: Resolved):
        self.res = res
        self.dossier = res.dossier
        self.config = res.dossier.config
        self.env = TemplateEnvironment(loader=FileSystemLoader(str(templates_dir())), autoescape=select_autoescape(default=True),
                               trim_blocks=True, lstrip_blocks=True, auto_reload=False)   # a Renderer lives one build
        use_compiled_templates(self.env)
        self.kinds_present = [kind for kind in KINDS.values() if any(True for e in self.dossier.entities.values() if e.kind == kind)]
        self.by_kind: dict[str, list[Entity]] = defaultdict(list)
        for e in sorted(self.dossier.entities.values(), key=lambda e: (e.name.casefold(), e.id)):
            self.by_kind[e.kind].append(e)
        self.sources_sorted = sorted_sources(self.dossier.sources.values())
        self.pages_sorted = sorted(self.dossier.pages.values(), key=lambda p: (p.order, p.title.casefold(), p.slug))
        self.nav_pages = self.pages_sorted[:NAV_PAGES]
        self._templates: dict = {}
        self._links: dict = {}
        self._jobs: tuple | None = None
        self._last_rows: tuple = (None, None, ())   # (what, key), its sections' rows, the keys read (_long_rows)
        self._job_paths: tuple | None = None
        self.map = MapData(res)
        self.lists = Lists(self)   # what the list pages show (stages/lists.py)
        self.pieces = None         # the data files' pieces kept between builds (set by the build)
        # Pages served at any address, by the address their links start from. GitHub Pages serves
        # 404.html for every missing path (/repo/people/missing.html too), where relative links
        # would lead nowhere; with base_url its links are absolute. Without, they stay relative
        # (right only at the top of the site): a <base> element would do, but the verifier
        # refuses them on every page (stages/verify.py), and base_url is what says where the site is.
        self.served_anywhere = {"404.html": self.config.base_url} if self.config.base_url else {}
        self.env.globals.update(
            config=self.config, kind_titles=KIND_TITLES, folder_of=FOLDER_OF, kinds_present=self.kinds_present,
            nav_pages=self.nav_pages, more_pages=len(self.pages_sorted) > NAV_PAGES, annotation_labels=ANNOTATION_LABELS, grades=bibliography.GRADES, credibility=bibliography.CREDIBILITY,
            relation_types=res.relation_types, entities=self.dossier.entities, sources=self.dossier.sources,
        )
        # target: a source's title and address in a list of its annotations or mentions, noted as
        # such (sources[id] noted the whole file: an edit to its text rendered every page it mentions)
        self.env.filters.update(PAGE_FILTERS, human_date=human_date, title_language=bibliography.title_language,
                                direction=bibliography.direction, direction_from=bibliography.direction_from,
                                by_script=letters.by_script, target=res.site.lookup)

    # --- helpers ---------------------------------------------------------------------------

    def _page(self, template: str, path: str, **context) -> tuple[str, str]:
        ctx = PageContext(self, path)
        # page_folder: the navigation marks the current section by it ("" for a top-level page)
        folder = path.partition("/")[0] if "/" in path else ""
        html = self._template(template).render(p=ctx, root=ctx.root, page_path=path, page_folder=folder,
                                               served_anywhere=path in self.served_anywhere, **context)
        if ctx.env.get("broken"):
            raise _unseen(path, "links to", ctx.env["broken"], "which names nothing")
        return path, html

    def link_html(self, target, root: str) -> Markup:
        """A link to a target under its name. The same links are on many pages at each depth,
        so each is made once; the key is all the link shows, so it can never be stale."""
        key = (root, target.kind, target.url, target.name)
        html = self._links.get(key)
        if html is None:
            html = self._links[key] = Markup(f'<a class="ref ref-{target.kind}" href="{escape(root + target.url)}">'
                                             f'{escape(target.name)}</a>')
        return html

    def _template(self, name: str):
        """Template objects are kept: Environment.get_template costs a lookup and a lock each time."""
        found = self._templates.get(name)
        if found is None:
            found = self._templates[name] = self.env.get_template(name)
        return found

    def jobs(self) -> tuple[tuple[str, str], ...]:
        """Every page of the site as (what, key), in writing order; render_job makes each. Made
        once: the build, the sitemap and the process making the data files all ask for them, and
        finding the long sections of every page is a pass over the indexes (0.1 s at 10,000
        entities)."""
        if self._jobs is None:
            self._jobs = tuple(self._all_jobs())
        return self._jobs

    def job_paths(self) -> tuple[str, ...]:
        """Where each of jobs() is written, in the same order."""
        if self._job_paths is None:
            self._job_paths = tuple(map(self.job_path, self.jobs()))
        return self._job_paths

    def _all_jobs(self) -> list[tuple[str, str]]:
        out = [("index", "")]
        res = self.res
        for kind in self.kinds_present:
            out.extend(self._list_jobs("kind_index", f"list:kind:{kind}"))
            for e in self.by_kind[kind]:
                out.append(("entity", e.id))
                out.extend(sections.section_jobs(res, "entity", e.id))
        out.extend(self._list_jobs("sources_index", "list:sources"))
        for s in self.sources_sorted:
            out.append(("source", s.id))
            out.extend(sections.section_jobs(res, "source", s.id))
        for p in self.pages_sorted:
            out.append(("page", p.slug))
            out.extend(sections.section_jobs(res, "page", p.slug))
        out.append(("map", ""))
        out.extend(self._list_jobs("timeline", "list:timeline"))
        out.extend(self._list_jobs("claims", "list:claims"))
        out.extend((name, "") for name in ("search", "404"))
        return out

    def _list_jobs(self, what: str, name: str) -> list[tuple[str, str]]:
        """The jobs of the pages of a list (stages/lists.py): key "<list name> <page number>"."""
        return [(what, f"{name} {n}") for n in range(1, len(self.lists.paths(name)) + 1)]

    def job_path(self, job: tuple[str, str]) -> str:
        """Where render_job will write the page, without rendering it."""
        what, key = job
        if what == "entity":
            return self.dossier.entities[key].url
        if what == "source":
            return self.dossier.sources[key].url
        if what == "page":
            return self.dossier.pages[key].url
        if what in ("kind_index", "sources_index", "timeline", "claims"):
            name, _, n = key.partition(" ")
            return self.lists.paths(name)[int(n) - 1]
        if what == "section":
            owner, section, n = self._section_job(key)
            return sections.section_path(owner.url, section, n)
        return f"{what}.html"

    def _section_job(self, job_key: str):
        """(the entity, source or page, the section, the page number) of a section page's job."""
        what, key, section, n = job_key.split(" ")
        owners = {"entity": self.dossier.entities, "source": self.dossier.sources, "page": self.dossier.pages}
        return owners[what][key], section, int(n)

    def _section_page(self, job_key: str) -> tuple[str, str]:
        """A page of a long section of an entity's, source's or page's page (stages/sections.py)."""
        owner, section, n = self._section_job(job_key)
        what, key = job_key.split(" ")[:2]
        found = self._long_rows(what, key)[section]
        start, page_rows = paging.cut(found)[n - 1]
        paths = tuple(sections.section_path(owner.url, section, i) for i in range(1, paging.pages_needed(len(found)) + 1))
        name = owner.name if what == "entity" else owner.title
        return self._page("section.html", paths[n - 1], owner=owner, owner_kind=what, owner_name=name,
                          section=section, shown_rows=sections.SHOWN_ROWS,
                          heading=sections.HEADINGS[section], total=len(found), page=ListPage(tuple(page_rows), start, {}),
                          pager=Pager(n, paths))

    def _long_rows(self, what: str, key: str) -> dict[str, list]:
        """sections.rows of a page with long sections, made once for all the pages of its sections
        (made again for each, a section of 16,000 rows took 500 times the sorting of its rows):
        they are rendered one after the other (jobs), so the last one made is kept, with the keys
        it read, which each page that uses it reads too."""
        if self._last_rows[0] != (what, key):
            with recording() as keys:
                found = sections.rows(self.res, what, key)
            self._last_rows = ((what, key), found, tuple(keys))
        else:
            for read in self._last_rows[2]:
                note(read)
        return self._last_rows[1]

    def _shown_sections(self, what: str, key: str, owner_url: str) -> dict:
        """Each growing section of a page as the page shows it: whole, or past SECTION_MAX rows its
        first SHOWN_ROWS, its length and the first of its own pages (more)."""
        shown, more = {}, {}
        for section, found in sections.rows(self.res, what, key).items():
            shown[section] = found
            if len(found) > sections.SECTION_MAX:
                shown[section] = found[:sections.SHOWN_ROWS]
                more[section] = (len(found), sections.section_path(owner_url, section))
        return {"shown": shown, "more": more}

    def _list_page(self, template: str, job_key: str, **context) -> tuple[str, str]:
        """A page of a list: its rows (page), what it shows of the whole list (nav) and where it is
        among the list's pages (pager)."""
        name, _, n = job_key.partition(" ")
        nav = self.lists.shown(f"{name}:nav")
        page = self.lists.shown(f"{name}:{n}")
        return self._page(template, nav.paths[int(n) - 1], page=page, nav=nav, pager=Pager(int(n), nav.paths), **context)

    def render_recorded(self, job: tuple[str, str]) -> tuple[str, str, tuple[str, ...]]:
        """(path, html, the keys of shared data the page read, sorted: see stages/incremental.py)."""
        with recording() as keys:
            path, html = self.render_job(job)
        return path, html, tuple(sorted(keys))

    def render_job(self, job: tuple[str, str]) -> tuple[str, str]:
        what, key = job
        if what == "entity":
            entity = self.dossier.entities[key]
            return self._page("entity.html", entity.url, **self._entity_context(entity))
        if what == "source":
            source = self.dossier.sources[key]
            return self._page("source.html", source.url, **self._source_context(source))
        if what == "page":
            page = self.dossier.pages[key]
            return self._page("page.html", page.url, page=page, **self._shown_sections("page", key, page.url))
        if what == "section":
            return self._section_page(key)
        if what == "kind_index":
            return self._list_page("kind_index.html", key, kind=key.partition(" ")[0][len("list:kind:"):])
        if what == "index":
            return self._page("index.html", "index.html", **self.lists.shown("list:index"))
        if what == "sources_index":
            return self._list_page("sources_index.html", key)
        if what == "map":
            return self._page("map.html", "map.html", map=self.map, **self.lists.shown("list:map"))
        if what == "timeline":
            return self._list_page("timeline.html", key)
        if what == "claims":
            return self._list_page("claims.html", key, statuses=CLAIM_STATUSES)
        return self._page(f"{what}.html", f"{what}.html")

    DATA_PARTS = ("exports", "search")

    def data_files(self, parts=DATA_PARTS):
        """Machine-readable exports and the scripts the pages load, as (path, write_to), where
        write_to(write) writes the file in UTF-8 pieces (the large ones are never whole): those
        of the parts named (the exports with sitemap.xml, the search index). Their pieces made
        per record are kept in self.pieces, when the build sets one (incremental.Pieces)."""
        if "exports" in parts:
            yield from exports.writers(self.res, self.map, self.pieces)
            # Made again on every build, as the other exports are, so it follows pages added,
            # removed or renamed and base_url (a joined string: milliseconds at 12,000 pages).
            yield from sitemap.files(self.config.base_url, self.job_paths())
        if "search" in parts:
            yield from search.writers(self.res, self.pieces)

    # --- page contexts ---------------------------------------------------------------------

    def _entity_context(self, entity: Entity) -> dict:
        res = self.res
        outgoing = defaultdict(list)
        for rel in entity.relations:
            outgoing[res.relation_types[rel.type].label].append(rel)
        facts: dict[str, tuple[str, list]] = {}   # a label as compared -> (as first written, its facts)
        for fact in entity.facts:
            facts.setdefault(_compared(fact.label), (fact.label, []))[1].append(fact)
        shown_sections = self._shown_sections("entity", entity.id, entity.url)
        incoming = defaultdict(list)
        for label, rel in shown_sections["shown"]["relations"]:
            incoming[label].append(rel)
        for label in outgoing.keys() & incoming.keys():   # a type that reads the same both ways
            outgoing[label], incoming[label] = _declared_both_ways(outgoing[label], incoming[label])
        return {
            "entity": entity, "props": props_view(entity.props),
            # (label, its relations, those to this entity): a label once, though both ways ("related to")
            "relation_groups": [(label, outgoing.get(label, ()), incoming.get(label, ()))
                                for label in sorted(outgoing.keys() | incoming.keys())],
            # (label, rows, whether the rows disagree: values differ other than in case and spacing)
            "facts": [(label, _said_once(rows), len({_compared(f.value) for f in rows}) > 1) for label, rows in facts.values()],
            # A field's row gives way to facts of the same label: they say it with their sources.
            "cited": set(facts),
            "minimap": self._minimap(entity), **shown_sections,
        }

    def _source_context(self, source: Source) -> dict:
        return {"source": source, "body": lambda ctx: self.article(source, ctx),
                "annotations": self.res.anchors.get(source.id, []),
                **self._shown_sections("source", source.id, source.url)}

    def article(self, source: Source, ctx: PageContext) -> Markup:
        """The article as a reader sees it: highlights, notes beside them, mentions linked."""
        if not source.body.strip():
            return Markup("")
        tokens = MD.parse(source.body, ctx.env)
        site = self.res.site
        # the names that bare [[links]] show, as resolve read them (site.lookup notes that the page shows them)
        reader = reader_text(tokens, site.lookup)
        anchored = self.res.anchors.get(source.id, [])
        ranges = [(a.start, a.end, a.annotation.anchor, f"hl-{a.annotation.kind}",
                   ANNOTATION_LABELS[a.annotation.kind]) for a in anchored]
        linked: set[str] = set()
        note("names:" + source.id)   # which words become links depends on the names the text may hold
        matcher = self.res.matcher

        def mention_html(text: str) -> str:
            out, last = [], 0
            for start, end, entity_id in matcher.find(text):
                if entity_id in linked:
                    continue
                linked.add(entity_id)
                target = site.lookup(entity_id)
                out.append(escape(text[last:start]))
                out.append(f'<a class="mention ref-{target.kind}" href="{escape(ctx.root + target.url)}">{escape(text[start:end])}</a>')
                last = end
            out.append(escape(text[last:]))
            return "".join(out)

        decorate(reader, ranges, mention_html, tokens)
        # Notes go right after the block where their passage starts (beside it on wide screens);
        # for a passage in a table cell, right after the table (a row holds only cells). Inside
        # a list item or a block quote, the block is a paragraph: the notes stay in the item.
        by_block = defaultdict(list)
        starts = [s.start for s in reader.segments]   # in reading order, so bisect finds the last at or before
        table_end = None
        for a in anchored:
            block = reader.segments[bisect_right(starts, a.start) - 1].block
            if in_table_cell(tokens, block):
                if table_end is None:
                    table_end = _table_ends(tokens)
                block = table_end[block]
            by_block[block].append(a)
        for block in sorted(by_block, reverse=True):   # from the end, so earlier indexes hold
            notes = Token("anno_notes", "", 0)
            notes.meta = {"items": by_block[block]}
            opener = tokens[block - 1] if block else None
            if tokens[block].type == "table_close":
                tokens.insert(block + 1, notes)
            elif opener is not None and opener.type in ("paragraph_open", "heading_open"):
                # A paragraph or heading and its notes in one passage: side by side when wide.
                tokens.insert(block + 2, Token("passage_close", "div", -1))
                tokens.insert(block + 2, notes)
                tokens.insert(block - 1, Token("passage_open", "div", 1))
            else:  # another container: the notes just follow its inline content
                tokens.insert(block + 2, notes)
        site_language = self.config.language
        # The notes are in the dossier's language, not the article's (a screen reader read English
        # notes in a Russian article with a Russian voice, and an Arabic one laid them out right
        # to left, their full stops at the start).
        in_site_language = "" if not source.meta.get("language") or source.meta["language"] == site_language else \
            f' lang="{escape(site_language)}"{bibliography.direction_from(site_language, source.meta["language"])}'
        env = {**ctx.env, "anno_notes": lambda items: self._anno_notes(items, ctx, in_site_language)}
        return Markup(attach_marks(MD.renderer.render(tokens, MD.options, env)))

    def _minimap(self, entity: Entity):
        note("located")   # its neighbours: any located entity may join or leave them
        return self.map.mini(entity)

    def _anno_notes(self, items, ctx: PageContext, attributes: str = "") -> str:
        notes = self._template("_annotation.html").render(items=items, p=ctx, root=ctx.root)
        return f'<div class="passage-notes"{attributes}>{notes}</div>\n'

