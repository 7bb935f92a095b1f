"""The sections of a page that grow with the dossier (stages/sections.py): a page shows the first
rows of each, and the whole section is on pages of its own. The demo dossier is built with two
rows at most shown whole, one shown of a longer section and pages of three, so that the most linked entities and sources have such pages;
the writer's own check then holds every link to a page and an element that exist."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from dossier.build import build, check
from dossier.features import paging
from dossier.stages import sections

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "content"
SHOWN, MAX, ROWS = 1, 2, 3   # a section of more than MAX rows shows SHOWN; its own pages hold ROWS


pytestmark = pytest.mark.usefixtures("own_state_key")   # a fresh key for saved states (conftest.py)


@pytest.fixture
def short_sections(monkeypatch):
    monkeypatch.setattr(sections, "SHOWN_ROWS", SHOWN)
    monkeypatch.setattr(sections, "SECTION_MAX", MAX)
    monkeypatch.setattr(paging, "PAGE_ROWS", ROWS)


@pytest.fixture(scope="module")
def site(demo_built_with) -> Path:
    return demo_built_with("sections", [(sections, "SHOWN_ROWS", SHOWN), (sections, "SECTION_MAX", MAX), (paging, "PAGE_ROWS", ROWS)])


def soup(site: Path, rel: str) -> BeautifulSoup:
    return BeautifulSoup((site / rel).read_text(encoding="utf-8"), "html.parser")


def hrefs(page: BeautifulSoup, selector: str) -> list[str]:
    return [Path(a["href"]).name for a in page.select(selector)]


def section_pages(site: Path, first: str) -> list[str]:
    pages = [first]
    while (nxt := soup(site, pages[-1]).select_one('nav.pager a[rel="next"]')) is not None:
        pages.append((Path(first).parent / Path(first).stem / Path(nxt["href"]).name).as_posix())
    return pages


def test_a_long_section_shows_its_first_rows_and_leads_to_all_of_them(site):
    res = check(CONTENT).resolved
    backlinks = sections.rows(res, "entity", "russia")["linked-from"]
    assert len(backlinks) > SHOWN + ROWS   # several pages of their own
    page = soup(site, "countries/russia.html")
    shown = hrefs(page, "section.backlinks ul.compact a")
    assert shown == [Path(t.url).name for t in backlinks[:SHOWN]]
    more = page.select_one("section.backlinks p.section-more")
    assert more.get_text(" ", strip=True) == f"{SHOWN} of {len(backlinks)} shown: see all {len(backlinks)} ."
    assert more.a["href"] == "../countries/russia/linked-from.html"
    pages = section_pages(site, "countries/russia/linked-from.html")
    assert len(pages) == -(-len(backlinks) // ROWS)
    listed = [name for rel in pages for name in hrefs(soup(site, rel), "section.section-list ul.compact a")]
    assert listed == [Path(t.url).name for t in backlinks]   # every row once, in order


def test_a_section_of_at_most_section_max_rows_is_shown_whole(site):
    res = check(CONTENT).resolved
    short = [e for e in res.dossier.entities.values() if 0 < len(sections.rows(res, "entity", e.id)["linked-from"]) <= MAX]
    assert short
    for e in short:
        page = soup(site, e.url)
        assert len(page.select("section.backlinks ul.compact a")) == len(sections.rows(res, "entity", e.id)["linked-from"])
        assert not page.select("section.backlinks p.section-more") and not (site / e.url[:-5] / "linked-from.html").exists()


def test_a_section_page_says_whose_it_is_and_where_it_is_among_its_pages(site):
    page = soup(site, "countries/russia/linked-from/2.html")
    assert page.h1.get_text() == "Linked from: Russia" and page.h1.a["href"] == "../../../countries/russia.html"
    assert [a["href"] for a in page.select("nav.breadcrumbs a")] == [
        "../../../index.html", "../../../countries/index.html", "../../../countries/russia.html"]
    assert page.title.get_text().startswith("Linked from: Russia, page 2 of ")
    assert page.select_one('nav.pager a[aria-current="page"]').get_text() == "2"


def test_every_section_that_can_grow_has_pages_when_it_does(site, short_sections):
    res = check(CONTENT).resolved
    found = set()
    for what, items in (("entity", res.dossier.entities), ("source", res.dossier.sources), ("page", res.dossier.pages)):
        for key, item in items.items():
            for section, pages in sections.overflowing(res, what, key).items():
                found.add(section)
                assert (site / sections.section_path(item.url, section, pages)).exists()
                assert not (site / sections.section_path(item.url, section, pages + 1)).exists()
    assert found == set(sections.HEADINGS) - {"mentions"}   # each kind, but mentions: below


def test_mentions_in_many_sources_continue_on_pages_of_their_own(tmp_path, short_sections):
    content = tmp_path / "content"
    (content / "entities" / "people").mkdir(parents=True)
    (content / "sources").mkdir()
    (content / "dossier.yaml").write_text("title: Mentions\n", encoding="utf-8")
    (content / "entities" / "people" / "boris-example.yaml").write_text("name: Boris Example\n", encoding="utf-8")
    for i in range(5):
        (content / "sources" / f"report-{i}.md").write_text(
            f"---\ntitle: Report {i}\naccessed: 2026-01-01\n---\nBoris Example spoke on day {i}.\n", encoding="utf-8")
    site = tmp_path / "site"
    assert not build(content, site).diagnostics.errors
    page = soup(site, "people/boris-example.html")
    assert hrefs(page, "section.mentions ul.mention-list li > a") == ["report-0.html"][:SHOWN]
    listed = [name for rel in section_pages(site, "people/boris-example/mentions.html")
              for name in hrefs(soup(site, rel), "ul.mention-list li > a")]
    assert listed == [f"report-{i}.html" for i in range(5)]


def test_a_short_section_has_no_pages_of_its_own(tmp_path):
    out = tmp_path / "site"
    assert not build(CONTENT, out).diagnostics.errors
    assert not (out / "countries" / "russia").exists()
    assert not soup(out, "countries/russia.html").select("p.section-more")


@pytest.mark.parametrize("long", [True, False], ids=["long section", "short section"])
def test_a_note_is_checked_on_the_section_page_that_shows_it_or_would(tmp_path, monkeypatch, long):
    # A claim about North Korea and Russia is shown on the page of the source, on their pages if
    # among the first rows, and on a page of each one's claims, one folder deeper: a relative link
    # right on the first ones is wrong there, and the check says so at the note's line. It says so
    # too while the section is short, so that the verdict does not change as the dossier grows.
    if long:
        monkeypatch.setattr(sections, "SHOWN_ROWS", SHOWN)
        monkeypatch.setattr(sections, "SECTION_MAX", MAX)
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    path = content / "sources" / "interbellum-2025-bridge.md"
    text = path.read_text(encoding="utf-8")
    old = "      Partly supported, with an earlier start:"
    path.write_text(text.replace(old, "      See [the map](../map.html). Partly supported, with an earlier start:"), encoding="utf-8")
    errors = check(content).diagnostics.errors
    assert [e.code for e in errors] == ["bad-link"], [e.text() for e in errors]
    assert "(on countries/north-korea/claims.html, which lists this text when that section" in errors[0].message
    line = text[:text.index(old)].count("\n") + 1
    assert errors[0].path.endswith("interbellum-2025-bridge.md") and (errors[0].line, errors[0].col) == (line, 21)   # the address


def test_a_link_to_a_section_page_is_accepted_and_one_past_its_last_page_is_not(tmp_path, short_sections):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    res = check(content).resolved
    pages = sections.overflowing(res, "entity", "russia")["linked-from"]
    page = content / "pages" / "sections-test.md"
    page.write_text(f"---\ntitle: Sections test\n---\n[all](countries/russia/linked-from/{pages}.html)\n", encoding="utf-8")
    assert not check(content).diagnostics.errors
    page.write_text(f"---\ntitle: Sections test\n---\n[all](countries/russia/linked-from/{pages + 1}.html)\n", encoding="utf-8")
    errors = check(content).diagnostics.errors
    assert [e.code for e in errors] == ["bad-link"] and "missing file" in errors[0].message
