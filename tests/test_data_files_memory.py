"""The data files (exports and search index) are written in pieces, never held whole.

At 10,000 entities dossier.json and the search index are tens of megabytes of text each, made in
a process beside the page workers: holding each file whole (and the records it is made of) was
most of the build's peak memory. So each file is written with a ``write(bytes)`` a piece at a
time (``writers``), a record is made only when it is written, and the pieces are exactly the
bytes of the file made whole.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from dossier.build import check
from dossier.features import exports, search
from dossier.features.exports import Items, write_json
from dossier.stages.render import Renderer

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "minimal"
CONTENT = ROOT / "content"


@pytest.fixture(scope="module", params=["fixture", "demo"])
def res(request):
    folder = FIXTURE if request.param == "fixture" else CONTENT
    if not (folder / "dossier.yaml").is_file():
        pytest.skip("no content")
    result = check(folder)
    assert result.resolved is not None, result.diagnostics
    return result.resolved


def json_text(value) -> str:
    """The exports' JSON of a value made whole: keys sorted, no spaces, text as it is."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def whole(value):
    """value with every Items made into a list."""
    if isinstance(value, Items) and value.encoded:
        return json.loads("[" + ",".join(text for text in value.items if text) + "]")
    if isinstance(value, Items):
        return [whole(item) for item in value.items]
    if isinstance(value, dict):
        return {k: whole(v) for k, v in value.items()}
    return value


def written(write_to) -> tuple[bytes, int]:
    """The bytes write_to writes, and in how many pieces."""
    pieces = []
    write_to(pieces.append)
    return b"".join(pieces), len(pieces)


def test_a_record_is_made_only_when_the_one_before_it_is_written():
    events = []

    def records():
        for i in range(3):
            events.append(f"made {i}")
            yield {"n": i}

    write_json({"records": Items(records()), "title": "T"}, lambda piece: events.append(piece))
    assert events == [b"{", b'"records":', b"[", "made 0", b'{"n":0}', "made 1", b',{"n":1}', "made 2", b',{"n":2}',
                      b"]", b',"title":', b'"T"', b"}", b"\n"]


@pytest.mark.parametrize("value", [
    {}, [], {"b": 1, "a": [1, 2.5, None, True]}, {"z": Items([]), "a": {"n": Items([{"y": 1, "x": "é</"}])}},
    {"nested": {"deeper": {"items": Items([{"k": [1, {"b": 2, "a": 3}]}, "text \u2028 'quoted'"])}}, "": 0},
])
def test_json_written_in_pieces_is_the_json_written_whole(value):
    data, _ = written(lambda write: write_json(value, write))
    assert data.decode("utf-8") == json_text(whole(value))


def test_every_data_file_is_the_same_bytes_as_the_file_made_whole(res):
    renderer = Renderer(res)
    made = dict(exports.files(res, renderer.map))
    assert made["data/dossier.json"] == json_text(whole(exports.dossier_json(res))).encode("utf-8")
    assert made["data/annotations.jsonld"] == json_text(whole(exports.web_annotations(res))).encode("utf-8")
    for path, write_to in exports.writers(res, renderer.map):
        assert written(write_to)[0] == made[path]
    json.loads(made["data/dossier.json"])


def test_the_large_files_are_written_a_record_at_a_time(res):
    d = res.dossier
    _, pieces = written(dict(exports.writers(res, Renderer(res).map))["data/dossier.json"])
    assert pieces > len(d.entities) + len(d.sources)


def test_the_search_index_is_written_in_pieces_and_emptied_as_it_is_written(res):
    index = search.Index(search.each_document(res))
    assert any(index.postings)
    text = "".join(index.json_pieces())
    assert not any(index.postings)   # each term's postings went once written
    assert json.loads(text) == search.build_index(search.documents(res))
