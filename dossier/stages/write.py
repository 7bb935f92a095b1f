"""Stage 5, the one place that touches the output folder.

Pages are streamed into a fresh folder beside the output, checked as they arrive, verified as a
whole, and only then swapped in for the old site. A failed or interrupted build leaves the
previous site exactly as it was (at worst a stale ``.<name>.tmp-*`` folder, cleaned next time).

The swap is one atomic step on Linux (``renameat2`` with ``RENAME_EXCHANGE``: the new folder and
the old one trade names, so ``site/`` always exists and is always a whole site); elsewhere, or on
a file system that cannot exchange, it is two renames with a moment between them where the old
site sits under ``.<name>.old-*`` (also cleaned next time).
"""
from __future__ import annotations

import ctypes
import os
import posixpath
import shutil
import sys
from pathlib import Path

from .verify import resolve_link, scan_page


class WriteError(Exception):
    """The output could not be written or did not verify; the old site is untouched."""

    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problem(s) in the output")
        self.problems = problems


MARKER = ".dossier-site"   # in every site we write: only such a folder is ever replaced


def replaceable(out: Path) -> bool:
    """An output folder may be replaced when it is missing, empty, or a site we built before.
    Anything else (a project folder given to --out by mistake) is never swapped out and deleted."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        return False
    if not out.exists():
        return True
    return (out / MARKER).is_file() or not any(out.iterdir())


class SiteWriter:
    def __init__(self, out: Path):
        self.out = out.resolve()
        if not replaceable(self.out):
            raise WriteError([f"{out}: refusing to replace a folder that dossier did not build (no {MARKER} in it); "
                              "choose an empty or new output folder, or delete this one yourself"])
        parent = self.out.parent
        parent.mkdir(parents=True, exist_ok=True)
        for pattern in (f".{self.out.name}.tmp-*", f".{self.out.name}.old-*"):
            for stale in parent.glob(pattern):
                _remove(stale)
        self.tmp = parent / f".{self.out.name}.tmp-{os.getpid()}"
        self.tmp.mkdir()
        self.files: set[str] = set()
        self.folders: set[str] = set()
        self.ids: dict[str, frozenset[str]] = {}                   # page -> its element ids
        self.pending: dict[tuple[str, str], tuple[str, str]] = {}  # (target, #fragment) -> first (page, url)
        self.problems: list[str] = []

    def write(self, rel: str, content: str | bytes, scan=None) -> None:
        """Write one file; an HTML page is scanned here unless a worker already did (scan)."""
        norm = posixpath.normpath(rel)
        if norm != rel or rel.startswith(("/", "../")) or "\\" in rel or rel in self.files:
            reason = "twice" if rel in self.files else "outside the site"
            raise WriteError([f"{rel}: refused to write a path {reason}"])
        self.files.add(rel)
        path = self.tmp / rel
        folder = posixpath.dirname(rel)
        if folder not in self.folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.folders.add(folder)
        data = content.encode("utf-8") if isinstance(content, str) else content
        path.write_bytes(data)
        if rel.endswith(".html"):
            self._record(rel, scan or scan_page(content if isinstance(content, str) else data.decode("utf-8")))

    def _record(self, rel: str, scan) -> None:
        """Check a page as it arrives; keep only what needs the whole site: each distinct
        (target, fragment) it links to, once for all pages, and the page's own ids."""
        self.problems.extend(f"{rel}: {p}" for p in scan.problems)
        self.ids[rel] = frozenset(scan.ids)
        folder = posixpath.dirname(rel)
        for url, what in scan.links:
            problem, target, fragment = resolve_link(folder, url, what)
            if problem:
                self.problems.append(f"{rel}: {problem}")
            elif target is not None:
                self.pending.setdefault((target or rel, fragment), (rel, url))

    def copy(self, source: Path, rel: str) -> None:
        self.write(rel, source.read_bytes())

    def verify(self) -> list[str]:
        """Every internal link leads to a file we wrote, and every #fragment to an element in it.
        A broken target is reported once, on the first page that links to it."""
        problems = list(self.problems)
        for (target, fragment), (page, url) in sorted(self.pending.items()):
            if target not in self.files:
                problems.append(f"{page}: link {url.strip()!r} points to a missing file")
            elif fragment and target in self.ids and fragment not in self.ids[target]:
                problems.append(f"{page}: link {url.strip()!r}: no element with id {fragment!r} in {target}")
        return problems

    def commit(self) -> None:
        """Verify, then put the new site in place of the old one."""
        self.write(MARKER, "Built by dossier. This whole folder is replaced by the next build.\n")
        problems = self.verify()
        if problems:
            self.abort()
            raise WriteError(problems)
        if not (self.out.exists() or self.out.is_symlink()):
            os.replace(self.tmp, self.out)
            return
        if exchange(self.tmp, self.out):
            _remove(self.tmp)   # it now holds the previous site
            return
        old = self.out.parent / f".{self.out.name}.old-{os.getpid()}"
        os.replace(self.out, old)
        os.replace(self.tmp, self.out)
        _remove(old)

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except OSError:
            pass


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_renameat2 = None
if sys.platform.startswith("linux"):
    try:
        _renameat2 = ctypes.CDLL(None, use_errno=True).renameat2   # glibc 2.28+, musl 1.2.2+
        _renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        _renameat2.restype = ctypes.c_int
    except (OSError, AttributeError):
        _renameat2 = None


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one atomic step; False where the system or file system cannot
    (the caller then falls back to two renames)."""
    if _renameat2 is None:
        return False
    return _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0
