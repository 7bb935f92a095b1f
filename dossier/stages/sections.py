"""The sections of a page that grow with the dossier, and the pages their long ones continue on.

An entity's page lists every relation to it, every event it takes part in, every claim and
annotation about it, every source that mentions it and every page that links to it; a source's
page every page that cites it or links to it; an authored page every page that links to it. In
a large dossier the entity everything is about (a country, a leader) gathers thousands of each:
its page grew to megabytes. A page now shows the first SHOWN_ROWS rows of a section longer than
SECTION_MAX, and the whole section is on pages of its own, cut as lists are (features/paging.py):
``countries/russia/linked-from.html``, then ``countries/russia/linked-from/2.html``. No other
page can have those addresses: an id is a file name, never a folder, and the folders of the
lists (``<kind folder>/index/``) are named by the id no file may have.
"""
from __future__ import annotations

from collections import defaultdict

from ..features import paging

SECTION_MAX = 500
"""Rows of a section that a page shows whole (75 KB of backlinks, 200 KB of mentions with their
snippets). A longer section shows its first SHOWN_ROWS, and is whole on pages of its own."""
SHOWN_ROWS = 100
"""Rows of a longer section that its page shows."""

HEADINGS = {"relations": "Relations to it", "events": "Events and documents", "claims": "Claims",
            "annotations": "What the sources say", "mentions": "Mentioned in", "linked-from": "Linked from",
            "cited-by": "Cited by"}
"""Each section, by the name of its pages, and the heading of those pages (on the page it is part
of, incoming relations are under "Relations" with the page's own, which are never long)."""

OWNERS = {"entity": ("relations", "events", "claims", "annotations", "mentions", "linked-from"),
          "source": ("cited-by", "linked-from"), "page": ("linked-from",)}
"""The sections that can grow, of each kind of page."""


def backlinks(res, id_: str) -> list:
    """The link targets of the pages that link to id_, by kind and name."""
    site = res.site
    found = [site.lookup(r) for r in sorted(res.linked_from.get(id_, ()))]
    return sorted((t for t in found if t), key=lambda t: (t.kind, t.name.casefold(), t.id))


def rows(res, what: str, key: str) -> dict[str, list]:
    """The rows of each growing section of a page, whole, in the order they are shown. An
    incoming relation is a row (label, relation), the label its type's reverse; rows of a label
    are shown under it."""
    if what == "entity":
        labels = res.relation_types
        incoming = defaultdict(list)
        for rel in sorted(res.incoming.get(key, ()), key=lambda r: (r.type, r.source)):
            incoming[labels[rel.type].reverse].append(rel)
        about = sorted(res.about.get(key, ()), key=lambda a: (a.source_id, a.start))
        return {"relations": [(label, rel) for label, rels in sorted(incoming.items()) for rel in rels],
                "events": [e for e in res.events_of.get(key, ()) if e.id != key],
                "claims": [a for a in about if a.annotation.kind == "claim"],
                "annotations": [a for a in about if a.annotation.kind != "claim"],
                "mentions": list(res.mentions.get(key, ())),
                "linked-from": backlinks(res, key)}
    if what == "source":
        cited = [res.site.lookup(r) for r in sorted(res.cited_by.get(key, ()))]
        return {"cited-by": sorted((t for t in cited if t), key=lambda t: (t.kind, t.name.casefold())),
                "linked-from": backlinks(res, key)}
    return {"linked-from": backlinks(res, key)}


def _may_grow(res, what: str, key: str) -> bool:
    """Whether any section of a page may be longer than SECTION_MAX: the indexes' own lengths, which
    the rows never exceed, so that the rows are only made for the few pages that may."""
    if what == "entity":
        sizes = (res.incoming.get(key, ()), res.events_of.get(key, ()), res.about.get(key, ()),
                 res.mentions.get(key, ()), res.linked_from.get(key, ()))
    elif what == "source":
        sizes = (res.cited_by.get(key, ()), res.linked_from.get(key, ()))
    else:
        sizes = (res.linked_from.get(key, ()),)
    return any(len(s) > SECTION_MAX for s in sizes)


def section_path(owner_url: str, section: str, number: int = 1) -> str:
    """The site path of page `number` of a section of the page at owner_url."""
    return paging.page_path(f"{owner_url[:-len('.html')]}/{section}.html", number)


def overflowing(res, what: str, key: str) -> dict[str, int]:
    """The sections of a page longer than SECTION_MAX, and how many pages of their own each takes."""
    if not _may_grow(res, what, key):
        return {}
    return {section: paging.pages_needed(len(found)) for section, found in rows(res, what, key).items()
            if len(found) > SECTION_MAX}


def section_jobs(res, what: str, key: str) -> list[tuple[str, str]]:
    """Renderer jobs for the pages of the long sections of a page: ("section", "<what> <key>
    <section> <page number>")."""
    return [("section", f"{what} {key} {section} {n}")
            for section, pages in overflowing(res, what, key).items() for n in range(1, pages + 1)]


def all_section_pages(res) -> set[str]:
    """The site path of every page of every long section (for the link check)."""
    d = res.dossier
    owners = [("entity", d.entities), ("source", d.sources), ("page", d.pages)]
    return {section_path(items[key].url, section, n) for what, items in owners for key in items
            for section, pages in overflowing(res, what, key).items() for n in range(1, pages + 1)}
