"""dossier serve: the preview injects its reload script, rebuilds, and reports errors without stopping."""
from __future__ import annotations

import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path

from dossier.serve import Handler, Preview

from child_process import engine_env

REPO = Path(__file__).resolve().parent.parent


def test_a_build_that_stops_on_an_exception_is_reported_and_the_preview_goes_on(content, tmp_path, monkeypatch, capsys):
    preview = Preview(content.root, tmp_path / "preview")
    preview.rebuild()
    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")
    with monkeypatch.context() as broken:
        broken.setattr("dossier.serve.build", disk_full)
        preview.rebuild()
    assert preview.generation == 2
    assert preview.errors == ["dossier: error: the build stopped: OSError: [Errno 28] No space left on device"]
    err = capsys.readouterr().err
    assert "serving the previous site" in err and "Traceback" not in err
    preview.rebuild()
    assert preview.generation == 3 and preview.errors == []


def test_preview_serves_pages_with_reload_script_and_survives_errors(content, tmp_path):
    out = tmp_path / "preview"
    preview = Preview(content.root, out)
    preview.rebuild()
    assert preview.generation == 1 and preview.errors == []
    handler = type("H", (Handler,), {"preview": preview})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        page = urllib.request.urlopen(base + "/index.html").read().decode()
        assert '<script src="/__dossier__/reload.js"></script></body>' in page
        assert "__dossier__" not in (out / "index.html").read_text(encoding="utf-8")  # never written to the site
        content.write("entities/countries/ruritania.yaml", "name: Ruritania\nsummary: See [[nobody]].\n")
        preview.rebuild()
        assert preview.generation == 2 and any("unknown id 'nobody'" in e for e in preview.errors)
        assert urllib.request.urlopen(base + "/countries/ruritania.html").status == 200  # the last good site stays
        for odd in ("/%00", "/index.html%00", "/countries/%00/", "/assets/style.css%00"):   # a 404, no traceback
            for method in ("GET", "HEAD"):
                try:
                    urllib.request.urlopen(urllib.request.Request(base + odd, method=method))
                    raise AssertionError(f"{method} {odd} was served")
                except urllib.error.HTTPError as e:
                    assert e.code == 404, (method, odd)
    finally:
        server.shutdown()
        server.server_close()


def test_a_build_leaves_what_lived_before_it_to_the_collector_only_after_it_ends(content, tmp_path, monkeypatch):
    """In a preview the last build's state lives on; a collector pass over it took 1.5 s at
    10,000 entities, paid by whichever build triggered it."""
    import gc

    from dossier import build as building, cache
    lived_before = [["a preview's state"]]
    frozen_when = {}
    fingerprint = cache.fingerprint

    def watched_fingerprint(*args, **kwargs):
        frozen_when["fingerprint"] = not any(o is lived_before for o in gc.get_objects())
        return fingerprint(*args, **kwargs)

    monkeypatch.setattr(cache, "fingerprint", watched_fingerprint)
    monkeypatch.setattr(building, "render_pages", _noting_frozen(building.render_pages, lived_before, frozen_when))
    building.build(content.root, tmp_path / "site")
    assert frozen_when == {"fingerprint": True, "render": True}
    assert any(o is lived_before for o in gc.get_objects())   # the collector's again once the build ends


def _noting_frozen(render_pages, lived, frozen_when):
    import gc

    def noting(*args, **kwargs):
        frozen_when["render"] = not any(o is lived for o in gc.get_objects())
        return render_pages(*args, **kwargs)
    return noting


class _NotingLock:
    """A lock that notes when someone had to wait for it."""

    def __init__(self):
        self.lock, self.waited = threading.Lock(), threading.Event()

    def __enter__(self):
        if not self.lock.acquire(blocking=False):
            self.waited.set()
            self.lock.acquire()

    def __exit__(self, *exc):
        self.lock.release()


