"""The typed model the stages hand to each other. Positions are kept for late diagnostics.

The small immutable records (positions, citations, facts, relations, annotations, locations) are
named tuples: a dossier of 10,000 entities holds hundreds of thousands of them, and as tuples they
take 60 MB less than dataclass instances (less for each forked render worker to copy as it reads
them) and pickle as fast into the build's state. Slotted frozen dataclasses were as small but
pickled five times slower (dataclasses' __getstate__ looks up the fields for every object)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from .kinds import FOLDER_OF


class Pos(NamedTuple):
    path: str
    line: int = 0
    col: int = 0


class Citation(NamedTuple):
    source: str
    locator: str
    pos: Pos


class Location(NamedTuple):
    lat: float | None
    lon: float | None
    precision_m: float | None = None
    note: str | None = None
    cite: tuple[Citation, ...] = ()

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lon is not None


class Fact(NamedTuple):
    label: str
    value: str
    cite: tuple[Citation, ...]
    note: str | None
    pos: Pos


class Relation(NamedTuple):
    type: str
    source: str      # the entity that declares it
    target: str
    cite: tuple[Citation, ...]
    date: str | None
    note: str | None
    pos: Pos                  # of the target
    type_pos: Pos | None = None


class Referenced(NamedTuple):
    """What a record's Markdown texts ([[id]], [@id]) and citations name, each id once: found the
    first time resolve reads the record and kept with it (resolve.referenced_by)."""
    links: tuple[str, ...]
    cites: tuple[str, ...]   # the [@id] of its texts and the sources of its citations
    may_link: bool = False   # a text that pages show may hold a Markdown link: resolve reads the texts, to check it
    malformed: bool = False  # a text holds what begins like a reference and is none, cites an item twice
                             # in one [@...], or may hold raw HTML: resolve reads the texts again, to say where


@dataclass
class Entity:
    id: str
    kind: str
    path: str
    name: str
    names: dict[str, str] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)
    summary: str | None = None
    wikidata: str | None = None
    tags: list[str] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    props: dict = field(default_factory=dict)   # kind-specific keys, validated by the schema
    location: Location | None = None
    refs: list[tuple[str, Pos, str]] = field(default_factory=list)  # (id, where, what kind of id)
    referenced: Referenced | None = field(default=None, compare=False, repr=False)   # None: not found yet
    relations_digest: dict | None = field(default=None, compare=False, repr=False)   # incremental.relations_digest

    @property
    def url(self) -> str:
        return f"{FOLDER_OF[self.kind]}/{self.id}.html"

    @property
    def date(self) -> str | None:
        return self.props.get("date")


class Annotation(NamedTuple):
    number: int
    anchor: str          # "a-<id>" or "a-<number>"
    quote: str
    prefix: str | None
    suffix: str | None
    kind: str
    status: str | None
    note: str | None
    about: tuple[str, ...]
    pos: Pos


@dataclass(eq=False)   # compared and hashed by identity: render caches per source object
class Source:
    id: str
    path: str
    meta: dict
    annotations: list[Annotation]
    body: str
    body_line: int       # line of the file where the body starts
    referenced: Referenced | None = field(default=None, repr=False)   # None: not found yet
    digest: str | None = field(default=None, repr=False)   # of what resolve reads of it (resolve._text_digest)
    shown_names: tuple = field(default=(), repr=False)      # ids of its body's bare [[links]], with digest

    @property
    def url(self) -> str:
        return f"sources/{self.id}.html"

    @property
    def title(self) -> str:
        return self.meta["title"]

    @property
    def name(self) -> str:
        return self.meta["title"]

    @property
    def source_type(self) -> str:
        """Its `type`, or what it is when none is given: an article if it has text, else a reference."""
        return str(self.meta.get("type") or ("article" if self.body.strip() else "reference"))

    kind = "source"


@dataclass
class Page:
    slug: str
    path: str
    title: str
    order: int
    body: str
    body_line: int
    referenced: Referenced | None = field(default=None, compare=False, repr=False)   # None: not found yet

    @property
    def url(self) -> str:
        return f"{self.slug}.html"

    @property
    def id(self) -> str:
        return self.slug

    name = property(lambda self: self.title)
    kind = "page"


@dataclass
class Config:
    path: str
    title: str
    description: str = ""
    language: str = "en"
    base_url: str | None = None
    license: str | None = None
    map_center: tuple[float, float] | None = None
    map_zoom: int | None = None
    relation_types: dict = field(default_factory=dict)


@dataclass
class Dossier:
    """Everything loaded and validated: the input of resolve."""
    config: Config
    entities: dict[str, Entity]
    sources: dict[str, Source]
    pages: dict[str, Page]
    layers: list = field(default_factory=list)   # extra map layers (features/layers.py)
    unloaded: frozenset = frozenset()   # ids of entity, source and page files that did not load (their errors say why)
    duplicated: frozenset = frozenset()   # ids that two files define (duplicate-id says which): one of them was dropped
