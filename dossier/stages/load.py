"""Stage 1: read the content folder into raw records that remember file, line and column.

Nothing is interpreted here beyond splitting front matter and parsing YAML strictly; every
problem becomes a diagnostic naming the file.
"""
from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from yaml.nodes import Node

from ..diagnostics import Diagnostics
from ..kinds import KINDS
from ..markdown import MARKUP_CHARS, MAX_MARKUP, markup_count, markup_limit_offset
from ..schema import ID_MAX, ID_RE
from ..yamlload import compose

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
    """Relative to the working directory when below it (as contributors type paths), else absolute."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(Path(path).resolve()) if rel.startswith("..") else rel


def read_text(path: Path, shown: str, diags: Diagnostics) -> str | None:
    """The file as text with LF line ends, or None after a diagnostic."""
    text = _read_text(path, shown, diags)
    if text is not None and path.suffix in (".yaml", ".md") and not _within_markup_limit(text, shown, diags):
        return None
    return text


def _within_markup_limit(text: str, shown: str, diags: Diagnostics) -> bool:
    """Markdown parsing costs 5 to 20 microseconds a markup character whatever the text, so a
    file's share of the build is bounded by how many it holds (see SECURITY.md)."""
    beyond = markup_limit_offset(text)
    if beyond is None:
        return True
    line = text.count("\n", 0, beyond) + 1
    col = beyond - (text.rfind("\n", 0, beyond) + 1) + 1
    diags.error("markup-limit", f"the file has {markup_count(text):,} characters that Markdown may read as markup "
                f"(line breaks and {' '.join(MARKUP_CHARS.strip())}); the limit is {MAX_MARKUP:,} a file, "
                "passed here: split the file or simplify its text", shown, line, col)
    return False


def _read_text(path: Path, shown: str, diags: Diagnostics) -> str | None:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            diags.error("file-size", f"file is {size / 1048576:.1f} MB; the limit is {MAX_FILE_BYTES // 1048576} MB", shown)
            return None
        data = path.read_bytes()
    except OSError as e:
        diags.error("io", f"cannot read file: {e.strerror or e}", shown)
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


def split_front_matter(text: str, shown: str, diags: Diagnostics) -> tuple[str, str, int] | None:
    """(front matter, body, line where the body starts) for a Markdown file with front matter."""
    if not text.startswith("---") or not re.match(r"---[ \t]*\n", text):
        diags.error("front-matter", "a source or page must start with YAML front matter between '---' lines", shown, 1, 1)
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
    diags.error("bad-id", f"file name {stem!r} is not a valid id: use lowercase ASCII letters, digits and single hyphens, at most {ID_MAX} characters{_non_ascii_hint(stem)}", shown)
    return False


def _non_ascii_hint(text: str) -> str:
    """Name the first character that is not ASCII: a Cyrillic 'а' looks exactly like a Latin 'a'."""
    for ch in text:
        if ord(ch) > 127:
            return f" (it contains {ch!r}, U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed character')})"
    return ""


def _files(folder: Path, content: Path, diags: Diagnostics):
    """Visible files below a folder, in a stable order. A symbolic link that leads out of the
    content folder is refused, not read: a pull request can add a link to any file of the machine
    that builds the site (``~/.ssh/...``, ``/proc/self/environ``) and have it published."""
    if not folder.is_dir() or not _inside(folder, content, diags):
        return []
    out = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for f in sorted(files):
            if not f.startswith(".") and _inside(Path(root) / f, content, diags):
                out.append(Path(root) / f)
    return out


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


def load(content: Path, diags: Diagnostics) -> list[RawFile]:
    raws: list[RawFile] = []
    config = content / "dossier.yaml"
    shown = display_path(config)
    if not config.is_file():
        diags.error("missing-config", "no dossier.yaml: the content folder needs one with at least a title", shown)
    elif _inside(config, content, diags):
        before = len(diags.items)
        text = read_text(config, shown, diags)
        node = compose(text, shown, diags) if text is not None else None
        raws.append(RawFile(shown, "dossier", None, None, node, ok=len(diags.items) == before))

    for entry in sorted(content.iterdir()) if content.is_dir() else []:
        if entry.name.startswith(".") or entry.name == "dossier.yaml":
            continue
        if entry.name not in ("entities", "sources", "pages", "map"):
            diags.warning("unknown-folder", f"{entry.name!r} is not part of the content layout (entities, sources, pages, map, dossier.yaml); it is ignored", display_path(entry))

    entities = content / "entities"
    for folder in sorted(entities.iterdir()) if entities.is_dir() else []:
        if folder.name.startswith("."):
            continue
        if not folder.is_dir() or folder.name not in KINDS:
            diags.error("unknown-kind", f"{folder.name!r} is not an entity kind folder: expected one of {', '.join(KINDS)}", display_path(folder))
            continue
        for path in _files(folder, content, diags):
            raws.append(_load_yaml_entity(path, folder, KINDS[folder.name], diags))

    for path in _files(content / "sources", content, diags):
        raws.append(_load_markdown(path, "source", diags))
    for path in _files(content / "pages", content, diags):
        raws.append(_load_markdown(path, "page", diags))
    for path in _files(content / "map", content, diags):
        raws.append(_load_layer(path, diags))
    return raws


def _load_layer(path: Path, diags: Diagnostics) -> RawFile:
    """An extra map layer: GeoJSON, checked in validate."""
    shown = display_path(path)
    if path.suffix != ".geojson":
        diags.error("layout", "map layers must be GeoJSON files ending in .geojson", shown)
        return RawFile(shown, "layer", None, None, None, ok=False)
    ok = _check_id(path.stem, shown, diags)
    text = read_text(path, shown, diags)
    return RawFile(shown, "layer", None, path.stem, None, text or "", ok=ok and text is not None)


def _load_yaml_entity(path: Path, folder: Path, kind: str, diags: Diagnostics) -> RawFile:
    shown = display_path(path)
    if path.parent != folder:
        diags.error("layout", "entity files go directly in their kind folder, not in subfolders", shown)
        return RawFile(shown, "entity", kind, None, None, ok=False)
    if path.suffix != ".yaml":
        hint = " (rename it to .yaml)" if path.suffix == ".yml" else ""
        diags.error("layout", f"entity files must end in .yaml{hint}", shown)
        return RawFile(shown, "entity", kind, None, None, ok=False)
    ok = _check_id(path.stem, shown, diags)
    text = read_text(path, shown, diags)
    if text is None:
        return RawFile(shown, "entity", kind, path.stem, None, ok=False)
    before = len(diags.items)
    node = compose(text, shown, diags)
    return RawFile(shown, "entity", kind, path.stem, node, ok=ok and len(diags.items) == before)


def _load_markdown(path: Path, role: str, diags: Diagnostics) -> RawFile:
    shown = display_path(path)
    if path.suffix != ".md":
        diags.error("layout", f"{role} files must end in .md", shown)
        return RawFile(shown, role, None, None, None, ok=False)
    ok = _check_id(path.stem, shown, diags)
    text = read_text(path, shown, diags)
    if text is None:
        return RawFile(shown, role, None, path.stem, None, ok=False)
    split = split_front_matter(text, shown, diags)
    if split is None:
        return RawFile(shown, role, None, path.stem, None, ok=False)
    front, body, body_line = split
    before = len(diags.items)
    node = compose(front, shown, diags, line_offset=1)
    return RawFile(shown, role, None, path.stem, node, body, body_line, ok=ok and len(diags.items) == before)
