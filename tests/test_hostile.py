"""Content written to break us (tests/hostile/): each case is rejected with exactly the diagnostics
it names, or renders harmlessly; big and pathological inputs are generated here, at test time, and
must be refused or rendered quickly, in bounded memory, and without a traceback on the CLI.

A summary line at the end of the run counts the hostile inputs tried (tests/hostile/harness.py).
"""
from __future__ import annotations

import contextlib
import gc
import concurrent.futures
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from dossier.build import build, check
from dossier.markdown import MAX_MARKUP, markup_count
from dossier.stages.load import MAX_FILE_BYTES
from dossier.yamlload import MAX_NODES

from child_process import engine_env
from hostile.harness import FIXTURES, all_cases, page_problems, site_problems, tally

CASES = all_cases()
CPU_LIMIT = 2.0          # seconds of CPU for one hostile file through check and build
CASE_LIMIT = 30.0        # wall-clock seconds before a case counts as hung
MEMORY_LIMIT = 200 << 20  # bytes a hostile file may make the process grow by


@pytest.fixture(autouse=True, scope="module")
def _tally(request):
    yield tally(request.config)


@contextlib.contextmanager
def deadline(seconds: float, what: str):
    """Fail (instead of hanging the suite) when the block runs longer than seconds."""
    def expire(signum, frame):
        raise TimeoutError(f"{what} still running after {seconds} s: it hangs")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_case(tmp_path: Path, monkeypatch, make, what: str):
    """Build a content folder made by make(content) from inside it (diagnostics read
    'entities/people/x.yaml:1:1: ...'); returns (result, site, cpu seconds)."""
    content = tmp_path / "content"
    make(content)
    monkeypatch.chdir(content)
    gc.collect()   # not this case's time: what earlier tests left for the collector to walk
    cpu = time.process_time()
    with deadline(CASE_LIMIT, what):
        result = build(content, Path("../site"), use_cache=False)
    return result, tmp_path / "site", time.process_time() - cpu


def errors_of(result) -> list[str]:
    return [d.text() for d in result.diagnostics.sorted() if d.severity == "error"]


# --- the corpus ---------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_case(case, tmp_path, monkeypatch, request, _tally):
    if case.xfail:   # a known bug in a module this suite does not own: see the case's about
        request.applymarker(pytest.mark.xfail(reason=case.xfail, strict=True))

    def make(content):
        case.make(content)
        for html in case.import_html:
            import_page(case.folder / html, content)

    _tally.add("corpus cases")
    _tally.add("corpus files", case.inputs)
    result, site, cpu = run_case(tmp_path, monkeypatch, make, case.name)
    _tally.timed(cpu, f"corpus case {case.name}")
    assert sorted(errors_of(result)) == sorted(case.errors), f"{case.name}: {case.about}"
    for warning in case.warnings:
        assert warning in [d.text() for d in result.diagnostics.items], warning
    if case.errors:
        assert not site.exists(), "a build with errors wrote a site"
        return
    assert result.pages > 0 and (site / "index.html").is_file()
    assert site_problems(site) == []
    for check_ in case.renders:
        html = (site / check_["page"]).read_text(encoding="utf-8")
        for text in check_.get("contains", []):
            assert text in html, f"{check_['page']} should contain {text!r}"
        main = html[html.index("<main"):html.index("</main>")]   # the page's own content
        for text in check_.get("absent", []):
            assert text not in main, f"{check_['page']} should not contain {text!r} in <main>"


def import_page(html: Path, content: Path) -> None:
    from dossier.importer import import_file
    import_file(html, content, accessed="2025-01-01")


def test_the_corpus_covers_what_it_promises():
    """The kinds of hostile input the issue lists, each present in at least one case."""
    names = {c.name for c in CASES}
    for prefix in ("yaml-syntax", "yaml-duplicate", "yaml-anchors", "yaml-billion", "yaml-tags", "yaml-not-dates",
                   "yaml-yes-no", "encodings-", "ids-in-file-names", "ids-in-references", "duplicate-ids",
                   "reference-cycles", "front-matter", "markdown-raw-html", "markdown-link-schemes",
                   "markdown-wikilink", "markdown-citation", "template-text"):
        assert any(n.startswith(prefix) for n in names), prefix


