"""A cold build whose data files are a task of the page workers' pool (DataFiles(in_worker=True))
must fail with a clear error, never hang, when that task is lost: its worker dies (the kernel's
OOM killer picks the largest process, and the worker making the data files is the largest), or
what it sends back cannot be read. A process of their own (before 353b6ba) failed with "the
process making the data files died" in both cases. (A page worker that died made a build wait
for ever before, too.)

Each build runs in a child process with a time limit, so that a hang fails the test."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dossier.stages import parallel

from child_process import engine_env

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(parallel.cores() < 2, reason="the pool path needs two cores")

PRELUDE = """
import os, sys
from pathlib import Path
from dossier.stages import parallel
from dossier.build import build
parallel.PARALLEL_FROM_PAGES = 0   # the demo's pages through the pool, its data files a task of it
MAIN = os.getpid()
"""

BUILD = """
try:
    result = build(Path(sys.argv[1]), Path(sys.argv[2]), use_cache=False)
except Exception as e:
    print("FAILED:", type(e).__name__, e, flush=True)
else:
    print("ERRORS:" if result.diagnostics.errors else "BUILT", [d.text() for d in result.diagnostics.errors], flush=True)
"""

WORKER_DIES = PRELUDE + """
def die(parts, spill):   # in the page worker that took the data files
    os._exit(3)
parallel._make_data_files = die
""" + BUILD

PAGE_WORKER_DIES = PRELUDE + """
render = parallel._render
def dying(index):   # a page worker, on its tenth page
    if index == 10:
        os._exit(9)
    return render(index)
parallel._render = dying
""" + BUILD

UNREADABLE_FAILURE = PRELUDE + """
import dossier.features.search as search
class Failure(Exception):   # pickles, but cannot be unpickled: __init__ takes two arguments
    def __init__(self, what, code):
        super().__init__(what)
writers = search.writers
def failing(res, pieces=None):
    if os.getpid() != MAIN:   # only where the data files are made, not where their paths are listed
        raise Failure("the search index failed", 1)
    yield from writers(res, pieces)
search.writers = failing
""" + BUILD


def _run(tmp_path: Path, script: str) -> str:
    path = tmp_path / "build.py"
    path.write_text(script, encoding="utf-8")
    env = engine_env(XDG_CACHE_HOME=str(tmp_path / "user-cache"))
    proc = subprocess.Popen([sys.executable, str(path), str(REPO / "content"), str(tmp_path / "site")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("the build hung once the data-files task was lost")
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)   # whatever it left behind
        except ProcessLookupError:
            pass
    return out


def test_a_page_worker_that_dies_making_the_data_files_fails_the_build(tmp_path):
    out = _run(tmp_path, WORKER_DIES)
    assert "FAILED: RuntimeError a page worker died (exit code 3) while rendering pages or making the data files" in out, \
        out[-2000:]
    assert not (tmp_path / "site").exists()


def test_a_page_worker_that_dies_rendering_fails_the_build(tmp_path):
    out = _run(tmp_path, PAGE_WORKER_DIES)
    assert "FAILED: RuntimeError a page worker died (exit code 9)" in out, out[-2000:]
    assert not (tmp_path / "site").exists()


def test_a_failure_of_the_data_files_that_cannot_be_sent_back_fails_the_build(tmp_path):
    out = _run(tmp_path, UNREADABLE_FAILURE)
    # the worker's own failure, as text: at 652c5dd a TypeError, raised by the pipe it came through
    assert "FAILED: RuntimeError Traceback" in out and "Failure: the search index failed" in out, out[-2000:]
    assert not (tmp_path / "site").exists()
