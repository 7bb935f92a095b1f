"""Stage 5, the one place that touches the output folder.

Every file a build writes goes first into a fresh folder beside the output, is checked as it
arrives, and the site is verified as a whole (every link, fragment and script) before the live
site is touched at all. A build that fails before that leaves the previous site exactly as it
was (at worst a stale ``.<name>.tmp-*`` folder, cleaned next time). Then one of two commits:

- A whole new site (a cold build: nothing reused) is swapped in for the old one in one atomic
  step on Linux (``renameat2`` with ``RENAME_EXCHANGE``: the new folder and the old one trade
  names, so ``site/`` always exists and is always a whole site); elsewhere, or on a file system
  that cannot exchange, in two renames with a moment between them where the old site sits under
  ``.<name>.old-*`` (also cleaned next time).
- A site that keeps files of the live one (a build after an edit: ``reuse``) is updated in place:
  each file written is moved into the live site by its own atomic rename, the files the new site
  no longer has are deleted, and the files reused are not touched at all (after a small edit,
  nearly all of them). Linking each unchanged page into a fresh folder instead, and unlinking
  the old site after the swap, cost about 0.3 s of CPU at 10,000 entities. A reader may see a
  mix of old and new pages for that moment; a build that stops in the middle leaves a mix that
  the next build recognises and replaces whole (``_update_in_place``).

A page arrives in one of three ways: written here (``write``), written and checked by a forked
render worker (``put`` and ``check_page`` there, then ``record_written`` here), or kept as it is
in the live site (``reuse``, with what was checked of it when it was written). Either way its
path is claimed once, here, and its links recorded, to be verified against the whole site.
"""
from __future__ import annotations

import ctypes
import errno
import glob
import os
import posixpath
import shutil
import sys
from pathlib import Path
from typing import AbstractSet, NamedTuple

from ..cache import SITE_MARKER, users_entry
from .verify import PageScan, resolve_link, scan_page


class WriteError(Exception):
    """The output could not be written or did not verify; the old site is untouched."""

    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problem(s) in the output")
        self.problems = problems

    def __reduce__(self):   # raised in a render worker, it reaches the parent whole
        return WriteError, (self.problems,)


class Checked(NamedTuple):
    """What the writer checked of a page, kept so that a later build can take the page as it is
    and check its links again without reading or parsing it."""
    ids: tuple[str, ...]      # its element ids, sorted (a tuple: a seventh of a frozenset's memory)
    # Flat triples: file linked to ('' for itself: only if broken), #fragment, and the URL as
    # written, or '' when it is the one our pages write (see written_url): nearly every link. The
    # state keeps this for every page (a third of it was these URLs).
    targets: tuple[str, ...]
    problems: tuple[str, ...]

    def links(self, page: str):
        """(target, fragment, url as written) of each internal link of the page at path page, each
        (target, fragment) once, in page order."""
        it = iter(self.targets)
        return [(target, fragment, written_url(page, target, fragment, url)) for target, fragment, url in zip(it, it, it)]

    def shared(self) -> Checked:
        """The same, with each string interned: the pages of a site link to the same few thousand
        places and share most of their ids, and the parent keeps every page's record (the strings
        were hundreds of megabytes at 10,000 entities, the tuples of triples most of the rest)."""
        intern = sys.intern
        return Checked(tuple(map(intern, self.ids)), tuple(map(intern, self.targets)), self.problems)


def written_url(page: str, target: str, fragment: str, url: str = "") -> str:
    """The URL a link of the page at path page was written with, kept as url, or '' for the one
    our templates write: the way up to the top of the site, then the target's path and fragment."""
    if url:
        return url
    url = "../" * page.count("/") + target if target else ""
    return f"{url}#{fragment}" if fragment else url