# --- generated: big files, deep nesting, pathological Markdown ------------------------------------

def minimal(content: Path) -> None:
    shutil.copytree(FIXTURES / "minimal", content)


def grown_by(measure) -> int:
    """Bytes the Python heap grew by at its peak while measure() ran."""
    tracemalloc.start()
    try:
        measure()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_50_mb_file_is_refused_by_its_size_without_being_read(tmp_path, monkeypatch, _tally):
    def make(content):
        minimal(content)
        with open(content / "entities/people/huge.yaml", "wb") as f:
            f.write(b"name: Huge\nsummary: |\n")
            line = b"  " + b"x" * 1021 + b"\n"
            for _ in range(50 * 1024):
                f.write(line)
    result, site, cpu = run_case(tmp_path, monkeypatch, make, "50 MB")
    _tally.add("generated")
    assert errors_of(result) == [f"entities/people/huge.yaml: error: file is 50.0 MB; the limit is "
                                 f"{MAX_FILE_BYTES >> 20} MB [file-size]"]
    assert cpu < CPU_LIMIT
    # and the check itself holds no copy of the file
    assert grown_by(lambda: check(tmp_path / "content")) < 5 << 20


def flow_list(n: int) -> str:
    return "name: Many\naliases: [" + ", ".join(f"a{i}" for i in range(n)) + "]\n"


def block_list(n: int) -> str:
    return "name: Many\naliases:\n" + "".join(f"  - a{i}\n" for i in range(n))


HUGE_LISTS = {   # made when the test runs, not when the module is imported
    "100k-flow-list": (lambda: flow_list(MAX_NODES), "yaml-size"),        # over the limit by the name and its key
    "100k-block-list": (lambda: block_list(MAX_NODES), "markup-limit"),   # 200,000 '-' and line breaks come first
    "1M-values": (lambda: "aliases: [" + ",".join("1" for _ in range(1_000_000)) + "]\n", "yaml-size"),  # 2 MB
    "1M-duplicate-keys": (lambda: "{" + ",".join("k" for _ in range(1_000_000)) + "}\n", "yaml-size"),
}


@pytest.mark.parametrize("name", list(HUGE_LISTS))
def test_huge_lists_are_refused_quickly_in_bounded_memory(name, tmp_path, monkeypatch, _tally):
    make_text, code = HUGE_LISTS[name]
    text = make_text()
    assert len(text.encode()) <= MAX_FILE_BYTES
    def make(content):
        minimal(content)
        (content / "entities/people/many.yaml").write_text(text, encoding="utf-8")
    result, site, cpu = run_case(tmp_path, monkeypatch, make, code)
    _tally.add("generated")
    _tally.timed(cpu, f"a {len(text) >> 10} KB list")
    errors = errors_of(result)
    assert len(errors) == 1 and errors[0].startswith("entities/people/many.yaml:") and errors[0].endswith(f"[{code}]"), errors
    assert cpu < CPU_LIMIT
    assert grown_by(lambda: check(tmp_path / "content")) < MEMORY_LIMIT


def test_the_alias_bomb_stays_small(tmp_path, monkeypatch, _tally):
    bomb = next(c for c in CASES if c.name == "yaml-billion-laughs")
    def make(content):
        bomb.make(content)
    result, site, cpu = run_case(tmp_path, monkeypatch, make, "alias bomb")
    _tally.add("generated")
    assert [e.split(": error: ")[1] for e in errors_of(result)] == [
        "anchors and aliases (&name, *name) are not allowed in content [yaml-alias]"]
    assert cpu < 0.5
    assert grown_by(lambda: check(tmp_path / "content")) < 5 << 20


