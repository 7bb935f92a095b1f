"""The fingerprint of the content decides whether a build can be skipped and which files ingest
reads again. It reads a file again unless its size, times and inode are those the last
fingerprint saw, long enough ago that a change could not have left them as they were."""
from __future__ import annotations

import builtins
import os
import time
from pathlib import Path

import pytest

from dossier import cache


@pytest.fixture
def content(tmp_path) -> Path:
    folder = tmp_path / "content"
    (folder / "entities").mkdir(parents=True)
    for name in ("a", "b"):
        (folder / "entities" / f"{name}.yaml").write_text(f"id: {name}\nname: {name.upper()}\n", encoding="utf-8")
    old = time.time() - 60   # written a minute ago: settled
    for path in folder.rglob("*.yaml"):
        os.utime(path, (old, old))
    return folder


def settle(monkeypatch):
    """As if the files' last change, including their ctime, were long before this fingerprint."""
    monkeypatch.setattr(cache, "RECENT_NS", -10**18)


def test_files_seen_unchanged_are_not_read_again_and_give_the_same_fingerprint(content, monkeypatch):
    settle(monkeypatch)
    seen: dict = {}
    first = cache.fingerprint(content, "engine", {}, None, seen)
    assert set(seen) == {"entities/a.yaml", "entities/b.yaml"}
    opened = []
    real_open = builtins.open
    monkeypatch.setattr(builtins, "open", lambda path, *a, **k: opened.append(str(path)) or real_open(path, *a, **k))
    digests: dict = {}
    assert cache.fingerprint(content, "engine", digests, seen, {}) == first
    assert opened == []
    assert digests == {str(content / "entities" / n): cache.hashlib.sha256((content / "entities" / n).read_bytes()).hexdigest()
                       for n in ("a.yaml", "b.yaml")}


def test_a_file_rewritten_with_its_size_and_modification_time_kept_is_read_again(content, monkeypatch):
    settle(monkeypatch)
    seen: dict = {}
    first = cache.fingerprint(content, "engine", {}, None, seen)
    path = content / "entities" / "a.yaml"
    times = path.stat()
    path.write_text("id: a\nname: Z\n", encoding="utf-8")          # same size
    os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))       # same modification time: only ctime tells
    assert cache.fingerprint(content, "engine", {}, seen, {}) != first


def test_a_file_changed_just_before_a_fingerprint_is_not_trusted_by_the_next(content):
    path = content / "entities" / "a.yaml"
    path.write_text("id: a\nname: Now\n", encoding="utf-8")
    seen: dict = {}
    cache.fingerprint(content, "engine", {}, None, seen)
    assert "entities/a.yaml" not in seen and "entities/b.yaml" not in seen   # the utime above changed b's ctime too
    assert seen == {}


def test_a_record_that_is_not_what_remember_writes_is_only_ignored(content, monkeypatch):
    settle(monkeypatch)
    expected = cache.fingerprint(content, "engine")
    for known in (["not", "a", "dict"], {"entities/a.yaml": "x"}, {"entities/a.yaml": [1, 2, 3, 4, "zz"]}):
        assert cache.fingerprint(content, "engine", {}, known, {}) == expected
    assert cache.fingerprint(content, "engine", {}, {"entities/a.yaml": [0, 0, 0, 0, "00"]}, {}) == expected


# --- what the engine is: an upgrade of a library it renders with is a new engine ------------------

def test_the_engine_key_changes_with_a_library_version_python_or_a_copied_leaflet_file(monkeypatch, tmp_path):
    from dossier.features import map as drawing
    from dossier.stages.render import templates_dir
    key = cache.engine_key(templates_dir(), False)
    assert cache.engine_key(templates_dir(), False) == key   # stable

    real_version = cache.importlib.metadata.version
    monkeypatch.setattr(cache.importlib.metadata, "version",
                        lambda name: "99.0" if name == "markdown-it-py" else real_version(name))
    assert cache.engine_key(templates_dir(), False) != key
    monkeypatch.undo()

    monkeypatch.setattr(cache.sys, "version", "3.99.0 (another build)")
    assert cache.engine_key(templates_dir(), False) != key
    monkeypatch.undo()

    files = drawing.leaflet_files()
    edited = tmp_path / "leaflet.css"
    edited.write_bytes(next(src for src, rel in files if rel == "leaflet/leaflet.css").read_bytes() + b"/* 1.9.4 */")
    monkeypatch.setattr(drawing, "leaflet_files",
                        lambda: [(edited if rel == "leaflet/leaflet.css" else src, rel) for src, rel in files])
    assert cache.engine_key(templates_dir(), False) != key


def test_a_build_under_another_umask_is_another_engine_so_no_file_keeps_the_last_ones_mode():
    from dossier.stages.render import templates_dir
    before = os.umask(0o077)
    try:
        private = cache.engine_key(templates_dir(), False)
        os.umask(0o022)
        assert cache.engine_key(templates_dir(), False) != private
    finally:
        os.umask(before)
