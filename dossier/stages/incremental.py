"""Which pages a change can have changed, so that a build after an edit renders only those.

While a page renders, every read of shared data is noted as a key: a record by id ("ent:",
"src:", "pag:"), the name and address of a link target ("tgt:"), one entry of a derived index
("idx:incoming:<id>", backlinks, mentions, ...), the names the article matcher knows ("names"),
the located entities of mini maps ("located"), what a list page shows ("list:index",
"list:map", and for the lists cut into pages each page's rows and what all its pages show:
"list:sources:2", "list:sources:nav", "list:kind:<kind>:1"...: see stages/lists.py); iterating over a whole collection notes its "*" key. Each key has a digest per
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
import pickle
import sys
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field

INDEXES = ("incoming", "linked_from", "cited_by", "anchors", "about", "mentions", "events_of")

_noted: set | None = None   # the keys read by the page being rendered in this process


def note(key: str) -> None:
    if _noted is not None:
        _noted.add(key)


@contextmanager
def recording():
    """Collect the keys read while rendering one page (or making one piece of a data file: see
    Pieces). The keys read inside a recording count for any recording around it too."""
    global _noted
    outer, _noted = _noted, set()
    try:
        yield _noted
    finally:
        if outer is not None:
            outer |= _noted
        _noted = outer


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
    the file's path in the content folder and the digest of its bytes (a record is what its
    file, at its place, says)."""
    out: dict[str, str] = {}
    d = resolved.dossier
    for prefix, records in (("ent:", d.entities), ("src:", d.sources), ("pag:", d.pages)):
        every = hashlib.blake2b(digest_size=16)
        for key, record in sorted(dict.items(records)):
            in_file = file_digests.get(record.path)
            value = _hash(in_file) if in_file else _hash(repr(record))
            out[prefix + key] = value
            every.update(f"{key}={value}\n".encode("utf-8", "surrogatepass"))
        out[prefix + "*"] = every.hexdigest()
    for key, target in resolved.site.targets.items():
        out["tgt:" + key] = _hash(f"{target.name}\n{target.url}\n{target.kind}")
    global _last_entries
    last, remembered = _last_entries, {}
    for name in INDEXES:
        index, stands_for, as_key = getattr(resolved, name), _ENTRY[name], _AS_KEY.get(name)
        every = hashlib.blake2b(digest_size=16)
        for key in sorted(dict.keys(index)):
            entry = dict.__getitem__(index, key)
            if as_key is None:
                value = _hash(_canonical(stands_for(entry, out, d.entities)))
            else:
                known = (name, as_key(entry))
                value = last.get(known) or _hash(_canonical(stands_for(entry, out, d.entities)))
                remembered[known] = value
            out[f"idx:{name}:{key}"] = value
            every.update(f"{key}={value}\n".encode("utf-8", "surrogatepass"))
        out[f"idx:{name}:*"] = every.hexdigest()
    _last_entries = remembered
    for key, shown in renderer.lists.by_key.items():   # what each list page shows (stages/lists.py)
        out[key] = _hash(repr(shown))
    for source_id, name_key in resolved.name_keys.items():   # the names a source's text may hold (resolve.name_keys)
        out["names:" + source_id] = name_key
    out["located"] = _hash(repr([renderer.map.marker(e, p, "") for e, p in renderer.map.located]))
    return out


# What an index entry's digest is taken of. The repr of a list of records is slow (most of what
# digests cost), so an entry made of parts of records stands for itself by what pages show of
# them. The annotations about an entity show their quotes, notes, kinds and statuses, and
# (through the source's link target, noted) its title: an edit to the text of a source rendered
# again the page of each entity its annotations are about, or that it mentions. The anchors of a
# source are a function of its file alone (its own page reads it). An event shows its date and
# (through its link, noted) its name: an edit to an event's summary rendered again the page of
# each of its participants (a thousand, in an outside test). An incoming relation shows what
# its entity declares of it (relations_digest, kept with the record), not the rest of that
# entity's file: an edit to a summary rendered again the page of each of its relations' targets.
# A mention depends on the names matched too: it is hashed by its fields (a tuple's repr is much
# faster), so that a rename renders again only the pages whose mentions it changes.
_ENTRY = {
    "incoming": lambda relations, out, entities: [(r.source, relations_digest(dict.get(entities, r.source), r.target))
                                                  for r in relations],
    "anchors": lambda anchored, out, entities: [(a.source_id, out["src:" + a.source_id]) for a in anchored],
    "about": lambda anchored, out, entities: [(a.source_id, a.annotation[:-1])   # in the order shown, without its place
                                              for a in sorted(anchored, key=lambda a: (a.source_id, a.start))],
    "events_of": lambda events, out, entities: [(e.id, e.date, e.props.get("in_force")) for e in events],
    "mentions": lambda mentions, out, entities: list(map(tuple, mentions)),
    "linked_from": lambda ids, out, entities: ids,
    "cited_by": lambda ids, out, entities: ids,
}


def relations_digest(entity, target: str) -> str:
    """What the page of target shows of the relations entity declares to it (not where in its
    file they are written): made once per record, for each target, and kept with it."""
    if entity is None:
        return ""
    if entity.relations_digest is None:
        shown = defaultdict(list)
        for r in entity.relations:
            shown[r.target].append((r.type, r.date, r.note, [(c.source, c.locator) for c in r.cite]))
        entity.relations_digest = {to: _hash(repr(rows)) for to, rows in shown.items()}
    return entity.relations_digest.get(target, "")


