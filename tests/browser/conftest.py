"""Fixtures for the tests that open the built demo site in headless Chromium, from file://.

- ``built_site``: the demo dossier built once per session (or ``DOSSIER_TEST_SITE``, an already
  built site folder, to test that instead).
- ``browser``: Debian's Chromium (``/usr/bin/chromium`` or ``DOSSIER_CHROMIUM``) driven by
  Playwright. Playwright never downloads a browser here. A browser that cannot start FAILS the
  tests with the reason; they are never skipped.
- ``page``: a fresh context and page with the network blocked (only file:// loads), recording
  console errors, uncaught exceptions and failed or blocked requests. A test that leaves any of
  those behind fails, with the list.
- ``open_page``: ``open_page("people/index.html", query={"q": "x"}, fragment="a-1")`` loads a page
  of the built site in ``page`` (or in a given page) and returns it.

See docs/testing.md.
"""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pytest

from child_process import engine_env

REPO = Path(__file__).resolve().parents[2]
CONTENT = REPO / "content"

CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",  # this machine has no network: no phoning home
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
DEFAULT_TIMEOUT_MS = 15_000
BUILD_TIMEOUT_S = 600


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "browser: opens the built site in headless Chromium (Debian's chromium package)"
    )


def _tail(text: str, lines: int = 200) -> str:
    parts = text.rstrip().splitlines()
    if len(parts) > lines:
        parts = [f"[... {len(parts) - lines} earlier lines left out ...]"] + parts[-lines:]
    return "\n".join(parts)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The demo dossier (content/) built once for the session; returns the site folder."""
    given = os.environ.get("DOSSIER_TEST_SITE")
    if given:
        site = Path(given).resolve()
        if not (site / "index.html").is_file():
            pytest.fail(f"DOSSIER_TEST_SITE={given} has no index.html", pytrace=False)
        return site
    site = tmp_path_factory.mktemp("built") / "site"
    cmd = [sys.executable, "-m", "dossier", "build", "--content", str(CONTENT), "--out", str(site)]
    try:
        proc = subprocess.run(
            cmd, cwd=REPO, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S,
            stdin=subprocess.DEVNULL, env=engine_env(),
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the demo build took more than {BUILD_TIMEOUT_S} s: {' '.join(cmd)}", pytrace=False)
    if proc.returncode != 0:
        pytest.fail(
            f"the demo build failed (exit {proc.returncode}): {' '.join(cmd)}\n"
            f"--- stdout ---\n{_tail(proc.stdout, 60)}\n--- stderr ---\n{_tail(proc.stderr, 60)}",
            pytrace=False,
        )
    if not (site / "index.html").is_file():
        pytest.fail(
            f"the demo build exited 0 but wrote no {site / 'index.html'}\n"
            f"--- stdout ---\n{_tail(proc.stdout, 60)}\n--- stderr ---\n{_tail(proc.stderr, 60)}",
            pytrace=False,
        )
    return site


def chromium_path() -> str:
    return os.environ.get("DOSSIER_CHROMIUM") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.fail(
            f"Playwright is not installed ({exc}): run scripts/run-tests, which installs the "
            "project's `test` extra", pytrace=False,
        )
    with sync_playwright() as pw:
        yield pw


def _launch_log(text: str) -> str:
    """Playwright's launch error without the two copies of the 60-flag command line."""
    keep = [line if len(line) <= 400 else line[:400] + " [...]"
            for line in text.splitlines() if "<launching>" not in line]
    return _tail("\n".join(keep), 40)


@pytest.fixture(scope="session")
def browser(_playwright):
    """Debian's Chromium, headless. Never skips: a browser that cannot start fails the tests."""
    exe = chromium_path()
    if not os.access(exe, os.X_OK):
        pytest.fail(
            f"Chromium not found at {exe}. Install Debian's package (`apt-get install chromium`, "
            "which scripts/run-tests does) or point DOSSIER_CHROMIUM at a Chromium binary. "
            "Playwright's own browser download is not used (it cannot work offline).",
            pytrace=False,
        )
    error = None
    try:
        browser = _playwright.chromium.launch(
            executable_path=exe, headless=True, args=CHROMIUM_ARGS, timeout=60_000
        )
    except Exception as exc:  # playwright.sync_api.Error, TimeoutError
        error = exc
    if error is not None:
        pytest.fail(
            f"Chromium at {exe} could not start (flags: {' '.join(CHROMIUM_ARGS)}).\n"
            f"Try it by hand: {exe} --headless {' '.join(CHROMIUM_ARGS)} --dump-dom about:blank\n"
            f"Playwright said:\n{_launch_log(str(error))}",
            pytrace=False,
        )
    yield browser
    browser.close()