def test_the_garbage_of_builds_is_collected_once_the_preview_is_idle_and_never_during_a_build(content, tmp_path, monkeypatch):
    import time
    import types

    from dossier import serve
    building, collections = [], []

    def build(*args, **kwargs):
        building.append(True)
        try:
            if len(collections) == 1:   # the first build's collection is done: one due meanwhile
                threading.Thread(target=preview._collect).start()
                assert preview.busy.waited.wait(10)   # it waits for the build
            return serve_build(*args, **kwargs)
        finally:
            building.pop()

    def waited(condition):
        deadline = time.monotonic() + 10
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.01)

    serve_build = serve.build
    monkeypatch.setattr(serve, "build", build)
    monkeypatch.setattr(serve, "gc", types.SimpleNamespace(collect=lambda: collections.append(bool(building))))
    monkeypatch.setattr(serve, "COLLECT_AFTER_S", 0.01)
    preview = Preview(content.root, tmp_path / "preview")
    preview.busy = _NotingLock()
    preview.rebuild()
    waited(lambda: collections)
    assert collections == [False]   # once the build is over
    content.write("entities/countries/ruritania.yaml", "name: Ruritania\n")
    preview.rebuild()
    waited(lambda: len(collections) == 3)
    assert collections == [False, False, False]   # the one due during the build waited for its end


def test_the_open_page_hears_of_a_new_site_before_the_state_for_the_next_build_is_saved(content, tmp_path, monkeypatch):
    from dossier import cache
    preview = Preview(content.root, tmp_path / "preview")
    told_when_saving = []
    save_state = cache.save_state

    def saving(*args):
        told_when_saving.append(preview.generation)
        return save_state(*args)

    monkeypatch.setattr(cache, "save_state", saving)
    preview.rebuild()
    content.write("entities/countries/ruritania.yaml", "name: Ruritania\n")
    preview.rebuild()
    assert told_when_saving == [1, 2] and preview.generation == 2 and preview.errors == []
    preview.rebuild()   # nothing changed: told once, after
    assert preview.generation == 3 and len(told_when_saving) == 2


def test_a_site_too_large_to_publish_is_said_on_the_build_that_made_it(content, tmp_path, monkeypatch, capsys):
    # The size is checked once the site is in place, after the page was told to reload: the
    # warning must still be printed by that build, not by the next one.
    from dossier import build as building
    monkeypatch.setattr(building, "PAGES_SITE_LIMIT", 100_000)   # as if a gigabyte
    preview = Preview(content.root, tmp_path / "preview")
    preview.rebuild()
    err = capsys.readouterr().err
    assert "warning: the site is" in err and "[site-size]" in err
    assert err.index("[site-size]") > err.index("dossier serve: built")   # after the reload was told


def test_a_first_build_that_fails_is_not_said_to_serve_a_previous_site(content, tmp_path, capsys):
    content.write("entities/countries/ruritania.yaml", "name: Ruritania\nsummary: See [[nobody]].\n")
    Preview(content.root, tmp_path / "preview").rebuild()
    err = capsys.readouterr().err
    assert "dossier serve: 1 error; the first build failed" in err and "previous site" not in err


def test_a_preview_stopped_by_sigterm_removes_its_temporary_site(content, tmp_path):
    """`kill` ends a process at once by default: the preview's temporary copy of the site stayed."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = engine_env(TMPDIR=str(temporary))
    process = subprocess.Popen([sys.executable, "-m", "dossier", "serve", "--content", str(content.root), "--port", "0"],
                               env=env, stderr=subprocess.PIPE, text=True)
    try:
        for line in process.stderr:
            if "http://127.0.0.1:" in line:
                break
        assert [p.name[:len("dossier-preview-")] for p in temporary.iterdir()] == ["dossier-preview-"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
        process.stderr.close()
    assert not list(temporary.iterdir())


def test_build_workers_stopped_while_the_preview_runs_end_without_a_traceback():
    """The preview turns SIGTERM into Ctrl-C, to clean up; a build's forked workers inherited that,
    and each printed a KeyboardInterrupt traceback when its pool stopped it (an outside hunt saw
    it in half the starts of `dossier serve`). A worker ends as SIGTERM ends it by default."""
    script = ("import multiprocessing\n"
              "from dossier.serve import _stopped_by_terminate\n"
              "with _stopped_by_terminate():\n"
              "    pool = multiprocessing.get_context('fork').Pool(2)\n"
              "    print(pool.map(abs, [-1, -2]))\n"   # the workers are up, waiting for work
              "    pool.terminate()\n"
              "    pool.join()\n")
    done = subprocess.run([sys.executable, "-c", script], env=engine_env(), capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "[1, 2]\n", "")
