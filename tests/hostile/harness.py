"""Shared by the hostile-input tests: the corpus reader, an independent safety check of built
pages, and the tally behind the summary line printed at the end of the run.

The safety check here is deliberately not ``dossier.stages.verify``: it reads pages with
beautifulsoup4 (a real HTML tokenizer), so a hole in the build's own regular-expression scan
cannot hide the same hole in the tests.
"""
from __future__ import annotations

import codecs
import re
import shutil
import textwrap
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
FIXTURES = HERE.parent / "fixtures"

OUR_SCRIPT = re.compile(r"^(\.\./)*(assets|data)/[A-Za-z0-9._/-]+\.js$")
URL_ATTRS = ("href", "src", "action", "formaction", "xlink:href", "poster", "data", "background", "srcset", "ping")
REFUSED_TAGS = ("iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal", "animate", "set")
_C0_OR_SPACE = "".join(map(chr, range(0x21)))


# --- safety of built pages ----------------------------------------------------------------------

def url_scheme(value: str) -> str | None:
    """The scheme a browser would read: C0 controls and spaces trimmed, tabs and newlines removed."""
    cleaned = re.sub(r"[\t\n\r]", "", value).strip(_C0_OR_SPACE)
    m = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*):", cleaned)
    return m.group(1).lower() if m else None


def page_problems(html: str, page: str = "") -> list[str]:
    """Script, handlers or dangerous URLs a browser would find in the page."""
    problems = []
    with warnings.catch_warnings():   # a page that is only "x.html" is still a page
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(True):
        name = tag.name.lower()
        if name == "script":
            src = tag.get("src")
            if src is None or not OUR_SCRIPT.match(src) or (tag.string or "").strip():
                problems.append(f"{page}: foreign script {str(tag)[:80]!r}")
        if name in REFUSED_TAGS:
            problems.append(f"{page}: <{name}>")
        if name == "meta" and tag.get("http-equiv") is not None:
            problems.append(f"{page}: <meta http-equiv>")
        for attr, value in tag.attrs.items():
            attr = attr.lower()
            if attr.startswith("on"):
                problems.append(f"{page}: <{name} {attr}=...>")
            if attr in URL_ATTRS:
                values = value if isinstance(value, list) else [value]
                for v in values:
                    scheme = url_scheme(v)
                    if scheme not in (None, "http", "https", "mailto"):
                        problems.append(f"{page}: <{name} {attr}={v!r}>")
                    elif scheme is None and re.sub(r"[\t\n\r]", "", v).strip(_C0_OR_SPACE).startswith(("/", "\\")):
                        problems.append(f"{page}: <{name} {attr}={v!r}> leaves the site")
    return problems


def site_problems(site: Path) -> list[str]:
    problems = []
    for path in sorted(site.rglob("*.html")):
        problems += page_problems(path.read_text(encoding="utf-8"), path.relative_to(site).as_posix())
    return problems


# --- the corpus -------------------------------------------------------------------------------

