"""`dossier serve`: a local preview that rebuilds on change and reloads the open page.

The preview is served from 127.0.0.1 only. HTML responses get one extra script (never written
to the site itself) that listens to a server-sent event stream: "reload" after a good build,
"errors" with the diagnostics after a failed one, shown as an overlay while the last good site
stays up. Content errors never stop the server.
"""
from __future__ import annotations

import gc
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .build import build
from .diagnostics import printable
from .stages.render import templates_dir
from .stages.write import MARKER

RELOAD_JS = b"""(function () {
  var source = new EventSource('/__dossier__/events');
  var box = null;
  source.addEventListener('reload', function () { location.reload(); });
  source.addEventListener('errors', function (event) {
    var lines = JSON.parse(event.data);
    if (!box) {
      box = document.createElement('pre');
      box.setAttribute('role', 'alert');
      box.style.cssText = 'position:fixed;inset:auto 0 0 0;max-height:50vh;overflow:auto;margin:0;padding:1rem;' +
        'background:#3b0d0c;color:#fff;font:13px/1.4 ui-monospace,monospace;z-index:99999;white-space:pre-wrap';
      document.body.appendChild(box);
    }
    box.textContent = 'dossier: the last build failed; showing the previous site.\\n\\n' + lines.join('\\n');
  });
})();
"""


COLLECT_AFTER_S = 3.0   # after a build, time for the open page to reload before the collector runs


class Preview:
    """Builds, remembers the outcome, and tells connected pages about it."""

    def __init__(self, content: Path, out: Path):
        self.content, self.out = content, out
        self.generation = 0
        self.errors: list[str] = []
        self.changed = threading.Condition()
        self.state = None   # of the last build that wrote the site: the next one starts from it
        self.busy = threading.Lock()   # a build, or the collection after one
        self.collection: threading.Timer | None = None

    def rebuild(self) -> None:
        if self.collection is not None:
            self.collection.cancel()
        with self.busy:
            self._rebuild()
        self.collection = threading.Timer(COLLECT_AFTER_S, self._collect)
        self.collection.daemon = True
        self.collection.start()

    def _collect(self) -> None:
        """Free the cycles of objects the last builds left (a renderer and its template
        environment: tens of thousands of objects each). A build leaves the collector to its end
        (build.build); here, once the page has reloaded and nothing is being built, one pass
        walks everything the preview holds, which takes a second or more for a large dossier."""
        with self.busy:
            gc.collect()

    def _rebuild(self) -> None:
        start, reported = time.perf_counter(), []

        def report(result) -> None:   # as soon as the site is in place: the page reloads while the state is saved
            reported.append(len(result.diagnostics.items))
            lines = [printable(d.text()) for d in result.diagnostics.sorted()]
            for line in lines:
                print(line, file=sys.stderr)
            self._tell([line for line in lines if ": error: " in line])
            if self.errors:
                count = f"{len(self.errors)} error{'s' * (len(self.errors) != 1)}"
                state = f"{count}; serving the previous site" if self.out.is_dir() else f"{count}; the first build failed"
            elif result.unchanged:   # an error undone: the site is as it was
                state = "nothing changed since the last build"
            else:
                state = f"built {result.pages} pages"
            print(f"dossier serve: {state} in {time.perf_counter() - start:.2f} s", file=sys.stderr)

        try:
            result = build(self.content, self.out, state=self.state, written=report)
        except Exception as e:   # the disk, or a bug: say so and keep serving, as for content errors
            if not isinstance(e, OSError):   # a bug: what to report
                traceback.print_exc(file=sys.stderr)
            self._tell([f"dossier: error: the build stopped: {type(e).__name__}: {e}"])
            print("dossier serve: the build stopped; serving the previous site", file=sys.stderr)
            return
        self.state = result.state or self.state   # a failed build leaves the site, and so its state, as they were
        if not reported:   # it failed, or nothing changed
            report(result)
        else:   # what the build found once the site was in place: the site's size (build._hosting_limits)
            for d in result.diagnostics.items[reported[0]:]:
                print(printable(d.text()), file=sys.stderr)

    def _tell(self, errors: list[str]) -> None:
        """The outcome of a build, for the open pages: reload, or the errors as an overlay."""
        with self.changed:
            self.errors = errors
            self.generation += 1
            self.changed.notify_all()


