"""Compiled templates kept between builds: Jinja's bytecode cache, in the user's cache folder.

Compiling the templates took 0.17 s in every process that renders pages (each render worker of
a cold build; the parent after an edit; `dossier serve` at every build); loading them compiled
takes a few milliseconds. Jinja compiles a template again when its source changed (a checksum of
it is kept with the code); the file names here also carry what else shapes the compiled code:
Jinja's and Python's versions, the environment's syntax options and our code generator's
version (stages/template_code.py), so an upgrade or a changed option never loads code compiled
for another. The folder is the user's (cache.user_cache_dir), never the content's: loading
compiled code runs it, and a pull request can commit anything under the content folder. A cache
that cannot be read or written is passed over, and the templates are compiled as before.
"""
from __future__ import annotations

import hashlib
import os
import stat
import sys
import time

import jinja2
from jinja2 import Environment
from jinja2.bccache import Bucket, FileSystemBytecodeCache

from ..cache import user_cache_dir

# Environment attributes that change the code a template compiles to (Jinja keys its own lexer
# cache by the syntax ones); autoescape, a function of the template's name, is asked per name.
_SHAPING = ("block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
            "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
            "trim_blocks", "lstrip_blocks", "newline_sequence", "keep_trailing_newline", "optimized", "is_async")


def _shaping(environment: Environment, name: str) -> str:
    escaping = environment.autoescape(name) if callable(environment.autoescape) else environment.autoescape
    options = [repr(getattr(environment, attribute)) for attribute in _SHAPING]
    return "\0".join([jinja2.__version__, sys.version, *options, *sorted(environment.extensions),
                      f"finalize {environment.finalize is not None}", f"autoescape {escaping!r}",
                      getattr(environment, "generator", "")])


class CompiledTemplates(FileSystemBytecodeCache):
    def get_bucket(self, environment: Environment, name: str, filename: str | None, source: str) -> Bucket:
        described = f"{_shaping(environment, name)}\0{name}\0{filename or ''}"
        bucket = Bucket(environment, hashlib.sha256(described.encode("utf-8", "surrogatepass")).hexdigest()[:40],
                        self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
            if bucket.code is not None:
                _mark_used(self._get_cache_filename(bucket))
        except Exception:   # unreadable or cut short: compiled again, and written over
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
            _prune(self.directory)
        except OSError:   # a full disk or a read-only home: only the next build is slower
            pass


# Each Jinja, Python, option set and templates folder (a checkout, a virtualenv) compiles files
# of its own, and none is ever used again after an upgrade: the folder would grow for ever. Past
# MAX_KEPT files, those least recently used go, down to KEPT_AFTER_PRUNING (the mark of use is
# the file's modification time, moved forward at most once a day when it is loaded).
MAX_KEPT = 400
KEPT_AFTER_PRUNING = 300
_DAY_NS = 86_400 * 10**9


def _mark_used(path: str) -> None:
    try:
        if os.stat(path).st_mtime_ns < time.time_ns() - _DAY_NS:
            os.utime(path)
    except OSError:   # a read-only cache is still read (the code was loaded; only the mark is lost)
        pass


def _prune(folder: str) -> None:
    with os.scandir(folder) as entries:
        kept = [entry for entry in entries if entry.name.endswith(".jinja") and entry.is_file(follow_symlinks=False)]
    if len(kept) <= MAX_KEPT:
        return
    kept.sort(key=lambda entry: (entry.stat(follow_symlinks=False).st_mtime_ns, entry.name))
    for entry in kept[:len(kept) - KEPT_AFTER_PRUNING]:
        try:
            os.unlink(entry.path)
        except OSError:   # gone already (another build pruned it)
            pass


def use_compiled_templates(environment: Environment) -> None:
    """Give the environment a bytecode cache in the user's cache folder, if one can be made there
    that only this user can write (Jinja's own default folder is checked the same way)."""
    folder = user_cache_dir() / "templates"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(folder)
    except OSError:
        return
    if not stat.S_ISDIR(info.st_mode) or info.st_mode & 0o022 or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
        return   # a link, or a folder others may write into: compiled code from it could be anyone's
    environment.bytecode_cache = CompiledTemplates(str(folder), "%s.jinja")
