"""Long lists on numbered pages (features/paging.py): a kind's index, the sources index, the
timeline and the claims ledger. The demo dossier is built with pages of ten rows, so that every
list of it is cut; the writer's own check then holds every pager, letter and year link to a page
and an element that exist."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from dossier.build import build, check
from dossier.features import paging
from dossier.features.claims import all_claims
from dossier.kinds import FOLDER_OF

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "content"
ROWS = 10


pytestmark = pytest.mark.usefixtures("own_state_key")   # a fresh key for saved states (conftest.py)


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(paging, "PAGE_ROWS", ROWS)


@pytest.fixture(scope="module")
def site(demo_built_with) -> Path:
    return demo_built_with("paged", [(paging, "PAGE_ROWS", ROWS)])


def soup(site: Path, rel: str) -> BeautifulSoup:
    return BeautifulSoup((site / rel).read_text(encoding="utf-8"), "html.parser")


def pages_of(site: Path, first: str) -> list[str]:
    """The pages of a list, by following its pager's links from the first page."""
    pages = [first]
    while True:
        nxt = soup(site, pages[-1]).select_one('nav.pager a[rel="next"]')
        if nxt is None:
            return pages
        pages.append(_normal(f"{Path(pages[-1]).parent.as_posix()}/{nxt['href']}"))


def _normal(path: str) -> str:
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


# --- cutting -------------------------------------------------------------------------------------

def test_a_list_is_cut_into_pages_of_at_most_page_rows_and_an_empty_list_is_one_page():
    assert paging.cut(list(range(25)), 10) == [(0, list(range(10))), (10, list(range(10, 20))), (20, list(range(20, 25)))]
    assert paging.cut([], 10) == [(0, [])]
    assert [paging.pages_needed(n, 10) for n in (0, 1, 10, 11, 25)] == [1, 1, 1, 2, 3]


def test_groups_that_fit_a_page_are_never_cut_and_a_larger_one_takes_pages_of_its_own():
    groups = [("a", [1] * 4), ("b", [1] * 5), ("c", [1] * 3), ("d", [1] * 25), ("e", [1])]
    pages = paging.cut_groups(groups, 10)
    assert [[(key, len(rows), part) for key, rows, part in page] for page in pages] == [
        [("a", 4, 0), ("b", 5, 0)], [("c", 3, 0)], [("d", 10, 1)], [("d", 10, 2)], [("d", 5, 3)], [("e", 1, 0)]]
    assert paging.cut_groups([], 10) == [[]]


def test_the_first_page_keeps_its_address_and_the_others_are_numbered_in_a_folder_named_after_it():
    assert [paging.page_path("sources/index.html", n) for n in (1, 2, 12)] == [
        "sources/index.html", "sources/index/2.html", "sources/index/12.html"]
    assert paging.page_path("claims.html", 3) == "claims/3.html"


# --- the demo, on pages of ten rows ----------------------------------------------------------------