PATHOLOGICAL = {
    # name: one period of the pattern, repeated to 1 MB
    "10k-nested-blockquotes": ">" * 10_000 + " deep\n",
    "blockquote-staircase": "".join(">" * i + " x\n" for i in range(1, 60)),
    "open-brackets": "[",
    "open-wikilinks": "[[",
    "text-and-brackets": "a[",
    "unclosed-wikilink-labels": "[[a|",
    "emphasis-runs": "*_",
    "emphasis-with-text": "*a_",
    "strong-runs": "**",
    "citation-openers": "[@",
    "citation-locators": "[@a, ",
    "citation-lists": "[@a;",
    "citation-backtracking": "[@a, x  ;",
    "image-openers": "![",
    "link-openers": "[a](",
    "reference-labels": "[a]",
    "100k-backticks": "`" * 100_000 + "\n",
    "backticks-and-text": "`a",
    "html-openers": "<a ",
    "entity-openers": "&#",
    "autolink-openers": "<http://a",
    "table-cells": "|a",
    "list-markers": "- ",
    "headings": "# x\n",
    "fences": "```\n",
    "backslashes": "\\",
    "line-breaks": "a\n",
}
# The costliest patterns per markup character (measured), run again just under the limit.
COSTLIEST = ["text-and-brackets", "image-openers", "open-brackets", "citation-lists", "line-breaks", "emphasis-with-text"]
FRONT = "---\ntitle: Hostile\naccessed: 2025-01-01\n---\n"


