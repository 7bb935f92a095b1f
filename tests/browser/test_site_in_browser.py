"""The built demo site, opened from disk (file://) in headless Chromium with the network blocked.

Written against the DOM contract in docs/testing.md. Every test here also fails when a page it
opened logged a console error, threw, or tried to load anything that is not a local file (the
`page` fixture in conftest.py checks that after the test).
"""
from __future__ import annotations

import itertools
import json
import os
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CONTENT = Path(__file__).resolve().parents[2] / "content"

PUTIN = "people/vladimir-putin.html"
BRIDGE_SOURCE = "sources/interbellum-2025-bridge.html"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


# --- every page: the search box ------------------------------------------------------------------

@pytest.mark.parametrize("rel", ["index.html", PUTIN, "map.html", "404.html"])
def test_every_page_has_the_search_box(open_page, rel):
    page = open_page(rel)
    box = page.locator("form.search-box input#site-search")
    expect(box).to_have_count(1)
    expect(box).to_have_attribute("type", "search")
    expect(box).to_have_attribute("name", "q")
    action = page.locator("form.search-box").get_attribute("action") or ""
    assert re.fullmatch(r"(\.\./)*search\.html", action), f"form.search-box action is {action!r}"


def test_search_box_submits_to_search_page(open_page):
    page = open_page(PUTIN)
    page.fill("#site-search", "Putin")
    with page.expect_navigation():
        page.press("#site-search", "Enter")
    assert re.search(r"/search\.html\?(.*&)?q=Putin(&|$)", page.url), page.url
    expect(page.locator("#search-input")).to_have_value("Putin")
    expect(page.locator("#search-results li.result").first).to_be_attached()


# --- search.html ---------------------------------------------------------------------------------

def _check_results(page, query: str) -> list[str]:
    results = page.locator("#search-results li.result")
    expect(results.first).to_be_attached()
    rows = results.evaluate_all(
        """lis => lis.map(li => ({
            hrefs: [...li.querySelectorAll('a[href]')].map(a => a.href),
            marks: [...li.querySelectorAll('mark')].map(m => m.textContent),
            text: li.textContent.trim().slice(0, 120),
        }))"""
    )
    for row in rows:
        assert row["hrefs"], f"result without a link: {row['text']!r}"
        assert row["marks"], f"result without a <mark> around the match: {row['text']!r}"
    marks = [m.casefold() for row in rows for m in row["marks"]]
    assert any(query.casefold() in m for m in marks), (
        f"no <mark> contains {query!r}; marks: {marks[:10]}"
    )
    return [h for row in rows for h in row["hrefs"]]


@pytest.mark.parametrize("query", ["Putin", "путин", "푸틴", "Tum"])
def test_typing_in_search_finds_results(open_page, query):
    page = open_page("search.html")
    field = page.locator("#search-input")
    expect(field).to_have_attribute("type", "search")
    field.click()
    field.press_sequentially(query)
    hrefs = _check_results(page, query)
    if query != "Tum":
        assert any(h.endswith("/" + PUTIN) for h in hrefs), (
            f"no result for {query!r} links to {PUTIN}; links: {hrefs[:10]}"
        )


