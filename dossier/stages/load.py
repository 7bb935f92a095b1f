"""Stage 1: read the content folder into raw records that remember file, line and column.

Nothing is interpreted here beyond splitting front matter and parsing YAML strictly; every
problem becomes a diagnostic naming the file.
"""
from __future__ import annotations

import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from yaml.nodes import Node

from ..diagnostics import Diagnostics
from ..kinds import FOLDER_OF, KINDS
from ..markdown import MARKUP_CHARS, MAX_MARKUP, MAX_NESTING, MD, TOO_DEEP, markup_count, markup_limit_offset
from ..schema import ID_MAX, ID_RE, closest
from ..yamlload import CONTROL_CHARACTERS, compose, control_message, line_col

MAX_FILE_BYTES = 2 * 1024 * 1024
_FENCE = re.compile(r"^(---|\.\.\.)[ \t]*$", re.M)


@dataclass
class RawFile:
    path: str          # as shown in diagnostics
    role: str          # "dossier", "entity", "source", "page", "layer"
    kind: str | None   # entity kind (singular) for entities
    id: str | None
    node: Node | None  # the YAML document (or front matter), None when empty or broken
    body: str = ""
    body_line: int = 1
    ok: bool = True


def display_path(path: Path) -> str:
    """Relative to the working directory when below it (as contributors type paths), else absolute:
    its folder as it really is (`..` after a link leads out of the link's target), the file named
    as itself (a link as the link, not as where it leads)."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    if not rel.startswith(".."):
        return rel
    folder, name = os.path.split(str(path))
    if name in ("", ".", ".."):
        return os.path.realpath(path)
    return os.path.join(os.path.realpath(folder or "."), name)


def read_text(path: Path, shown: str, diags: Diagnostics, data: bytes | None = None) -> str | None:
    """The file as text with LF line ends, or None after a diagnostic (data: its bytes, when
    already read)."""
    text = _read_text(path, shown, diags, data)
    if text is None or path.suffix not in (".yaml", ".md"):
        return text
    if not (_within_markup_limit(text, shown, diags) and _stream_safe(text, shown, diags) and _no_conflict(text, shown, diags)):
        return None
    return text


# The lines Git writes into a file when a merge (or a rebase of a pull request) conflicts. A
# '=======' line alone is a Markdown heading's underline: only all three, in order, are a conflict.
_CONFLICT_START = re.compile(r"^<{7}(?:[ \t].*)?$", re.M)
_CONFLICT_MIDDLE = re.compile(r"^={7}[ \t]*$", re.M)
_CONFLICT_END = re.compile(r"^>{7}(?:[ \t].*)?$", re.M)


def _no_conflict(text: str, shown: str, diags: Diagnostics) -> bool:
    """A file with a merge conflict left in it is refused at its first marker (both sides would
    otherwise be published, the markers as text)."""
    if "<<<<<<<" not in text:
        return True
    start = _CONFLICT_START.search(text)
    middle = start and _CONFLICT_MIDDLE.search(text, start.end())
    if not (middle and _CONFLICT_END.search(text, middle.end())):
        return True
    diags.error("merge-conflict", "a Git merge conflict is left in the file (from this '<<<<<<<' line to its "
                "'>>>>>>>' line): keep the text that is right, and delete the other and the marker lines "
                "('<<<<<<<', '|||||||' if there is one, '=======', '>>>>>>>')", shown, *line_col(text, start.start()))
    return False


# A line that opens a block nested MAX_NESTING deep starts with its containers' marks: a '>' is a
# level and a column, a list item two levels and at least two columns (tabs stop every 4).
_CONTAINER_MARKS = re.compile(r"\n[ \t>*+.)0-9-]{5,}")   # searched in "\n" + text: a quick search for a line break


def _warn_too_deep(body: str, body_line: int, shown: str, diags: Diagnostics) -> None:
    """Block quotes and lists nested deeper than MAX_NESTING are shown as one paragraph from there
    on (markdown's _BoundedBlocks): said at the line, for a body whose lines may nest that deep."""
    if not any(len(m.group()[1:].expandtabs(4)) >= MAX_NESTING - 4 for m in _CONTAINER_MARKS.finditer("\n" + body)):
        return
    env: dict = {}
    MD.parse(body, env)
    if TOO_DEEP in env:
        diags.warning("markup-nesting", f"block quotes and lists nest more than {MAX_NESTING} levels deep here: "
                      "from this line on, the rest of the block is shown as one paragraph, its marks as written",
                      shown, body_line + env[TOO_DEEP], 1)


MAX_COMBINING_RUN = 30   # Unicode's Stream-Safe Text Format (UAX #15): at most 30 in a row
_PAST_LATIN_RUN = re.compile(f"[\u0300-\U0002ffff]{{{MAX_COMBINING_RUN // 2 + 1},}}")   # where runs of marks can be


@lru_cache(maxsize=1)
def _combining_run() -> re.Pattern:
    """Runs that may hold more than the limit once decomposed (no character decomposes into more
    than two marks). Made on the first text that is not ASCII (30 ms)."""
    return re.compile(f"[{_non_starters()}]{{{MAX_COMBINING_RUN // 2 + 1},}}")


def _marks_in(run: str) -> int:
    """How many combining marks a run of them holds once decomposed (U+0F73 is two)."""
    count = 0
    for ch in run:
        parts = unicodedata.decomposition(ch)
        marks = sum(1 for part in parts.split() if not parts.startswith("<") and unicodedata.combining(chr(int(part, 16))))
        count += max(1, marks)
    return count


def _non_starters() -> str:
    """A character class of what Unicode normalization sorts as combining marks: characters of a
    combining class other than 0, and the few whose decomposition begins with one (U+0F73). None
    lies above U+2FFFF."""
    found = []
    for code in range(0x30000):
        ch = chr(code)
        first = unicodedata.decomposition(ch).split(" ")[0]
        if unicodedata.combining(ch) or (first and not first.startswith("<")
                                         and unicodedata.combining(chr(int(first, 16)))):
            found.append(code)
    ranges = []   # as ranges: a class of 900 single characters made the search ten times slower
    for code in found:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)


