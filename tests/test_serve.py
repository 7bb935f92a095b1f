"""dossier serve: the preview injects its reload script, rebuilds, and reports errors without stopping."""
from __future__ import annotations

import threading
import urllib.request
from functools import partial
from http.server import ThreadingHTTPServer

from dossier.serve import Handler, Preview


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
    finally:
        server.shutdown()
        server.server_close()