def check_scan(rel: str, scan: PageScan, base: str | None = None) -> Checked:
    """A page's scan with its links resolved: internal targets each once, in page order; external
    links need nothing more; a link that cannot be allowed is a problem. A link to an element of
    the page itself is settled here and not kept (a third of a page's links), unless it is broken.
    base: the site's own address, for a page served at any address (404.html): a URL under it is
    a link to the file at that path from the top of the site, never a script of ours (a script
    is ours only by a relative URL: stages/verify.py)."""
    folder = posixpath.dirname(rel)
    targets: dict[tuple[str, str], str] = {}
    problems = list(scan.problems)
    ids = scan.ids
    for url, what in scan.links:
        if base and url.startswith(base):
            problem, target, fragment = _resolve_from_top(url, url[len(base):], what)
        else:
            problem, target, fragment = resolve_link(folder, url, what)
        if problem:
            problems.append(problem)
        elif target or target == "" and fragment and fragment not in ids:   # external: target None
            targets.setdefault((target, fragment), url)
    up = "../" * rel.count("/")
    flat = []
    for (target, fragment), url in targets.items():
        ours = f"{up}{target}#{fragment}" if fragment else up + target   # written_url, inline: every link of every page
        flat += (target, fragment, "" if target and url == ours else url)
    return Checked(tuple(sorted(ids)), tuple(flat), tuple(problems))


def _resolve_from_top(url: str, path: str, what: str) -> tuple[str | None, str | None, str]:
    """resolve_link of a URL under the site's own address, path the part after it: a file of the
    site, read from its top. The address itself, or a query or fragment right after it, names a
    folder (the server's index.html there, which file:// does not give): refused as a directory
    link is."""
    if not path or path[0] in "?#/":
        return f"directory link {url.strip()!r}: link to the .html file itself", None, ""
    problem, target, fragment = resolve_link("", path, what)
    if target is None and problem is None:   # another address after the site's own (a scheme, '//')
        return f"link {url.strip()!r} leaves the site's own address", None, ""
    return problem, target, fragment


MARKER = SITE_MARKER   # ".dossier-site", in every site we write: only such a folder is ever replaced
MARKER_TEXT = "Built by dossier. This whole folder is replaced by the next build.\n"
# The marker of a site being updated in place, until the last file is in: of another size than
# MARKER_TEXT, so that no record of a whole site matches a site a build left half-updated.
UPDATING_TEXT = "Being updated by dossier, or a build stopped while updating it: the next build replaces it whole.\n"