def hostile_source(content: Path, body: str) -> None:
    minimal(content)
    (content / "sources/hostile.md").write_text(FRONT + body, encoding="utf-8")


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_a_1_mb_pathological_markdown_file_is_refused_at_once(name, tmp_path, monkeypatch, _tally):
    unit = PATHOLOGICAL[name]
    body = unit * -(-(1 << 20) // len(unit))
    result, site, cpu = run_case(tmp_path, monkeypatch, lambda c: hostile_source(c, body), name)
    _tally.add("generated")
    _tally.timed(cpu, f"1 MB of {name}")
    errors = errors_of(result)
    assert len(errors) == 1 and errors[0].startswith("sources/hostile.md:") and errors[0].endswith(
        f"the limit is {MAX_MARKUP:,} a file, passed here: split the file or simplify its text [markup-limit]"), errors
    assert cpu < CPU_LIMIT, f"{cpu:.2f} s of CPU"


@pytest.mark.parametrize("name", COSTLIEST)
def test_pathological_markdown_just_under_the_limit_renders_in_bounded_time(name, tmp_path, monkeypatch, _tally):
    """Parsed for anchoring and for the page, read for the search index, and still under 2 s of CPU."""
    unit = PATHOLOGICAL[name]
    body = unit * ((MAX_MARKUP - markup_count(FRONT) - 10) // markup_count(unit))
    result, site, cpu = run_case(tmp_path, monkeypatch, lambda c: hostile_source(c, body), name)
    _tally.add("generated")
    _tally.timed(cpu, f"{name} at the markup limit")
    assert errors_of(result) == []
    assert (site / "sources/hostile.html").is_file() and site_problems(site) == []
    assert cpu < CPU_LIMIT, f"{cpu:.2f} s of CPU"


def test_a_source_with_5000_annotations_builds_in_bounded_time(tmp_path, monkeypatch, _tally):
    """The most annotations the schema allows, each anchored on its own word of one paragraph:
    highlighting is one sweep over the text, not every annotation against every piece."""
    n = 5000
    front = ("---\ntitle: Hostile\naccessed: 2025-01-01\nannotations:\n"
             + "".join(f"  - quote: w{i}x\n" for i in range(n)) + "---\n")
    body = " ".join(f"w{i}x" for i in range(n)) + "\n"
    result, site, cpu = run_case(tmp_path, monkeypatch, lambda c: (minimal(c), (c / "sources/hostile.md").write_text(
        front + body, encoding="utf-8")), "5000 annotations")
    _tally.add("generated")
    _tally.timed(cpu, "a source with 5,000 annotations")
    assert errors_of(result) == []
    assert (site / "sources/hostile.html").read_text(encoding="utf-8").count('<mark class="anno') == n
    assert cpu < CPU_LIMIT, f"{cpu:.2f} s of CPU"


# --- the command line ----------------------------------------------------------------------------

def corpus_sample(content: Path) -> None:
    """The failing cases of the corpus, merged into one content folder (files renamed where two
    cases use the same path)."""
    minimal(content)
    for case in (c for c in CASES if c.errors and not c.xfail):
        scratch = content.parent / "scratch" / case.name
        case.make(scratch)
        for path in sorted(scratch.rglob("*")):
            rel = path.relative_to(scratch)
            if not (path.is_file() or path.is_symlink()) or (FIXTURES / "minimal" / rel).exists():
                continue
            target = content / rel
            if target.exists() or target.is_symlink():
                target = target.with_name(f"{case.name}-{rel.name}")
            target.parent.mkdir(parents=True, exist_ok=True)
            if path.is_symlink():
                target.symlink_to(os.readlink(path))
            elif not path.is_dir():
                shutil.copyfile(path, target)


def cli(*args, cwd: Path, limit_memory: bool = False) -> subprocess.CompletedProcess:
    def limits():
        if limit_memory:  # a runaway read fails in seconds instead of taking the machine
            resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    return subprocess.run([sys.executable, "-m", "dossier", *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env=engine_env(), preexec_fn=limits)


def test_the_cli_reports_hostile_content_without_a_traceback(tmp_path, _tally):
    """One subprocess run of `python -m dossier build --force` on a folder holding every failing
    case of the corpus: exit status 1, every problem as a diagnostic line, no traceback, nothing
    written."""
    content = tmp_path / "content"
    corpus_sample(content)
    proc = cli("build", "--force", "--content", str(content), "--out", str(tmp_path / "site"), cwd=tmp_path)
    _tally.add("CLI runs")
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr[-3000:]
    assert ": error: " in proc.stderr and "nothing was written" in proc.stderr
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("target", ["/nonexistent/file.md", "/dev/zero"])
def test_the_cli_with_its_cache_survives_symbolic_links(target, tmp_path, _tally):
    content = tmp_path / "content"
    minimal(content)
    (content / "sources/linked.md").symlink_to(target)
    proc = cli("build", "--content", str(content), "--out", str(tmp_path / "site"), cwd=tmp_path, limit_memory=True)
    _tally.add("CLI runs")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-1500:]
    assert "sources/linked.md: error: a symbolic link that leads" in proc.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
@pytest.mark.parametrize("command", ["build", "check"])
def test_a_named_pipe_among_the_content_is_an_error_not_a_hang(command, tmp_path, _tally):
    # Found by a helper: opening a pipe named *.yaml waited for a writer for ever.
    content = tmp_path / "content"
    minimal(content)
    os.mkfifo(content / "entities" / "crossings" / "pipe.yaml")
    proc = cli(command, "--content", str(content), *(["--out", str(tmp_path / "site")] if command == "build" else []),
               cwd=tmp_path)
    _tally.add("CLI runs")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-1500:]
    assert "entities/crossings/pipe.yaml: error: cannot read file: not a regular file" in proc.stderr


def test_the_cli_builds_hostile_but_valid_content_into_a_safe_site(tmp_path, _tally):
    content = tmp_path / "content"
    minimal(content)
    for case in CASES:
        if not case.errors and (case.folder / "content").is_dir():
            for path in sorted((case.folder / "content").rglob("*.md")):
                rel = path.relative_to(case.folder / "content")
                if rel.parts[0] == "pages":
                    shutil.copyfile(path, content / "pages" / f"{case.name}-{path.name}")
    proc = cli("build", "--content", str(content), "--out", str(tmp_path / "site"), cwd=tmp_path)
    _tally.add("CLI runs")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert site_problems(tmp_path / "site") == []


# --- in a browser: what the page's own scripts do with content ------------------------------------

CHROMIUM = os.environ.get("DOSSIER_CHROMIUM", "/usr/bin/chromium")


@pytest.mark.browser
def test_the_map_script_never_runs_content_as_html(tmp_path, monkeypatch, _tally):
    """The post-build scan reads HTML; what scripts do with data at run time needs a browser. A
    crossing and a map layer named with an <img onerror> payload must stay text on map.html."""
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")

    def make(content):
        minimal(content)
        bridge = content / "entities/crossings/old-bridge.yaml"
        bridge.write_text(bridge.read_text().replace(
            "name: Old Bridge", "name: 'Old <img src=x onerror=\"window.pwned=(window.pwned||[]).concat(1)\"> Bridge'"))
        (content / "map").mkdir()
        (content / "map/evil.geojson").write_text(
            '{"type": "FeatureCollection", "name": "<img src=x onerror=\\"window.pwned=(window.pwned||[]).concat(2)\\">", '
            '"features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [130.1, 42.1]}, '
            '"properties": {"name": "<img src=x onerror=\\"window.pwned=(window.pwned||[]).concat(3)\\">"}}]}')
    result, site, _ = run_case(tmp_path, monkeypatch, make, "map names")
    _tally.add("browser pages")
    assert errors_of(result) == [] and site_problems(site) == []
    def drive():
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu",
                                                                         "--disable-dev-shm-usage"])
            try:
                page = browser.new_page()
                page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                           else route.abort())
                page.goto((site / "map.html").as_uri())
                page.wait_for_selector(".crossing-marker")
                for element in page.query_selector_all(".crossing-marker, path.content-layer"):
                    element.hover(force=True)
                    element.click(force=True)
                page.wait_for_timeout(300)
                return page.evaluate("window.pwned || []")
            finally:
                browser.close()

    # Its own thread: the browser tests' session-wide Playwright keeps an asyncio loop in this one,
    # and the sync API refuses to start inside a running loop.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        ran = pool.submit(drive).result()
    assert ran == [], f"payloads that ran: {ran} (1: crossing tooltip, 2: layer control, 3: layer popup)"