def test_after_a_search_from_the_header_one_tab_reaches_the_first_result(open_page, page):
    """The results page opened with the focus at its top: 21 presses of Tab to the first result
    (an outside review)."""
    open_page("search.html", query={"q": "Putin"})
    expect(page.locator("#search-results li.result").first).to_be_attached()
    expect(page.locator("#search-input")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement === document.querySelector('#search-results li.result a[href]')")


def test_search_reads_q_on_load(open_page):
    page = open_page("search.html", query={"q": "путин"})
    expect(page.locator("#search-input")).to_have_value("путин")
    hrefs = _check_results(page, "путин")
    assert any(h.endswith("/" + PUTIN) for h in hrefs), hrefs[:10]


def test_search_says_it_is_loading_the_index_while_the_index_script_is_read(open_page, page):
    # At 10,000 entities data/search-index.js is 29 MB: a browser spends a second or more reading
    # it (several on a slow device) with the page already drawn. The page must say it is loading
    # then, not that search waits for JavaScript. Here the index is held back until checked.
    held = []
    page.route("**/data/search-index.js", lambda route: held.append(route))
    open_page("search.html", wait_until="commit")
    page.wait_for_function("() => document.getElementById('search-status')")
    expect(page.locator("#search-status")).to_have_text("Loading the search index…")
    assert len(held) == 1, f"data/search-index.js was requested {len(held)} times"
    held[0].continue_()
    expect(page.locator("#search-status")).to_contain_text("Type to search")


def many_people(content: Path, count: int) -> None:
    """A dossier of `count` people (more than search.WHOLE_MAX documents: an index in parts)."""
    (content / "entities" / "people").mkdir(parents=True)
    (content / "sources").mkdir()
    (content / "dossier.yaml").write_text("title: Many people\n", encoding="utf-8")
    (content / "sources" / "register.md").write_text("---\ntitle: Register\naccessed: 2026-01-01\n---\n", encoding="utf-8")
    first = ["Anna", "Boris", "Chen", "Dmitri", "Elena", "Fyodor", "Galina", "Hyun", "Ivan", "Jin"]
    for i in range(count):
        extra = "names: {ko: 두만강 사람}\n" if i == 7 else ""
        (content / "entities" / "people" / f"p{i:04}.yaml").write_text(
            f"name: {first[i % 10]} Example{i}\n{extra}summary: A person of the register, number {i}.\n", encoding="utf-8")


@pytest.fixture(scope="module")
def site_in_parts(tmp_path_factory) -> Path:
    from dossier.build import build
    from dossier.features import search
    content = tmp_path_factory.mktemp("many") / "content"
    many_people(content, search.WHOLE_MAX + 20)
    site = content.parent / "site"
    assert not build(content, site).diagnostics.errors
    assert len(list((site / "data" / "search").glob("*.js"))) == search.part_count(search.WHOLE_MAX + 21)
    return site


def test_a_large_index_loads_only_the_parts_a_query_needs(page, site_in_parts):
    parts = []
    page.on("request", lambda r: parts.append(r.url.rsplit("/", 1)[1]) if "/data/search/" in r.url else None)
    page.goto((site_in_parts / "search.html").as_uri() + "?q=elena")
    expect(page.locator("#search-status")).to_contain_text("52 results")
    assert len(parts) == 1, parts
    expect(page.locator("#search-results li").first).to_contain_text("Elena")
    page.fill("#search-input", "elena example17")   # a second word: its part too, and both must match
    expect(page.locator("#search-status")).to_have_text("1 result.")
    expect(page.locator("#search-results a")).to_have_text(["Elena Example174"])
    assert 1 <= len(parts) <= 2 and len(set(parts)) == len(parts), parts   # each part once
    page.fill("#search-input", "강")   # a Hangul syllable: a prefix, in the part of its first syllable
    expect(page.locator("#search-results a")).to_have_text(["Hyun Example7"])
    assert len(parts) <= 3, parts
    page.fill("#search-input", "")
    expect(page.locator("#search-status")).to_contain_text("Type to search 521 entities")


def part_of_query(site: Path, word: str) -> str:
    """The file name of the part of the search index that holds a word."""
    from dossier.features import search
    return f"{search.part_of(word, len(list((site / 'data' / 'search').glob('*.js'))))}.js"


def test_a_damaged_part_says_so_for_its_queries_and_the_others_still_work(page, site_in_parts):
    broken = part_of_query(site_in_parts, "boris")
    assert broken != part_of_query(site_in_parts, "elena")
    page.route(f"**/data/search/{broken}?*", lambda route: route.fulfill(status=200, content_type="text/javascript", body="/* */"))
    page.goto((site_in_parts / "search.html").as_uri() + "?q=elena")
    expect(page.locator("#search-status")).to_contain_text("52 results")
    page.fill("#search-input", "boris")
    expect(page.locator("#search-status")).to_have_text("Part of the search index is missing or damaged: rebuild the site.")
    expect(page.locator("#search-results li")).to_have_count(0)   # not the last query's results
    expect(page.locator(".search-more")).to_have_count(0)
    page.fill("#search-input", "elena")
    expect(page.locator("#search-status")).to_contain_text("52 results")


def test_a_part_of_a_rebuilt_site_asks_for_a_reload(page, site_in_parts, tmp_path):
    from dossier.build import build
    content = tmp_path / "content"
    many_people(content, 560)   # more people: other document numbers, more parts
    rebuilt = tmp_path / "site"
    assert not build(content, rebuilt).diagnostics.errors
    page.route("**/data/search/*", lambda route: route.fulfill(
        status=200, content_type="text/javascript",
        body=(rebuilt / "data/search" / route.request.url.rsplit("/", 1)[1].split("?")[0]).read_text(encoding="utf-8")))
    page.goto((site_in_parts / "search.html").as_uri() + "?q=elena")
    expect(page.locator("#search-status")).to_have_text(
        "The site was rebuilt since this page was opened: reload the page to search it.")


@pytest.mark.parametrize("query", ["Korea's", "Korea’s"])
def test_an_ending_after_an_apostrophe_is_not_searched_as_a_word(open_page, query):
    """The lone "s" of Korea's, the last word, was searched as a prefix: every word beginning with
    s matched and was marked (an outside review)."""
    page = open_page("search.html", query={"q": query})
    _check_results(page, "korea")
    marks = page.eval_on_selector_all("#search-results mark", "ms => ms.map(m => m.textContent.toLowerCase())")
    assert marks and all(m.startswith("korea") for m in marks), sorted(set(marks))[:10]


@pytest.mark.parametrize("query, says", [
    ("Путина", "results for words close to it (none has it as written)"),   # Putin's name, declined
    ("Путина xyzzyq", "with some of these words (none has all of them)"),
])
def test_a_search_found_only_loosely_says_how(open_page, query, says):
    page = open_page("search.html", query={"q": query})
    expect(page.locator("#search-status")).to_contain_text(says)


# --- map.html ------------------------------------------------------------------------------------

def test_map_draws_basemap_and_one_marker_per_crossing(open_page, built_site):
    geojson = json.loads((built_site / "data" / "crossings.geojson").read_text(encoding="utf-8"))
    features = [f for f in geojson.get("features") or [] if f["geometry"]]   # those a source places
    assert features, "site/data/crossings.geojson has no located features"
    page = open_page("map.html")
    expect(page.locator("#crossings-map.js-map.js-map-ready")).to_have_count(1)
    basemap = page.locator("#crossings-map path.basemap").count()
    assert basemap > 0, "the map drew no basemap paths (path.basemap)"
    markers = page.locator("#crossings-map .crossing-marker")
    expect(markers).to_have_count(len(features))


def _popups_out_of_place(page, map_selector: str) -> list:
    """Open the popup of each marker of the map from the keyboard; list those that lie under one
    of the map's buttons or its legend, or run past the map's edges."""
    markers = page.locator(f"{map_selector} .crossing-marker")
    wrong = []
    for i in range(markers.count()):
        markers.nth(i).focus()
        markers.nth(i).press("Enter")
        popup = page.locator(f"{map_selector} .leaflet-popup-content-wrapper")
        expect(popup).to_be_visible()
        page.wait_for_timeout(300)   # the popup's pan
        box, frame = popup.bounding_box(), page.locator(map_selector).bounding_box()
        close = page.locator(f"{map_selector} .leaflet-popup-close-button").bounding_box()
        for part, name in ((box, "popup"), (close, "close button")):
            if part["x"] < frame["x"] or part["y"] < frame["y"] or part["x"] + part["width"] > frame["x"] + frame["width"] + 0.5 \
                    or part["y"] + part["height"] > frame["y"] + frame["height"] + 0.5:
                wrong.append((i, f"{name} past the map's edge"))
        for control in page.locator(f"{map_selector} .leaflet-control:visible").all():
            other = control.bounding_box()
            if other and box["x"] < other["x"] + other["width"] and other["x"] < box["x"] + box["width"] \
                    and box["y"] < other["y"] + other["height"] and other["y"] < box["y"] + box["height"]:
                wrong.append((i, control.get_attribute("class")))
        page.keyboard.press("Escape")
        expect(page.locator(f"{map_selector} .leaflet-popup")).to_have_count(0)
    return wrong


@pytest.mark.parametrize("width, height", [(375, 740), (1280, 800)])
def test_no_popup_of_the_map_lies_under_its_buttons_or_legend(open_page, page, width, height):
    """At 375 px the zoom and layers buttons covered popups' titles and close buttons, and the
    legend their text (an outside review); on a wide screen the legend covered the popups of
    crossings near the map's lower right corner (an outside browser check)."""
    page.set_viewport_size({"width": width, "height": height})
    open_page("map.html")
    expect(page.locator("#crossings-map.js-map-ready")).to_have_count(1)
    assert not _popups_out_of_place(page, "#crossings-map")


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("rel", ["crossings/changbai-hyesan-bridge.html", "crossings/korea-russia-friendship-bridge.html",
                                 "crossings/quanhe-wonjong-new-bridge.html"])
def test_a_mini_maps_popups_fit_in_it_with_their_close_button(open_page, page, rel, width):
    """On 17 of the 20 pages with a mini map, a popup ran past the map's right edge, its close
    button cut off, and past its bottom, under the scale (an outside browser check)."""
    page.set_viewport_size({"width": width, "height": 800})
    open_page(rel)
    expect(page.locator("#mini-map.js-map-ready")).to_be_attached()
    assert not _popups_out_of_place(page, "#mini-map")


def test_the_popup_an_also_here_button_opens_takes_the_focus_and_escape_closes_it(open_page, page):
    """From the keyboard, the button dropped the focus to the page, and Escape then did nothing
    (an outside browser check)."""
    _demo_map(open_page, page)
    markers = page.locator("#crossings-map .crossing-marker")
    for i in range(markers.count()):
        markers.nth(i).focus()
        markers.nth(i).press("Enter")
        if page.locator("#crossings-map .map-nearby button").count():
            break
        page.keyboard.press("Escape")
        expect(page.locator("#crossings-map .leaflet-popup")).to_have_count(0)
    button = page.locator("#crossings-map .map-nearby button").first
    name = button.inner_text()
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#crossings-map .leaflet-popup")).to_have_count(1)   # the first one faded out
    expect(page.locator("#crossings-map .leaflet-popup h3")).to_have_text(name)
    assert page.evaluate("() => !!document.activeElement.closest('.leaflet-popup')")
    page.keyboard.press("Escape")
    expect(page.locator("#crossings-map .leaflet-popup")).to_have_count(0)


def test_escape_closes_a_popup_opened_by_a_click(open_page, page):
    _demo_map(open_page, page)
    page.locator("#crossings-map .crossing-marker").first.click(force=True)
    expect(page.locator("#crossings-map .leaflet-popup")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(page.locator("#crossings-map .leaflet-popup")).to_have_count(0)


def _demo_map(open_page, page, width: int = 1280, height: int = 800) -> int:
    """The demo's map page open and ready at that size; how many crossings it draws."""
    page.set_viewport_size({"width": width, "height": height})
    open_page("map.html")
    expect(page.locator("#crossings-map.js-map-ready")).to_have_count(1)
    return page.locator("#crossings-map .crossing-marker").count()


_IN_VIEW = """() => { const map = DOSSIER_MAPS[0], view = map.getBounds(); let n = 0;
    map.eachLayer(l => { if (l.getLatLng && l.options.className && l.options.className.includes('crossing-marker')
                              && view.contains(l.getLatLng())) n++; }); return n; }"""


def test_the_map_fits_its_crossings_again_when_the_window_changes_size_until_the_reader_moves_it(open_page, page):
    """From 1280 px to a phone's width, 3 of the demo's 11 crossings stayed in view (an outside
    browser check)."""
    crossings = _demo_map(open_page, page)
    page.set_viewport_size({"width": 375, "height": 667})
    page.wait_for_timeout(500)
    assert page.evaluate(_IN_VIEW) == crossings
    before = page.evaluate("() => DOSSIER_MAPS[0].getZoom()")
    page.locator("#crossings-map .leaflet-control-zoom-in").click()   # the reader zooms in: the view is theirs
    page.wait_for_timeout(500)
    zoom = page.evaluate("() => DOSSIER_MAPS[0].getZoom()")
    assert zoom > before
    page.set_viewport_size({"width": 700, "height": 667})
    page.wait_for_timeout(500)
    assert page.evaluate("() => DOSSIER_MAPS[0].getZoom()") == zoom


def test_without_javascript_the_maps_markers_on_a_phone_are_large_enough_to_see_and_tap(browser, built_site):
    """Drawn 900 units wide and shown at 375 px, the SVG's markers were 4 px across (an outside
    browser check)."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 740})
    try:
        page = context.new_page()
        page.goto((built_site / "map.html").as_uri())
        sizes = page.locator(".map-svg circle.marker").evaluate_all("cs => cs.map(c => c.getBoundingClientRect().width)")
        assert sizes and min(sizes) >= 10, sizes
    finally:
        context.close()


def test_a_button_brings_the_first_view_back_after_panning_away(open_page, page):
    """A reader who panned to empty sea had no way back but zooming and panning by hand (an outside
    browser check)."""
    crossings = _demo_map(open_page, page)
    page.evaluate("() => { DOSSIER_MAPS[0].setZoom(3, {animate: false}); DOSSIER_MAPS[0].panBy([3000, 0], {animate: false}); }")
    assert page.evaluate(_IN_VIEW) == 0
    page.get_by_role("button", name="Show the first view again").click()
    page.wait_for_timeout(500)
    assert page.evaluate(_IN_VIEW) == crossings


@pytest.mark.parametrize("width, folded", [(375, True), (1280, False)])
def test_on_a_phone_the_maps_legend_is_folded_to_its_title_and_opens_on_a_tap(open_page, page, width, folded):
    """On a phone the legend took a fifth of the map and covered markers (an outside browser check)."""
    page.set_viewport_size({"width": width, "height": 740})
    open_page("map.html")
    legend = page.locator("#crossings-map details.map-legend")
    expect(legend).to_have_count(1)
    assert legend.evaluate("d => !d.open") == folded
    if folded:
        legend.locator("summary").click()
        assert legend.evaluate("d => d.open")
        expect(legend.get_by_text("Mode (colour)")).to_be_visible()
        page.set_viewport_size({"width": 1280, "height": 740})   # the reader's choice stays
        page.wait_for_timeout(300)
        assert legend.evaluate("d => d.open")
    else:
        page.set_viewport_size({"width": 375, "height": 740})   # folds on a narrow window, untouched
        page.wait_for_timeout(300)
        assert legend.evaluate("d => !d.open")


def test_the_map_zooms_only_as_close_as_its_basemap_shows_until_the_tiles_are_on(open_page, page):
    """Zoomed in to the 100 m scale, the built-in basemap showed empty land (an outside review)."""
    open_page("map.html")
    expect(page.locator("#crossings-map.js-map-ready")).to_have_count(1)
    assert page.evaluate("window.DOSSIER_MAPS.map(map => map.getMaxZoom())") == [12]


def test_each_marker_drawn_on_one_spot_can_be_opened_from_the_popup_of_the_top_one(open_page):
    page = open_page("map.html")
    expect(page.locator("#crossings-map.js-map-ready")).to_have_count(1)
    boxes = [m.bounding_box() for m in page.locator("#crossings-map .crossing-marker").all()]
    centers = [(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2) for b in boxes]
    stacked = [i for i, (x, y) in enumerate(centers)
               if any(j != i and abs(x - u) < 4 and abs(y - v) < 4 for j, (u, v) in enumerate(centers))]
    assert stacked, "the demo's Tumen-Namyang crossings are drawn on one spot at the map's first zoom"
    page.mouse.click(*centers[stacked[0]])
    popup = page.locator(".leaflet-popup .map-popup")
    expect(popup).to_have_count(1)
    others = popup.locator(".map-nearby button")
    assert others.count() >= 1
    name = others.first.inner_text()
    assert name != popup.locator("h3").inner_text()
    others.first.dispatch_event("click")   # not a click at a point: the popup may still be panning into view
    expect(page.locator(".leaflet-popup")).to_have_count(1)   # the first one closed (it fades out)
    expect(page.locator(".leaflet-popup .map-popup h3")).to_have_text(name)


def test_a_number_beside_a_marker_counts_the_crossings_drawn_on_its_spot(open_page):
    """The demo's 11 located crossings show as 7 dots at the map's first zoom (three Tumen bridges
    on one point): the top marker of each stack has a number, and its popup lists the others."""
    page = open_page("map.html")
    expect(page.locator("#crossings-map.js-map-ready")).to_have_count(1)
    counts = [int(badge.inner_text()) for badge in page.locator("#crossings-map .stack-count").all()]
    assert sorted(counts) == [2, 2, 3]
    for n, count in enumerate(counts):
        page = open_page("map.html")   # afresh: a popup pans the map to show itself
        badge = page.locator("#crossings-map .stack-count").nth(n)
        badge.scroll_into_view_if_needed()
        box = badge.bounding_box()
        page.mouse.click(box["x"] - 5, box["y"] + 19)   # the marker it stands beside (its iconAnchor)
        popup = page.locator(".leaflet-popup .map-popup")
        expect(popup).to_have_count(1)
        assert popup.locator(".map-nearby button").count() == count - 1


def test_the_demo_maps_markers_are_tab_stops_that_open_their_popup(open_page):
    page = open_page("map.html")
    expect(page.locator("#crossings-map.js-map-ready")).to_have_count(1)
    markers = page.locator("#crossings-map .crossing-marker")
    assert markers.count() > 1
    assert set(markers.evaluate_all("ms => ms.map(m => m.getAttribute('tabindex'))")) == {"0"}
    markers.first.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".leaflet-popup .map-popup")).to_have_count(1)
    # the popup takes the focus, and Escape gives it back to the marker
    assert page.evaluate("() => !!document.activeElement.closest('.leaflet-popup')")
    page.keyboard.press("Escape")
    expect(page.locator(".leaflet-popup")).to_have_count(0)
    assert page.evaluate("() => document.activeElement.classList.contains('crossing-marker')")


MINI_MAP_PAGE = "crossings/linjiang-bridge.html"   # a short page, a tall infobox
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True,
         "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                       "Chrome/126.0 Mobile Safari/537.36"}


@pytest.mark.parametrize("width", [1366, 390])
def test_a_mini_maps_legend_is_under_the_map_whole_and_hides_none_of_it(page, tmp_path, width):
    site = _crossings_site(tmp_path, [(41.79, 126.9)])   # no mode, no status: the longest legend line
    page.set_viewport_size({"width": width, "height": 900})
    page.goto((site / "crossings" / "c0.html").as_uri())
    expect(page.locator("#mini-map.js-map-ready")).to_be_attached()
    legend = page.locator(".map-legend-mini")
    expect(legend).to_have_text("Mode not known, status not known")
    assert legend.evaluate("e => !e.closest('#mini-map') && e.scrollWidth <= e.clientWidth")
    mini, under = page.locator("#mini-map").bounding_box(), legend.bounding_box()
    assert under["y"] >= mini["y"] + mini["height"]


def test_a_short_entity_page_has_no_gap_under_its_heading_beside_a_tall_infobox(open_page, page):
    page.set_viewport_size({"width": 1366, "height": 900})
    open_page(MINI_MAP_PAGE)
    head, body = page.locator(".entity > .page-head").bounding_box(), page.locator(".entity-body").bounding_box()
    assert page.locator(".infobox").bounding_box()["height"] > head["height"] + body["height"]   # the case
    assert body["y"] - (head["y"] + head["height"]) < 40


def test_on_a_touch_screen_a_finger_swiped_over_a_mini_map_scrolls_the_page_not_the_map(browser, built_site):
    context = browser.new_context(service_workers="block", **PHONE)
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    try:
        phone = context.new_page()
        phone.goto((built_site / MINI_MAP_PAGE).as_uri())
        phone.wait_for_function("() => document.querySelector('#mini-map.js-map-ready')")
        phone.evaluate("() => scrollTo(0, document.querySelector('#mini-map').getBoundingClientRect().top + scrollY - 200)")
        mini = phone.locator("#mini-map").bounding_box()
        before = phone.evaluate("() => [scrollY, DOSSIER_MAPS[0].getCenter().lat]")
        cdp = context.new_cdp_session(phone)
        x, y = mini["x"] + mini["width"] / 2, mini["y"] + mini["height"] / 2 + 60
        for step in range(12):   # a finger down on the map, moved up 165 px, lifted
            kind = "touchStart" if step == 0 else "touchEnd" if step == 11 else "touchMove"
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [] if kind == "touchEnd" else [{"x": x, "y": y - 15 * step}]})
            phone.wait_for_timeout(20)
        phone.wait_for_function("y => scrollY > y + 100", arg=before[0])
        assert phone.evaluate("() => DOSSIER_MAPS[0].getCenter().lat") == before[1]
        assert phone.evaluate("() => DOSSIER_MAPS[0].touchZoom.enabled()")   # two fingers still move and zoom it
    finally:
        context.close()


def test_a_map_of_more_than_a_hundred_crossings_leaves_them_out_of_the_tab_order(page, tmp_path):
    """A keyboard would pass every marker (990 at 10,000 entities) before the list of crossings,
    which leads to the same pages. The build-time map on the home page, too."""
    from dossier.build import build
    content = tmp_path / "content"
    (content / "entities" / "crossings").mkdir(parents=True)
    (content / "sources").mkdir()
    (content / "dossier.yaml").write_text("title: Many crossings\n", encoding="utf-8")
    (content / "sources" / "survey.md").write_text("---\ntitle: Survey\naccessed: 2026-01-01\n---\n", encoding="utf-8")
    for i in range(101):
        (content / "entities" / "crossings" / f"c{i:03}.yaml").write_text(
            f"name: Crossing {i}\nlocation: {{lat: {40 + i / 50:.2f}, lon: 125.0, cite: [survey]}}\n", encoding="utf-8")
    site = tmp_path / "site"
    assert not build(content, site).diagnostics.errors
    page.goto((site / "map.html").as_uri())
    expect(page.locator("#crossings-map.js-map-ready")).to_have_count(1)
    markers = page.locator("#crossings-map .crossing-marker")
    expect(markers).to_have_count(101)
    # said so: without it Chromium made each a tab stop (Leaflet's tooltip listeners), 148 of them
    # between the page and the zoom buttons (an outside browser check)
    assert set(markers.evaluate_all("ms => ms.map(m => m.getAttribute('tabindex'))")) == {"-1"}
    page.locator("#crossings-map").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("() => !!document.activeElement.closest('.leaflet-control')")
    page.goto((site / "index.html").as_uri())
    links = page.locator(".home-map svg a")
    expect(links).to_have_count(101)
    assert set(links.evaluate_all("ls => ls.map(a => a.tabIndex)")) == {-1}


def _crossings_site(tmp_path: Path, places: list[tuple[float, float]], page_text: str = "Text.") -> Path:
    from dossier.build import build
    content = tmp_path / "content"
    (content / "entities" / "crossings").mkdir(parents=True)
    (content / "sources").mkdir()
    (content / "pages").mkdir()
    (content / "dossier.yaml").write_text("title: Crossings\n", encoding="utf-8")
    (content / "sources" / "survey.md").write_text("---\ntitle: Survey\naccessed: 2026-01-01\n---\n", encoding="utf-8")
    (content / "pages" / "notes.md").write_text(f"---\ntitle: Notes\n---\n{page_text}\n", encoding="utf-8")
    for i, (lat, lon) in enumerate(places):
        (content / "entities" / "crossings" / f"c{i}.yaml").write_text(
            f"name: Crossing {i}\nlocation: {{lat: {lat}, lon: {lon}, cite: [survey]}}\n", encoding="utf-8")
    site = tmp_path / "site"
    assert not build(content, site).diagnostics.errors
    return site


@pytest.mark.parametrize("places", [
    [(42.42, 130.64), (42.56, 130.52), (51.17, 23.80)],     # the Tumen and the Poland-Ukraine border
    [(42.42, 130.64), (65.5, 179.99), (65.5, -179.99)],     # both sides of the 180th meridian
], ids=["two-regions", "antimeridian"])
def test_the_map_first_shows_every_crossing_however_far_apart(page, tmp_path, places):
    """The map could not zoom out past level 4: crossings spread wider than a region could not
    all be fitted, and the first view stopped on empty sea between them (an outside test: 0 of
    13 in view), with zooming out disabled."""
    site = _crossings_site(tmp_path, places)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto((site / "map.html").as_uri())
    expect(page.locator("#crossings-map.js-map-ready")).to_have_count(1)
    shown = page.evaluate("""() => { const map = DOSSIER_MAPS[0], view = map.getBounds();
        let n = 0; map.eachLayer(l => { if (l.getLatLng && view.contains(l.getLatLng())) n++; }); return n; }""")
    assert shown >= len(places), f"{shown} of {len(places)} crossings in the first view"
    lons = sorted(lon for _, lon in places)
    gaps = [east - west for west, east in zip(lons, lons[1:])] + [lons[0] + 360 - lons[-1]]
    spread = 360 - max(gaps)   # of longitude, the shorter way round the world
    span = page.evaluate("() => { const v = DOSSIER_MAPS[0].getBounds(); return v.getEast() - v.getWest(); }")
    assert span < 1.5 * spread + 60, f"the first view spans {span:.0f} degrees for crossings within {spread:.0f}"


def test_a_map_layer_is_drawn_across_the_180th_meridian_with_the_crossings(page, tmp_path):
    """The crossing at -179.9 was drawn at 180.1, beside the one at 179.9, and the layer's point at
    the same place stayed at -179.9, the world away (a review)."""
    site_content = tmp_path / "layered"
    site = _crossings_site(site_content, [(65.5, 179.9), (65.6, -179.9)])
    (site_content / "content" / "map").mkdir()
    (site_content / "content" / "map" / "points.geojson").write_text(
        '{"type": "Feature", "properties": {"name": "p"}, "geometry": {"type": "Point", "coordinates": [-179.9, 65.6]}}',
        encoding="utf-8")
    from dossier.build import build
    assert not build(site_content / "content", site).diagnostics.errors
    page.goto((site / "map.html").as_uri())
    expect(page.locator("#crossings-map.js-map-ready")).to_have_count(1)
    shown = page.evaluate("""() => { const map = DOSSIER_MAPS[0], view = map.getBounds(); const out = [];
        map.eachLayer(l => { if (l.getLatLng && l.options.className === 'content-layer') out.push(view.contains(l.getLatLng())); });
        return out; }""")
    assert shown == [True]


@pytest.mark.parametrize("width, height", [(390, 844), (320, 480), (768, 1024)])
def test_a_popup_open_while_the_window_changes_size_stays_in_the_map(open_page, page, width, height):
    """The first view was fitted again and the popup was not: its title and close button ended
    above the map (an outside browser check)."""
    _demo_map(open_page, page)
    top = max(page.locator("#crossings-map .crossing-marker").all(), key=lambda m: -m.bounding_box()["y"])
    top.click(force=True)
    expect(page.locator("#crossings-map .leaflet-popup")).to_have_count(1)
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_timeout(600)
    frame = page.locator("#crossings-map").bounding_box()
    for part in (".leaflet-popup-content-wrapper", ".leaflet-popup-close-button"):
        box = page.locator(f"#crossings-map {part}").bounding_box()
        assert frame["y"] <= box["y"] and box["y"] + box["height"] <= frame["y"] + frame["height"] + 0.5, part
        assert frame["x"] <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"] + 0.5, part


@pytest.mark.parametrize("width", [375, 1280])
def test_a_mini_maps_popup_shows_its_text_whole(open_page, page, width):
    """Room kept for the buttons above across the whole of a 260 px map left a popup 60 px of
    text, 'Read the page' scrolled out of sight (an outside browser check)."""
    page.set_viewport_size({"width": width, "height": 800})
    open_page("crossings/tumen-namyang-rail-bridge.html")
    expect(page.locator("#mini-map.js-map-ready")).to_be_attached()
    own = page.locator("#mini-map .crossing-marker.highlight")
    own.focus()
    own.press("Enter")
    content = page.locator("#mini-map .leaflet-popup-content")
    expect(content).to_be_visible()
    page.wait_for_timeout(300)
    assert content.evaluate("c => c.clientHeight") >= 140   # of a 260 px map
    link, box = content.get_by_text("Read the page").bounding_box(), content.bounding_box()
    assert box["y"] <= link["y"] and link["y"] + link["height"] <= box["y"] + box["height"], "scrolled out of sight"


def test_a_popup_keeps_the_keyboards_focus_when_the_window_changes_size(open_page, page):
    """Fitting the popup to the new size made its content again, and the focus fell to the page
    (a review)."""
    _demo_map(open_page, page)
    marker = page.locator("#crossings-map .crossing-marker").first
    marker.focus()
    marker.press("Enter")
    assert page.evaluate("() => !!document.activeElement.closest('.leaflet-popup')")
    page.set_viewport_size({"width": 1100, "height": 850})
    page.wait_for_timeout(400)
    assert page.evaluate("() => !!document.activeElement.closest('.leaflet-popup')")
    page.keyboard.press("Escape")
    assert page.evaluate("() => document.activeElement.classList.contains('crossing-marker')")


def test_a_long_line_of_code_scrolls_in_its_box_not_the_page(page, tmp_path):
    site = _crossings_site(tmp_path, [(42.42, 130.64)], "Intro.\n\n```\n" + "x = 1; " * 40 + "\n```\n")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto((site / "notes.html").as_uri())
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    assert page.evaluate("() => { const pre = document.querySelector('main pre'); return pre.scrollWidth > pre.clientWidth; }")


@pytest.mark.parametrize("width", [375, 1280])
def test_a_long_page_title_keeps_the_navigation_to_one_row(page, tmp_path, width):
    """A 260-character title made a three-line header on every page, and on a phone the row of
    links scrolled to the middle of that one link, with no other in view (an outside test)."""
    site = _crossings_site(tmp_path, [(42.42, 130.64)])
    (tmp_path / "content" / "pages" / "notes.md").write_text("---\ntitle: " + "Notes on the crossings " * 11 + "\n---\nText.\n",
                                                            encoding="utf-8")
    from dossier.build import build
    assert not build(tmp_path / "content", site).diagnostics.errors
    page.set_viewport_size({"width": width, "height": 800})
    page.goto((site / "notes.html").as_uri())
    rows = page.evaluate("() => new Set([...document.querySelectorAll('.site-nav li')].map(li => li.getBoundingClientRect().top)).size")
    assert rows == 1
    in_view = page.evaluate("""() => [...document.querySelectorAll('.site-nav a')].filter(a => {
        const r = a.getBoundingClientRect(); return r.right > 0 && r.left < innerWidth; }).length""")
    assert in_view >= 2


# --- claims.html ---------------------------------------------------------------------------------

def test_quotation_marks_are_drawn_as_text_not_as_open_and_close_quote(open_page):
    # Chromium tracks the nesting depth of every open-quote on a page as it loads, in time that
    # grows faster than the page: the claims ledger of a 50,000-entity dossier (7,000 quotes) took
    # 13 to 19 s to load and lay out with the browser's marks, 4 to 5 s with these.
    page = open_page("claims.html")
    quotes = page.locator("main q")
    expect(quotes.first).to_be_attached()
    marks = quotes.evaluate_all(
        "qs => qs.map(q => [getComputedStyle(q, '::before').content, getComputedStyle(q, '::after').content])"
    )
    assert {tuple(m) for m in marks} == {('"\u201c"', '"\u201d"')}, sorted({tuple(m) for m in marks})


# --- entity page -> note -> source ---------------------------------------------------------------

def test_citation_jumps_to_note_and_note_opens_source(open_page, built_site):
    page = open_page(PUTIN)
    cite = page.locator('sup.cite a[href^="#note-"]').first
    expect(cite).to_be_attached()
    href = cite.get_attribute("href")
    assert re.fullmatch(r"#note-\d+", href), f"citation mark links to {href!r}"
    cite.click()
    page.wait_for_function("h => location.hash === h", arg=href)
    note = page.locator(f"li{href}")
    expect(note).to_have_count(1)
    expect(note).to_be_in_viewport()
    link = note.locator('a[href^="../sources/"]').first
    expect(link).to_be_attached()
    target = link.get_attribute("href")
    assert re.fullmatch(r"\.\./sources/[^/#?]+\.html(#[^#]*)?", target), (
        f"the note links to {target!r}, not to a sources/*.html page"
    )
    with page.expect_navigation():
        link.click()
    sources_url = (built_site / "sources").as_uri() + "/"
    assert page.url.startswith(sources_url), page.url
    assert re.fullmatch(r"[^/#?]+\.html(#.*)?", page.url[len(sources_url):]), page.url
    expect(page.locator("h1")).to_have_count(1)
    assert page.locator("h1").inner_text().strip()


# --- source page: annotation anchors -------------------------------------------------------------

def test_annotation_anchor_is_the_target(open_page, page):
    open_page(BRIDGE_SOURCE)
    marks = page.locator('mark.anno[id^="a-"]')
    expect(marks.first).to_be_attached()
    anchor = marks.first.get_attribute("id")
    fresh = open_page(BRIDGE_SOURCE, fragment=anchor, target=page.context.new_page())
    target_id = fresh.evaluate("() => document.querySelector(':target')?.id ?? null")
    assert target_id == anchor, f"opened #{anchor}, but :target is {target_id!r}"
    expect(fresh.locator(f'mark.anno[id="{anchor}"]')).to_be_in_viewport()


def test_a_click_on_a_highlight_goes_to_its_note_which_quotes_it(open_page):
    page = open_page(BRIDGE_SOURCE)
    mark = page.locator('mark.anno[id^="a-"]:not(:has(a))').last   # a mention link inside goes to its entity
    anchor = mark.get_attribute("id")
    mark.click()
    assert page.evaluate("() => location.hash") == f"#{anchor}-note"
    note = page.locator(f'aside[id="{anchor}-note"]')
    expect(note).to_be_in_viewport()
    quoted = note.locator(".anno-head q").inner_text().rstrip("…")
    assert quoted and quoted in mark.inner_text() + page.locator("main").inner_text()
    note.locator("a.anno-kind").click()
    page.wait_for_function("h => location.hash === h", arg=f"#{anchor}")


NOTES_GEOMETRY = """() => {
  const box = e => e.getBoundingClientRect();
  const notes = [...document.querySelectorAll('.article-text .anno-note')].map(n => {
    const mark = document.getElementById(n.id.replace(/-note$/, ''));
    // a paragraph's notes are in its passage; those of a table or a list follow it
    const passage = n.closest('.passage') || n.parentNode, next = passage.nextElementSibling;
    const text = passage.classList.contains('passage') ?
      [...passage.children].filter(c => !c.classList.contains('passage-notes')).pop() : passage.previousElementSibling;
    return {mark: box(mark).top, top: box(n).top, bottom: box(n).bottom, left: box(n).left,
            textEnd: box(text).bottom, nextStart: next ? box(next).top : Infinity};
  });
  const paras = [...document.querySelectorAll('.article-text p:not(.anno-note p)')].map(p => ({top: box(p).top, bottom: box(p).bottom, right: box(p).right}));
  // What fills the text's column, top to bottom: its blocks, and the notes placed in it.
  const blocks = [...document.querySelectorAll('.article-text > :not(.passage), .passage > :not(.passage-notes), .anno-note')]
    .map(b => ({top: box(b).top, bottom: box(b).bottom, left: box(b).left}));
  return {beside: document.querySelector('.article-text').classList.contains('notes-beside'), notes, paras, blocks,
          screen: innerHeight, measure: 42 * parseFloat(getComputedStyle(document.documentElement).fontSize)};
}"""


def blank_in_text_column(found: dict) -> float:
    """The tallest stretch of the text's column with nothing in it, between its first and last block."""
    right = max(p["right"] for p in found["paras"])
    spans = sorted((b["top"], b["bottom"]) for b in found["blocks"] if b["left"] < right - 1)
    blank, reached = 0.0, spans[0][1]
    for top, bottom in spans[1:]:
        blank, reached = max(blank, top - reached), max(reached, bottom)
    return blank


@pytest.fixture(scope="module")
def lightly_annotated(tmp_path_factory) -> Path:
    """A source of ten paragraphs with three short notes: they fit beside the text."""
    from dossier.build import build
    content = tmp_path_factory.mktemp("notes") / "content"
    (content / "sources").mkdir(parents=True)
    (content / "dossier.yaml").write_text("title: Notes beside\n", encoding="utf-8")
    paragraphs = [f"Paragraph {i} tells " + "of the river, the bridge and the border station " * 4 for i in range(10)]
    notes = "".join(f"  - quote: Paragraph {i} tells\n    note: A short note on paragraph {i}.\n" for i in (1, 4, 5))
    (content / "sources" / "report.md").write_text(
        f"---\ntitle: Report\naccessed: 2026-01-01\nannotations:\n{notes}---\n" + "\n\n".join(paragraphs) + "\n",
        encoding="utf-8")
    site = content.parent / "site"
    assert not build(content, site).diagnostics.errors
    return site


def test_on_a_wide_screen_short_notes_sit_beside_their_words_and_the_text_never_waits(page, lightly_annotated):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto((lightly_annotated / "sources" / "report.html").as_uri())
    found = page.evaluate(NOTES_GEOMETRY)
    assert found["beside"] and len(found["notes"]) == 3
    for note in found["notes"]:
        assert note["top"] == pytest.approx(note["mark"], abs=1)   # level with its highlight
        assert note["left"] >= max(p["right"] for p in found["paras"])   # in the margin, not over the text
    for above, below in zip(found["notes"], found["notes"][1:]):
        assert below["top"] >= above["bottom"]
    assert blank_in_text_column(found) < 40, "a paragraph waits below the notes of the one above"
    page.set_viewport_size({"width": 390, "height": 800})   # a phone: each note under its paragraph
    page.wait_for_function("() => !document.querySelector('.article-text').classList.contains('notes-beside')")
    found = page.evaluate(NOTES_GEOMETRY)
    assert all(note["textEnd"] <= note["top"] and note["bottom"] <= note["nextStart"] for note in found["notes"])


@pytest.mark.parametrize("width", [1366, 1920])
def test_notes_taller_than_the_text_follow_their_paragraphs_instead_of_drifting_away(open_page, page, width):
    """The demo's main article has 28 notes, some of a screen's height: beside its text they
    would end thousands of pixels below their words. Each follows its paragraph instead."""
    page.set_viewport_size({"width": width, "height": 900})
    open_page(BRIDGE_SOURCE)
    found = page.evaluate(NOTES_GEOMETRY)
    assert not found["beside"] and len(found["notes"]) >= 20
    assert all(note["textEnd"] <= note["top"] and note["bottom"] <= note["nextStart"] for note in found["notes"])
    assert blank_in_text_column(found) < 60, "blank text column between two paragraphs"
    assert max(p["right"] for p in found["paras"]) - min(n["left"] for n in found["notes"]) <= found["measure"] + 1


# --- narrow screens ------------------------------------------------------------------------------

@pytest.mark.parametrize("rel", ["crossings/index.html", "sources/frwiki-kraskino.html", BRIDGE_SOURCE, PUTIN])
def test_a_phone_wide_page_does_not_scroll_sideways(open_page, page, rel):
    page.set_viewport_size({"width": 390, "height": 800})
    open_page(rel)
    wider = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert wider <= 0, f"{rel} is {wider}px wider than a 390px screen"


# The median brightness of the leftmost and rightmost columns of pixels of a screenshot (PNG as
# base64), decoded by the browser itself: a scroll shadow darkens its edge's column.
EDGE_BRIGHTNESS = """async (png) => {
  const img = new Image();
  img.src = 'data:image/png;base64,' + png;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.width; canvas.height = img.height;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const median = x => {
    const d = ctx.getImageData(x, 0, 1, img.height).data, levels = [];
    for (let i = 0; i < d.length; i += 4) { levels.push(d[i] + d[i + 1] + d[i + 2]); }
    levels.sort((a, b) => a - b);
    return levels[levels.length >> 1];
  };
  return {left: median(1), right: median(img.width - 2)};
}"""


def edge_brightness(page, locator) -> dict:
    import base64
    return page.evaluate(EDGE_BRIGHTNESS, base64.b64encode(locator.screenshot()).decode())


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_on_a_phone_a_table_wider_than_the_screen_shades_the_edge_it_scrolls_on_from(open_page, page, scheme):
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": 390, "height": 800})
    open_page("crossings/index.html")
    box = page.locator(".table-scroll")
    assert box.evaluate("b => b.scrollWidth > b.clientWidth + 40"), "the crossings table fits: nothing to test"
    at_start = edge_brightness(page, box)
    box.evaluate("b => { b.scrollLeft = b.scrollWidth; }")
    at_end = edge_brightness(page, box)
    # A shadow in light, a glow in dark: at the start only the right edge is shaded, at the end only the left.
    assert abs(at_start["right"] - at_end["left"]) <= 20 and abs(at_start["left"] - at_end["right"]) <= 20, (at_start, at_end)
    assert abs(at_start["right"] - at_start["left"]) > 20, at_start


@pytest.mark.parametrize("rel, current", [("index.html", None), ("claims.html", "Claims"), (PUTIN, "People")])
def test_on_a_phone_the_header_is_a_sixth_of_the_screen_and_its_links_one_row_showing_the_current(open_page, page, rel, current):
    page.set_viewport_size({"width": 390, "height": 844})
    open_page(rel)
    found = page.evaluate("""() => {
      const row = document.querySelector('.site-nav ul'), box = row.getBoundingClientRect();
      const links = [...row.querySelectorAll('a')].map(a => ({text: a.textContent, rect: a.getBoundingClientRect().toJSON(),
                                                             current: a.hasAttribute('aria-current')}));
      return {header: document.querySelector('.site-header').getBoundingClientRect().height, box: box.toJSON(),
              scrolls: row.scrollWidth > row.clientWidth, links};
    }""")
    assert found["header"] <= 844 / 6, f"the header is {found['header']}px high"
    assert len({round(link["rect"]["top"]) for link in found["links"]}) == 1, "the links wrap onto several rows"
    assert found["scrolls"]
    shown = [link for link in found["links"] if link["current"]]
    assert [link["text"] for link in shown] == ([current] if current else [])
    for link in shown:
        assert found["box"]["left"] <= link["rect"]["left"] and link["rect"]["right"] <= found["box"]["right"], link


def test_on_a_phone_the_navigation_row_is_shaded_on_the_side_it_scrolls_to(open_page, page):
    page.set_viewport_size({"width": 390, "height": 844})
    open_page("index.html")   # no current section: the row starts at its first link
    row = page.locator(".site-nav ul")
    at_start = edge_brightness(page, row)
    row.evaluate("r => { r.scrollLeft = r.scrollWidth; }")
    at_end = edge_brightness(page, row)
    assert abs(at_start["right"] - at_end["left"]) <= 20 and abs(at_start["right"] - at_start["left"]) > 20, (at_start, at_end)


def test_on_a_phone_each_navigation_link_the_keyboard_reaches_is_shown_whole_with_its_outline(open_page, page):
    page.set_viewport_size({"width": 390, "height": 844})
    open_page("claims.html")
    page.focus(".search-box button")
    seen = []
    for _ in range(page.locator(".site-nav a").count()):
        page.keyboard.press("Tab")
        found = page.evaluate("""() => {
          const link = document.activeElement, row = link.closest('.site-nav ul');
          if (!row) { return null; }
          const a = link.getBoundingClientRect(), box = row.getBoundingClientRect();
          return {text: link.textContent, room: Math.min(a.left - box.left, box.right - a.right)};
        }""")
        assert found is not None, "Tab left the navigation early"
        seen.append(found["text"])
        assert found["room"] >= 5, found   # the focus outline (3px, 2px apart) is drawn whole
    assert "Claims" in seen and len(seen) == len(set(seen))


MARKS_STARTING_A_LINE = """() => [...document.querySelectorAll('main sup.cite')].filter(sup => {
  const walk = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  walk.currentNode = sup;
  let before = walk.previousNode();
  while (before && !before.data.trim()) { before = walk.previousNode(); }
  if (!before) { return false; }
  const range = document.createRange(), last = before.data.trimEnd().length - 1;
  range.setStart(before, last);
  range.setEnd(before, last + 1);
  return sup.getBoundingClientRect().top >= range.getBoundingClientRect().bottom - 2;   // on the next line
}).map(sup => sup.textContent)"""


@pytest.mark.parametrize("width", [390, 1366])
@pytest.mark.parametrize("rel", ["people/kim-jong-un.html", "overview.html"])
def test_a_citation_mark_never_starts_a_line(open_page, page, rel, width):
    page.set_viewport_size({"width": width, "height": 900})
    open_page(rel)
    assert page.locator("main sup.cite").count() > 10
    assert page.evaluate(MARKS_STARTING_A_LINE) == []


@pytest.mark.parametrize("rel, selector", [("overview.html", "article.authored p"), ("claims.html", "ol.claims > li"),
                                           (PUTIN, ".entity-body p")])
def test_text_keeps_a_readable_measure_on_a_wide_screen(open_page, page, rel, selector):
    page.set_viewport_size({"width": 1440, "height": 900})
    open_page(rel)
    width = page.evaluate("s => document.querySelector(s).getBoundingClientRect().width", selector)
    assert width <= 42 * 16 + 1, f"{selector} on {rel} is {width}px wide"


def test_every_rule_of_the_stylesheet_applies(open_page, page):
    # A stray brace once made the browser drop the rule after it: tables lost their borders.
    open_page("crossings/index.html")
    assert page.evaluate("() => getComputedStyle(document.querySelector('table.listing')).borderCollapse") == "collapse"
    css = (CONTENT.parent / "templates" / "assets" / "style.css").read_text(encoding="utf-8")
    depths = list(itertools.accumulate((ch == "{") - (ch == "}") for ch in re.sub(r"/\*.*?\*/", "", css, flags=re.S)))
    assert min(depths) == 0 and depths[-1] == 0, "style.css has a brace that closes nothing or is never closed"


# --- accessibility -------------------------------------------------------------------------------

def _first_authored_page() -> list[str]:
    pages = sorted((CONTENT / "pages").glob("*.md"))
    return [f"(authored) {pages[0].stem}"] if pages else []


A11Y_PAGES = [
    "index.html", "people/index.html", PUTIN, "sources/index.html", BRIDGE_SOURCE, "map.html",
    "timeline.html", "claims.html", "search.html?q=Putin", "404.html",
] + _first_authored_page()


def _resolve(built_site: Path, entry: str) -> tuple[str, dict | None]:
    if entry.startswith("(authored) "):
        slug = entry.split(" ", 1)[1]
        for rel in (f"pages/{slug}.html", f"{slug}.html"):
            if (built_site / rel).is_file():
                return rel, None
        raise AssertionError(f"authored page {slug!r} is neither pages/{slug}.html nor {slug}.html")
    rel, _, q = entry.partition("?q=")
    return rel, ({"q": q} if q else None)


def _violation_report(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v.get('impact')}): {v.get('help')} [{v.get('helpUrl')}]")
        for node in v["nodes"][:15]:
            lines.append(f"    {' '.join(map(str, node['target']))}")
            summary = (node.get("failureSummary") or "").replace("\n", " / ")
            if summary:
                lines.append(f"        {summary[:300]}")
        if len(v["nodes"]) > 15:
            lines.append(f"    ... and {len(v['nodes']) - 15} more")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def axe():
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError as exc:
        pytest.fail(f"axe-playwright-python is not installed ({exc}): run scripts/run-tests",
                    pytrace=False)
    custom = os.environ.get("DOSSIER_AXE_JS")  # an axe.min.js of another axe-core version
    return Axe.from_file(custom) if custom else Axe()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("entry", A11Y_PAGES)
def test_accessibility_wcag_a_aa(open_page, page, built_site, axe, entry, scheme):
    rel, query = _resolve(built_site, entry)
    page.emulate_media(color_scheme=scheme)
    open_page(rel, query=query)
    if rel == "map.html":
        expect(page.locator("#crossings-map.js-map-ready")).to_have_count(1)
    if query:
        expect(page.locator("#search-results li.result").first).to_be_attached()
    results = axe.run(page, options={
        "runOnly": {"type": "tag", "values": WCAG_TAGS},
        "resultTypes": ["violations"],
        # no XHR for stylesheets: it is refused under file:// and would log console errors
        "preload": False,
    })
    violations = results.response["violations"]
    assert not violations, (
        f"{rel} ({scheme} scheme): {len(violations)} WCAG 2.0/2.1 A/AA rule(s) violated:\n"
        + _violation_report(violations)
    )


@pytest.fixture(scope="module")
def paged_site(demo_built_with) -> Path:
    """The demo with lists of ten rows a page (features/paging.py), so that every list is cut."""
    from dossier.features import paging
    return demo_built_with("paged", [(paging, "PAGE_ROWS", 10)])


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("rel", ["sources/index/2.html", "claims/2.html", "timeline/2.html"])
def test_a_later_page_of_a_list_is_accessible_and_its_pager_leads_on(page, paged_site, axe, rel, scheme):
    page.emulate_media(color_scheme=scheme)
    page.goto((paged_site / rel).as_uri())
    violations = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"],
                                        "preload": False}).response["violations"]
    assert not violations, f"{rel} ({scheme}):\n" + _violation_report(violations)
    expect(page.locator('nav.pager a[aria-current="page"]').first).to_have_text("2")
    page.locator('nav.pager a[rel="prev"]').first.click()
    expect(page.locator('nav.pager a[aria-current="page"]').first).to_have_text("1")


