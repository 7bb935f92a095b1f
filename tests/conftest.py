"""Shared helpers: build content folders written by the tests themselves."""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from dossier.build import build, check

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def _not_in_github_actions(monkeypatch):
    """Tests run in a GitHub workflow too, where the CLI prints workflow commands by default:
    each test says which format it expects."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


class ContentDir:
    """A content folder in tmp_path, seeded from a fixture, that a test edits file by file."""

    def __init__(self, root: Path, fixture: str | None = "minimal"):
        self.root = root
        if fixture:
            shutil.copytree(FIXTURES / fixture, root)
        else:
            root.mkdir(parents=True)
            (root / "dossier.yaml").write_text("title: T\n", encoding="utf-8")

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def remove(self, rel: str) -> None:
        (self.root / rel).unlink()

    def check(self):
        return check(self.root)

    def build(self, out: Path):
        return build(self.root, out)

    def messages(self) -> list[str]:
        """Diagnostics as compiler-style lines, paths relative to the content folder."""
        return [d.text() for d in self.check().diagnostics.sorted()]

    def errors(self) -> list[str]:
        return [m for m in self.messages() if ": error: " in m]


@pytest.fixture
def content(tmp_path, monkeypatch) -> ContentDir:
    """The minimal fixture, copied; the working directory is the content folder, so
    diagnostics read 'entities/people/x.yaml:2:1: ...'."""
    folder = ContentDir(tmp_path / "content")
    monkeypatch.chdir(folder.root)
    return folder


@pytest.fixture
def own_state_key(tmp_path, monkeypatch):
    """The key that signs saved states lives in the user's cache folder: a fresh one per test
    (a module uses it for every test with pytest.mark.usefixtures("own_state_key"))."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))


@pytest.fixture(scope="session")
def demo_built_with(tmp_path_factory):
    """demo_built_with(name, limits): the demo dossier built with module constants set (limits:
    (module, name, value)), such as pages of ten rows, so that a module's tests read a site where
    those limits are hit. The key that signs saved states is a fresh one, in a folder of its own."""
    def build_with(name: str, limits: list[tuple[object, str, int]]) -> Path:
        with pytest.MonkeyPatch.context() as mp:
            for module, constant, value in limits:
                mp.setattr(module, constant, value)
            mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("user-cache")))
            out = tmp_path_factory.mktemp(name) / "site"
            result = build(REPO / "content", out)
            assert not result.diagnostics.errors, [d.text() for d in result.diagnostics.errors]
            return out
    return build_with