# --- the post-build scan, on crafted HTML -------------------------------------------------------

from dossier.stages.verify import check_link, scan_page  # noqa: E402

REFUSED_HTML = [
    "<script>alert(1)</script>",
    "<SCRIPT>alert(1)</SCRIPT>",
    "<script src='https://evil.example/x.js'></script>",
    "<script src=\"//evil.example/x.js\"></script>",
    "<script data-src=\"assets/site.js\">alert(1)</script>",
    "<script src=\"assets/site.js\" src=\"https://evil.example/x.js\"></script>",
    "<script src=\"javascript:alert(1)\"></script>",
    "<script src=\"../../outside/x.js\"></script>",
    "<script type=\"module\" src=\"evil.mjs\"></script>",
    "<img src=\"x.png\" onerror=\"alert(1)\">",
    "<img src=x ONERROR=alert(1)>",
    "<div OnClick='alert(1)'>x</div>",
    "<body onload=alert(1)>",
    "<svg onload=alert(1)></svg>",
    "<img/src/onerror=alert(1)>",
    "<img src=\"x\"/onerror=\"alert(1)\">",
    "<a href=\"x\"onclick=\"alert(1)\">x</a>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\" javascript:alert(1)\">x</a>",
    "<a href=\"\tjava\nscript:alert(1)\">x</a>",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "<a href=\"&#x6A;avascript:alert(1)\">x</a>",
    "<a href=\"&#0000106avascript:alert(1)\">x</a>",
    "<a href=\"javascript&colon;alert(1)\">x</a>",
    "<a href=\"java&Tab;script:alert(1)\">x</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
    "<a href='javascript:alert(\"single quotes\")'>x</a>",
    "<a href=javascript:alert(1)>unquoted</a>",
    "<a href=\"\x01javascript:alert(1)\">control character</a>",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD4=\">x</a>",
    "<a href=\"file:///etc/passwd\">x</a>",
    "<a href=\"mailto:x@example.org\" ping=\"x\">ok</a><img src=\"mailto:x@example.org\">",
    "<a href=\"/etc/passwd\">x</a>",
    "<a href=\"\\\\evil\\share\">x</a>",
    "<a href=\"//evil.example/\">x</a>",
    "<a href=\"../../etc/passwd\">x</a>",
    "<a href=\"%2e%2e/%2e%2e/x.html\">x</a>",
    "<a href=\"http://[x\">malformed</a>",
    "<img src=\"https://evil.example/track.png\">",
    "<img srcset=\"ok.png 1x, https://evil.example/track.png 2x\">",
    "<video poster=\"https://evil.example/p.png\"></video>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>",
    "<svg><image xlink:href=\"https://evil.example/i.png\"/></svg>",
    "<svg><use href=\"data:image/svg+xml,<svg onload=alert(1)>\"/></svg>",
    "<svg><animate attributeName=\"href\" to=\"javascript:alert(1)\"/></svg>",
    "<svg><set attributeName=\"href\" to=\"javascript:alert(1)\"/></svg>",
    "<iframe src=\"ok.html\"></iframe>",
    "<iframe srcdoc=\"&lt;script&gt;alert(1)&lt;/script&gt;\"></iframe>",
    "<object data=\"x.swf\"></object>",
    "<embed src=\"x.swf\">",
    "<base href=\"https://evil.example/\">",
    "<link rel=\"preload\" href=\"https://evil.example/x.js\" as=\"script\">",
    "<link rel=\"stylesheet\" href=\"https://evil.example/x.css\">",
    "<link rel=\"canonical preload\" href=\"https://evil.example/x\">",
    "<meta http-equiv=\"refresh\" content=\"0; url=https://evil.example/\">",
    "<META HTTP-EQUIV=\"Set-Cookie\" content=\"a=b\">",
    "<form action=\"javascript:alert(1)\"><button>x</button></form>",
    "<button formaction=\"javascript:alert(1)\">x</button>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<div style=\"width: expression(alert(1))\">x</div>",
    "<div style=\"background:url(java\\script:alert(1))\">x</div>",
    "<a href=\"x.html\" title=\"unterminated>",
    "<img src=\"x.png\" alt=\"a\" onerror=alert(1) >",
    # A tag in a value is harmless by itself, but our pages write it &lt;script&gt;, and after a
    # comment or a <title> whose end is inside the value it is a tag: the scan refuses any.
    "<a title='<script>alert(1)</script>' href=\"index.html\">a tag in a value</a>",
    "<!-- <x a=\" --><img src=x onerror=alert(1)>\"> -->",
    # What loads from the network without a src or an href (a second outside review, each
    # confirmed in Chromium): CSS, a table's background, an SVG filter's image, paint servers,
    # preloaded images, a link's ping; and a charset in which the scan would read other tags.
    "<div style=\"background:url(https://evil.example/a.png)\">x</div>",
    "<div style=\"background: u\\72l(https://evil.example/a.png)\">x</div>",
    "<style>@import url(https://evil.example/a.css)</style>",
    "<table background=\"https://evil.example/a.png\"><tr><td>x</td></tr></table>",
    "<svg><feImage href=\"https://evil.example/a.png\"/></svg>",
    "<svg><rect fill=\"url(https://evil.example/a.svg#p)\"/></svg>",
    "<svg><rect mask=\"url('https://evil.example/m.svg#m')\"/></svg>",
    "<link rel=\"preload\" as=\"image\" href=\"index.html\" imagesrcset=\"https://evil.example/a.png 1x\">",
    "<a href=\"index.html\" ping=\"https://evil.example/p\">x</a>",
    "<meta charset=\"iso-2022-jp\">",
]