def _stream_safe(text: str, shown: str, diags: Diagnostics) -> bool:
    """Normalizing a run of combining marks sorts it one mark at a time, in time that grows with
    the square of its length (80,000 marks after one letter took 20 s to build); no script needs
    more than a few on one letter. Text past Unicode's Stream-Safe limit is refused, at the run."""
    if text.isascii():
        return True
    # Only within runs of characters past U+02FF (no combining mark comes before U+0300) is the whole
    # class tried: a class of hundreds of ranges tried at every character of every file took 4 s of
    # a 10,000-entity build, this search 0.3 s.
    at = next((run.start() + m.start() for run in _PAST_LATIN_RUN.finditer(text)
               for m in _combining_run().finditer(run.group()) if _marks_in(m.group()) > MAX_COMBINING_RUN), None)
    if at is None:
        return True
    diags.error("encoding", f"more than {MAX_COMBINING_RUN} combining marks in a row (accents stacked on one letter): "
                "past Unicode's Stream-Safe limit, which no script needs; remove them", shown, *line_col(text, at))
    return False


def _within_markup_limit(text: str, shown: str, diags: Diagnostics) -> bool:
    """Markdown parsing costs 5 to 20 microseconds a markup character whatever the text, so a
    file's share of the build is bounded by how many it holds (see SECURITY.md)."""
    if len(text) <= MAX_MARKUP:   # too short to hold more markup characters than that
        return True
    beyond = markup_limit_offset(text)
    if beyond is None:
        return True
    line = text.count("\n", 0, beyond) + 1
    col = beyond - (text.rfind("\n", 0, beyond) + 1) + 1
    # In a fact sheet YAML's own punctuation counts too (the file is bounded before it is read):
    # a sheet of 1,750 relations passed the limit with no Markdown in it (an outside test).
    yaml = (" (in a YAML file its own punctuation counts too: a long list of relations can be declared from "
            "the entities at their other ends)") if "entities/" in shown.replace("\\", "/") else ""
    diags.error("markup-limit", f"the file has {markup_count(text):,} characters that Markdown may read as markup "
                f"(line breaks and {' '.join(MARKUP_CHARS.strip())}); the limit is {MAX_MARKUP:,} a file, "
                f"passed here: split the file or simplify its text{yaml}", shown, line, col)
    return False


