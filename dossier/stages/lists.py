"""What the pages that list the whole dossier show, as plain values, each list under a key.

The front page, each kind's index, the sources index, the map, the timeline and the claims
ledger each show a few fields of many records. Their templates are given only the values built
here (rows of strings, numbers, link targets and map markers, never a record), through
`Lists.shown`, which notes the list's key; the key's digest is the hash of the list's repr
(incremental.digests). So such a page is rendered again exactly when what it shows changed (a
name, a date, a title, a status, a position, a claim...), and not after an edit no list shows,
such as a summary. What a page renders from these values on the way (the Markdown of a claim's
note or of a location's note, and the citations in it) notes its own reads, as on any page.

A row holds every field its template reads and nothing else: a template that needs one more
field needs it added here, which puts it in the digest.

A long list is cut into pages (features/paging.py): each page of it is under a key of its own
(``list:sources:2``), and what every page of it shows of the whole list (its length, the paths of
its pages, the letter or year index) under another (``list:sources:nav``). An edit re-renders
the pages whose rows it changed, and every page of the list only when the whole list changed
(a row added or removed, a letter's first row moved to another page).
"""
from __future__ import annotations

from typing import NamedTuple

from ..features import paging, timeline
from ..features.bibliography import SHOWN
from ..features.claims import all_claims
from ..features.letters import LetterIndex, letter_index
from ..kinds import FOLDER_OF
from .incremental import note

SHOWN_PROPS = {"crossing": ("border", "mode", "status"), "event": ("date",), "document": ("date",), "person": ("role",)}
"""The kind-specific keys shown in the columns of a kind's index."""
FIRST = 10          # entities of each kind named on the front page
LATEST = 8          # latest sources and events on the front page
CITED_FIRST = 12    # citing pages named in the sources index, per source


class EntityRow(NamedTuple):
    """An entity as its kind's index shows it."""
    url: str
    name: str
    props: dict     # the keys of SHOWN_PROPS it has
    names: dict     # native names by language


class Link(NamedTuple):
    """An entity or an authored page as the front page names it."""
    url: str
    name: str


class KindSample(NamedTuple):
    total: int
    first: tuple    # Links to the first FIRST entities of the kind's index


class DatedRow(NamedTuple):
    date: str | None
    url: str
    name: str


class SourceRow(NamedTuple):
    id: str
    url: str
    meta: dict          # the metadata a bibliography entry shows (bibliography.SHOWN)
    annotations: int
    cited: int          # how many pages cite it
    cited_first: tuple  # the first CITED_FIRST of them, as link targets


class CrossingRow(NamedTuple):
    url: str
    name: str
    props: dict             # mode, status, opened
    located: bool           # it has published coordinates
    note: str | None        # its location's note
    precision_m: float | None


class TimelineRow(NamedTuple):
    date: str
    label: str          # "signed", "entered into force", or "" for an event
    kind: str
    url: str
    name: str
    who: tuple          # participants or parties, as link targets (None where unknown)


class ClaimRow(NamedTuple):
    status: str | None
    quote: str
    note: str | None
    about: tuple        # link targets
    href: str           # the claim in its source
    source_title: str
    published: str | None
    id: str             # its element's id in the ledger, for a link to it: claim-<source>-<annotation>


class ListPage(NamedTuple):
    """One page of a list."""
    rows: tuple
    start: int          # the index of its first row in the whole list
    letter_ids: dict    # index of a row on this page -> the id of the letter it is the first row of


class ListNav(NamedTuple):
    """What every page of a list shows of the whole list."""
    total: int                  # rows in the whole list
    paths: tuple[str, ...]      # the site path of each page
    jumps: tuple                # (label, site path, element id): the letter or year index


# The lists cut into pages: name -> the site path of the first page (the list of a kind is
# "list:kind:<kind>", its first page <folder>/index.html).
PAGED_FIRST = {"list:sources": "sources/index.html", "list:timeline": "timeline.html", "list:claims": "claims.html"}


