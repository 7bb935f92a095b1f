"""Pages rendered on several cores are written and scanned by the workers; the parent records them
in order, so the site and its checks are those of a serial build."""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from dossier.build import check, copy_assets
from dossier.stages import parallel
from dossier.stages.parallel import render_pages
from dossier.stages.render import Renderer
from dossier.stages.write import SiteWriter, WriteError

from child_process import engine_env

REPO = Path(__file__).resolve().parent.parent
PAGE = '<!DOCTYPE html><html><body><main id="main">{}</main></body></html>'


class Pages:
    """A stand-in renderer: each job is (path, body)."""

    def __init__(self, jobs):
        self._jobs = jobs
        self.map = SimpleNamespace(basemap=None)

    def jobs(self):
        return list(self._jobs)

    def render_recorded(self, job):
        path, body = job
        return path, PAGE.format(body), frozenset({f"read:{path}"})


@pytest.fixture
def forked(monkeypatch):
    monkeypatch.setattr(parallel, "PARALLEL_FROM_PAGES", 0)
    return 2


def folder_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_workers_write_the_pages_and_the_parent_records_them_in_order(tmp_path, forked, monkeypatch):
    jobs = [(f"people/p{i}.html", f'<a href="p{i + 1}.html">next</a>') for i in range(60)] + [("index.html", "")]
    writers = tmp_path / "writers"
    put = SiteWriter.put

    def noting_put(self, rel, data):
        with open(writers, "a") as f:   # one short line per page: appends do not interleave
            f.write(f"{os.getpid()}\n")
        put(self, rel, data)
    monkeypatch.setattr(SiteWriter, "put", noting_put)
    writer = SiteWriter(tmp_path / "site")
    yielded = list(render_pages(Pages(jobs), writer, workers=forked))
    assert [path for path, _, _ in yielded] == [path for path, _ in jobs]
    assert [keys for _, _, keys in yielded] == [frozenset({f"read:{path}"}) for path, _ in jobs]
    assert yielded[0][1].links("people/p0.html") == [("people/p1.html", "", "p1.html")]
    assert str(os.getpid()) not in writers.read_text().split() and len(writers.read_text().split()) == len(jobs)
    assert writer.verify() == ["people/p59.html: link 'p60.html' points to a missing file"]
    writer.abort()


def test_the_demo_dossier_gives_the_same_bytes_and_scans_on_several_cores_as_on_one(tmp_path, monkeypatch):
    resolved = check(REPO / "content").resolved
    sites, scans = [], []
    for threshold, workers in ((10**9, 1), (0, 2)):
        monkeypatch.setattr(parallel, "PARALLEL_FROM_PAGES", threshold)
        renderer = Renderer(resolved)
        writer = SiteWriter(tmp_path / f"site-{workers}")
        scans.append(list(render_pages(renderer, writer, workers=workers)))
        for path, write_to in renderer.data_files():
            writer.write_from(path, write_to)
        copy_assets(writer, renderer)
        writer.commit()
        sites.append(folder_digest(writer.out))
    assert len(scans[0]) > 20 and scans[0] == scans[1]
    assert sites[0] == sites[1]


def test_the_data_files_are_the_same_made_here_or_in_a_process_of_their_own(tmp_path, monkeypatch):
    renderer = Renderer(check(REPO / "content").resolved)
    sites = []
    for name, threshold, here in (("here", 10**9, ()), ("forked", 500, ()), ("split", 500, ("exports",))):
        monkeypatch.setattr(parallel, "PARALLEL_FROM_PAGES", threshold)
        writer = SiteWriter(tmp_path / name)
        data_files = parallel.DataFiles(renderer, writer, pages=1000, here=here)
        assert (data_files.process is None) == (name == "here")
        assert data_files.here == {"here": renderer.DATA_PARTS, "forked": (), "split": ("exports",)}[name]
        data_files.wait()
        assert multiprocessing.active_children() == []   # gone once its files are written
        writer.commit()
        sites.append(folder_digest(writer.out))
    assert "data/search-index.js" in sites[0] and "data/dossier.json" in sites[0]
    assert sites[0] == sites[1] == sites[2]


def test_in_a_cold_build_a_page_worker_makes_the_data_files_the_same_as_here(tmp_path, monkeypatch):
    """Not a process of their own: a third copy of the dossier in memory beside the workers'."""
    from dossier.stages import incremental
    resolved = check(REPO / "content").resolved
    sites, pieces = [], []
    for name, threshold in (("here", 10**9), ("in a worker", 0)):
        monkeypatch.setattr(parallel, "PARALLEL_FROM_PAGES", threshold)
        renderer = Renderer(resolved)
        renderer.pieces = incremental.Pieces()
        writer = SiteWriter(tmp_path / name)
        data_files = parallel.DataFiles(renderer, writer, pages=1000, in_worker=True)
        pages = list(render_pages(renderer, writer, workers=2, data_files=data_files))
        assert len(pages) > 20 and data_files.process is None and multiprocessing.active_children() == []
        assert (data_files.outcome is None) == (name == "here")   # else what the worker sent back
        data_files.wait()
        copy_assets(writer, renderer)
        writer.commit()
        sites.append(folder_digest(writer.out))
        pieces.append(renderer.pieces.now())
    assert "data/search-index.js" in sites[0] and sites[0] == sites[1]
    assert len(pieces[0]) > 20 and pieces[0] == pieces[1]   # kept for the next build, as made