class Handler(SimpleHTTPRequestHandler):
    preview: Preview

    def log_message(self, format, *args):  # quiet: the terminal shows builds, not requests
        pass

    def do_GET(self):
        if self.path == "/__dossier__/reload.js":
            return self._send(RELOAD_JS, "text/javascript")
        if self.path == "/__dossier__/events":
            return self._events()
        path = self.translate_path(self.path)
        if path.endswith("/"):
            path += "index.html"
        if path.endswith(".html") and Path(path).is_file():
            html = Path(path).read_bytes().replace(b"</body>", b'<script src="/__dossier__/reload.js"></script></body>', 1)
            return self._send(html, "text/html; charset=utf-8")
        return super().do_GET()

    def send_head(self):
        """As the standard handler does (for GET and HEAD), but '%00' in the address is a 404: no
        file has such a name, and opening one raises ValueError."""
        if "\0" in self.translate_path(self.path):
            self.send_error(404)
            return None
        return super().send_head()

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _events(self) -> None:
        preview = self.preview
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = preview.generation
        try:
            if preview.errors:
                self._event("errors", json.dumps(preview.errors))
            while True:
                with preview.changed:
                    preview.changed.wait_for(lambda: preview.generation != seen, timeout=15)
                    generation, errors = preview.generation, list(preview.errors)
                if generation == seen:
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
                    continue
                seen = generation
                self._event("errors", json.dumps(errors)) if errors else self._event("reload", "")
        except (BrokenPipeError, ConnectionResetError):
            return

    def _event(self, name: str, data: str) -> None:
        self.wfile.write(f"event: {name}\ndata: {data}\n\n".encode("utf-8"))
        self.wfile.flush()


def watch(preview: Preview, stop: threading.Event) -> None:
    """Rebuild when content or templates change (watchfiles, or polling without it)."""
    roots = [preview.content, templates_dir()]
    try:
        from watchfiles import watch as watch_changes
        for _ in watch_changes(*roots, stop_event=stop, debounce=200):
            preview.rebuild()
    except ImportError:  # pragma: no cover - watchfiles is a dependency; polling keeps serve usable
        def snapshot():
            return sorted((str(p), p.stat().st_mtime_ns) for root in roots for p in Path(root).rglob("*") if p.is_file())
        last = snapshot()
        while not stop.wait(0.5):
            now = snapshot()
            if now != last:
                last = now
                preview.rebuild()


def serve(content: Path, port: int, out: Path | None = None) -> int:
    """Serve the preview until interrupted. Without out, the site is built in a temporary folder,
    removed when the preview stops (each session would otherwise leave a whole site behind)."""
    with _stopped_by_terminate():
        if out is not None:
            return _serve(content, port, out)
        temporary = Path(tempfile.mkdtemp(prefix="dossier-preview-"))
        try:
            return _serve(content, port, temporary / "site")
        finally:
            shutil.rmtree(temporary, ignore_errors=True)


@contextmanager
def _stopped_by_terminate():
    """SIGTERM and SIGHUP (kill, a closed terminal) stop the preview as Ctrl-C does, so that its
    temporary site, and a build's temporary folder, are removed; by default they end the process
    at once, leaving them behind."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    owner = os.getpid()

    def interrupt(signum, frame):
        if os.getpid() != owner:   # a build's forked worker, stopped by its pool: end quietly, as by default
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise KeyboardInterrupt

    signals = [signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])   # no SIGHUP on Windows
    before = {signum: signal.signal(signum, interrupt) for signum in signals}
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


def _serve(content: Path, port: int, out: Path) -> int:
    preview = Preview(content, out)
    handler = type("PreviewHandler", (Handler,), {"preview": preview})
    # The port first: when it is taken, say so at once, not after a build of the whole site.
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(handler, directory=str(out)))
    server.daemon_threads = True
    stop = threading.Event()
    try:
        preview.rebuild()
        if not out.is_dir():
            out.mkdir(parents=True)
            (out / MARKER).write_text("Built by dossier serve.\n", encoding="utf-8")
            (out / "index.html").write_text("<!DOCTYPE html><title>dossier</title><body><p>The first build failed; fix the errors and it will reload.</p></body>", encoding="utf-8")
        threading.Thread(target=watch, args=(preview, stop), daemon=True).start()
        print(f"dossier serve: http://127.0.0.1:{server.server_address[1]}/index.html (Ctrl-C to stop)", file=sys.stderr)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
        with preview.busy:   # a build under way finishes before its folder is removed
            pass
    return 0