class NotAFile(OSError):
    """A content path that is a pipe, socket or device: reading it could wait for ever."""


def read_regular(path: Path | str, limit: int | None = None) -> bytes:
    """The bytes of a regular file. Opened without waiting (a pipe named *.yaml would otherwise
    block the build until something writes to it) and checked on the open file itself, so it
    cannot be swapped for something else in between. Raises NotAFile, or ValueError with the
    size when it is over limit."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotAFile("not a regular file (a pipe, socket or device): content files must be plain files")
        if limit is not None and info.st_size > limit:
            raise ValueError(info.st_size)
        return file.read()


def read_bytes(path: Path, shown: str, diags: Diagnostics) -> bytes | None:
    """The file's bytes, or None after a diagnostic (too large, unreadable, not a file)."""
    try:
        return read_regular(path, MAX_FILE_BYTES)
    except ValueError as e:
        size = e.args[0]
        diags.error("file-size", f"file is {size / 1048576:.1f} MB; the limit is {MAX_FILE_BYTES // 1048576} MB", shown)
        return None
    except NotAFile as e:
        diags.error("io", f"cannot read file: {e}", shown)
        return None
    except OSError as e:
        diags.error("io", f"cannot read file: {e.strerror or e}", shown)
        return None


def _read_text(path: Path, shown: str, diags: Diagnostics, data: bytes | None) -> str | None:
    if data is None:
        data = read_bytes(path, shown, diags)
        if data is None:
            return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        diags.error("encoding", "file is UTF-16 (it starts with a UTF-16 byte order mark): save it as UTF-8", shown, 1, 1)
        return None
    if b"\x00" in data:
        nul = data.index(b"\x00")
        line = data[:nul].count(b"\n") + 1
        col = len(data[data.rfind(b"\n", 0, nul) + 1:nul].decode("utf-8", "replace")) + 1
        diags.error("encoding", "file contains a NUL byte: content files must be UTF-8 text", shown, line, col)
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        diags.error("encoding", f"file is not valid UTF-8 (byte 0x{data[e.start]:02x})", shown, line, col)
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


_CONTROL = re.compile(CONTROL_CHARACTERS)
MAX_REPORTED_CONTROLS = 20


def _refuse_controls(body: str, body_line: int, shown: str, diags: Diagnostics) -> None:
    """Control characters in a Markdown body (front matter is YAML: libyaml refuses them there),
    each at its line and column, the first MAX_REPORTED_CONTROLS of a file."""
    for n, m in enumerate(_CONTROL.finditer(body)):
        if n == MAX_REPORTED_CONTROLS:
            break
        at = m.start()
        diags.error("encoding", control_message(m.group()), shown, body_line + body.count("\n", 0, at),
                    at - (body.rfind("\n", 0, at) + 1) + 1)


def split_front_matter(text: str, shown: str, diags: Diagnostics) -> tuple[str, str, int] | None:
    """(front matter, body, line where the body starts) for a Markdown file with front matter."""
    if not text.startswith("---") or not re.match(r"---[ \t]*\n", text):
        before = "" if not re.match(r"\s*---[ \t]*\n", text) else \
            " (here the '---' comes after an empty line or spaces: it must be the file's very first characters)"
        diags.error("front-matter", f"a source or page must start with YAML front matter between '---' lines{before}", shown, 1, 1)
        return None
    start = text.index("\n") + 1
    end = _FENCE.search(text, start)
    if not end:
        diags.error("front-matter", "the front matter that starts here never closes: add a line '---' after it", shown, 1, 1)
        return None
    front = text[start:end.start()]
    body_start = end.end() + 1
    body_line = text.count("\n", 0, min(body_start, len(text))) + 1
    return front, text[body_start:], body_line


def _check_id(stem: str, shown: str, diags: Diagnostics) -> bool:
    if ID_RE.match(stem) and len(stem) <= ID_MAX:
        return True
    meant = meant_id(shown)
    rename = f" (rename it {meant}{os.path.splitext(shown)[1]}?)" if meant else ""
    diags.error("bad-id", f"file name {stem!r} is not a valid id: use lowercase ASCII letters, digits and single hyphens, at most {ID_MAX} characters{_non_ascii_hint(stem)}{rename}", shown)
    return False


