"""Where in its file a character of a Markdown value is: errors are given at file, line and column."""
from __future__ import annotations

import os
from bisect import bisect_right
from functools import lru_cache

from ..model import Pos
from ..yamlload import scalar_offsets


def markdown_pos(path: str, text, offset: int) -> Pos:
    """File position of a character of a Markdown value read from YAML (or of a body).

    A body is the file's text from its first line. A YAML value was folded and unescaped from
    what the file holds (quotes, escapes, folded lines, indentation): the scalar is read again
    from the file and its rules replayed (yamlload.scalar_offsets), and where that does not give
    back the value exactly, the value's own position is given rather than a wrong one."""
    line0, col0 = getattr(text, "line", 0), getattr(text, "col", 0)
    style = getattr(text, "style", None)
    if style == "body" or not line0:
        before = text[:offset]
        n = before.count("\n")
        col = offset - (before.rfind("\n") + 1)
        if n == 0:
            return Pos(path, line0, col0 + col)
        return Pos(path, line0 + n, col + 1)
    found = _file(path)
    if found is not None and 0 <= offset < len(text):
        source, starts = found
        if line0 <= len(starts):
            start = starts[line0 - 1] + col0 - 1
            offsets = scalar_offsets(source, start, style, str(text)) if start < len(source) else None
            if offsets is not None:
                at = offsets[offset]
                line = bisect_right(starts, at)
                return Pos(path, line, at - starts[line - 1] + 1)
    return Pos(path, line0, col0)


def _file(path: str) -> tuple[str, list[int]] | None:
    """A content file's text as the load stage read it (UTF-8, LF line ends) and where each of
    its lines starts; only read to place an error, so kept for a few files."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return _read_source(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _read_source(path: str, mtime_ns: int, size: int) -> tuple[str, list[int]] | None:
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    starts = [0]
    find = text.find
    at = find("\n")
    while at != -1:
        starts.append(at + 1)
        at = find("\n", at + 1)
    return text, starts


def forget_files() -> None:
    """Drop the files read to place errors (a few are kept, while resolving)."""
    _read_source.cache_clear()
