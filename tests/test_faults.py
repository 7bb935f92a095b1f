"""Fault injection: a build that fails or is killed while writing leaves the previous site/ exactly
as it was (every file hashed before and after), and the next build succeeds; the swap of the new
site for the old is one atomic step; a build killed while it updates the site in place leaves a
site that the next build replaces whole; a build cache that is corrupt, foreign or out of date is
never trusted.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from dossier import cache
from dossier.build import build
from dossier.progress import Progress
from dossier.stages import write as write_stage
from dossier.stages.write import MARKER, UPDATING_TEXT, SiteWriter, exchange

from child_process import engine_env
from hostile.harness import FIXTURES, tally


@pytest.fixture(autouse=True, scope="module")
def _tally(request):
    yield tally(request.config)


def digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


@pytest.fixture(scope="module")
def built_once(tmp_path_factory):
    folder = tmp_path_factory.mktemp("built")
    shutil.copytree(FIXTURES / "minimal", folder / "content")
    result = build(folder / "content", folder / "site", use_cache=False)
    assert not result.diagnostics.errors
    return folder


@pytest.fixture
def built(built_once, tmp_path):
    """A content folder and the site built from it: (content, site, hashes of the site)."""
    for name in ("content", "site"):
        shutil.copytree(built_once / name, tmp_path / name)
    return tmp_path / "content", tmp_path / "site", digest(tmp_path / "site")


def edit(content: Path, n: int = 0) -> None:
    """A change to the content, so the next build has something new to write."""
    page = content / "pages" / "overview.md"
    page.write_text(page.read_text(encoding="utf-8") + f"\nEdit {n}.\n", encoding="utf-8")


# --- (a) an exception while writing -----------------------------------------------------------------

class Boom(Exception):
    pass


@pytest.mark.parametrize("after, exception", [(0, Boom), (1, KeyboardInterrupt), (7, OSError), (20, Boom),
                                              ("data", KeyboardInterrupt), ("assets", OSError), ("commit", Boom),
                                              ("commit", KeyboardInterrupt)])
def test_a_build_that_fails_while_writing_leaves_the_old_site_byte_identical(built, monkeypatch, after, exception,
                                                                             _tally):
    content, site, before = built
    edit(content)
    original_claim, original_commit = SiteWriter._claim, SiteWriter.commit
    written = []

    def failing_claim(self, rel):   # every file of the new site is claimed here, however it is written
        written.append(rel)
        hit = (isinstance(after, int) and len(written) > after and rel.endswith(".html")) or \
              (after == "data" and rel.startswith("data/")) or (after == "assets" and rel.startswith("assets/"))
        if hit:
            raise exception(f"injected after {len(written) - 1} files")
        return original_claim(self, rel)

    def failing_commit(self):
        raise exception("injected in commit")

    monkeypatch.setattr(SiteWriter, "_claim", failing_claim)
    if after == "commit":
        monkeypatch.setattr(SiteWriter, "commit", failing_commit)
    with pytest.raises(exception):
        build(content, site, use_cache=False)
    _tally.add("injected faults")
    assert digest(site) == before
    assert leftovers(site) == [], "the failed build left its temporary folder behind"

    monkeypatch.setattr(SiteWriter, "_claim", original_claim)
    monkeypatch.setattr(SiteWriter, "commit", original_commit)
    result = build(content, site, use_cache=False)
    assert not result.diagnostics.errors and result.pages > 0
    assert digest(site) != before and "Edit 0." in (site / "overview.html").read_text(encoding="utf-8")


def test_a_build_with_content_errors_does_not_touch_the_old_site(built, _tally):
    content, site, before = built
    (content / "entities/people/broken.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    result = build(content, site, use_cache=False)
    _tally.add("injected faults")
    assert result.diagnostics.errors and digest(site) == before and leftovers(site) == []


def test_a_disk_that_fills_up_mid_build_leaves_the_old_site(built, monkeypatch, _tally):
    content, site, before = built
    edit(content)
    real = SiteWriter._create   # every file of the new site is created here, in the parent or a worker
    count = [0]

    def full_disk(self, rel):
        count[0] += 1
        if count[0] > 5:
            raise OSError(28, "No space left on device")
        return real(self, rel)
    monkeypatch.setattr(SiteWriter, "_create", full_disk)
    with pytest.raises(OSError):
        build(content, site, use_cache=False)
    _tally.add("injected faults")
    assert digest(site) == before and leftovers(site) == []


# --- (b) SIGKILL at random points -------------------------------------------------------------------

@pytest.fixture(scope="module")
def large_content(tmp_path_factory) -> Path:
    """The minimal fixture and 350 generated people with summaries and cited facts: enough pages
    that a build spends a second or more writing (rendering stays serial below 400 pages)."""
    content = tmp_path_factory.mktemp("large") / "content"
    shutil.copytree(FIXTURES / "minimal", content)
    people = content / "entities/people"
    for i in range(350):
        (people / f"person-{i:03d}.yaml").write_text(
            f"name: Person {i}\ncountry: ruritania\n"
            f"summary: Person {i} knows [[person-{(i + 1) % 350:03d}]] and [[ada-example]] [@daily-news, p. {i}].\n"
            f"facts:\n" + "".join(f"  - {{label: Fact {k}, value: '{i * k}', cite: [almanac]}}\n" for k in range(8)),
            encoding="utf-8")
    return content


def run_build(content: Path, out: Path, *extra) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dossier", "build", "--quiet", "--content", str(content),
                           "--out", str(out), *extra], capture_output=True, text=True, timeout=300, env=engine_env())


def test_a_build_killed_at_random_points_while_writing_leaves_the_old_site(large_content, tmp_path, _tally):
    """Killed before the commit, the old site stays byte for byte; killed after it (while the
    build saves its state for the next one), the site is the whole new one. Full and
    incremental builds alternate: the full one swaps a new site in, the incremental one updates
    the live site in place, and killed in the middle of that leaves a site marked as being
    updated, which the next build replaces whole (see the end)."""
    content = tmp_path / "content"
    shutil.copytree(large_content, content)
    site = tmp_path / "site"
    first = run_build(content, site)
    assert first.returncode == 0, first.stderr[-2000:]
    rng = random.Random(8)
    killed_before_swap = 0
    half_updated = 0
    for attempt in range(4):
        before = digest(site)
        edit(content, attempt)
        full = ["--force"] if attempt % 2 == 0 else []
        proc = subprocess.Popen([sys.executable, "-m", "dossier", "build", "--quiet", "--content", str(content),
                                 "--out", str(site), *full], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True, env=engine_env())
        deadline = time.monotonic() + 60
        while not any(p.name.startswith(".site.tmp-") for p in tmp_path.iterdir()):
            assert proc.poll() is None, "the build ended before it started writing"
            assert time.monotonic() < deadline, "no temporary folder appeared"
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.6) if attempt else 0)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)   # the build and any workers it forked
        proc.wait()
        _tally.add("SIGKILLed builds")
        now = digest(site)
        if proc.returncode == -signal.SIGKILL and now == before:
            killed_before_swap += 1
            continue
        assert proc.returncode in (0, -signal.SIGKILL)
        if proc.returncode and not full and (site / MARKER).read_text() == UPDATING_TEXT:
            half_updated += 1   # killed while updating in place (rare: the commit takes milliseconds)
            continue
        whole = tmp_path / f"whole-{attempt}"
        assert run_build(content, whole, "--force").returncode == 0
        assert now == digest(whole), f"attempt {attempt}: site/ is neither the old site nor the whole new one"
    assert killed_before_swap + half_updated >= 2, "the builds were too fast to be killed while writing"

    again = run_build(content, site)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "Edit 3." in (site / "overview.html").read_text(encoding="utf-8")
    assert leftovers(site) == [], "the next build did not clean the killed builds' temporary folders"
    fresh = tmp_path / "fresh"
    assert run_build(content, fresh, "--force").returncode == 0
    assert digest(site) == digest(fresh)


# --- (c) the swap --------------------------------------------------------------------------------------

def test_exchange_swaps_two_folders_in_one_step(tmp_path, _tally):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "x").write_text("A"), (b / "y").write_text("B")
    if not exchange(a, b):
        pytest.skip("renameat2(RENAME_EXCHANGE) is not available here: the two-rename fallback is used")
    _tally.add("swaps")
    assert [p.name for p in a.iterdir()] == ["y"] and [p.name for p in b.iterdir()] == ["x"]
    assert not exchange(a, tmp_path / "missing")


def commit_while_watching(site: Path, rounds: int) -> list[str]:
    """Commit `rounds` new sites while another thread reads site/index.html without pause;
    returns what the reader saw go wrong."""
    seen: list[str] = []
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            try:
                if not (site / "index.html").read_bytes().startswith(b"<!DOCTYPE html>"):
                    seen.append("a partial page")
            except OSError as e:
                seen.append(f"{type(e).__name__}: {e.strerror}")
    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for n in range(rounds):
            writer = SiteWriter(site)
            writer.write("index.html", f"<!DOCTYPE html><title>{n}</title><p>round {n}</p>")
            writer.commit()
    finally:
        stop.set()
        thread.join()
    return seen


def test_site_exists_and_is_whole_at_every_moment_of_the_swap(tmp_path, _tally):
    site = tmp_path / "site"
    writer = SiteWriter(site)
    writer.write("index.html", "<!DOCTYPE html><p>first</p>")
    writer.commit()
    if write_stage._renameat2 is None:
        pytest.skip("no atomic exchange on this system")
    seen = commit_while_watching(site, 150)
    _tally.add("swaps", 150)
    assert seen == [], f"a reader saw site/ missing or partial during the swap: {sorted(set(seen))}"
    assert (site / "index.html").read_text() == "<!DOCTYPE html><title>149</title><p>round 149</p>"
    assert leftovers(site) == []


def test_without_the_atomic_exchange_the_two_renames_still_give_a_whole_site(tmp_path, monkeypatch, _tally):
    monkeypatch.setattr(write_stage, "_renameat2", None)
    site = tmp_path / "site"
    for n in range(3):
        writer = SiteWriter(site)
        writer.write("index.html", f"<!DOCTYPE html><p>{n}</p>")
        writer.commit()
    _tally.add("swaps", 3)
    assert (site / "index.html").read_text() == "<!DOCTYPE html><p>2</p>" and leftovers(site) == []


def test_stale_folders_of_a_killed_swap_are_cleaned(tmp_path, _tally):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("old")
    (site / ".dossier-site").write_text("a site dossier built")
    for stale in (".site.tmp-99999", ".site.old-99999"):
        (tmp_path / stale / "sub").mkdir(parents=True)
        (tmp_path / stale / "sub" / "x.html").write_text("stale")
    writer = SiteWriter(site)
    writer.write("index.html", "new")
    writer.commit()
    _tally.add("swaps")
    assert (site / "index.html").read_text() == "new" and leftovers(site) == []


# --- (d) the build cache --------------------------------------------------------------------------

def record_of(content: Path, site: Path) -> Path:
    records = list(cache.cache_dir(content).glob("build-*.json"))
    assert len(records) == 1
    return records[0]


def corrupt_truncated(path):
    path.write_text(path.read_text()[:40])


def corrupt_garbage(path):
    path.write_bytes(b"\x00\xff garbage")


def corrupt_older_format(path):
    record = json.loads(path.read_text())
    record["format"] = cache.FORMAT - 1
    path.write_text(json.dumps(record))


def corrupt_other_key(path):   # what a record from another engine version or other content looks like
    record = json.loads(path.read_text())
    record["key"] = "0" * 64
    path.write_text(json.dumps(record))


def corrupt_wrong_types(path):
    record = json.loads(path.read_text())
    record["files"] = "everything"
    record["diagnostics"] = [{"nonsense": 1}]
    path.write_text(json.dumps(record))


def corrupt_other_output(path):
    record = json.loads(path.read_text())
    record["out"] = "/somewhere/else"
    path.write_text(json.dumps(record))


def corrupt_a_directory(path):
    path.unlink()
    path.mkdir()


@pytest.mark.parametrize("corrupt", [corrupt_truncated, corrupt_garbage, corrupt_older_format, corrupt_other_key,
                                     corrupt_wrong_types, corrupt_other_output, corrupt_a_directory],
                         ids=lambda f: f.__name__[8:])
def test_a_corrupt_or_foreign_cache_record_is_never_trusted(built, corrupt, _tally):
    content, site, _ = built
    assert not build(content, site).diagnostics.errors           # with the cache: writes a record
    assert build(content, site).unchanged                        # and the record is used
    corrupt(record_of(content, site))
    result = build(content, site)
    _tally.add("corrupt caches")
    assert not result.unchanged and not result.diagnostics.errors and result.pages > 0
    if corrupt is not corrupt_a_directory:   # (a record that cannot be written is only a slower next build)
        assert build(content, site).unchanged                    # a good record again


def test_a_cache_folder_that_is_a_symbolic_link_is_neither_read_nor_written_through(built, tmp_path, _tally):
    """A .dossier-cache committed as a link would lead builds to write their state, and delete the
    old states they find, wherever it points."""
    content, site, _ = built
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "build-0123456789abcdef.state").write_bytes(b"someone else's file")
    (content.parent / ".dossier-cache").symlink_to(elsewhere, target_is_directory=True)
    said = io.StringIO()
    for _ in range(2):
        result = build(content, site, progress=Progress(said))
        assert not result.diagnostics.errors and not result.unchanged and result.pages > 0
    _tally.add("corrupt caches")
    assert [p.name for p in elsewhere.iterdir()] == ["build-0123456789abcdef.state"]
    assert (elsewhere / "build-0123456789abcdef.state").read_bytes() == b"someone else's file"
    assert "is a symbolic link, which builds do not write through" in said.getvalue()


def test_links_committed_inside_the_cache_folder_are_never_written_through(built, tmp_path, _tally):
    """The cache's file names can be guessed (the output folder's digest, the process id): a link
    of such a name in a committed .dossier-cache/ had a build write its record over any file the
    build's user may write, and its lock file make one wherever a dangling link led."""
    content, site, _ = built
    folder = cache.cache_dir(content)
    folder.mkdir()
    record, state = cache._record_path(folder, site), cache.state_path(content, site)
    victims = {}
    for name in (record.name, f".{record.name}.tmp-{os.getpid()}", state.name, f".{state.name}.tmp-{os.getpid()}"):
        victim = tmp_path / f"victim-{len(victims)}"
        victim.write_text("precious", encoding="utf-8")
        (folder / name).symlink_to(victim)
        victims[name] = victim
    which = hashlib.sha256(str(content.resolve()).encode()).hexdigest()[:16]
    (folder / f"content-{which}.lock").symlink_to(tmp_path / "made-by-the-lock")
    result = build(content, site)
    _tally.add("corrupt caches")
    assert not result.diagnostics.errors and result.pages > 0
    assert all(victim.read_text(encoding="utf-8") == "precious" for victim in victims.values())
    assert not (tmp_path / "made-by-the-lock").exists()
    assert not record.is_symlink() and not state.is_symlink()   # replaced by the build's own files
    assert build(content, site).unchanged                       # which the next build uses


@pytest.mark.parametrize("tamper", ["edit a page", "delete a page", "delete the site", "add a file"])
def test_a_site_changed_by_hand_is_rebuilt_not_trusted(built, tamper, _tally):
    content, site, _ = built
    build(content, site)
    assert build(content, site).unchanged
    page = site / "overview.html"
    if tamper == "edit a page":
        page.write_text(page.read_text() + "<script>alert(1)</script>")
    elif tamper == "delete a page":
        page.unlink()
    elif tamper == "delete the site":
        shutil.rmtree(site)
    else:
        (site / "extra.html").write_text("x")
    result = build(content, site)
    _tally.add("corrupt caches")
    assert not result.unchanged and not result.diagnostics.errors
    assert "<script>alert" not in page.read_text() and not (site / "extra.html").exists()


def test_a_content_change_is_never_hidden_by_the_cache(built, _tally):
    content, site, _ = built
    build(content, site)
    edit(content, 42)
    result = build(content, site)
    _tally.add("corrupt caches")
    assert not result.unchanged and "Edit 42." in (site / "overview.html").read_text()