# Mentions, whose digest stands on their value alone, as a hashable equal value: a build in the
# same process (`dossier serve`) takes the digest of an entry equal to one of the last build's
# from there. Hashing the tuple (its strings keep their hash) costs a fraction of its repr,
# which was a quarter of the digests' time. (Sets of ids gained nothing: their repr is quick.)
_AS_KEY = {"mentions": tuple}
_last_entries: dict = {}   # (index, entry as _AS_KEY makes it) -> digest, of the last build here


def changed_keys(before: dict[str, str], now: dict[str, str]) -> set[str]:
    """Keys whose digest differs, including keys that appeared or went away."""
    changed = {k for k, v in now.items() if before.get(k) != v}
    changed.update(k for k in before if k not in now)
    return changed


class Pieces:
    """The pieces of the data files made for one item each (a record's JSON, what the search index
    keeps of a document), kept from one build to the next as pages are: with the keys read while
    making them, and made again only when one of those keys changed. Most of what the data files
    cost after a small edit was making again, for every record, the same pieces.

    An item is named by a tuple, its first member the file it is for. In a forked process the
    pieces are written to a file as they are made (spill_to), not held: a cold build makes a
    hundred megabytes of them at 10,000 entities, and the parent reads them back (load) to be
    saved with the state."""

    SPILL_BATCH = 256   # entries pickled at a time

    def __init__(self, previous: dict | None = None, changed: set[str] | frozenset = frozenset()):
        self.previous = previous or {}   # item -> (keys, value), from the last build
        self.changed = changed           # keys whose digest changed since then
        self.fresh: dict = {}            # item -> (keys, value), made in this build (and not spilled)
        self.made: set = set()           # items made in this build
        self.kept: list = []             # items taken from the last build
        self._spill = None
        self._batch: list = []

    def get(self, item: tuple, make):
        """The value of item: the last build's when none of the keys it read changed, else make()."""
        old = self.previous.get(item)
        if old is not None and self.changed.isdisjoint(old[0]):
            self.kept.append(item)
            return old[1]
        with recording() as keys:
            value = make()
        self._add(item, (tuple(sorted(map(sys.intern, keys))), value))
        return value

    def last(self, item: tuple):
        """The last build's value of item, whatever it read: for a value kept whole and updated
        by its maker (the search index's Terms), which says itself what it still holds."""
        old = self.previous.get(item)
        return None if old is None else old[1]

    def put(self, item: tuple, value) -> None:
        """Set the value of item for the next build (kept as it was when it is the last one's)."""
        old = self.previous.get(item)
        if old is not None and old[1] is value:
            self.kept.append(item)
        else:
            self._add(item, ((), value))

    def _add(self, item: tuple, entry: tuple) -> None:
        self.made.add(item)
        if self._spill is None:
            self.fresh[item] = entry
            return
        self._batch.append((item, entry))
        if len(self._batch) >= self.SPILL_BATCH:
            self._flush()

    def spill_to(self, file) -> None:
        """From now on, write what is made to file (a binary file) instead of keeping it."""
        self._spill = file

    def close_spill(self) -> None:
        """Write what is left, and the items kept, to the spill file."""
        self._flush()
        pickle.dump(((), self.kept), self._spill, protocol=pickle.HIGHEST_PROTOCOL)
        self._spill.flush()

    def _flush(self) -> None:
        if self._batch:
            pickle.dump((self._batch, ()), self._spill, protocol=pickle.HIGHEST_PROTOCOL)
            self._batch = []

    def load(self, file) -> None:
        """Take in what a forked process made and kept (its spill file, from the start)."""
        while True:
            try:
                entries, kept = pickle.load(file)
            except EOFError:
                return
            self.fresh.update(entries)
            self.made.update(item for item, _ in entries)
            self.kept.extend(kept)

    def now(self) -> dict:
        """item -> (keys, value) of this build, for the next one: items neither made nor kept
        (a deleted record's) are dropped."""
        out = {item: self.previous[item] for item in self.kept}
        out.update(self.fresh)
        return out


# The keys a page or a piece read are kept as a sorted tuple, not a set: a tenth of the memory
# (80 MB of frozensets at 10,000 entities, where the parent's memory peaks as the records of the
# pages pile up) and no hashing to read them back. Sorted, so that the same keys make an equal
# record (a page rendered again with the same result keeps its saved record). Whether one of them
# changed is then a pass over the tuple, probing the set of changed keys.
@dataclass
class PageRecord:
    job: tuple[str, str]
    keys: tuple[str, ...]     # what the page read, sorted
    scan: tuple               # PageScan.to_data() of the page as written


@dataclass
class State:
    """What the next build needs from this one (saved signed, see cache.save_state)."""
    engine: str                                    # engine, templates, options: cache.engine_key
    key: str                                       # and what every page shows (dossier.yaml, navigation)
    out: str                                       # the output folder it describes
    files: dict = field(default_factory=dict)      # ingest: path -> (job, digest, FileResult)
    readings: dict = field(default_factory=dict)   # resolve: source key -> SourceReading
    names: dict = field(default_factory=dict)      # resolve: the names matched, as matcher.words
    digests: dict = field(default_factory=dict)    # key -> digest, as above
    pages: dict = field(default_factory=dict)      # page path -> PageRecord
    output: dict = field(default_factory=dict)     # file -> [size, mtime_ns, type], as written
    pieces: dict = field(default_factory=dict)     # of the data files: item -> (keys, value) (Pieces)
    shards: dict = field(default_factory=dict)     # how it was saved (cache.save_state)


def reusable(state: State | None, job: tuple[str, str], path: str, changed: set[str]) -> PageRecord | None:
    """The previous build's record of this page when the page can be taken as it is."""
    if state is None:
        return None
    record = state.pages.get(path)
    if record is None or record.job != job or not changed.isdisjoint(record.keys):
        return None
    return record
