"""The demo dossier builds into a site that holds together: read back with beautifulsoup4."""
from __future__ import annotations

import hashlib
import posixpath
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from dossier.build import build

from child_process import engine_env

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "content"
REQUIRED_IDS = ["vladimir-putin", "kim-jong-un", "mikhail-mishustin", "pak-thae-song", "north-korea", "russia", "china",
                "tumen-river", "khasan", "tumangang", "rason", "korea-russia-friendship-bridge", "tumen-road-bridge",
                "road-bridge-groundbreaking-2025", "comprehensive-strategic-partnership-treaty", "kcna", "kursk"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "site"
    result = build(CONTENT, out)
    assert not result.diagnostics.errors, [d.text() for d in result.diagnostics.errors]
    return out


def soup(site: Path, rel: str) -> BeautifulSoup:
    return BeautifulSoup((site / rel).read_text(encoding="utf-8"), "html.parser")


def digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_demo_has_every_required_entity_with_summary_and_cited_facts(site):
    from dossier.build import check
    dossier = check(CONTENT).resolved.dossier
    assert len(dossier.entities) >= 25
    for id_ in REQUIRED_IDS:
        assert id_ in dossier.entities, id_
    for entity in dossier.entities.values():
        assert entity.summary, f"{entity.id} has no summary"
        assert all(f.cite for f in entity.facts), f"{entity.id} has an uncited fact"
    assert sum(bool(e.facts) for e in dossier.entities.values()) >= 25


# The seed as received (SHA-256), so that the check holds where no shared/ is beside the checkout.
SEEDS = {"000_0bbbdefbe2862710.txt": "89b65c549a6761f27783b9e06b1f5fd129e566d15647180e50b73dde219d662b"}


def test_the_seed_is_kept_as_received():
    shared = REPO.parent / "shared" / "seeds"
    kept = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((REPO / "seeds").iterdir())}
    assert kept == SEEDS
    if shared.is_dir():
        for original in sorted(shared.iterdir()):
            assert (REPO / "seeds" / original.name).read_bytes() == original.read_bytes()


def test_every_entity_source_and_page_is_reachable_from_the_index(site):
    seen, todo = set(), ["index.html"]
    while todo:
        page = todo.pop()
        if page in seen or not page.endswith(".html"):
            continue
        seen.add(page)
        for a in soup(site, page).find_all("a", href=True):
            parts = urlsplit(a["href"])
            if parts.scheme or not parts.path:
                continue
            todo.append(posixpath.normpath(posixpath.join(posixpath.dirname(page), parts.path)))
    every = {p.relative_to(site).as_posix() for p in site.rglob("*.html")} - {"404.html"}
    assert every - seen == set()


def test_relations_show_on_both_ends_with_reverse_labels(site):
    putin = soup(site, "people/vladimir-putin.html")
    treaty = soup(site, "documents/comprehensive-strategic-partnership-treaty.html")
    assert "Signed" in putin.select_one(".relations").get_text()
    relations = treaty.select_one(".relations")
    assert "Signed by" in relations.get_text()
    assert relations.find("a", href="../people/vladimir-putin.html")


def test_a_relation_label_heads_its_relations_both_ways_once(site):
    """'Related to' reads the same both ways: an entity with such relations to others and from
    others showed the label twice (an outside review)."""
    repeated = {}
    for page in sorted(site.glob("*/*.html")):
        relations = soup(site, page.relative_to(site).as_posix()).select_one("section.relations")
        labels = [dt.get_text() for dt in relations.select("dt")] if relations else []
        if len(labels) != len(set(labels)):
            repeated[page.name] = labels
    assert not repeated
    bridge = soup(site, "crossings/tumen-road-bridge.html").select_one("section.relations")
    assert [dt.get_text() for dt in bridge.select("dt")].count("Related to") == 1