def meant_id(shown: str) -> str | None:
    """The id a file refused for its name or place was most likely meant to have
    ('Wiki_Bridge.markdown': 'wiki-bridge'), or None."""
    stem = os.path.splitext(os.path.basename(shown))[0]
    meant = "-".join(stem.replace("_", " ").lower().split())
    return meant if ID_RE.match(meant) and len(meant) <= ID_MAX else None


def _non_ascii_hint(text: str) -> str:
    """Name the first character that is not ASCII: a Cyrillic 'а' looks exactly like a Latin 'a'."""
    for ch in text:
        if 0xDC80 <= ord(ch) <= 0xDCFF:   # how Python reads a byte of a file name that is not UTF-8
            return f" (it contains the byte 0x{ord(ch) - 0xDC00:02X}, which is not UTF-8)"
        if ord(ch) > 127:
            return f" (it contains {ch!r}, U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed character')})"
    return ""


def _files(folder: Path, content: Path, diags: Diagnostics) -> list[tuple[str, str]]:
    """Visible files below a folder, in a stable order, with the path diagnostics show. A
    symbolic link that leads out of the content folder is refused, not read: a pull request can
    add a link to any file of the machine that builds the site (``~/.ssh/...``,
    ``/proc/self/environ``) and have it published. (os.walk does not enter linked folders.)"""
    if not folder.is_dir() or not _inside(folder, content, diags):
        return []
    out = []
    for root, files, linked in _walk(str(folder), diags):
        shown_root = display_path(Path(root))
        for name in linked:
            diags.error("layout", "a symbolic link to a folder: it is not read (content files go directly in "
                                  "their folder, not in subfolders)", os.path.join(shown_root, name))
        for f, link in sorted(files):
            path = os.path.join(root, f)
            if _ignored(f):
                continue
            if link:
                if _inside(Path(path), content, diags):
                    out.append((path, display_path(Path(path))))
            else:
                out.append((path, os.path.join(shown_root, f)))
    return out


def _ignored(name: str) -> bool:
    """Hidden files, and the copies editors keep beside a file they edit (Emacs's 'x.yaml~' and
    '#x.yaml#'), which would fail every build of a preview while they exist."""
    return name.startswith(".") or name.endswith("~") or (name.startswith("#") and name.endswith("#"))


def _walk(top: str, diags: Diagnostics):
    """(folder, [(name, whether it is a symbolic link)] of its files, [names of its visible links
    to folders]) for top and each visible folder below it, top-down and in order of their names,
    as os.walk gives them (a linked folder is not entered). A file's listing says whether it is
    a link: no stat call per file, which os.path.islink made (a third of the time of discover).
    A folder that cannot be listed is an error: its files would be missing from the site."""
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as e:
            _unlisted(Path(folder), e, diags)
            continue
        folders, files, linked = [], [], []
        for entry in entries:
            if _entry_is(entry.is_dir):
                if entry.name.startswith("."):
                    continue
                if _entry_is(entry.is_symlink):
                    linked.append(entry.name)
                else:
                    folders.append(entry.path)
            else:
                files.append((entry.name, _entry_is(entry.is_symlink)))
        yield folder, files, sorted(linked)
        stack.extend(sorted(folders, reverse=True))   # the first name is taken next


def _entry_is(test) -> bool:
    try:
        return test()
    except OSError:   # as os.walk has it
        return False


def _inside(path: Path, content: Path, diags: Diagnostics) -> bool:
    try:
        target = path.resolve()
        if target.is_relative_to(content.resolve()):
            return True
        why = "leads out of the content folder" if target.exists() else "leads nowhere (its target does not exist)"
    except (OSError, RuntimeError):  # a loop of links
        why = "leads into a loop of links"
    diags.error("symlink", f"a symbolic link that {why}: it is not read", display_path(path))
    return False