def replaceable(out: Path) -> bool:
    """An output folder may be replaced when it is missing, empty, or a site we built before.
    Anything else (a project folder given to --out by mistake) is never swapped out and deleted."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        return False
    if not out.exists():
        return True
    return (out / MARKER).is_file() or all(users_entry(entry.name) for entry in out.iterdir())


def refused(out: Path) -> str | None:
    """Why a build may not write its site into out (given as the user wrote it), or None. The CLI
    asks before the content is checked: a wrong --out is said at once, as a usage error."""
    resolved = out.resolve()
    if not replaceable(resolved):
        what = "a link" if out.is_symlink() else "a file" if out.exists() and not out.is_dir() else None
        if what:
            return f"{out}: the output must be a folder, and this is {what}; choose an empty or new output folder"
        return (f"{out}: refusing to replace a folder that dossier did not build (no {MARKER} in it); "
                "choose an empty or new output folder, or delete this one yourself")
    here = os.path.realpath(os.getcwd())
    if here == str(resolved) or here.startswith(str(resolved).rstrip(os.sep) + os.sep):
        return (f"{out}: the output folder holds the working folder ({here}), which a build would "
                "replace under the shell's feet: run the build from outside it")
    return None


class SiteWriter:
    def __init__(self, out: Path):
        self.out = out.resolve()
        problem = refused(out)
        if problem:
            raise WriteError([problem])
        parent = self.out.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            name = glob.escape(self.out.name)   # a name such as 'g*' matches only itself
            if not os.path.lexists(self.out):
                # A build stopped between the two renames of a swap (where the system cannot
                # exchange) left the previous site aside and none in place: put it back first.
                asides = [aside for aside in parent.glob(f".{name}.old-*") if aside.is_dir() and not aside.is_symlink()
                          and (aside / MARKER).is_file() and not _of_a_live_build(aside.name, self.out.name)]
                if asides:   # the last one set aside
                    os.replace(max(asides, key=lambda aside: (aside.stat().st_mtime_ns, aside.name)), self.out)
            for pattern in (f".{name}.tmp-*", f".{name}.old-*"):
                for stale in parent.glob(pattern):
                    if not _of_a_live_build(stale.name, self.out.name) and _give_back_users_entries(stale, self.out):
                        _remove(stale)
            self.tmp = parent / f".{self.out.name}.tmp-{os.getpid()}"
            self.tmp.mkdir()
        except OSError as e:
            beside = (f" (a build writes the new site in a folder beside it, in {parent}, which must be writable)"
                      if self.out.is_dir() and e.errno in (errno.EACCES, errno.EPERM, errno.EROFS) else "")
            raise WriteError([f"{out}: cannot make the output folder there ({e.strerror or e}){beside}; choose another --out"]) from None
        self.files: set[str] = set()
        self.reused: set[str] = set()                              # kept as they are in the live site
        self.moved: list[str] | None = None                        # into the live site, when updated in place
        self.folders: set[str] = set()
        self.pages: dict[str, Checked] = {}                        # page -> what was checked of it
        self.pending: dict[tuple[str, str], tuple[str, str]] = {}  # (target, #fragment) -> first (page, url)
        self.problems: list[str] = []
        self.broken: list[tuple[str, str, str]] = []              # (page, #fragment, problem) of a link to itself
        self.expected: frozenset[str] = frozenset()                # see expect
        self.expected_files: frozenset[str] = frozenset()          # of those, the files that are not pages
        self.bases: dict[str, str] = {}                            # see served_anywhere

    def write(self, rel: str, content: str | bytes) -> Checked | None:
        """Write one file; an HTML page is scanned and checked. Returns what was checked of it."""
        self._claim(rel)
        data = content.encode("utf-8") if isinstance(content, str) else content
        self.put(rel, data)
        if not rel.endswith(".html"):
            return None
        checked = self.check_page(rel, content if isinstance(content, str) else data.decode("utf-8")).shared()
        self._check(rel, checked)
        return checked

    def served_anywhere(self, rel: str, base: str) -> None:
        """The page at rel is served at any address (404.html on GitHub Pages), so its links are
        absolute, under the site's own address base (dossier.yaml's base_url): check those as
        links to the site's files (see check_scan). Before its page is written or rendered (a
        forked render worker checks its pages with its copy of this writer)."""
        self.bases[rel] = base

    def check_page(self, rel: str, html: str) -> Checked:
        """What is checked of a page as it is written, here or in a render worker (before the
        whole site is verified)."""
        base = self.bases.get(rel)
        return check_scan(rel, scan_page(html), base)

    def put(self, rel: str, data: bytes) -> None:
        """Create one new file in the temporary folder, without bookkeeping: a forked render worker
        calls this on its copy of the writer, and the parent then calls record_written. Safe in
        several processes at once: a folder may already exist, a file never is overwritten."""
        with self._create(rel) as file:
            file.write(data)

    def put_from(self, rel: str, write_to) -> None:
        """put, for a file written in pieces: write_to(write) calls write with each piece (bytes)."""
        with self._create(rel) as file:
            write_to(file.write)

    def write_from(self, rel: str, write_to) -> None:
        """Write one file that is not a page, in pieces (see put_from)."""
        self._claim(rel)
        self.put_from(rel, write_to)

    def _create(self, rel: str):
        _check_path(rel)
        path = self._place(rel)
        try:   # created exclusively: another process may have written the path already
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            raise WriteError([f"{rel}: refused to write a path twice"]) from None
        return open(fd, "wb")

    def record_put(self, rel: str) -> None:
        """A file that is not a page, put in the temporary folder by another process: claim its path."""
        self._claim(rel)

    def record_written(self, rel: str, checked: Checked) -> Checked:
        """A page a render worker has put in the temporary folder and checked: claim its path and
        record it. Returns what is kept of it (its strings shared with other pages')."""
        self._claim(rel)
        checked = checked.shared()
        self._check(rel, checked)
        return checked

    def reuse(self, rel: str, checked: Checked | None, kept: AbstractSet[str] = frozenset()) -> None:
        """Keep a file of the live site as it is: claimed and its links recorded, but never read,
        linked or even stat'ed; the commit leaves it where it is, and so updates the site in
        place. The caller vouches that the file at rel in the output folder is the very one that
        was written with this record (build.py compares the whole folder, file by file, with what
        the build that wrote it recorded). checked: what was checked of the page when it was
        written (``pages[rel]`` then; None for a file that is not a page), checked again here as
        if the page were written now (its links still have to lead somewhere). kept: the pages
        this build keeps from that same site, in which every link of every page led somewhere
        (it was verified): a link of this page to itself or to one of those still does, and is
        not checked again (most links, after a small edit)."""
        if checked is None and rel.endswith(".html"):
            raise WriteError([f"{rel}: cannot keep a page without what was checked of it"])
        self._claim(rel)
        self.reused.add(rel)
        if checked is not None:
            self._check(rel, checked, kept)

    def _place(self, rel: str) -> str:
        """Where rel goes in the temporary folder, its folder made (by this or another process).
        A string, not a Path: tens of thousands of pages, and pathlib's parsing is the slow part."""
        folder = posixpath.dirname(rel)
        if folder not in self.folders:
            (self.tmp / folder).mkdir(parents=True, exist_ok=True)
            self.folders.add(folder)
        return os.path.join(self.tmp, rel)

    def _claim(self, rel: str) -> None:
        _check_path(rel)
        if rel in self.files:
            raise WriteError([f"{rel}: refused to write a path twice"])
        self.files.add(rel)

    def expect(self, pages, files=()) -> None:
        """The pages this build is about to write, and its other files (assets, data files): a
        link to one of them without a #fragment leads somewhere once the build completes (and
        the build fails if it does not), so it is not kept for the end. Most links of a site are
        such links. A file that is not a page has no ids to check a #fragment against: any link
        to it is settled so."""
        self.expected_files = frozenset(files)
        self.expected = frozenset(pages) | self.expected_files

    def _check(self, rel: str, page: Checked, kept: AbstractSet[str] = frozenset()) -> None:
        """Check a page as it arrives; keep what needs the whole site: its ids, and each (target,
        fragment) linked to that cannot be settled yet, with the first page and URL that links
        there. A link to the page itself is checked here, against its ids."""
        self.pages[rel] = page
        self.problems.extend(f"{rel}: {p}" for p in page.problems)
        if kept and _all_settled(page, kept, self.expected_files):
            return
        pending, expected = self.pending, self.expected
        it = iter(page.targets)
        for target, fragment, url in zip(it, it, it):   # url: '' for the one written_url gives
            if not target:
                if fragment and fragment not in page.ids and not kept:
                    self.broken.append((rel, fragment, f"{rel}: link {url.strip()!r}: no element with id {fragment!r} in {rel}"))
            elif not (kept and target in kept or not fragment and target in expected):
                pending.setdefault((target, fragment), (rel, url))   # else it holds still (see reuse), or is written

    def copy(self, source: Path, rel: str) -> None:
        self.write(rel, source.read_bytes())

    def verify(self) -> list[str]:
        """Every internal link leads to a file we wrote, and every #fragment to an element in it.
        A broken target is reported once, on the first page that links to it."""
        # (target, fragment, problem), in that order in the end. Links to the expected pages
        # were settled on the promise that they would be written: hold the build to it.
        broken = [(path, "", f"{path}: a {'page' if path.endswith('.html') else 'file'} this build was to write is missing")
                  for path in self.expected - self.files]
        ids: dict[str, frozenset[str]] = {}   # of the pages linked to with a #fragment, as sets
        for (target, fragment), (page, url) in self.pending.items():
            url = written_url(page, target, fragment, url)
            if target not in self.files:
                broken.append((target, fragment, f"{page}: link {url.strip()!r} points to a missing file"))
            elif fragment and target in self.pages:
                if target not in ids:
                    ids[target] = frozenset(self.pages[target].ids)
                if fragment not in ids[target]:
                    broken.append((target, fragment, f"{page}: link {url.strip()!r}: no element with id {fragment!r} in {target}"))
        return self.problems + [problem for _, _, problem in sorted(broken + self.broken)]

    def commit(self) -> None:
        """Verify, then put the new site in place of the old one: swapped in whole, or, when it
        keeps files of the live site (reuse), updated in place."""
        self.write(MARKER, MARKER_TEXT)
        problems = self.verify()
        if problems:
            self.abort()
            raise WriteError(problems)
        # The live site is touched only from here on.
        if self.reused:
            self._update_in_place()
        else:
            self._swap()

    def _swap(self) -> None:
        """The new site in place of the old, whole; the user's entries of the old (users_entry)
        moved into the new. (A build killed before they are moved leaves them in its temporary
        folder, and the next build moves them back before it removes that folder.)"""
        if not (self.out.exists() or self.out.is_symlink()):
            os.replace(self.tmp, self.out)
            return
        if exchange(self.tmp, self.out):   # self.tmp now holds the previous site
            if _give_back_users_entries(self.tmp, self.out):
                _remove(self.tmp)   # else left for the next build to give back (a stale folder)
            return
        old = self.out.parent / f".{self.out.name}.old-{os.getpid()}"
        try:
            os.replace(self.out, old)
        except OSError:   # a folder that cannot be renamed (a mount point): its files are replaced
            self._update_in_place()
            return
        os.replace(self.tmp, self.out)
        if _give_back_users_entries(old, self.out):
            _remove(old)

    def _update_in_place(self) -> None:
        """Move each file this build wrote into the live site (an atomic rename each, folders
        made as needed), after deleting what the new site no longer has; the files reused stay
        as they are, the same inodes.

        What is recorded when. The records a build keeps of its site (the state's ``output`` and
        the no-change record, ``cache.output_state`` of the folder: each file's size, time and
        type) are taken by build.py only once this returns; until then the saved ones describe
        the previous site, and a build reuses pages, or skips, only when the folder still
        matches them file for file. So, before anything else changes, the live marker is
        replaced by UPDATING_TEXT, of another size than any whole site's marker, and the final
        marker goes in only after every other file. A site this loop leaves half-updated (the
        process killed, or an exception here) therefore matches no record, whatever the clock
        says: the next build neither skips nor reuses anything from it, builds cold and swaps a
        whole site in. The marker stays a marker meanwhile: the folder may still be replaced."""
        self._mark_updating()
        self._remove_stale()
        self.moved = []
        made: set[str] = set()
        for rel in self.files:
            if rel not in self.reused and rel != MARKER:
                self._move(rel, made)
        self._move(MARKER, made)   # last: the site is whole again
        _remove(self.tmp)          # empty folders by now

    def _mark_updating(self) -> None:
        marker = self._updating_marker()
        with open(marker, "w", encoding="utf-8") as file:
            file.write(UPDATING_TEXT)
        _replace_into(marker, os.path.join(self.out, MARKER))

    def _updating_marker(self) -> str:
        """Beside the temporary folder, never in it (a site path could have any name); a file
        left by a killed build matches the stale pattern ``.<name>.tmp-*`` and goes next time."""
        return f"{self.tmp}-marker"

    def _remove_stale(self) -> None:
        """Delete from the live site every file that is not a file of the new site (a deleted
        entity's page, an old data file), and every folder that holds none (deleted whole).
        First, so that nothing is left in the way of a file or folder of the new site."""
        folders = {""}
        for rel in self.files:
            folder = posixpath.dirname(rel)
            while folder not in folders:
                folders.add(folder)
                folder = posixpath.dirname(folder)
        self._remove_stale_in(str(self.out), "", folders)

    def _remove_stale_in(self, top: str, prefix: str, folders: set[str]) -> None:
        with os.scandir(top) as scan:
            entries = list(scan)   # listed first: entries are deleted as we go
        for entry in entries:
            rel = prefix + entry.name
            if not prefix and users_entry(entry.name):
                continue
            if entry.is_dir(follow_symlinks=False):   # a link is a file here: deleted, never followed
                if rel in folders:
                    self._remove_stale_in(entry.path, rel + "/", folders)
                else:
                    shutil.rmtree(entry.path)
            elif rel not in self.files:
                os.unlink(entry.path)

    def _move(self, rel: str, made: set[str]) -> None:
        """Put one written file into the live site in one atomic step, over the old one if any.
        made: the folders made (or found) in the live site so far."""
        folder = posixpath.dirname(rel)
        if folder not in made:
            os.makedirs(os.path.join(self.out, folder), exist_ok=True)
            made.add(folder)
        _replace_into(os.path.join(self.tmp, rel), os.path.join(self.out, rel))
        self.moved.append(rel)

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)
        _remove(Path(self._updating_marker()))