HARMLESS_HTML = [
    "<a href=\"index.html\">home</a>",
    "<a href=\"https://ok.example/?a=1&amp;b=2\" rel=\"noopener\">ok</a>",
    "<a href=\"mailto:someone@example.org\">mail</a>",
    "<a href=\"#top\">top</a><p id=\"top\">x</p>",
    "<script src=\"assets/site.js\"></script>",
    "<a title=\"onclick=alert(1)\" href=\"index.html\">the word in a value</a>",
    "<p>&lt;script&gt;alert(1)&lt;/script&gt; javascript:alert(1) onerror=alert(1)</p>",
    "<p data-note=\"javascript:alert(1)\">a data attribute is not a link</p>",
    "<img src=\"assets/logo.png\" alt=\"x\">",
    "<link rel=\"canonical\" href=\"https://ok.example/index.html\">",
    "<p>a &lt; b and c > d</p>",
    "<svg><rect fill=\"#cfe3ef\" stroke=\"#8c8270\"/><rect fill=\"url(#gradient) red\"/></svg>",
    "<div style=\"width: 40%\">x</div>",
    "<meta charset=\"utf-8\">",
]
SITE_FILES = {"index.html", "assets/site.js", "assets/logo.png"}


def scan_findings(html: str) -> list[str]:
    scan = scan_page(html)
    ids = {"index.html": scan.ids}
    return scan.problems + [p for url, what in scan.links
                            if (p := check_link("index.html", url, what, SITE_FILES, ids.get))]