def test_infobox_facts_carry_citation_marks_that_lead_to_their_notes(site):
    page = soup(site, "crossings/korea-russia-friendship-bridge.html")
    marks = page.select(".infobox sup.cite a")
    assert marks
    for mark in marks:
        note = page.find(id=mark["href"][1:])
        assert note is not None and note.find("a", href=lambda h: h and h.startswith("../sources/"))


def test_an_infobox_names_each_thing_once_and_a_cited_fact_takes_the_place_of_a_field(site):
    for rel in ("people/vladimir-putin.html", "crossings/tumen-namyang-rail-bridge.html",
                "documents/comprehensive-strategic-partnership-treaty.html"):
        labels = [dt.get_text(" ", strip=True).split(" sources")[0] for dt in soup(site, rel).select(".infobox > dl > dt")]
        assert len(labels) == len(set(labels)), (rel, labels)
    bridge = soup(site, "crossings/tumen-namyang-rail-bridge.html").select(".infobox > dl > dt")
    length = [dt for dt in bridge if dt.get_text(strip=True).startswith("Length")]
    assert len(length) == 1 and length[0].find_next_sibling("dd").select("sup.cite")


def test_disagreeing_sources_are_shown_side_by_side(site):
    page = soup(site, "crossings/korea-russia-friendship-bridge.html")
    flags = page.select(".infobox .disagree")
    assert flags, "the bridge's lengths disagree between sources and must be shown so"
    row = flags[0].find_parent("dt").find_next_sibling("dd")
    assert len(row.select("li")) >= 2 and len(row.select("sup.cite")) >= 2


def test_sources_index_lists_every_source_with_who_cites_it(site):
    page = soup(site, "sources/index.html")
    items = page.select("ol.bibliography-full > li")
    assert len(items) == len(list((CONTENT / "sources").glob("*.md")))
    article = page.find(id="interbellum-2025-bridge")
    assert "Cited by" in article.get_text()


def test_hangul_and_cyrillic_names_are_marked_with_their_language(site):
    page = soup(site, "people/kim-jong-un.html")
    assert page.select_one('.native-names [lang="ko"]').get_text() == "김정은"
    assert page.select_one('.native-names [lang="ru"]').get_text() == "Ким Чен Ын"


def test_native_names_are_isolated_so_a_right_to_left_name_keeps_its_order(site):
    # <bdi>: an Arabic or Hebrew name with digits or Latin words in it keeps its own direction
    # and leaves the separators around it in theirs.
    for rel in ("people/kim-jong-un.html", "people/index.html"):
        names = soup(site, rel).select('[lang="ko"], [lang="ru"]')
        assert names and all(n.name == "bdi" for n in names if n.name != "html"), rel


def test_a_source_title_carries_its_language_only_when_written_in_that_languages_script(site):
    # aif-...: a Russian title of a Russian source; segye-...: the editors' English title of a Korean one
    assert soup(site, "sources/aif-putin-kim-strategic-document.html").h1.get("lang") == "ru"
    assert soup(site, "sources/segye-2025-04-27-destroyer.html").h1.get("lang") is None
    marked = {b.get_text(): b["lang"] for b in soup(site, "people/kim-jong-un.html").select("a > bdi[lang]")}
    assert marked and all(lang in ("ko", "ru") for lang in marked.values())
    assert not any(title.startswith("Photo report") for title in marked)


def test_two_builds_with_different_hash_seeds_are_byte_identical(tmp_path):
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"site{seed}"
        env = engine_env(PYTHONHASHSEED=seed)
        subprocess.run([sys.executable, "-m", "dossier", "build", "--content", str(CONTENT), "--out", str(out)],
                       check=True, env=env, capture_output=True, cwd=tmp_path)
        outs.append(digest(out))
    assert outs[0] == outs[1]


def test_a_failed_build_leaves_the_previous_site_untouched(tmp_path):
    content = tmp_path / "content"
    import shutil
    shutil.copytree(CONTENT, content)
    out = tmp_path / "site"
    assert not build(content, out).diagnostics.errors
    before = digest(out)
    (content / "entities" / "people" / "vladimir-putin.yaml").write_text("name: Putin\ncountry: atlantis\n", encoding="utf-8")
    result = build(content, out)
    assert any(d.code == "unknown-id" for d in result.diagnostics.errors)
    assert digest(out) == before
    assert not list(tmp_path.glob(".site.tmp-*"))