def test_the_claims_filter_works_on_a_later_page_of_the_ledger(page, paged_site):
    page.goto((paged_site / "claims/2.html").as_uri())
    claims = page.locator("ol.claims > li.claim")
    shown = claims.count()
    assert shown > 0
    boxes = page.locator(".claim-filter input[type=checkbox]")
    expect(page.locator(".claim-filter")).to_be_visible()
    for i in range(boxes.count()):
        boxes.nth(i).uncheck()
    expect(page.locator("ol.claims > li.claim:visible")).to_have_count(0)


def test_the_claims_filter_still_holds_after_going_back_to_the_ledger(open_page):
    """Back on the page, the browser restores the boxes as the reader left them without a
    "change": the claims of an unticked status were shown again (an outside review)."""
    page = open_page("claims.html")
    corroborated = page.locator(".claim-filter input[value=corroborated]")
    corroborated.uncheck()
    shown = page.locator("ol.claims > li.claim:visible").count()
    assert 0 < shown < page.locator("ol.claims > li.claim").count()
    with page.expect_navigation():
        page.locator("ol.claims > li.claim:visible a[href*='sources/']").first.click()
    page.go_back()
    expect(page.locator(".claim-filter input[value=corroborated]")).not_to_be_checked()
    expect(page.locator("ol.claims > li.claim:visible")).to_have_count(shown)