def first_page(name: str) -> str:
    if name.startswith("list:kind:"):
        return f"{FOLDER_OF[name[len('list:kind:'):]]}/index.html"
    return PAGED_FIRST[name]


def sorted_sources(sources) -> list:
    """Sources in the order of the sources index: by title, then id."""
    return sorted(sources, key=lambda s: (s.title.casefold(), s.id))


def page_paths(res) -> dict[str, tuple[str, ...]]:
    """The site paths of the pages of every list cut into pages, as Lists cuts them, from counts
    alone: for the link check, before anything is rendered."""
    d = res.dossier
    counts: dict[str, int] = {}
    for e in d.entities.values():
        counts[f"list:kind:{e.kind}"] = counts.get(f"list:kind:{e.kind}", 0) + 1
    pages = {name: paging.pages_needed(n) for name, n in counts.items()}
    pages["list:sources"] = paging.pages_needed(len(d.sources))
    pages["list:claims"] = paging.pages_needed(len(all_claims(res)))
    pages["list:timeline"] = len(paging.cut_groups(timeline.by_year(d.entities.values())))
    return {name: tuple(paging.page_path(first_page(name), n) for n in range(1, count + 1)) for name, count in pages.items()}


def _pick(mapping: dict, keys) -> dict:
    return {k: mapping[k] for k in keys if k in mapping}


def entity_row(e) -> EntityRow:
    return EntityRow(e.url, e.name, _pick(e.props, SHOWN_PROPS.get(e.kind, ())), e.names)


