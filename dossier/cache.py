"""Skip a build when nothing it reads has changed and the site it wrote is still there.

The key is a hash of the content files' bytes, the templates and the engine version; the record
also lists every output file with its size and modification time, so a site that was edited or
deleted by hand is rebuilt. A record that is missing, unreadable, from another version or for
another output folder is ignored: the build runs and writes a new one. This is the no-change
path only: a change to any file rebuilds the whole site (see docs/performance.md).
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

from .version import VERSION
from .diagnostics import Diagnostic

FORMAT = 1


def cache_dir(content: Path) -> Path:
    """Beside the content folder (ignored by git): .dossier-cache/."""
    return content.resolve().parent / ".dossier-cache"


def _files(folder: Path):
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            yield Path(root) / name


def fingerprint(content: Path, templates: Path, strict: bool) -> str | None:
    """A hash of everything a build reads, or None when some file cannot be read as it is
    (load will say why). Links are hashed by where they point, never followed: a link to
    /dev/zero must not be read here before load refuses it."""
    digest = hashlib.sha256(f"dossier {VERSION} format {FORMAT} strict {strict}\n".encode())
    engine = Path(__file__).resolve().parent
    for label, folder in (("content", content), ("templates", templates), ("engine", engine)):
        for path in _files(folder):
            if "__pycache__" in path.parts:
                continue
            digest.update(f"{label}/{path.relative_to(folder).as_posix()}\n".encode())
            try:
                if path.is_symlink():
                    digest.update(b"link:" + os.readlink(path).encode("utf-8", "surrogateescape"))
                elif stat.S_ISREG(path.lstat().st_mode):
                    digest.update(hashlib.sha256(path.read_bytes()).digest())
                else:
                    return None
            except OSError:
                return None
    return digest.hexdigest()


def _record_path(cache: Path, out: Path) -> Path:
    key = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:16]
    return cache / f"build-{key}.json"


def _output_state(out: Path) -> dict[str, list[int]]:
    state = {}
    for p in _files(out):
        info = p.lstat()
        state[p.relative_to(out).as_posix()] = [info.st_size, info.st_mtime_ns, stat.S_IFMT(info.st_mode)]
    return state


def unchanged(cache: Path, out: Path, key: str) -> list[Diagnostic] | None:
    """The diagnostics of the last build if it can be reused as it is, else None."""
    try:
        path = _record_path(cache, out)
        if not stat.S_ISREG(path.lstat().st_mode):
            return None
        record = json.loads(path.read_text(encoding="utf-8"))
        if record.get("format") != FORMAT or record.get("key") != key or record.get("out") != str(out.resolve()):
            return None
        if not out.is_dir() or _output_state(out) != record["files"]:
            return None
        return [Diagnostic(**d) for d in record["diagnostics"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember(cache: Path, out: Path, key: str, diagnostics: list[Diagnostic]) -> None:
    """Record a successful build (best effort: a cache that cannot be written is no error)."""
    record = {"format": FORMAT, "key": key, "out": str(out.resolve()), "files": _output_state(out),
              "diagnostics": [d.__dict__ for d in diagnostics]}
    try:
        cache.mkdir(exist_ok=True)
        path = _record_path(cache, out)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(record, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