class FileJob(NamedTuple):
    """A content file found by discover: what it is and whether its name and place are valid.
    Reading it (read_raw) depends on nothing else, so files can be read in any process, in any
    order, and a file whose bytes did not change need not be read again (stages/ingest.py).
    A named tuple, as the model's small records are: made for every file on every build, and
    kept in the build's state (a frozen dataclass took three times longer to make)."""
    path: str          # absolute
    shown: str         # as diagnostics name it
    role: str
    kind: str | None
    id: str | None
    name_ok: bool      # the file name is a valid id (the file is still read, to report all problems)
    readable: bool     # False: its place or extension is wrong, and that was reported


def _content_folder_below(folder: Path) -> Path | None:
    """A folder right below this one that holds a dossier.yaml (--content . given at the top of a
    repository, where content/ is the dossier), or None."""
    try:
        return next((child for child in sorted(folder.iterdir()) if (child / "dossier.yaml").is_file()), None)
    except OSError:
        return None


def discover(content: Path, diags: Diagnostics) -> list[FileJob]:
    """Every content file in a stable order, with problems of layout reported here."""
    jobs: list[FileJob] = []
    config = content / "dossier.yaml"
    shown = display_path(config)
    if not config.is_file():
        below = _content_folder_below(content)
        hint = f" ({display_path(below)} has one: --content {display_path(below)}?)" if below else ""
        diags.error("missing-config", f"no dossier.yaml: the content folder needs one with at least a title{hint}", shown)
    else:   # a link out of the content folder is not read, and is the one error said of it
        jobs.append(FileJob(str(config), shown, "dossier", None, None, True, _inside(config, content, diags)))

    for entry in _entries(content, diags) if content.is_dir() else []:
        if _ignored(entry.name) or entry.name == "dossier.yaml":
            continue
        if entry.name not in ("entities", "sources", "pages", "map"):
            diags.warning("unknown-folder", f"{entry.name!r} is not part of the content layout (entities, sources, pages, map, dossier.yaml); it is ignored", display_path(entry))
        elif not entry.is_dir():
            diags.error("layout", f"{entry.name!r} is a file: the content layout needs a folder of that name, or nothing", display_path(entry))

    entities = content / "entities"
    # A link in place of the folder is checked before it is listed: the names in a folder
    # elsewhere on the machine would be reported one by one, in a public CI log.
    listed = entities.is_dir() and _inside(entities, content, diags)
    for folder in _entries(entities, diags) if listed else []:
        if folder.name.startswith("."):
            continue
        if folder.name in KINDS and not folder.is_dir():
            diags.error("layout", f"{folder.name!r} is a file: entity files go in a folder of that name", display_path(folder))
            continue
        if not folder.is_dir() or folder.name not in KINDS:
            meant = _kind_folder_meant(folder.name)
            hint = f" (did you mean {meant!r}?)" if meant else ""
            diags.error("unknown-kind", f"{folder.name!r} is not an entity kind folder{hint}: expected one of {', '.join(KINDS)}", display_path(folder))
            # Its files are not read, but named (with nothing more said of them): the ids they
            # were meant to have are then not unknown elsewhere (validate: unloaded), and the
            # folder's error is the one a pull request shows, not the last of many.
            for path, shown in _files(folder, content, Diagnostics()) if folder.is_dir() else ():
                if path.lower().endswith((".yaml", ".yml")):
                    jobs.append(FileJob(path, shown, "entity", None, None, False, False))
            continue
        for path, shown in _files(folder, content, diags):
            jobs.append(_entity_job(path, shown, folder, KINDS[folder.name], diags))

    for role, folder in (("source", "sources"), ("page", "pages")):
        for path, shown in _files(content / folder, content, diags):
            jobs.append(_markdown_job(path, shown, role, str(content / folder), diags))
    for path, shown in _files(content / "map", content, diags):
        jobs.append(_layer_job(path, shown, str(content / "map"), diags))
    return jobs


def _entries(folder: Path, diags: Diagnostics) -> list[Path]:
    """What a folder holds, in order of names; an error when it cannot be listed (as _walk)."""
    try:
        return sorted(folder.iterdir())
    except OSError as e:
        _unlisted(folder, e, diags)
        return []


def _unlisted(folder: Path, e: OSError, diags: Diagnostics) -> None:
    diags.error("io", f"cannot read folder: {e.strerror or e}; its files are not read", display_path(folder))


