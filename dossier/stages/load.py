"""Stage 1: read the content folder into raw records that remember file, line and column.

Nothing is interpreted here beyond splitting front matter and parsing YAML strictly; every
problem becomes a diagnostic naming the file.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from yaml.nodes import Node

from ..diagnostics import Diagnostics
from ..kinds import KINDS
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
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            diags.error("file-size", f"file is {size / 1048576:.1f} MB; the limit is {MAX_FILE_BYTES // 1048576} MB", shown)
            return None
        data = path.read_bytes()
    except OSError as e:
        diags.error("io", f"cannot read file: {e.strerror or e}", shown)
        return None
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        diags.error("encoding", "file contains a NUL byte: content files must be UTF-8 text", shown, line, 1)
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
    diags.error("bad-id", f"file name {stem!r} is not a valid id: use lowercase ASCII letters, digits and single hyphens, at most {ID_MAX} characters", shown)
    return False


def _files(folder: Path):
    """Visible files below a folder, in a stable order; symlinks are not followed out of content."""
    if not folder.is_dir():
        return []
    out = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        out.extend(Path(root) / f for f in sorted(files) if not f.startswith("."))
    return out


def load(content: Path, diags: Diagnostics) -> list[RawFile]:
    raws: list[RawFile] = []
    config = content / "dossier.yaml"
    shown = display_path(config)
    if not config.is_file():
        diags.error("missing-config", "no dossier.yaml: the content folder needs one with at least a title", shown)
    else:
        text = read_text(config, shown, diags)
        raws.append(RawFile(shown, "dossier", None, None, compose(text, shown, diags) if text is not None else None,
                            ok=text is not None))

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
        for path in _files(folder):
            raws.append(_load_yaml_entity(path, folder, KINDS[folder.name], diags))

    for path in _files(content / "sources"):
        raws.append(_load_markdown(path, "source", diags))
    for path in _files(content / "pages"):
        raws.append(_load_markdown(path, "page", diags))
    for path in _files(content / "map"):
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