class Lists:
    """Every list of this build, made when the renderer is (before any page is rendered, and
    before the page workers fork), and read by key."""

    def __init__(self, renderer):
        self.renderer, self.res, self.dossier = renderer, renderer.res, renderer.dossier
        self.targets = renderer.res.site.targets
        kinds = {kind: tuple(map(entity_row, entities)) for kind, entities in renderer.by_kind.items()}
        markers = tuple(renderer.map.crossing_markers(""))   # as the map draws them, linked from the root
        self.by_key: dict = {"list:index": self._index(kinds, markers), "list:map": self._map(markers)}
        for kind, rows in kinds.items():
            self._paged(f"list:kind:{kind}", rows, [r.name for r in rows], row_ids=None)
        sources = self._sources()
        self._paged("list:sources", sources, [r.meta.get("title", "") for r in sources], row_ids=[r.id for r in sources])
        claims = self._claims()
        firsts = {}
        for i, row in enumerate(claims):
            firsts.setdefault(row.status, i)
        self._paged("list:claims", claims, index=LetterIndex(firsts, anchor_of=lambda status: f"status-{status}"))
        self._paged_years("list:timeline", self._timeline())

    def shown(self, key: str):
        """The list under key, for the page being rendered, which depends on it from now on."""
        note(key)
        return self.by_key[key]

    def paths(self, name: str) -> tuple[str, ...]:
        """The site paths of the pages of a list cut into pages (not noted: the list of pages a
        build writes is compared whole)."""
        return self.by_key[f"{name}:nav"].paths

    def _paged(self, name: str, rows: tuple, names: list | None = None, row_ids: list | None = None,
               index: LetterIndex | None = None) -> None:
        """A list's pages and nav. names: the rows' names, for a letter index (or index: another
        index of first rows, such as the claims' statuses); row_ids: each row's own element id,
        which the index then links to (else the first row of each letter gets the letter's id)."""
        pages = paging.cut(rows)
        paths = tuple(paging.page_path(first_page(name), n + 1) for n in range(len(pages)))
        jump = letter_index(names) if names is not None else index
        page_of = lambda index: paths[index // paging.PAGE_ROWS]   # noqa: E731
        jumps = () if not jump else tuple((letter, page_of(i), row_ids[i] if row_ids else anchor)
                                          for letter, i, anchor in jump.letters)
        self.by_key[f"{name}:nav"] = ListNav(len(rows), paths, jumps)
        for n, (start, page_rows) in enumerate(pages, 1):
            ids = {} if row_ids or not jump else {i - start: a for i, a in jump.rows.items() if start <= i < start + len(page_rows)}
            self.by_key[f"{name}:{n}"] = ListPage(tuple(page_rows), start, ids)

    def _paged_years(self, name: str, years: tuple) -> None:
        """The timeline's pages: whole years, as many as a page holds (a year longer than a page
        on pages of its own), and an index that leads to each year's start."""
        pages = paging.cut_groups(years)
        paths = tuple(paging.page_path(first_page(name), n + 1) for n in range(len(pages)))
        jumps = tuple((str(year), paths[n], f"y{year}") for n, page in enumerate(pages) for year, _, part in page if part <= 1)
        self.by_key[f"{name}:nav"] = ListNav(sum(len(rows) for _, rows in years), paths, jumps)
        for n, page in enumerate(pages, 1):
            self.by_key[f"{name}:{n}"] = ListPage(tuple(page), 0, {})

    def _index(self, kinds: dict, markers: tuple) -> dict:
        entities, sources = dict.values(self.dossier.entities), dict.values(self.dossier.sources)
        events = sorted((e for e in entities if e.kind == "event"), key=lambda e: (e.date or "", e.id), reverse=True)
        latest = sorted(sources, key=lambda s: (str(s.meta.get("published", "")), s.id), reverse=True)
        return {
            "kinds": {kind: KindSample(len(rows), tuple(Link(r.url, r.name) for r in rows[:FIRST]))
                      for kind, rows in kinds.items()},
            "recent_events": tuple(DatedRow(e.date, e.url, e.name) for e in events[:LATEST]),
            "latest_sources": tuple(DatedRow(s.meta.get("published"), s.url, s.title) for s in latest[:LATEST]),
            "source_count": len(sources),
            "markers": markers,
            "pages": tuple(Link(p.url, p.title) for p in self.renderer.pages_sorted),   # all: the navigation shows the first
        }

    def _sources(self) -> tuple[SourceRow, ...]:
        anchors, cited_by = self.res.anchors, self.res.cited_by
        rows = []
        for s in self.renderer.sources_sorted:
            refs = sorted(dict.get(cited_by, s.id, ()))
            refs.sort(key=str.lower)   # the order of jinja's sort filter, which the page used
            rows.append(SourceRow(s.id, s.url, _pick(s.meta, SHOWN), len(dict.get(anchors, s.id, ())), len(refs),
                                  tuple(map(self.targets.get, refs[:CITED_FIRST]))))
        return tuple(rows)

    def _map(self, markers: tuple) -> dict:
        groups = []
        for border, crossings in self.renderer.map.groups():
            rows = []
            for e in crossings:
                loc = e.location
                rows.append(CrossingRow(e.url, e.name, _pick(e.props, ("mode", "status", "opened")),
                                        bool(loc and loc.has_point), loc.note if loc else None,
                                        loc.precision_m if loc else None))
            groups.append((border, tuple(rows)))
        return {"markers": markers, "crossings": len(self.renderer.map.crossings),
                "layers": tuple(layer.name for layer in self.dossier.layers), "groups": tuple(groups)}

    def _timeline(self) -> tuple:
        """(year, rows) in date order."""
        return tuple((year, tuple(map(self._timeline_row, entries)))
                     for year, entries in timeline.by_year(dict.values(self.dossier.entities)))

    def _timeline_row(self, entry) -> TimelineRow:
        e = entry.entity
        who = e.props.get("participants") or e.props.get("parties") or ()
        return TimelineRow(entry.date, entry.label, e.kind, e.url, e.name, tuple(map(self.targets.get, who)))

    def _claims(self) -> tuple[ClaimRow, ...]:
        rows = []
        for a in all_claims(self.res):
            ann, source = a.annotation, dict.__getitem__(self.dossier.sources, a.source_id)
            rows.append(ClaimRow(ann.status, ann.quote, ann.note, tuple(map(self.targets.get, ann.about)),
                                 f"{source.url}#{ann.anchor}", source.title, source.meta.get("published"),
                                 f"claim-{source.id}-{ann.anchor}"))
        return tuple(rows)