def _kind_folder_meant(name: str) -> str | None:
    """The kind folder a misnamed one stands for: 'people' for 'person' or 'peple'."""
    if name in FOLDER_OF:
        return FOLDER_OF[name]
    kind = closest(name, FOLDER_OF)
    return closest(name, KINDS) or (FOLDER_OF[kind] if kind else None)


# Paths are strings here, not pathlib's objects: making those took half the time of discover,
# which runs on every build (0.1 s at 10,000 entities). os.path.splitext reads a name as
# PurePath.suffix and .stem do, but for a name ending in a dot (suffix "." rather than ""), which
# is refused either way. Hidden files (a leading dot) are never given a job.

def _job(path: str, shown: str, role: str, kind: str | None, diags: Diagnostics, problem: str | None = None) -> FileJob:
    if problem:
        diags.error("layout", problem, shown)
        return FileJob(path, shown, role, kind, None, False, False)
    stem = os.path.splitext(os.path.basename(path))[0]
    return FileJob(path, shown, role, kind, stem, _check_id(stem, shown, diags), True)


def _layer_job(path: str, shown: str, folder: str, diags: Diagnostics) -> FileJob:
    """An extra map layer: GeoJSON, checked in validate."""
    wrong = _nested(path, folder, "map layers", "map/")
    if wrong is None and os.path.splitext(path)[1] != ".geojson":
        wrong = "map layers must be GeoJSON files ending in .geojson"
    return _job(path, shown, "layer", None, diags, wrong)


def _nested(path: str, folder: str, what: str, where: str) -> str | None:
    """The problem of a file in a subfolder: its id is its file name alone, so two files of the
    same name in two subfolders would be one id, and one of them would be lost."""
    if os.path.dirname(path) != folder:
        return f"{what} go directly in {where}, not in subfolders"
    return None


def _entity_job(path: str, shown: str, folder: Path, kind: str, diags: Diagnostics) -> FileJob:
    wrong = _nested(path, str(folder), "entity files", "their kind folder")
    suffix = os.path.splitext(path)[1]
    if wrong is None and suffix != ".yaml":
        wrong = "entity files must end in .yaml" + (" (rename it to .yaml)" if suffix.lower() in (".yml", ".yaml") else "")
    return _job(path, shown, "entity", kind, diags, wrong)


def _markdown_job(path: str, shown: str, role: str, folder: str, diags: Diagnostics) -> FileJob:
    wrong = _nested(path, folder, f"{role} files", f"{role}s/")
    if wrong is None and os.path.splitext(path)[1] != ".md":
        wrong = f"{role} files must end in .md"
    return _job(path, shown, role, None, diags, wrong)


def read_raw(job: FileJob, diags: Diagnostics, data: bytes | None = None) -> RawFile:
    """Read and parse one file (data: its bytes, when already read)."""
    if not job.readable:
        return RawFile(job.shown, job.role, job.kind, None, None, ok=False)
    text = read_text(Path(job.path), job.shown, diags, data)
    if text is None:
        return RawFile(job.shown, job.role, job.kind, job.id, None, ok=False)
    before = len(diags.items)
    if job.role == "layer":
        return RawFile(job.shown, "layer", None, job.id, None, text, ok=job.name_ok)
    if job.role in ("dossier", "entity"):
        node = compose(text, job.shown, diags)
        return RawFile(job.shown, job.role, job.kind, job.id, node, ok=job.name_ok and _no_error_since(diags, before))
    split = split_front_matter(text, job.shown, diags)
    if split is None:
        return RawFile(job.shown, job.role, None, job.id, None, ok=False)
    front, body, body_line = split
    _refuse_controls(body, body_line, job.shown, diags)
    _warn_too_deep(body, body_line, job.shown, diags)
    node = compose(front, job.shown, diags, line_offset=1)
    return RawFile(job.shown, job.role, None, job.id, node, body, body_line, ok=job.name_ok and _no_error_since(diags, before))


def _no_error_since(diags: Diagnostics, before: int) -> bool:
    """Whether reading the file added no error (a warning, such as yaml-comment, leaves it loaded)."""
    return not any(d.severity == "error" for d in diags.items[before:])
