"""Skip a build when nothing it reads has changed and the site it wrote is still there.

The key is a hash of the content files' bytes, the templates and the engine version; the record
also lists every output file with its size and modification time, so a site that was edited or
deleted by hand is rebuilt. A record that is missing, unreadable, from another version or for
another output folder is ignored: the build runs and writes a new one. This is the no-change
path; when something changed, the build reuses what it can from its saved state (below, and
stages/incremental.py).
"""
from __future__ import annotations

import gc
import hashlib
import hmac
import importlib.metadata
import json
import os
import pickle
import stat
import sys
import time
import zlib
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Callable

from .version import VERSION
from .diagnostics import Diagnostic

FORMAT = 1


def cache_dir(content: Path) -> Path:
    """Beside the content folder (ignored by git): .dossier-cache/."""
    return content.resolve().parent / ".dossier-cache"


def _linked(folder: Path) -> bool:
    """Whether the cache folder is a symbolic link, which builds neither read nor write through:
    a .dossier-cache committed as a link would lead them to write, and delete their old states,
    wherever it points."""
    return folder.is_symlink()


@contextmanager
def one_build_at_a_time(content: Path, waiting: Callable[[], None]):
    """Hold the lock of builds of this content folder (in .dossier-cache/) for the block:
    two builds at once (`dossier serve` running while `dossier build` is typed) would read and
    write one saved state and one output folder together. The second waits for the first
    (waiting() is called first, to say so); the lock goes with the process that held it, however
    it ends. Without a cache folder that can be written (read-only content), builds are not
    locked, as they save no state either."""
    try:
        import fcntl
    except ImportError:   # pragma: no cover - not on Linux or macOS
        yield
        return
    try:
        if not content.is_dir():   # nothing to build (check says so): no cache folder made beside it
            raise FileNotFoundError(content)
        folder = cache_dir(content)
        if _linked(folder):
            raise OSError(f"{folder} is a symbolic link: builds are not locked through it")
        folder.mkdir(exist_ok=True)
        # One lock per content folder (the cache folder is shared by the content folders beside it).
        which = hashlib.sha256(str(content.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:16]
        fd = os.open(folder / f"content-{which}.lock", os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError:
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            waiting()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _files(folder: Path):
    """(path, path relative to folder with '/') of every file under folder, in a fixed order.
    Strings, not Paths: a large dossier has tens of thousands of files, and pathlib's parsing
    was a third of the time of hashing them."""
    top = os.fspath(folder)
    for root, dirs, files in os.walk(top):
        dirs.sort()
        rel = os.path.relpath(root, top)
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        for name in sorted(files):
            yield os.path.join(root, name), prefix + name


RECENT_NS = 2_000_000_000   # a file changed this close to a fingerprint is read again next time


def fingerprint(content: Path, engine: str, files: dict | None = None, known: dict | None = None,
                seen: dict | None = None) -> str | None:
    """A hash of everything a build reads (engine: engine_key, for the engine, its templates and
    options), or None when some content file cannot be read as it is (load will say why). Links
    are hashed by where they point, never followed: a link to /dev/zero must not be read here
    before load refuses it. files: filled with the SHA-256 of each regular content file, by
    path, so that ingest need not read unchanged files again.

    known: what seen held after the last fingerprint: a file whose size, times and inode are
    those it had then is not read again (reading and hashing every file was three quarters of
    the time). Any write to a file changes its change time (ctime), which no program can set;
    a file changed less than RECENT_NS before a fingerprint is left out of seen, because a
    change in the same tick of the file system's clock would leave its times as they are."""
    digest = hashlib.sha256(f"engine {engine}\n".encode())
    now = time.time_ns()
    known = known if isinstance(known, dict) else None   # read from a file the content's owner may write
    for path, rel in _files(content):
        digest.update(f"content/{rel}\n".encode("utf-8", "surrogateescape"))   # a name need not be UTF-8
        try:
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                digest.update(b"link:" + os.readlink(path).encode("utf-8", "surrogateescape"))
            elif stat.S_ISREG(info.st_mode):
                signature = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]
                entry = known.get(rel) if known else None
                if isinstance(entry, list) and entry[:4] == signature and len(entry) == 5:
                    of_file = str(entry[4])
                else:
                    with open(path, "rb") as file:
                        of_file = hashlib.sha256(file.read()).hexdigest()
                digest.update(bytes.fromhex(of_file))
                if files is not None:
                    files[path] = of_file
                if seen is not None and now - max(info.st_mtime_ns, info.st_ctime_ns) > RECENT_NS:
                    seen[rel] = signature + [of_file]
            else:
                return None
        except (OSError, ValueError):   # ValueError: a recorded digest that is not hexadecimal
            return None
    return digest.hexdigest()


def _record_path(cache: Path, out: Path) -> Path:
    key = hashlib.sha256(str(out.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return cache / f"build-{key}.json"


SITE_MARKER = ".dossier-site"   # in every site dossier writes (stages/write.py)


def users_entry(name: str) -> bool:
    """Whether an entry at the top of the output folder is the user's, never the build's: hidden
    ones but the site's marker (the .git of a gh-pages worktree, .nojekyll, .well-known) and a
    CNAME (GitHub Pages' custom domain, when published from a branch). Builds keep them as they
    are and leave them out of their records (MkDocs keeps hidden entries the same way)."""
    return name == "CNAME" or (name.startswith(".") and not name.startswith(SITE_MARKER))


def output_state(out: Path) -> dict[str, list[int]]:
    """Each file of the output folder but the user's entries: [size, modification time in ns,
    type, change time in ns, inode]. The change time and the inode catch a file edited with its
    size and modification time put back (no program can set a file's change time), or replaced."""
    state = {}
    top = str(out)
    for root, dirs, files in os.walk(top):
        rel = os.path.relpath(root, top)
        if rel == ".":
            dirs[:] = [d for d in dirs if not users_entry(d)]
            files = [f for f in files if not users_entry(f)]
        dirs.sort()
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        for name in sorted(files):
            state[prefix + name] = _file_state(os.path.join(root, name))
    return state


def _file_state(path: str) -> list[int]:
    info = os.lstat(path)
    return [info.st_size, info.st_mtime_ns, stat.S_IFMT(info.st_mode), info.st_ctime_ns, info.st_ino]


def output_state_after(out: Path, before: dict[str, list[int]], files: set[str], moved: list[str]) -> dict[str, list[int]]:
    """output_state(out) after an in-place update of a folder whose output_state was `before`:
    the folder now holds `files`, of which `moved` were put in anew and the others kept as they
    were. Only the files moved in are looked at (not the 12,000 others of a large site)."""
    state = {rel: value for rel, value in before.items() if rel in files}
    for rel in moved:
        state[rel] = _file_state(os.path.join(out, rel))
    return state


def last_record(cache: Path, out: Path) -> dict:
    """What remember recorded of the last build into out ({} when nothing usable)."""
    try:
        path = _record_path(cache, out)
        if _linked(cache) or not stat.S_ISREG(path.lstat().st_mode):
            return {}
        record = json.loads(path.read_text(encoding="utf-8"))
        return record if isinstance(record, dict) and record.get("format") == FORMAT else {}
    except (OSError, ValueError):
        return {}


def unchanged(record: dict, out: Path, key: str) -> list[Diagnostic] | None:
    """The diagnostics of the last build (its record) if it can be reused as it is, else None."""
    try:
        if record.get("key") != key or record.get("out") != str(out.resolve()):
            return None
        if not out.is_dir() or output_state(out) != record["files"]:
            return None
        return [Diagnostic(**d) for d in record["diagnostics"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember(cache: Path, out: Path, key: str, diagnostics: list[Diagnostic], files: dict | None = None,
             content: dict | None = None) -> None:
    """Record a successful build (best effort: a cache that cannot be written is no error).
    files: output_state(out) when the caller has it. content: what fingerprint saw of the
    content files (its `seen`), for the next fingerprint."""
    record = {"format": FORMAT, "key": key, "out": str(out.resolve()), "files": files or output_state(out),
              "diagnostics": [d.__dict__ for d in diagnostics], "content": content or {}}
    try:
        if _linked(cache):
            return
        cache.mkdir(exist_ok=True)
        _write_atomic(_record_path(cache, out), json.dumps(record, sort_keys=True).encode("utf-8"))
    except OSError:
        pass


# --- The incremental build's state -----------------------------------------------------------
# Pickled, because it holds the typed records of every file; signed, because a pickle runs code
# when read and a pull request could commit a crafted .dossier-cache/. The key is made on first
# use in the user's cache folder, which no content can write, so a state file made anywhere else
# does not verify and is ignored.

_STATE_MAGIC = b"dossier-state 1\n"


def user_cache_dir() -> Path:
    """This user's own cache folder for dossier ($XDG_CACHE_HOME/dossier), which no content can
    write: what is read from it may run code (a pickle, compiled templates)."""
    home = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(home):   # as the XDG spec has it: a relative path (inside a checkout?) is ignored
        home = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(home) / "dossier"


def _secret() -> bytes | None:
    path = user_cache_dir() / "state-key"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    except OSError:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(os.urandom(32))
        return path.read_bytes()
    except FileExistsError:   # another build made it just now
        try:
            return path.read_bytes()
        except OSError:
            return None
    except OSError:
        return None


def state_path(content: Path, out: Path) -> Path:
    return _record_path(cache_dir(content), out).with_suffix(".state")


SHARDED = ("files", "readings", "pages", "pieces")   # the large parts of a state, saved in shards
PER_SHARD = 50      # entries: a build after one edit rewrites the few shards that hold what changed
MAX_SHARDS = 256


def _shard_count(entries: int) -> int:
    return max(1, min(MAX_SHARDS, entries // PER_SHARD))


@lru_cache(maxsize=1 << 18)   # the same keys at every save of `dossier serve`
def _shard_of(key, shards: int) -> int:
    return zlib.crc32(repr(key).encode("utf-8", "surrogatepass")) % shards


def _signed(secret: bytes, payload: bytes) -> bytes:
    return _STATE_MAGIC + hmac.new(secret, payload, hashlib.sha256).digest() + payload


def _verified(secret: bytes, data: bytes) -> bytes | None:
    head = len(_STATE_MAGIC)
    if not data.startswith(_STATE_MAGIC) or len(data) < head + 32:
        return None
    signature, payload = data[head:head + 32], data[head + 32:]
    if not hmac.compare_digest(signature, hmac.new(secret, payload, hashlib.sha256).digest()):
        return None
    return payload


def save_state(path: Path, state) -> str | None:
    """Save a build's state: a main file and shards of its large parts. A shard whose entries are
    all the very objects the previous state was loaded with is not written again, so a build
    after a small edit writes a few shards, not the whole state. Best effort, like remember:
    a state that cannot be written only makes the next build slower. Once saved, the state is
    as load_state would read it back, so a process that keeps it can build on it again. Returns
    why it could not be saved, or None."""
    if _linked(path.parent):
        return f"{path.parent} is a symbolic link, which builds do not write through"
    secret = _secret()
    if secret is None:
        return "no key to sign it with could be made in the user's cache folder"
    previous = getattr(state, "shards", None) or {}
    names, kept, loaded = {}, {}, {}
    try:
        path.parent.mkdir(exist_ok=True)
        for part in SHARDED:
            entries = getattr(state, part)
            buckets: list[dict] = [{} for _ in range(_shard_count(len(entries)))]
            for key, value in entries.items():
                buckets[_shard_of(key, len(buckets))][key] = value
            for i, bucket in enumerate(buckets):
                if not bucket:
                    continue
                old = previous.get((part, i))
                loaded[(part, i)] = bucket
                if old and old[1].keys() == bucket.keys() and all(old[1][k] is v for k, v in bucket.items()) \
                        and (path.parent / old[0]).is_file():   # still there (a kept state is not read back)
                    names[(part, i)] = old[0]
                    continue
                payload = pickle.dumps(bucket, protocol=pickle.HIGHEST_PROTOCOL)
                name = f"{path.name}.{part}-{i}-{hashlib.sha256(payload).hexdigest()[:20]}"
                _write_atomic(path.parent / name, _signed(secret, payload))
                names[(part, i)] = name
            kept[part] = getattr(state, part)
            setattr(state, part, {})
        state.shards = names
        _write_atomic(path, _signed(secret, pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)))
        state.shards = {key: (name, loaded[key]) for key, name in names.items()}
        wanted = set(names.values())
        for stale in path.parent.glob(f"{path.name}.*-*"):
            if stale.name not in wanted:
                stale.unlink(missing_ok=True)
        _forget_old_states(path.parent)
    except OSError as e:
        state.shards = {}   # what is on disk is unknown: the next save writes every shard
        return f"{path.parent}: {e.strerror or e}"
    finally:
        for part, value in kept.items():
            setattr(state, part, value)
    return None


KEEP_STATES = 4   # output folders whose state is kept (the oldest go first)


def _forget_old_states(folder: Path) -> None:
    """Keep the states of the few output folders built last: each one built into a new folder
    (tests, scratch builds) would otherwise stay forever."""
    states = sorted(folder.glob("build-*.state"), key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)
    for old in states[KEEP_STATES:]:
        for part in [old, old.with_suffix(".json"), *folder.glob(f"{old.name}.*-*")]:
            part.unlink(missing_ok=True)


def _write_atomic(path: Path, data: bytes) -> None:
    """Write a file of the cache folder whole, or not at all. Its temporary file is made anew, and
    never through a symbolic link: one committed in .dossier-cache/ under a name a build will use
    would have the build write over whatever it points to."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.unlink(missing_ok=True)   # a link (or a leftover) of that name: the name, not where it leads
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)   # over a link of the final name, the link itself


def _read_signed(secret: bytes, path: Path):
    if not stat.S_ISREG(path.lstat().st_mode):
        return None
    payload = _verified(secret, path.read_bytes())
    return None if payload is None else pickle.loads(payload)


def load_state(path: Path, engine: str | None = None):
    """The state a build on this machine saved, or None (missing, unreadable, not signed with
    this machine's key, or from another version of the engine). engine: the engine_key a state
    must have been saved with to be read beyond its main file (its shards took a second to read
    at 10,000 entities, for a state that an upgrade made useless)."""
    secret = _secret()
    if secret is None or _linked(path.parent):
        return None
    enabled = gc.isenabled()
    gc.disable()   # a million small objects: the collector would run hundreds of times for nothing
    try:
        state = _read_signed(secret, path)
        names = getattr(state, "shards", None)
        if not isinstance(names, dict) or engine is not None and getattr(state, "engine", None) != engine:
            return None
        loaded = {}
        for (part, i), name in sorted(names.items()):
            bucket = _read_signed(secret, path.parent / name)
            if not isinstance(bucket, dict) or part not in SHARDED:
                return None
            getattr(state, part).update(bucket)
            loaded[(part, i)] = (name, bucket)
        state.shards = loaded
        return state
    except Exception:   # unreadable, or our own bytes from an engine whose classes have changed
        return None
    finally:
        if enabled:
            gc.enable()


# The libraries whose work is in the site (the HTML they render, the YAML they read, the Leaflet files
# copied): an upgrade of one changes pages that no content change would render again.
LIBRARIES = ("Jinja2", "MarkupSafe", "markdown-it-py", "mdit-py-plugins", "mdurl", "PyYAML", "XStatic-Leaflet")


def _umask() -> int:
    """The process's umask: what the files written get (and a site's kept files keep). Read from
    /proc on Linux; setting it and back would, for that moment, give another thread's new file
    (`dossier serve`) the wrong mode."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def engine_key(templates: Path, strict: bool) -> str:
    """A hash of the engine's code, its templates, the Python and libraries it runs with, the Leaflet
    files it copies, and the options that change every page (the umask too: a site updated in place
    would keep files of the last umask beside files of this one)."""
    mask = _umask()
    digest = hashlib.sha256(f"dossier {VERSION} format {FORMAT} strict {strict} umask {mask:o}\n{sys.version}\n".encode())
    for library in LIBRARIES:
        try:
            version = importlib.metadata.version(library)
        except importlib.metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{library} {version}\n".encode())
    engine = Path(__file__).resolve().parent
    from .features.map import leaflet_files   # the map module is large; most callers have it loaded
    files = [(f"templates/{rel}", path) for path, rel in _files(templates)] + \
            [(f"engine/{rel}", path) for path, rel in _files(engine)] + \
            [(f"assets/{rel}", source) for source, rel in leaflet_files()]
    for label, path in files:
        if "__pycache__" not in label.split("/"):
            digest.update(f"{label}\n".encode())
            with open(path, "rb") as file:
                digest.update(hashlib.sha256(file.read()).digest())
    return digest.hexdigest()