def test_data_files_given_to_a_page_worker_stopped_early_fail_the_build_and_are_not_made_twice(tmp_path, monkeypatch):
    from dossier.stages import incremental
    monkeypatch.setattr(parallel, "PARALLEL_FROM_PAGES", 0)
    renderer = Renderer(check(REPO / "content").resolved)
    renderer.pieces = incremental.Pieces()
    writer = SiteWriter(tmp_path / "site")
    data_files = parallel.DataFiles(renderer, writer, pages=1000, in_worker=True)
    pages = render_pages(renderer, writer, workers=2, data_files=data_files)
    next(pages)
    pages.close()   # the pool, and its workers, stop
    with pytest.raises(RuntimeError, match="stopped before the data files were written"):
        data_files.wait()
    writer.abort()


def test_a_data_file_the_writer_refuses_fails_the_build_with_the_writers_reason(tmp_path, monkeypatch):
    renderer = Renderer(check(REPO / "content").resolved)
    monkeypatch.setattr(parallel, "PARALLEL_FROM_PAGES", 500)
    write_to = lambda write: write(b"{}")   # noqa: E731
    twice = [("data/a.json", write_to), ("data/a.json", write_to)]
    monkeypatch.setattr(renderer, "data_files", lambda parts: iter(twice if parts else []))
    writer = SiteWriter(tmp_path / "site")
    data_files = parallel.DataFiles(renderer, writer, pages=1000)
    with pytest.raises(WriteError) as caught:
        data_files.wait()
    assert caught.value.problems == ["data/a.json: refused to write a path twice"]
    assert multiprocessing.active_children() == []
    writer.abort()


def test_a_path_a_worker_refuses_fails_the_build_and_nothing_lands_outside(tmp_path, forked):
    writer = SiteWriter(tmp_path / "site")
    jobs = [(f"p{i}.html", "") for i in range(20)] + [("../escaped.html", "")]
    with pytest.raises(WriteError) as caught:
        list(render_pages(Pages(jobs), writer, workers=forked))
    assert caught.value.problems == ["../escaped.html: refused to write a path outside the site"]
    writer.abort()
    assert not (tmp_path / "escaped.html").exists() and sorted(os.listdir(tmp_path)) == []


def test_two_pages_at_one_path_fail_the_build(tmp_path, forked):
    writer = SiteWriter(tmp_path / "site")
    jobs = [(f"p{i}.html", "") for i in range(40)] + [("p3.html", "again")]
    with pytest.raises(WriteError) as caught:
        list(render_pages(Pages(jobs), writer, workers=forked))
    assert caught.value.problems == ["p3.html: refused to write a path twice"]
    writer.abort()


def test_a_build_stopped_while_workers_write_leaves_no_temporary_folder(tmp_path, forked):
    writer = SiteWriter(tmp_path / "site")
    jobs = [(f"section{i % 7}/p{i}.html", "x" * 10_000) for i in range(2000)]
    with pytest.raises(KeyboardInterrupt):
        for _ in render_pages(Pages(jobs), writer, workers=forked):
            raise KeyboardInterrupt   # the generator closes: its workers are stopped before the abort
    assert multiprocessing.active_children() == []   # gone: none can write after the abort
    writer.abort()
    assert os.listdir(tmp_path) == []


def test_a_small_site_is_rendered_and_written_here(tmp_path):
    writer = SiteWriter(tmp_path / "site")
    body = '<a href="#main">top</a> <a href="b.html#x">b</a>'
    yielded = list(render_pages(Pages([("index.html", body)]), writer))
    # The link to the page's own element is settled at once; the other waits for the whole site.
    assert [(path, checked.links(path), keys) for path, checked, keys in yielded] == [
        ("index.html", [("b.html", "x", "b.html#x")], frozenset({"read:index.html"}))]
    assert (writer.tmp / "index.html").read_text(encoding="utf-8") == PAGE.format(body)
    writer.abort()


KILLED_PARENT = """
import sys, time
from pathlib import Path
from dossier.stages import parallel
from dossier.stages.write import SiteWriter

class Slow:
    map = None
    def render_recorded(self, job):
        time.sleep(0.05)
        return job, "<p>x</p>", frozenset()

parallel.PARALLEL_FROM_PAGES = 0
Slow.map = type("Map", (), {"basemap": None})()
writer = SiteWriter(Path(sys.argv[1]))
print(writer.tmp, flush=True)
for _ in parallel.render_pages(Slow(), writer, [f"p{i}.html" for i in range(400)], workers=2):
    pass
"""


def _group_alive(group: int) -> bool:
    """Whether a process of the group still runs (a zombie, which nothing may reap in a
    container, does not)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()   # after the command's name
        except (OSError, IndexError):
            continue   # gone meanwhile
        if fields[0] != "Z" and int(fields[2]) == group:
            return True
    return False


def test_workers_of_a_killed_build_stop_writing_into_its_folder(tmp_path):
    script = tmp_path / "build.py"
    script.write_text(KILLED_PARENT, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), str(tmp_path / "site")], stdout=subprocess.PIPE,
                            text=True, start_new_session=True, env=engine_env())
    try:
        folder = Path(proc.stdout.readline().strip())
        deadline = time.monotonic() + 30
        while len(os.listdir(folder)) < 4:
            assert time.monotonic() < deadline, "the workers wrote nothing"
            time.sleep(0.01)
        proc.kill()                       # the parent alone, as the kernel's OOM killer would
        proc.wait()
        deadline = time.monotonic() + 30
        while _group_alive(proc.pid):     # the workers, on their own now
            assert time.monotonic() < deadline, "the workers outlived their parent by 30 s"
            time.sleep(0.05)
        # They stopped: writing all 400 pages (two workers, 50 ms a page) would take 10 s; a worker
        # may finish the chunk of 16 pages it holds.
        assert len(os.listdir(folder)) < 100
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
