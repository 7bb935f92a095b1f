"""404.html as GitHub Pages serves it: for any missing address of a site published below the
host's root, at any depth. With base_url, its stylesheet and links must work there.

The site is built with base_url pointing at a local server that serves it below /repo/ and, like
GitHub Pages, answers a missing path with 404.html. Nothing else is reachable.
"""
from __future__ import annotations

import shutil
import socket
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from dossier.build import build

REPO = Path(__file__).resolve().parents[2]


class PagesLikeHandler(SimpleHTTPRequestHandler):
    """Serves the folder; a missing path gets the site's 404.html with status 404."""

    not_found_page: Path

    def send_error(self, code, message=None, explain=None):
        if code != 404:
            return super().send_error(code, message, explain)
        body = self.not_found_page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, *args):
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(address of the site, its folder): the demo built with base_url, served below /repo/."""
    tmp = tmp_path_factory.mktemp("served")
    port = free_port()
    base = f"http://127.0.0.1:{port}/repo/"
    content = tmp / "content"
    shutil.copytree(REPO / "content", content)
    with open(content / "dossier.yaml", "a", encoding="utf-8") as file:
        file.write(f'base_url: "{base}"\n')
    site = tmp / "www" / "repo"
    result = build(content, site, use_cache=False)
    assert not result.diagnostics.errors, [d.text() for d in result.diagnostics.errors]
    handler = type("Handler", (PagesLikeHandler,), {"not_found_page": site / "404.html"})
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(handler, directory=str(tmp / "www")))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base, site
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("missing", ["nowhere.html", "people/nobody.html", "a/b/c/d.html"])
def test_the_404_page_is_styled_and_its_links_lead_to_pages_at_any_depth(browser, served, missing):
    base, site = served
    context = browser.new_context(service_workers="block")
    outside = []
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base)
                  else (outside.append(r.request.url), r.abort("blockedbyclient")))
    try:
        page = context.new_page()
        response = page.goto(base + missing)
        assert response.status == 404
        assert page.locator("h1").first.inner_text().strip(), "the 404 page has no heading"
        rules = page.evaluate("[...document.styleSheets].reduce((n, s) => n + s.cssRules.length, 0)")
        assert rules > 10, "the stylesheet did not load"
        links = page.eval_on_selector_all(".site-nav a[href], a.site-title", "as => as.map(a => a.href)")
        assert len(links) > 5
        for url in links:
            assert url.startswith(base), url
            assert context.request.get(url).status == 200, url
        assert page.eval_on_selector("form.search-box", "f => f.action") == base + "search.html"
        assert outside == []
    finally:
        context.close()