def _all_settled(page: Checked, kept: AbstractSet[str], files: frozenset[str]) -> bool:
    """Whether every link of a page kept as it is leads to a page kept with it, to itself, or to
    a file that is not a page and will be written: then each is settled at once, as _check would
    settle it link by link (after a small edit, the links of nearly every page, a third of the
    time of a build then). Set operations on its targets, in C."""
    linked = set(page.targets[0::3]).difference(kept)   # kept: a set, so this runs over the page's targets
    linked.discard("")
    return linked <= files


def _check_path(rel: str) -> None:
    """A site path is relative, POSIX, normalised and inside the site."""
    if posixpath.normpath(rel) != rel or rel.startswith(("/", "../")) or rel in (".", "..") or "\\" in rel:
        raise WriteError([f"{rel}: refused to write a path outside the site"])


def _replace_into(source: str, target: str) -> None:
    """os.replace, or, when target is on another file system than the temporary folder beside it
    (the output folder is a mount point), a copy beside target that then replaces it: atomic
    either way, for a reader of target."""
    try:
        os.replace(source, target)
    except OSError as e:
        if e.errno != errno.EXDEV:
            raise
        beside = f"{target}.dossier-{os.getpid()}"
        try:
            shutil.copyfile(source, beside)
            os.replace(beside, target)
        except BaseException:
            _remove(Path(beside))   # never left behind (a hidden one would pass for the user's)
            raise
        os.unlink(source)