@pytest.mark.parametrize("html", REFUSED_HTML)
def test_the_post_build_scan_refuses(html, _tally):
    _tally.add("crafted pages for the scan")
    assert scan_findings(html), f"the scan let through {html!r}"


@pytest.mark.parametrize("html", HARMLESS_HTML)
def test_the_post_build_scan_lets_harmless_pages_through(html, _tally):
    _tally.add("crafted pages for the scan")
    assert scan_findings(html) == []
    assert page_problems(html) == []


def test_a_finding_of_the_scan_is_a_build_error_and_the_old_site_stays(tmp_path, monkeypatch, _tally):
    """The scan runs inside `build`, on what is about to be published: a template that slips an
    inline script into a page fails the build, and the previous site is left as it was."""
    content = tmp_path / "content"
    minimal(content)
    site = tmp_path / "site"
    assert errors_of(build(content, site, use_cache=False)) == []
    before = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    from dossier.stages import render
    original = render.Renderer.render_job

    def slipped(self, job):
        path, html = original(self, job)
        return path, html.replace("</main>", "<b onclick=alert(1)>x</b></main>") if path == "index.html" else html
    monkeypatch.setattr(render.Renderer, "render_job", slipped)
    result = build(content, site, use_cache=False)
    _tally.add("crafted pages for the scan")
    assert [d.message for d in result.diagnostics.errors] == ["index.html: <b> has an event-handler attribute 'onclick'"]
    assert {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()} == before


# --- found by an outside review (hostile content, session 11) ------------------------------------

def failed_build(content: Path, out, cwd: Path, tally) -> str:
    """What `python -m dossier build` prints when it fails as it should: exit status 1, no traceback."""
    proc = cli("build", "--content", str(content), "--out", str(out), cwd=cwd)
    tally.add("CLI runs")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-1500:]
    return proc.stderr


def test_a_file_name_that_is_not_utf8_is_an_error_at_that_file_not_a_traceback(tmp_path, _tally):
    # Git stores such names, so a pull request can add one, even where no file is read.
    content = tmp_path / "content"
    minimal(content)
    bad = os.fsdecode(b"\xff\xfe")
    (content / "entities" / "people" / f"{bad}.yaml").write_text("name: X\n", encoding="utf-8")
    (content / "notes").mkdir()
    (content / "notes" / f"{bad}.txt").write_text("x", encoding="utf-8")
    assert "(it contains the byte 0xFF, which is not UTF-8) [bad-id]" in failed_build(content, tmp_path / "site", tmp_path, _tally)


def test_a_layer_with_a_number_of_thousands_of_digits_is_a_geojson_error(tmp_path):
    content = tmp_path / "content"
    minimal(content)
    (content / "map").mkdir(exist_ok=True)
    (content / "map" / "layer.geojson").write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
        '"geometry": {"type": "Point", "coordinates": [' + "1" * 5000 + ', 42]}}]}', encoding="utf-8")
    errors = check(content).diagnostics.errors
    assert [(e.code, e.message) for e in errors] == [("geojson", "not valid JSON for a layer: a number of 5,000 digits")]


@pytest.mark.parametrize("out", ["afile/site", "/proc/dossier-site"])
def test_an_output_folder_that_cannot_be_made_is_an_error(tmp_path, out, _tally):
    content = tmp_path / "content"
    minimal(content)
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    assert "cannot make the output folder there" in failed_build(content, out, tmp_path, _tally)


def test_an_output_folder_named_like_a_pattern_clears_only_its_own_leftovers(tmp_path):
    content = tmp_path / "content"
    minimal(content)
    other = tmp_path / ".gx.tmp-1"   # what '.g*.tmp-*' would match
    other.mkdir()
    assert not build(content, tmp_path / "g*").diagnostics.errors
    assert other.is_dir()