@dataclass
class Case:
    """One folder of tests/hostile/cases: see tests/hostile/README.md."""
    name: str
    folder: Path
    about: str
    base: str = "minimal"
    remove: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    symlinks: dict[str, str] = field(default_factory=dict)
    errors: list[str] | None = None
    warnings: list[str] = field(default_factory=list)
    renders: list[dict] = field(default_factory=list)
    import_html: list[str] = field(default_factory=list)
    xfail: str | None = None

    @property
    def inputs(self) -> int:
        """Hostile inputs in the case: its files, links and imported pages."""
        overlay = self.folder / "content"
        own = sum(1 for p in overlay.rglob("*") if p.is_file()) if overlay.is_dir() else 0
        return max(1, own + len(self.files) + len(self.raw) + len(self.symlinks) + len(self.import_html))

    @classmethod
    def load(cls, folder: Path) -> "Case":
        spec = yaml.safe_load((folder / "expect.yaml").read_text(encoding="utf-8")) or {}
        unknown = set(spec) - {"about", "base", "remove", "files", "raw", "symlinks", "errors", "warnings",
                               "renders", "import", "xfail"}
        assert not unknown, f"{folder.name}/expect.yaml: unknown keys {sorted(unknown)}"
        assert "errors" in spec, f"{folder.name}/expect.yaml: say which errors it must give ('errors: []' for none)"
        return cls(folder.name, folder, spec.get("about", ""), spec.get("base", "minimal"), spec.get("remove", []),
                   spec.get("files", {}), spec.get("raw", {}), spec.get("symlinks", {}), spec["errors"],
                   spec.get("warnings", []), spec.get("renders", []), spec.get("import", []),
                   spec.get("xfail"))

    def make(self, content: Path) -> None:
        """Write the case's content folder: the base, then the case's own files over it."""
        if self.base == "minimal":
            shutil.copytree(FIXTURES / "minimal", content)
        else:
            assert self.base == "empty", self.base
            content.mkdir(parents=True)
            (content / "dossier.yaml").write_text("title: Hostile\n", encoding="utf-8")
        for rel in self.remove:
            (content / rel).unlink()
        overlay = self.folder / "content"
        if overlay.is_dir():
            shutil.copytree(overlay, content, dirs_exist_ok=True)
        for rel, text in self.files.items():   # names git or some systems cannot hold
            write(content / rel, textwrap.dedent(text).encode("utf-8"))
        for rel, escaped in self.raw.items():  # byte-exact: \xNN, \r, \t, \0 escapes
            write(content / rel, codecs.escape_decode(escaped.encode("utf-8"))[0])
        for rel, target in self.symlinks.items():
            (content / rel).parent.mkdir(parents=True, exist_ok=True)
            (content / rel).symlink_to(target)


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def all_cases() -> list[Case]:
    return [Case.load(folder) for folder in sorted(CASES.iterdir()) if (folder / "expect.yaml").is_file()]


# --- the tally and the summary line -------------------------------------------------------------

HOSTILE_FILES = ("test_hostile.py", "test_properties.py", "test_faults.py")
_PLUGIN = "dossier-hostile-tally"


class Tally:
    """Counts hostile inputs as the tests try them, and failed hostile tests; prints one line in
    pytest's terminal summary (written to the terminal whatever -s or -q say)."""

    def __init__(self):
        self.inputs: Counter[str] = Counter()
        self.failed: list[str] = []
        self.known: list[str] = []   # xfail: known bugs in modules these tests do not own
        self.slowest: tuple[float, str] = (0.0, "")

    def add(self, kind: str, n: int = 1) -> None:
        self.inputs[kind] += n

    def timed(self, seconds: float, what: str) -> None:
        self.slowest = max(self.slowest, (seconds, what))

    def pytest_runtest_logreport(self, report):
        if not report.nodeid.split("::")[0].endswith(HOSTILE_FILES):
            return
        if report.failed:
            self.failed.append(report.nodeid)
        elif hasattr(report, "wasxfail"):
            if report.nodeid not in self.known:
                self.known.append(report.nodeid)

    def pytest_terminal_summary(self, terminalreporter):
        total = sum(self.inputs.values())
        if not total:
            return
        parts = ", ".join(f"{n} {kind}" for kind, n in sorted(self.inputs.items()))
        terminalreporter.write_sep("-", "hostile inputs")
        slowest = f"; slowest {self.slowest[1]} in {self.slowest[0]:.2f} s" if self.slowest[1] else ""
        if self.failed:
            terminalreporter.write_line(f"hostile inputs: {total} tried ({parts}); {len(self.failed)} hostile "
                                        f"test(s) FAILED: see above{slowest}", red=True)
        elif self.known:
            terminalreporter.write_line(f"hostile inputs: {total} tried ({parts}); none crashed, hung or "
                                        f"published script, except {len(self.known)} known bug(s) in modules "
                                        f"these tests do not own, marked xfail (listed in the summary){slowest}",
                                        yellow=True)
        else:
            terminalreporter.write_line(f"hostile inputs: {total} tried ({parts}); none crashed, hung or "
                                        f"published script{slowest}", green=True)


def tally(config) -> Tally:
    plugin = config.pluginmanager.get_plugin(_PLUGIN)
    if plugin is None:
        plugin = Tally()
        config.pluginmanager.register(plugin, _PLUGIN)
    return plugin