def users_entries(out: Path) -> list[str]:
    """The names of the user's entries at the top of the output folder (kept by every build)."""
    try:
        return sorted(entry.name for entry in os.scandir(out) if users_entry(entry.name))
    except OSError:
        return []


def _give_back_users_entries(folder: Path, out: Path) -> bool:
    """Move the user's entries at the top of folder (a previous site set aside) into out, where
    out has none of that name. True when none is left in folder, which may then be removed."""
    if not folder.is_dir() or folder.is_symlink():
        return True
    left = False
    for name in users_entries(folder):
        try:
            if not out.is_dir() or os.path.lexists(out / name):
                raise FileExistsError(name)
            os.replace(folder / name, out / name)
        except OSError:
            left = True
    return not left


def _of_a_live_build(name: str, out: str) -> bool:
    """Whether a temporary folder or marker of the output folder named out (.site.tmp-<pid>,
    .site.tmp-<pid>-marker, .site.old-<pid>) belongs to a build still running in another process:
    a build into the same output from another content folder (builds of one content folder wait
    for each other: cache.one_build_at_a_time). Its folder is its own to remove."""
    for kind in (".tmp-", ".old-"):
        prefix = f".{out}{kind}"
        if name.startswith(prefix):
            pid = name[len(prefix):].removesuffix("-marker")
            break
    else:
        return False
    if not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:   # alive, another user's
        return True
    return True


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