@pytest.mark.parametrize("rel", ["sources/sub/extra.md", "pages/sub/extra.md", "map/sub/extra.geojson"])
def test_a_file_in_a_subfolder_is_a_layout_error_not_a_second_file_of_the_same_id(tmp_path, rel):
    # pages/sub/overview.md took the place of pages/overview.md on the site, silently.
    content = tmp_path / "content"
    minimal(content)
    (content / rel).parent.mkdir(parents=True)
    (content / rel).write_text("---\ntitle: X\n---\nText.\n" if rel.endswith(".md") else '{"type": "FeatureCollection", "features": []}',
                               encoding="utf-8")
    errors = check(content).diagnostics.errors
    what = {"sources": "source files go directly in sources/", "pages": "page files go directly in pages/",
            "map": "map layers go directly in map/"}[rel.split("/")[0]]
    assert [(e.code, e.message) for e in errors] == [("layout", f"{what}, not in subfolders")]
    assert errors[0].path.endswith(rel)


def test_a_link_to_a_folder_among_the_content_is_an_error_at_the_link(tmp_path):
    content = tmp_path / "content"
    minimal(content)
    (tmp_path / "outside").mkdir()
    (content / "entities" / "people" / "sub").symlink_to(tmp_path / "outside", target_is_directory=True)
    errors = check(content).diagnostics.errors
    assert [e.code for e in errors] == ["layout"] and errors[0].path.endswith("entities/people/sub")
    assert "a symbolic link to a folder: it is not read" in errors[0].message


def test_an_entities_folder_that_links_out_is_refused_without_listing_what_it_leads_to(tmp_path):
    # Listing it named every file of /etc, one error each, in a public CI log.
    content = tmp_path / "content"
    minimal(content)
    shutil.rmtree(content / "entities")
    (content / "entities").symlink_to("/etc", target_is_directory=True)
    errors = check(content).diagnostics.errors
    assert [(e.code, Path(e.path).name) for e in errors if e.code in ("symlink", "unknown-kind")] == [("symlink", "entities")]
    assert not any("passwd" in e.message for e in errors)


def test_a_path_through_a_link_and_back_names_the_real_file(tmp_path, monkeypatch):
    # content given as elsewhere/../content: '..' is taken where the link leads, as the system does
    content = tmp_path / "content"
    minimal(content)
    (tmp_path / "far" / "dir").mkdir(parents=True)
    (tmp_path / "near").mkdir()
    (tmp_path / "near" / "linked").symlink_to(tmp_path / "far" / "dir", target_is_directory=True)
    (tmp_path / "far" / "content").symlink_to(content, target_is_directory=True)
    (content / "pages" / "sub").mkdir()
    (content / "pages" / "sub" / "x.md").write_text("---\ntitle: X\n---\n", encoding="utf-8")
    (tmp_path / "other").mkdir()
    monkeypatch.chdir(tmp_path / "other")   # the content is outside the working folder: named absolute
    errors = check(Path("../near/linked/../content")).diagnostics.errors
    assert [e.path for e in errors] == [str(content / "pages" / "sub" / "x.md")]


def test_a_kind_folder_that_is_a_file_says_so(tmp_path):
    content = tmp_path / "content"
    minimal(content)
    shutil.rmtree(content / "entities" / "people")
    (content / "entities" / "people").write_text("x", encoding="utf-8")
    errors = check(content).diagnostics.errors
    assert ("layout", "'people' is a file: entity files go in a folder of that name") in [(e.code, e.message) for e in errors]


@pytest.mark.parametrize("command", ["new", "import"])
def test_new_and_import_write_nothing_through_a_folder_that_links_out(tmp_path, command, capsys):
    from dossier.cli import main
    content, outside = tmp_path / "content", tmp_path / "outside"
    minimal(content)
    outside.mkdir()
    shutil.rmtree(content / "sources")
    (content / "sources").symlink_to(outside, target_is_directory=True)
    article = tmp_path / "article.txt"
    article.write_text("A title\n\nThe text of the article.\n", encoding="utf-8")
    args = ["new", "source", "foo"] if command == "new" else ["import", str(article), "--id", "foo"]
    assert main([*args, "--content", str(content)]) == 2
    assert "leads out of the content folder (a symbolic link): nothing is written there" in capsys.readouterr().err
    assert not any(outside.iterdir())
