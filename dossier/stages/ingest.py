"""Stages 1 and 2 for the whole folder: find the files, read and type each one, assemble.

Reading and typing a file (``ingest_file``) depends on that file alone, so it is done once per
distinct file contents: a file whose bytes are unchanged since the last build takes its record
from the build cache, and a cold build types the files on every core. What spans files
(duplicate ids, relation types declared in dossier.yaml) is checked in ``validate.assemble``.
YAML node trees live only while one file is typed, which keeps memory to the records.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .. import collector
from ..diagnostics import Diagnostic, Diagnostics
from ..model import Dossier
from .pool import fork_map
from .load import MAX_FILE_BYTES, FileJob, discover, read_bytes, read_raw, read_regular
from .validate import assemble, convert


@dataclass
class FileResult:
    role: str
    id: str | None
    path: str                 # as diagnostics show it
    ok: bool                  # read and parsed without errors
    record: object            # Config, Entity, Source, Page, map layer, or None
    diagnostics: list[Diagnostic]


@dataclass
class Ingested:
    dossier: Dossier
    files: dict[str, tuple[FileJob, str, FileResult]]   # path -> (job, digest of its bytes, result)


def ingest_file(job: FileJob, data: bytes | None = None) -> tuple[str | None, FileResult]:
    """(digest of the bytes read, or None when unreadable; the file's result)."""
    diags = Diagnostics()
    if data is None and job.readable:
        data = read_bytes(Path(job.path), job.shown, diags)
        if data is None:
            return None, FileResult(job.role, job.id, job.shown, False, None, diags.items)
    raw = read_raw(job, diags, data)
    result = FileResult(job.role, raw.id, raw.path, raw.ok, convert(raw, diags), diags.items)
    return (_digest(data) if data is not None else None), result


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ingest(content: Path, diags: Diagnostics, previous: dict | None = None, digests: dict | None = None) -> Ingested:
    """Every file's record, taken from ``previous`` (an earlier Ingested.files) when its bytes
    are the same, else read and typed, on all cores when there are many. digests: the SHA-256
    of files already read in this build (cache.fingerprint), by path: those are not read again."""
    with collector.paused(keep=True):
        return _ingest(content, diags, previous, digests)


def _ingest(content: Path, diags: Diagnostics, previous: dict | None, digests: dict | None) -> Ingested:
    jobs = discover(content, diags)
    previous = previous or {}
    results: dict[str, tuple[FileJob, str | None, FileResult]] = {}
    todo: list[FileJob] = []
    for job in jobs:
        known = previous.get(job.path)
        if known is None or known[0] != job or not job.readable:
            todo.append(job)
            continue
        if digests and job.path in digests:
            if known[1] == digests[job.path]:
                results[job.path] = known
            else:
                todo.append(job)
            continue
        try:
            data = read_bytes_quietly(job)
        except OSError:
            todo.append(job)
            continue
        if known[1] == _digest(data):
            results[job.path] = known
        else:
            digest, result = ingest_file(job, data)
            results[job.path] = (job, digest, result)
    for job, (digest, result) in zip(todo, fork_map(ingest_file, todo, chunk=32)):
        results[job.path] = (job, digest, result)

    ordered = [results[job.path] for job in jobs]
    for _, _, result in ordered:
        diags.items.extend(result.diagnostics)
    dossier = assemble([result for _, _, result in ordered], diags)
    # The very entries taken from previous (not copies): the saved state's shards that hold
    # only those are then not written again.
    reusable = {entry[0].path: entry for entry in ordered if entry[1] is not None}
    return Ingested(dossier, reusable)


def read_bytes_quietly(job: FileJob) -> bytes:
    """The bytes of a file the last build read, to compare with its digest; a file that became
    too large or unreadable raises, and ingest_file then reports it."""
    try:
        return read_regular(job.path, MAX_FILE_BYTES)
    except ValueError:
        raise OSError("too large") from None
