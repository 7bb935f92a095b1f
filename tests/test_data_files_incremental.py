"""After a small edit the data files are made from what the last build made of each record: a
record's JSON and what the search index keeps of a document are made again only when their
inputs changed, and only the terms of the documents that changed are gathered again. The files
are the same bytes as when made whole (tests/test_incremental.py compares whole sites)."""
from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from dossier.build import build
from dossier.features import exports, search
from dossier.features.search import Doc, Index, Terms, doc_part

REPO = Path(__file__).resolve().parent.parent
ROAD_BRIDGE = "entities/crossings/tumen-road-bridge.yaml"

WORDS = ["tumen", "bridge", "river", "rail", "road", "the", "and", "of", "khasan", "tumangang",
         "두만강", "철교를", "мост", "дружбы", "1959", "2024", "border", "crossing", "a", "in"]


def random_doc(rng: random.Random, url: str) -> Doc:
    fields = {}
    for name in ("name", "alias", "about", "text"):
        if rng.random() < 0.8:
            fields[name] = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 12)))
    return Doc(url=url, kind="place", title=fields.get("name") or url, fields=fields, snippet="s")


def index_json(parts, chunks: int, terms=None) -> str:
    """The index of parts in JSON: whole, or (in several chunks) its base and each chunk."""
    index = Index(parts=parts, chunks=chunks, terms=terms)
    return "".join(index.json_pieces()) + "".join("".join(index.chunk_pieces(i)) for i in range(chunks) if chunks > 1)


def written_terms(parts, chunks: int) -> Terms:
    """What the index hands to the next build as it is written: each chunk's terms."""
    written: dict = {}
    index = Index(parts=parts, chunks=chunks, keep=written.__setitem__)
    index_json_text = "".join(index.json_pieces()) + "".join("".join(index.chunk_pieces(i)) for i in range(chunks) if chunks > 1)
    assert index_json_text
    return Terms(tuple(index.urls), tuple(written[i] for i in range(chunks)))


@pytest.mark.parametrize("chunks", [1, 3], ids=["whole", "in three parts"])
@pytest.mark.parametrize("seed", range(30))
def test_updating_the_terms_of_the_documents_that_changed_gives_the_index_made_whole(seed, chunks):
    rng = random.Random(seed)
    docs = [random_doc(rng, f"d{i}.html") for i in range(rng.randint(1, 25))]
    parts = [doc_part(d) for d in docs]
    last = written_terms(parts, chunks)
    written = last.texts()
    assert last.updated(parts, {}) is last   # nothing changed

    edited = list(parts)
    before = {}
    for k in rng.sample(range(len(docs)), rng.randint(1, len(docs))):
        before[k] = parts[k]
        if rng.random() < 0.3:
            continue   # made again, and the same
        edited[k] = doc_part(random_doc(rng, docs[k].url))
    terms = last.updated(edited, before)
    assert terms is not None
    assert index_json(edited, chunks, terms.chunks) == index_json(edited, chunks)
    assert last.texts() == written   # the last build's terms are left as they were
    assert sum(a is not b for a, b in zip(last.chunks, terms.chunks)) <= len(terms.texts().keys() ^ written.keys()) \
        + sum(terms.texts().get(t) != written.get(t) for t in written)   # only chunks that changed are new


def test_each_term_is_kept_in_the_chunk_of_its_part():
    parts = [doc_part(Doc(url=f"d{i}.html", kind="page", title="t", fields={"text": text}))
             for i, text in enumerate(["tumen tumangang bridge", "두만강 철교", "圖們江 мост", "bridges tu"])]
    terms = written_terms(parts, 5)
    for i, chunk in enumerate(terms.chunks):
        assert all(search.part_of(term, 5) == i == terms.chunk_of(term) for term in chunk)
    assert sorted(terms.texts()) == sorted(set().union(*map(set, terms.chunks)))


def test_documents_added_removed_or_moved_make_every_term_again():
    parts = [doc_part(Doc(url=f"d{i}.html", kind="page", title="t", fields={"text": f"word{i} tumen"})) for i in range(4)]
    last = written_terms(parts, 1)
    assert last.updated(parts[:3], {}) is None
    assert last.updated(parts[1:] + parts[:1], {}) is None


@pytest.fixture
def demo(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))   # a fresh key for saved states
    content = tmp_path / "project" / "content"
    shutil.copytree(REPO / "content", content)
    return content


def count_calls(monkeypatch, module, name) -> list:
    calls = []
    original = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_an_edit_makes_again_only_the_pieces_of_what_it_changed(demo, tmp_path, monkeypatch):
    site = tmp_path / "site"
    build(demo, site)
    entity_docs = count_calls(monkeypatch, search, "entity_doc")
    source_docs = count_calls(monkeypatch, search, "source_doc")
    records = count_calls(monkeypatch, exports, "entity_record")
    terms_updated = count_calls(monkeypatch, search, "_postings_json")   # once per term made again
    path = demo / ROAD_BRIDGE
    path.write_text(path.read_text(encoding="utf-8").replace("two lanes", "two traffic lanes"), encoding="utf-8")
    result = build(demo, site)
    assert not result.diagnostics.errors
    assert [e.id for e, *_ in entity_docs] == ["tumen-road-bridge"]
    assert [e.id for e, *_ in records] == ["tumen-road-bridge"]
    assert source_docs == []
    assert 0 < len(terms_updated) <= 4   # "two", "lanes", "traffic": and no other term


def test_a_renamed_entity_makes_again_the_documents_that_show_its_name(demo, tmp_path, monkeypatch):
    site = tmp_path / "site"
    build(demo, site)
    entity_docs = count_calls(monkeypatch, search, "entity_doc")
    path = demo / ROAD_BRIDGE
    text = path.read_text(encoding="utf-8")
    name = next(line for line in text.splitlines() if line.startswith("name:"))
    path.write_text(text.replace(name, "name: Renamed Road Bridge", 1), encoding="utf-8")
    result = build(demo, site)
    assert not result.diagnostics.errors
    remade = {e.id for e, *_ in entity_docs}
    # its own document, and of those whose files link to it by [[tumen-road-bridge]], the ones
    # whose summaries do (a summary is indexed with the names of what it links to)
    linking = {p.stem for p in (demo / "entities").rglob("*.yaml")
               if p.name != Path(ROAD_BRIDGE).name and "[[tumen-road-bridge]]" in p.read_text(encoding="utf-8")}
    assert "tumen-road-bridge" in remade and len(remade) > 1
    assert remade <= linking | {"tumen-road-bridge"}
    index = (site / "data/search-index.js").read_text(encoding="utf-8")
    assert "renamed" in index


def test_the_pieces_made_in_the_forked_process_come_back_to_be_kept(demo, tmp_path, monkeypatch):
    from dossier.stages import parallel
    monkeypatch.setattr(parallel, "PARALLEL_FROM_PAGES", 1)   # the data files in a process of their own
    result = build(demo, tmp_path / "site")
    assert not result.diagnostics.errors
    items = result.state.pieces
    d = result.resolved.dossier
    records = len(d.entities) + len(d.sources)
    assert sum(item[0] == "dossier.json" for item in items) == records
    assert sum(item[0] == "search" for item in items) == records + len(d.pages)
    chunks = items[(search.SEARCH_INDEX, "chunks")][1]
    assert sum(item[:2] == (search.SEARCH_INDEX, "terms") for item in items) == chunks == 1   # written whole
