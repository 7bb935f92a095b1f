"""Which pages a change can have changed, so that a build after an edit renders only those.

While a page renders, every read of shared data is noted as a key: a record by id ("ent:",
"src:", "pag:"), the name and address of a link target ("tgt:"), one entry of a derived index
("idx:incoming:<id>", backlinks, mentions, ...), the names the article matcher knows ("names"),
the located entities of mini maps ("located"), what a list page shows ("list:index",
"list:kind:<kind>", "list:sources", "list:map", "list:timeline", "list:claims": see
stages/lists.py); iterating over a whole collection notes its "*" key. Each key has a digest per
build. A page is rendered again when one of its keys has a new digest (or when it is new);
otherwise its file is taken from the previous site as it is. Everything global (engine,
templates, dossier.yaml, the kinds present, the list of pages in the navigation) is in the
state's key: when it changes, every page is rendered.

No page is rendered on every build. The list pages show a few fields of every record: they are
given only those fields, as rows built once per build (stages/lists.py), and each list's digest
is that of its rows, so an edit no list shows (a summary, a fact, a relation) leaves them all
as they were, and an edit one shows (a name, a date, a status, a position, a claim) renders
exactly the lists that show it. The search page and the 404 page read nothing.

Correctness rests on every read going through a watched path; tests/test_incremental.py checks
that an incremental build equals a cold one after edits, renames and deletions, and which list
pages each edit renders again.
"""
from __future__ import annotations

import hashlib
from contextlib import contextmanager
from dataclasses import dataclass, field

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
    digest of the file's bytes (a record is what its file, at its path, says)."""
    out: dict[str, str] = {}
    d = resolved.dossier
    for prefix, records in (("ent:", d.entities), ("src:", d.sources), ("pag:", d.pages)):
        every = hashlib.blake2b(digest_size=16)
        for key, record in sorted(dict.items(records)):
            in_file = file_digests.get(record.path)
            value = _hash(f"{record.path}\n{in_file}") if in_file else _hash(repr(record))
            out[prefix + key] = value
            every.update(f"{key}={value}\n".encode("utf-8", "surrogatepass"))
        out[prefix + "*"] = every.hexdigest()
    for key, target in resolved.site.targets.items():
        out["tgt:" + key] = _hash(f"{target.name}\n{target.url}\n{target.kind}")
    for name in INDEXES:
        index, stands_for = getattr(resolved, name), _ENTRY[name]
        every = hashlib.blake2b(digest_size=16)
        for key in sorted(dict.keys(index)):
            value = _hash(_canonical(stands_for(dict.__getitem__(index, key), out)))
            out[f"idx:{name}:{key}"] = value
            every.update(f"{key}={value}\n".encode("utf-8", "surrogatepass"))
        out[f"idx:{name}:*"] = every.hexdigest()
    for key, shown in renderer.lists.by_key.items():   # what each list page shows (stages/lists.py)
        out[key] = _hash(repr(shown))
    out["names"] = resolved.matcher.digest
    out["located"] = _hash(repr([renderer.map.marker(e, p, "") for e, p in renderer.map.located]))
    return out


# What an index entry's digest is taken of. The repr of a list of dataclasses is slow (most of
# what digests cost), so an entry whose every page also reads the records it is made of stands
# for itself by their digests: an anchored annotation is a function of its source alone (the
# source's page and the pages of what it is about read that source), and an event is a record
# (the digest of events_of changes with any edit to an event: pages show their names and dates).
# Relations are hashed whole: a page with incoming relations does not read the entities that
# declare them, and an edit to one must not render all its targets again. A mention depends on
# the names matched too: it is hashed by its fields (a tuple's repr is much faster).
_ENTRY = {
    "incoming": lambda relations, out: relations,
    "anchors": lambda anchored, out: [(a.source_id, out["src:" + a.source_id]) for a in anchored],
    "about": lambda anchored, out: [(a.source_id, out["src:" + a.source_id]) for a in anchored],
    "events_of": lambda events, out: [(e.id, out["ent:" + e.id]) for e in events],
    "mentions": lambda mentions, out: list(map(tuple, mentions)),
    "linked_from": lambda ids, out: ids,
    "cited_by": lambda ids, out: ids,
}


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
    if state is None:
        return None
    record = state.pages.get(path)
    if record is None or record.job != job or not record.keys.isdisjoint(changed):
        return None
    return record