def test_in_print_an_address_shown_as_itself_is_not_printed_twice(open_page, page):
    """A link prints its address after its text; one whose text is its address printed it twice
    (an outside review)."""
    open_page("crossings/tumen-road-bridge.html")
    page.emulate_media(media="print")
    after = page.eval_on_selector_all(".bibliography a[href^='http']", """links => links.map(a => [
        a.classList.contains('url'), getComputedStyle(a, '::after').content])""")
    assert after and all(content in ("none", "normal") for shown_as_itself, content in after if shown_as_itself)
    assert all(content.startswith('" <"') for shown_as_itself, content in after if not shown_as_itself)


# --- no console errors anywhere ------------------------------------------------------------------

MAX_PAGES = 400  # above this, a sample of each folder (the first pages in sorted order)


def _pages_to_visit(site: Path) -> list[str]:
    rels = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    if len(rels) <= MAX_PAGES:
        return rels
    by_folder: dict[str, list[str]] = {}
    for rel in rels:
        by_folder.setdefault(rel.rpartition("/")[0], []).append(rel)
    per = max(3, MAX_PAGES // len(by_folder))
    return [rel for group in by_folder.values() for rel in group[:per]]


def test_no_console_errors_on_any_page(open_page, page, built_site):
    rels = _pages_to_visit(built_site)
    assert len(rels) > 10, f"only {len(rels)} pages in the built site"
    no_box = []
    start = time.monotonic()
    for rel in rels:
        open_page(rel)
        # one round trip: this page's events arrive before the next one opens
        if page.locator('form.search-box input#site-search[type="search"]').count() != 1:
            no_box.append(rel)
    elapsed = time.monotonic() - start
    print(f"opened {len(rels)} pages in {elapsed:.1f} s")
    assert not no_box, f"{len(no_box)} page(s) without the search box: {no_box[:20]}"
