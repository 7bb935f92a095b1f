"""Which pages a change can have changed, so that a build after an edit renders only those.

While a page renders, every read of shared data is noted as a key: a record by id ("ent:",
"src:", "pag:"), the name and address of a link target ("tgt:"), one entry of a derived index
("idx:incoming:<id>", backlinks, mentions, ...), the names the article matcher knows ("names"),
the located entities of mini maps ("located"); iterating over a whole collection notes its
"*" key. Each key has a digest per build. A page is rendered again when one of its keys has a
new digest (or when it is new); otherwise its file is taken from the previous site as it is.
Pages that list the whole dossier (indexes, the map, the timeline...) are always rendered.
Everything global (engine, templates, dossier.yaml, the list of pages in the navigation) is in
the state's key: when it changes, every page is rendered.

Correctness rests on every read going through a watched path; tests/test_incremental.py checks
that an incremental build equals a cold one after edits, renames and deletions.
"""
from __future__ import annotations

import hashlib
from contextlib import contextmanager
from dataclasses import dataclass, field

ALWAYS = {"index", "kind_index", "sources_index", "map", "timeline", "claims", "search", "404"}
INDEXES = ("incoming", "linked_from", "cited_by", "anchors", "about", "mentions", "events_of")

_noted: set | None = None   # the keys read by the page being rendered in this process


def note(key: str) -> None:
    if _noted is not None:
        _noted.add(key)


@contextmanager
def recording():
    """Collect the keys read while rendering one page."""
    global _noted
    _noted = set()
    try:
        yield _noted
    finally:
        _noted = None


class Watched(dict):
    """A dict whose reads are noted under a prefix; listing it notes prefix + "*"."""

    def __init__(self, data, prefix: str):
        super().__init__(data)
        self.prefix = prefix

    def __getitem__(self, key):
        note(f"{self.prefix}{key}")
        return super().__getitem__(key)

    def get(self, key, default=None):
        note(f"{self.prefix}{key}")
        return super().get(key, default)

    def __contains__(self, key):
        note(f"{self.prefix}{key}")
        return super().__contains__(key)

    def _all(self):
        note(self.prefix + "*")

    def __iter__(self):
        self._all()
        return super().__iter__()

    def __len__(self):
        self._all()
        return super().__len__()

    def keys(self):
        self._all()
        return super().keys()

    def values(self):
        self._all()
        return super().values()

    def items(self):
        self._all()
        return super().items()


def watch(resolved) -> None:
    """Make the dossier's records and the derived indexes note their reads (after resolve)."""
    d = resolved.dossier
    d.entities, d.sources, d.pages = Watched(d.entities, "ent:"), Watched(d.sources, "src:"), Watched(d.pages, "pag:")
    for name in INDEXES:
        setattr(resolved, name, Watched(getattr(resolved, name), f"idx:{name}:"))


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _canonical(value) -> str:
    """repr with sets sorted, so the digest does not depend on hash order."""
    if isinstance(value, (set, frozenset)):
        value = sorted(value)
    return repr(value)


def digests(resolved, file_digests: dict[str, str], renderer) -> dict[str, str]:
    """The digest of every key a page can note, for this build. file_digests: shown path ->
    digest of the file's bytes (a record is what its file says)."""
    out: dict[str, str] = {}
    d = resolved.dossier
    for prefix, records in (("ent:", d.entities), ("src:", d.sources), ("pag:", d.pages)):
        every = hashlib.blake2b(digest_size=16)
        for key, record in sorted(dict.items(records)):
            value = file_digests.get(record.path) or _hash(repr(record))
            out[prefix + key] = value
            every.update(f"{key}={value}\n".encode("utf-8", "surrogatepass"))
        out[prefix + "*"] = every.hexdigest()
    for key, target in resolved.site.targets.items():
        out["tgt:" + key] = _hash(f"{target.name}\n{target.url}\n{target.kind}")
    for name in INDEXES:
        index = getattr(resolved, name)
        every = hashlib.blake2b(digest_size=16)
        for key in sorted(dict.keys(index)):
            entry = dict.__getitem__(index, key)
            if name == "events_of":   # whole entities: their records' digests say it faster
                entry = [(e.id, out["ent:" + e.id]) for e in entry]
            value = _hash(_canonical(entry))
            out[f"idx:{name}:{key}"] = value
            every.update(f"{key}={value}\n".encode("utf-8", "surrogatepass"))
        out[f"idx:{name}:*"] = every.hexdigest()
    out["names"] = resolved.matcher.digest
    out["located"] = _hash(repr([renderer.map.marker(e, p, "") for e, p in renderer.map.located]))
    return out


def changed_keys(before: dict[str, str], now: dict[str, str]) -> set[str]:
    """Keys whose digest differs, including keys that appeared or went away."""
    changed = {k for k, v in now.items() if before.get(k) != v}
    changed.update(k for k in before if k not in now)
    return changed


@dataclass
class PageRecord:
    job: tuple[str, str]
    keys: frozenset[str]      # what the page read
    scan: tuple               # PageScan.to_data() of the page as written


@dataclass
class State:
    """What the next build needs from this one (saved signed, see cache.save_state)."""
    engine: str                                    # engine, templates, options: cache.engine_key
    key: str                                       # and what every page shows (dossier.yaml, navigation)
    out: str                                       # the output folder it describes
    files: dict = field(default_factory=dict)      # ingest: path -> (job, digest, FileResult)
    readings: dict = field(default_factory=dict)   # resolve: source key -> SourceReading
    digests: dict = field(default_factory=dict)    # key -> digest, as above
    pages: dict = field(default_factory=dict)      # page path -> PageRecord
    output: dict = field(default_factory=dict)     # file -> [size, mtime_ns, type], as written
    shards: dict = field(default_factory=dict)     # how it was saved (cache.save_state)


def reusable(state: State | None, job: tuple[str, str], path: str, changed: set[str]) -> PageRecord | None:
    """The previous build's record of this page when the page can be taken as it is."""
    if state is None or job[0] in ALWAYS:
        return None
    record = state.pages.get(path)
    if record is None or record.job != job or not record.keys.isdisjoint(changed):
        return None
    return record