def test_raw_html_in_content_is_text_and_unsafe_links_are_not_links(tmp_path):
    content = tmp_path / "content"
    import shutil
    shutil.copytree(REPO / "tests" / "fixtures" / "minimal", content)
    out = tmp_path / "site"
    assert not build(content, out).diagnostics.errors
    page = (out / "overview.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="javascript:' not in page


def test_crossings_geojson_matches_the_content_in_lon_lat_order(site):
    import json
    from dossier.build import check
    entities = check(CONTENT).resolved.dossier.entities
    located = {e.id: e for e in entities.values() if e.kind == "crossing" and e.location and e.location.has_point}
    data = json.loads((site / "data/crossings.geojson").read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    points = {f["id"]: f for f in data["features"] if f["geometry"]}
    assert set(points) == set(located)
    crossings = {e.id for e in entities.values() if e.kind == "crossing"}
    assert {f["id"] for f in data["features"]} == crossings > set(located)   # unplaced ones too, without geometry
    assert all(f["properties"]["url"] for f in data["features"])
    for id_, feature in points.items():
        assert feature["geometry"] == {"type": "Point", "coordinates": [located[id_].location.lon, located[id_].location.lat]}
        assert (site / "data" / feature["properties"]["url"]).resolve() == (site / located[id_].url).resolve()


def test_the_list_exports_hold_an_item_a_line_so_a_diff_shows_what_changed(site):
    import json
    for name, items in (("crossings.geojson", lambda data: data["features"]), ("sources.csl.json", lambda data: data)):
        text = (site / "data" / name).read_text(encoding="utf-8")
        lines = text.splitlines()
        assert len(items(json.loads(text))) == len(lines) - 2 > 0, name
        for line in lines[1:-1]:
            assert json.loads(line.removesuffix(",")), (name, line)


def test_the_citation_export_lists_each_of_several_authors_apart(site):
    import json
    items = {item["id"]: item for item in json.loads((site / "data" / "sources.csl.json").read_text(encoding="utf-8"))}
    assert items["sciup-rason-zone"]["author"] == [{"literal": "Leshakov"}, {"literal": "Toloraya"}]   # "Leshakov; Toloraya"
    assert all(len(item.get("author", [])) <= 1 for id_, item in items.items() if id_ != "sciup-rason-zone")


@pytest.mark.parametrize("rel, rows", [("sources/index.html", "ol.bibliography-full > li"),
                                       ("places/index.html", "table.listing tbody tr")])
def test_long_list_pages_have_a_letter_index_leading_to_the_first_row_of_each_initial(site, rel, rows):
    from dossier.features.letters import initial
    page = soup(site, rel)
    rows = page.select(rows)
    names = [row.find("a").get_text() for row in rows]   # a source's title, an entity's name
    links = page.select("nav.letter-index a")
    assert len(rows) >= 30 and len(links) > 5
    for link in links:
        first = rows.index(page.find(id=link["href"].removeprefix("#")))
        assert initial(names[first]) == link.get_text()
        assert link.get_text() not in map(initial, names[:first])
    assert [link.get_text() for link in links] == list(dict.fromkeys(filter(None, map(initial, names))))


def test_the_sources_letter_index_names_each_script_so_look_alike_letters_are_told_apart(site):
    groups = soup(site, "sources/index.html").select("nav.letter-index .script-group")
    named = [(group.select_one(".script-name").get_text(), [a.get_text() for a in group.select("a")]) for group in groups]
    assert len({name for name, _ in named}) == len(named)   # each script once
    assert [name for name, _ in named][:2] == ["Latin", "Cyrillic"]
    assert {"B", "T"} <= set(named[0][1]) and {"В", "Т"} <= set(named[1][1])
    assert all(group.ul["aria-label"] == group.select_one(".script-name").get_text() for group in groups)


def test_the_map_page_without_javascript_has_one_svg_link_per_located_crossing(site):
    page = soup(site, "map.html")
    svg = page.select_one(".map-fallback svg")
    links = {a.get("href") or a.get("xlink:href") for a in svg.find_all("a")}
    data = __import__("json").loads((site / "data/crossings.geojson").read_text(encoding="utf-8"))
    expected = {f["properties"]["url"].replace("../", "", 1) for f in data["features"] if f["geometry"]}
    assert links == expected
    unpublished = page.select(".crossing-list .unpublished")
    assert len(unpublished) == len(data["features"]) - len(expected)


def test_located_entities_have_a_mini_map_with_their_neighbours(site):
    page = soup(site, "crossings/korea-russia-friendship-bridge.html")
    mini = page.select_one(".js-map.mini")
    markers = __import__("json").loads(mini["data-markers"])
    assert markers[0]["id"] == "korea-russia-friendship-bridge" and len(markers) > 1


def test_rendering_on_several_cores_gives_the_same_bytes_as_one(tmp_path, monkeypatch):
    from dossier.stages import parallel
    serial, forked = tmp_path / "serial", tmp_path / "forked"
    monkeypatch.setattr(parallel, "PARALLEL_FROM_PAGES", 10**9)
    assert not build(CONTENT, serial).diagnostics.errors
    monkeypatch.setattr(parallel, "PARALLEL_FROM_PAGES", 0)
    real = parallel.render_pages
    used = []
    monkeypatch.setattr("dossier.build.render_pages",
                        lambda *args, **kwargs: (used.append(1), real(*args, **{**kwargs, "workers": 2}))[1])
    assert not build(CONTENT, forked).diagnostics.errors
    assert used and digest(serial) == digest(forked)


def test_a_build_with_nothing_changed_is_skipped_and_any_change_rebuilds(tmp_path):
    import shutil
    content = tmp_path / "content"
    shutil.copytree(REPO / "tests" / "fixtures" / "minimal", content)
    out = tmp_path / "site"
    first = build(content, out)
    assert not first.unchanged and first.pages
    again = build(content, out)
    assert again.unchanged and [d.code for d in again.diagnostics.items] == [d.code for d in first.diagnostics.items]
    (out / "index.html").write_text("edited by hand", encoding="utf-8")
    assert not build(content, out).unchanged          # a damaged site is rebuilt
    assert build(content, out).unchanged
    (content / "entities/countries/ruritania.yaml").write_text("name: Ruritania\niso: RU\n", encoding="utf-8")
    assert not build(content, out).unchanged          # any content change rebuilds
    for record in (tmp_path / ".dossier-cache").glob("build-*.json"):
        record.write_text("{corrupt", encoding="utf-8")
    assert not build(content, out).unchanged          # a corrupt record is ignored, never trusted


def test_an_entity_lists_each_of_its_events_once(content, tmp_path):
    content.write("entities/events/summit.yaml", "name: Summit\ndate: 2024-06\nparticipants: [ada-example]\n"
                  "relations:\n  - {type: located-in, target: ruritania}\n  - {type: related-to, target: ada-example}\n")
    out = tmp_path / "site"
    assert not content.build(out).diagnostics.errors
    page = soup(out, "people/ada-example.html")
    assert [a.get_text() for a in page.select(".events a")].count("Summit") == 1


def test_a_relation_both_entities_declare_reading_the_same_both_ways_is_one_row_with_both_citations(content, tmp_path):
    """Each of two entities declaring 'related to' the other listed the other twice (an outside test)."""
    for me, other, page in (("bea-example", "cal-example", 2), ("cal-example", "bea-example", 9)):
        content.write(f"entities/people/{me}.yaml", f"name: {me.replace('-', ' ').title()}\n"
                      f"relations:\n  - {{type: related-to, target: {other}, cite: [\"daily-news, p. {page}\"]}}\n")
    out = tmp_path / "site"
    assert not content.build(out).diagnostics.errors
    for page, other in (("people/bea-example.html", "Cal Example"), ("people/cal-example.html", "Bea Example")):
        html = soup(out, page)
        rows = html.select(".relation-list dd")
        assert [dd.a.get_text() for dd in rows] == [other]
        note = html.find(id=rows[0].select_one("sup.cite a")["href"][1:])
        assert "p. 2" in note.get_text() and "p. 9" in note.get_text(), note


def test_facts_of_one_label_however_capitalised_are_one_row_and_a_value_said_twice_is_one_item(content, tmp_path):
    """'Length', 'length' and 'Length ' were three rows, so two values of one label were not
    marked as a disagreement; and a value given by two citations read as two values (an outside test)."""
    content.write("entities/people/bea-example.yaml", "name: Bea Example\nfacts:\n"
                  '  - {label: Length, value: "623 m", cite: [daily-news]}\n'
                  '  - {label: length, value: "400 m", cite: [daily-news]}\n'
                  '  - {label: "Length ", value: "623  m", cite: ["daily-news, p. 2"]}\n')
    out = tmp_path / "site"
    assert not content.build(out).diagnostics.errors
    box = soup(out, "people/bea-example.html").select_one(".infobox")
    labels = [dt for dt in box.select("dt") if dt.get_text().startswith(("Length", "length"))]
    assert [dt.get_text(" ", strip=True) for dt in labels] == ["Length sources disagree"]
    values = labels[0].find_next_sibling("dd").select("li")
    assert [li.contents[0].strip() for li in values] == ["623 m", "400 m"]
    assert len(values[0].select("sup.cite a")) == 1 and "p. 2" in box.find_parent("html").find(
        id=values[0].select_one("sup.cite a")["href"][1:]).get_text()


def test_a_value_said_twice_with_the_same_citation_cites_it_once(content, tmp_path):
    content.write("entities/people/bea-example.yaml", "name: Bea Example\nfacts:\n"
                  '  - {label: Length, value: "5 km", cite: ["daily-news, p. 2"]}\n'
                  '  - {label: length, value: "5  KM", cite: ["daily-news, p. 2"]}\n')
    out = tmp_path / "site"
    assert not content.build(out).diagnostics.errors
    page = soup(out, "people/bea-example.html")
    row = next(dt for dt in page.select(".infobox dt") if dt.get_text().startswith("Length")).find_next_sibling("dd")
    note = page.find(id=row.select_one("sup.cite a")["href"][1:])
    assert note.get_text().count("p. 2") == 1, note


def test_the_json_export_keeps_a_relations_note(site):
    import json
    data = json.loads((site / "data" / "dossier.json").read_text(encoding="utf-8"))
    bridge = next(e for e in data["entities"] if e["id"] == "tumen-road-bridge")
    built_by = next(r for r in bridge["relations"] if r["type"] == "built-by")
    assert built_by["note"] == "Sole contractor named by a Russian government order."


def test_a_source_without_a_type_is_an_article_with_text_and_a_reference_without_in_page_and_export(content, tmp_path):
    import json
    content.write("sources/bare.md", "---\ntitle: Bare\naccessed: 2026-01-01\n---\n")
    content.write("sources/told.md", "---\ntitle: Told\naccessed: 2026-01-01\n---\nSome text about [[ada-example]].\n")
    content.write("entities/people/bob.yaml", "name: Bob\nsummary: See [@bare] and [@told].\n")
    out = tmp_path / "site"
    assert not content.build(out).diagnostics.errors
    items = {item["id"]: item for item in json.loads((out / "data/sources.csl.json").read_text(encoding="utf-8"))}
    assert items["bare"]["type"] == "entry-encyclopedia" and items["told"]["type"] == "article-newspaper"
    assert '<span class="badge kind-source">Reference</span>' in (out / "sources/bare.html").read_text(encoding="utf-8")
    assert '<span class="badge kind-source">Article</span>' in (out / "sources/told.html").read_text(encoding="utf-8")