@dataclass
class Recorder:
    """What went wrong in the pages of one test, with the page that was open at the time."""

    problems: list[str] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    current: str = "(no page opened yet)"

    def add(self, what: str) -> None:
        self.problems.append(f"[{self.current}] {what}")


_RECORDER = pytest.StashKey[Recorder]()
_ALLOWED_SCHEMES = ("file:", "data:", "blob:", "about:")


def _attach(context, rec: Recorder) -> None:
    def route(r):
        url = r.request.url
        if url.startswith(_ALLOWED_SCHEMES):
            r.continue_()
        else:
            rec.blocked.add(url)
            rec.add(f"blocked network request: {r.request.resource_type} {url}")
            r.abort("blockedbyclient")

    context.route("**/*", route)
    if hasattr(context, "route_web_socket"):
        def ws_route(ws):
            rec.blocked.add(ws.url)
            rec.add(f"blocked WebSocket: {ws.url}")
            ws.close()

        context.route_web_socket("**/*", ws_route)

    def on_console(msg):
        if msg.type == "error":
            loc = msg.location or {}
            where = f" ({loc.get('url')}:{loc.get('lineNumber')})" if loc.get("url") else ""
            rec.add(f"console.error: {msg.text}{where}")

    def on_weberror(err):
        exc = err.error
        rec.add(f"uncaught exception: {getattr(exc, 'stack', None) or exc}")

    def on_request_failed(req):
        if req.url in rec.blocked:
            return
        rec.add(f"failed request: {req.resource_type} {req.url} ({req.failure})")

    context.on("console", on_console)
    context.on("weberror", on_weberror)
    context.on("requestfailed", on_request_failed)
    context.on("page", lambda p: p.on("crash", lambda _: rec.add("page crashed")))


@pytest.fixture
def page(browser, request):
    """A fresh page, network blocked, whose console errors, page errors and failed requests fail
    the test (checked after the test body, see pytest_runtest_call below)."""
    context = browser.new_context(service_workers="block", locale="en-US")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    rec = Recorder()
    request.node.stash[_RECORDER] = rec
    _attach(context, rec)
    pg = context.new_page()
    yield pg
    context.close()


def site_url(site: Path, rel: str, query: dict | None = None, fragment: str | None = None) -> str:
    path = site / rel
    if not path.is_file():
        raise AssertionError(f"the built site has no {rel} (looked for {path})")
    url = path.as_uri()
    if query:
        url += "?" + urlencode(query)
    if fragment:
        url += "#" + fragment
    return url


@pytest.fixture
def open_page(page, built_site, request):
    """open_page(rel, query=None, fragment=None, target=None, wait_until="load") -> Page."""
    rec = request.node.stash[_RECORDER]

    def _open(rel: str, query: dict | None = None, fragment: str | None = None, target=None,
              wait_until: str = "load"):
        pg = target or page
        rec.current = rel + (f"?{urlencode(query)}" if query else "") + (f"#{fragment}" if fragment else "")
        pg.goto(site_url(built_site, rel, query, fragment), wait_until=wait_until)
        return pg

    return _open


def flush_events(pages) -> None:
    """One round trip per page, so that events the browser already sent reach the recorder."""
    for pg in pages:
        try:
            if not pg.is_closed():
                pg.evaluate("0")
        except Exception:
            pass


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After a test that used `page`: fail it if its pages logged errors or tried the network."""
    pg = item.funcargs.get("page") if hasattr(item, "funcargs") else None
    try:
        result = yield
    except BaseException as exc:
        rec = item.stash.get(_RECORDER, None)
        if rec is not None and pg is not None:
            flush_events(pg.context.pages)
            if rec.problems:
                exc.add_note("Also, in the browser:\n  " + "\n  ".join(rec.problems))
        raise
    rec = item.stash.get(_RECORDER, None)
    if rec is not None and pg is not None:
        flush_events(pg.context.pages)
        if rec.problems:
            raise AssertionError(
                f"{len(rec.problems)} problem(s) in the browser (console errors, uncaught "
                "exceptions, failed or blocked requests):\n  " + "\n  ".join(rec.problems)
            )
    return result