def test_every_source_is_on_exactly_one_page_of_the_index_in_order(site):
    pages = pages_of(site, "sources/index.html")
    sources = sorted(CONTENT.glob("sources/*.md"))
    assert len(pages) == -(-len(sources) // ROWS) > 1
    ids = [li["id"] for rel in pages for li in soup(site, rel).select("ol.bibliography-full > li")]
    assert sorted(ids) == sorted(p.stem for p in sources) and len(ids) == len(set(ids))
    starts = [soup(site, rel).select_one("ol.bibliography-full").get("start") for rel in pages]
    assert starts == [None] + [str(1 + ROWS * n) for n in range(1, len(pages))]


def test_every_kind_lists_each_of_its_entities_once_across_its_pages(site):
    for folder in sorted(set(FOLDER_OF.values())):
        if not (site / folder / "index.html").exists():
            continue
        rows = [a["href"] for rel in pages_of(site, f"{folder}/index.html")
                for a in soup(site, rel).select("table.listing tbody tr td:first-child a")]
        assert sorted(Path(h).name for h in rows) == sorted(p.stem + ".html" for p in CONTENT.glob(f"entities/{folder}/*.yaml"))


def test_each_letter_of_the_index_leads_to_its_first_row_on_whichever_page_it_is(site):
    for first in ("people/index.html", "sources/index.html"):
        for rel in pages_of(site, first):
            page = soup(site, rel)
            for a in page.select("nav.letter-index a"):
                target, _, anchor = a["href"].partition("#")
                target_rel = _normal((Path(rel).parent / target).as_posix()) if target else rel
                row = soup(site, target_rel).find(id=anchor)
                assert row is not None, (rel, a["href"])
                name = row.select_one("a").get_text()
                assert name.strip(), (rel, a["href"])


def test_the_pager_marks_the_current_page_and_leads_to_every_other(site):
    pages = pages_of(site, "sources/index.html")
    for n, rel in enumerate(pages, 1):
        navs = soup(site, rel).select("nav.pager")
        assert len(navs) == 2 and navs[0]["aria-label"] != navs[1]["aria-label"]
        current = navs[0].select('a[aria-current="page"]')
        assert [a.get_text() for a in current] == [str(n)]
        numbered = [int(a.get_text()) for a in navs[0].select("a:not([rel])")]
        assert numbered == sorted({1, len(pages)} | {i for i in range(n - 2, n + 3) if 1 <= i <= len(pages)})
        assert bool(navs[0].select('a[rel="prev"]')) == (n > 1)
    assert soup(site, pages[1]).title.get_text().startswith(f"Sources, page 2 of {len(pages)}")
    crumbs = soup(site, pages[1]).select("nav.breadcrumbs a")
    assert [a["href"] for a in crumbs] == ["../../index.html", "../../sources/index.html"]


@pytest.mark.parametrize("rows", [ROWS, 3], ids=["years fit", "a year longer than a page"])
def test_the_timeline_keeps_years_whole_and_its_year_index_leads_across_pages_to_each_start(site, demo_built_with, rows):
    if rows != ROWS:   # the demo's 2024 has six entries
        site = demo_built_with("paged-3", [(paging, "PAGE_ROWS", rows)])
    pages = pages_of(site, "timeline.html")
    assert len(pages) > 1
    sections = [s for rel in pages for s in soup(site, rel).select("section.year")]
    ids = [s["id"] for s in sections]
    assert len(ids) == len(set(ids))
    assert all(len(s.select("li.timeline-entry")) <= rows for s in sections)
    starts = [i for i in ids if "-" not in i]   # y2024; y2024-2 is the second part of a long year
    continued = [s.h2.get_text(" ", strip=True) for s in sections if "-" in s["id"]]
    assert continued == ([] if rows == ROWS else ["2024 (continued, part 2)", "2025 (continued, part 2)"])
    linked = [a["href"].rpartition("#")[2] for a in soup(site, pages[-1]).select('nav[aria-label="Years"] a')]
    assert linked == starts


def test_each_claim_is_on_the_page_the_link_check_reads_its_note_on(site):
    res = check(CONTENT).resolved
    pages = pages_of(site, "claims.html")
    shown = [li.select_one("q").get_text() for rel in pages for li in soup(site, rel).select("ol.claims > li.claim")]
    assert shown == [a.annotation.quote for a in all_claims(res)]


def test_a_list_of_one_page_has_no_pager(tmp_path):
    out = tmp_path / "site"
    assert not build(CONTENT, out).diagnostics.errors
    assert not (out / "sources" / "index").exists() and not soup(out, "sources/index.html").select("nav.pager")


# --- links into the pages, checked before the build ---------------------------------------------------

def with_page(tmp_path: Path, text: str) -> Path:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    (content / "pages" / "paging-test.md").write_text(f"---\ntitle: Paging test\n---\n{text}\n", encoding="utf-8")
    return content


def test_a_link_to_a_later_page_of_a_list_and_a_row_on_it_is_accepted(tmp_path, small_pages):
    res = check(CONTENT).resolved
    from dossier.stages.lists import sorted_sources
    eleventh = sorted_sources(res.dossier.sources.values())[ROWS].id
    content = with_page(tmp_path, f"See [the second page](sources/index/2.html#{eleventh}) and [claims](claims/2.html).")
    result = check(content)
    assert not result.diagnostics.errors, [d.text() for d in result.diagnostics.errors]
    assert not build(content, tmp_path / "site").diagnostics.errors


@pytest.mark.parametrize("url, says", [
    ("sources/index/99.html", "points to a missing file"),
    ("sources/index/2.html#interbellum-2025-bridge-not-a-source", "no element with id"),
    ("sources/index/2.html#interbellum-2025-bridge", "(that source is on sources/index/"),
    ("claims/9.html", "points to a missing file"),
])
def test_a_link_to_a_page_a_list_does_not_have_is_an_error_with_its_place(tmp_path, small_pages, url, says):
    content = with_page(tmp_path, f"See [this]({url}).")
    errors = check(content).diagnostics.errors
    assert [e.code for e in errors] == ["bad-link"] and says in errors[0].message
    assert errors[0].path.endswith("paging-test.md") and errors[0].line == 4


def test_the_link_check_knows_the_pages_the_renderer_writes(small_pages):
    from dossier.stages.lists import page_paths
    from dossier.stages.render import Renderer
    res = check(CONTENT).resolved
    renderer = Renderer(res)
    written = {name: renderer.lists.paths(name) for name in page_paths(res)}
    assert page_paths(res) == written and sum(map(len, written.values())) > len(written)
    assert {renderer.job_path(job) for job in renderer.jobs()} >= {p for paths in written.values() for p in paths}


@pytest.mark.parametrize("rows", [ROWS, paging.PAGE_ROWS], ids=["ledger on pages", "ledger on one page"])
def test_a_relative_link_in_a_claims_note_is_refused_on_whichever_ledger_page_it_is(tmp_path, monkeypatch, rows):
    # claims.html is at the top of the site and claims/2.html a folder down: a link right on one
    # is wrong on the other, and a claim moves between them as claims are added elsewhere.
    monkeypatch.setattr(paging, "PAGE_ROWS", rows)
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    path = content / "sources" / "interbellum-2025-bridge.md"
    old = "      Partly supported, with an earlier start:"
    path.write_text(path.read_text(encoding="utf-8").replace(old, "      See [the map](../map.html). " + old.strip()),
                    encoding="utf-8")
    errors = check(content).diagnostics.errors
    assert [e.code for e in errors] == ["bad-link"], [e.text() for e in errors]


def test_the_claims_ledger_on_pages_has_an_index_of_statuses_leading_to_the_first_of_each(site):
    res = check(CONTENT).resolved
    firsts = {}
    for a in all_claims(res):
        firsts.setdefault(a.annotation.status, a.annotation.quote)
    pages = pages_of(site, "claims.html")
    for rel in pages:
        links = soup(site, rel).select('nav[aria-label="Claims by status"] a')
        assert [a.get_text() for a in links] == list(firsts)
        for a in links:
            target, _, anchor = a["href"].partition("#")
            claim = soup(site, _normal(f"{Path(rel).parent.as_posix()}/{target}") if target else rel).find(id=anchor)
            assert claim.select_one("q").get_text() == firsts[a.get_text()], (rel, a["href"])
