"""Long list pages cut into numbered pages: a kind's index, the sources index, the timeline and
the claims ledger of a large dossier. At 50,000 entities these pages were 2 to 19 MB each (the
sources index), which a browser reads for seconds and a phone may not finish.

A list of at most PAGE_ROWS rows is one page, at its usual address. A longer one continues on
pages numbered from 2, in a folder named after the first page: ``sources/index.html``, then
``sources/index/2.html``; ``claims.html``, then ``claims/2.html``. No entity, source or authored
page can have those addresses: ``index`` is not an id, and pages are files at the top of the
site, never folders.
"""
from __future__ import annotations

from typing import NamedTuple, Sequence

PAGE_ROWS = 500
"""Rows a list page shows at most: about 1 MB of the sources index, whose rows are the largest."""


class Pager(NamedTuple):
    """Where one page of a list is among the others, for its navigation."""
    number: int                # from 1
    paths: tuple[str, ...]     # the site path of every page of the list, in order

    @property
    def count(self) -> int:
        return len(self.paths)


def page_path(first: str, number: int) -> str:
    """The site path of page `number` of the list whose first page is `first` (a path ending in .html)."""
    return first if number == 1 else f"{first[:-len('.html')]}/{number}.html"


def pages_needed(rows: int, size: int | None = None) -> int:
    """Pages a list of this many rows takes: one at least, shown empty when the list is."""
    size = size or PAGE_ROWS
    return max(1, -(-rows // size))


def cut(rows: Sequence, size: int | None = None) -> list[tuple[int, Sequence]]:
    """(index of its first row in the list, rows) of each page."""
    size = size or PAGE_ROWS
    return [(start, rows[start:start + size]) for start in range(0, len(rows), size)] or [(0, rows[:0])]


def cut_groups(groups: Sequence[tuple[object, Sequence]], size: int | None = None) -> list[list]:
    """Groups (key, rows), such as the years of the timeline, on pages of at most `size` rows, as
    (key, rows, part): a group that fits a page is never cut (part 0); one larger than a page is
    cut into parts 1, 2... of `size` rows, each on a page of its own (a year of 16,000 events
    was a page of 6 MB)."""
    size = size or PAGE_ROWS
    pages: list[list] = [[]]
    filled = 0
    for key, rows in groups:
        if len(rows) > size:
            for part, start in enumerate(range(0, len(rows), size), 1):
                if pages[-1]:
                    pages.append([])
                pages[-1].append((key, rows[start:start + size], part))
            filled = size   # the last part's page takes no other group
            continue
        if pages[-1] and filled + len(rows) > size:
            pages.append([])
            filled = 0
        pages[-1].append((key, rows, 0))
        filled += len(rows)
    return pages
