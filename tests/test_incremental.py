"""A build after an edit renders only what the edit changed, and gives the same bytes as a cold
build: after edits, renames and deletions, edits that change backlinks and link texts on other
pages, moved coordinates, a global edit, and a failed build in between."""
from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest

from dossier import cache
from dossier.build import build
from dossier.stages import parallel, pool

REPO = Path(__file__).resolve().parent.parent
ROAD_BRIDGE = "entities/crossings/tumen-road-bridge.yaml"


@pytest.fixture(autouse=True)
def own_state_key(tmp_path, monkeypatch):
    """The key that signs saved states lives in the user's cache folder: a fresh one per test."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))


@pytest.fixture
def demo(tmp_path) -> Path:
    content = tmp_path / "project" / "content"
    shutil.copytree(REPO / "content", content)
    return content


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_same_as_cold(content: Path, site: Path, scratch: Path):
    cold = scratch / "cold"
    shutil.rmtree(cold, ignore_errors=True)
    result = build(content, cold, use_cache=False)
    assert not result.diagnostics.errors, result.diagnostics.errors
    built, expected = tree(site), tree(cold)
    assert sorted(built) == sorted(expected)
    different = [path for path in expected if built[path] != expected[path]]
    assert different == [], f"incremental output differs from a cold build in {different[:5]}"


def edit(content: Path, rel: str, old: str, new: str):
    path = content / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


NEW_PERSON = """\
name: Test Person
summary: A person added by a test, who knows [[khasan]] and [[vladimir-putin]] [@asiaone-reuters-road-bridge].
facts:
  - {label: Role, value: tester, cite: [asiaone-reuters-road-bridge]}
relations:
  - {type: member-of, target: russia, cite: [asiaone-reuters-road-bridge]}
"""

# Each step changes the content; after each one the incremental build must equal a cold one.
STEPS = [
    ("a summary gains a link (a backlink on another page)",
     lambda c: edit(c, ROAD_BRIDGE, "figure is about 1 km", "figure is about 1 km, like [[soviet-union]]'s")),
    ("an entity is renamed (link texts and mentions elsewhere)",
     lambda c: edit(c, "entities/places/khasan.yaml", "name: Khasan", "name: Khasan settlement")),
    ("a new entity links to others and relates to one",
     lambda c: (c / "entities/people/test-person.yaml").write_text(NEW_PERSON, encoding="utf-8")),
    ("the new entity's file is renamed (its id changes)",
     lambda c: os.replace(c / "entities/people/test-person.yaml", c / "entities/people/test-person-2.yaml")),
    ("coordinates move (mini maps of the neighbours)",
     lambda c: edit(c, "entities/crossings/korea-russia-friendship-bridge.yaml", "lat: 42.415167", "lat: 42.425167")),
    ("an entity file is deleted",
     lambda c: (c / "entities/people/test-person-2.yaml").unlink()),
    ("a source's title changes (notes, bibliographies and mention lists on other pages)",
     lambda c: edit(c, "sources/interbellum-2025-bridge.md", 'title: "Putin', 'title: "Retitled: Putin')),
    ("an annotation's note changes",
     lambda c: edit(c, "sources/interbellum-2025-bridge.md", "is doubled in the original", "appears twice in the original")),
    ("a page's title changes (the navigation of every page)",
     lambda c: edit(c, "pages/about.md", "title: About this dossier", "title: About the dossier")),
]


def test_incremental_builds_equal_cold_builds_after_each_edit(demo, tmp_path):
    site = tmp_path / "site"
    first = build(demo, site)
    assert not first.diagnostics.errors and first.rendered == first.pages
    for what, step in STEPS:
        step(demo)
        result = build(demo, site)
        assert not result.diagnostics.errors, (what, result.diagnostics.errors)
        assert_same_as_cold(demo, site, tmp_path)


def test_an_edit_renders_only_the_pages_it_changes(demo, tmp_path):
    site = tmp_path / "site"
    total = build(demo, site).pages
    edit(demo, ROAD_BRIDGE, "figure is about 1 km", "figure is about 1 km, like [[soviet-union]]'s")
    result = build(demo, site)
    assert 2 <= result.rendered < total // 4, f"{result.rendered} of {total} pages rendered"


def test_a_failed_build_between_two_edits_changes_nothing(demo, tmp_path):
    site = tmp_path / "site"
    build(demo, site)
    before = tree(site)
    good = (demo / ROAD_BRIDGE).read_text(encoding="utf-8")
    (demo / ROAD_BRIDGE).write_text(good + "summary: [unclosed\n", encoding="utf-8")
    assert build(demo, site).diagnostics.errors
    assert tree(site) == before
    (demo / ROAD_BRIDGE).write_text(good.replace("two lanes", "two traffic lanes"), encoding="utf-8")
    assert not build(demo, site).diagnostics.errors
    assert_same_as_cold(demo, site, tmp_path)


def test_a_page_edited_by_hand_in_the_site_is_rendered_again(demo, tmp_path):
    site = tmp_path / "site"
    build(demo, site)
    page = site / "crossings/tumen-road-bridge.html"
    page.write_text("edited by hand", encoding="utf-8")
    edit(demo, "entities/places/khasan.yaml", "name: Khasan", "name: Khasan village")
    build(demo, site)
    assert_same_as_cold(demo, site, tmp_path)


def test_incremental_builds_equal_cold_builds_when_rendering_in_workers(demo, tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "PARALLEL_FROM_PAGES", 1)
    monkeypatch.setattr(pool, "PARALLEL_FROM", 1)
    site = tmp_path / "site"
    build(demo, site)
    for _, step in STEPS[:3]:
        step(demo)
        assert not build(demo, site).diagnostics.errors
    assert_same_as_cold(demo, site, tmp_path)


def test_a_state_file_not_signed_on_this_machine_is_never_unpickled(demo, tmp_path):
    """A pull request may commit .dossier-cache/: a pickle in it must not run."""
    site = tmp_path / "site"
    build(demo, site)
    state = cache.state_path(demo, site)
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (os.mkdir, (str(marker),))

    payload = pickle.dumps(Exploit())
    state.write_bytes(b"dossier-state 1\n" + b"\0" * 32 + payload)
    edit(demo, ROAD_BRIDGE, "two lanes", "two traffic lanes")
    result = build(demo, site)
    assert not result.diagnostics.errors
    assert not marker.exists()
    assert result.rendered == result.pages   # nothing was reused from the forged state
    assert_same_as_cold(demo, site, tmp_path)


def test_only_the_states_of_the_last_few_output_folders_are_kept(tmp_path):
    content = tmp_path / "project" / "content"
    content.mkdir(parents=True)
    (content / "dossier.yaml").write_text("title: T\n", encoding="utf-8")
    for n in range(cache.KEEP_STATES + 2):
        assert not build(content, tmp_path / f"site-{n}").diagnostics.errors
    states = sorted(cache.cache_dir(content).glob("build-*.state"))
    assert len(states) == cache.KEEP_STATES
    assert cache.state_path(content, tmp_path / f"site-{cache.KEEP_STATES + 1}") in states
    shards = list(cache.cache_dir(content).glob("build-*.state.*"))
    assert shards and all(any(shard.name.startswith(state.name + ".") for state in states) for shard in shards)
