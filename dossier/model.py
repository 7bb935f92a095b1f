"""The typed model the stages hand to each other. Positions are kept for late diagnostics.

Every record has __slots__: a dossier of 10,000 entities holds hundreds of thousands of them
(positions, citations, facts), and slots made the resolved dossier 60 MB smaller, and with it the
memory that each forked render worker comes to copy as it reads the records."""
from __future__ import annotations

from dataclasses import dataclass, field

from .kinds import FOLDER_OF


@dataclass(frozen=True, slots=True)
class Pos:
    path: str
    line: int = 0
    col: int = 0


@dataclass(frozen=True, slots=True)
class Citation:
    source: str
    locator: str
    pos: Pos


@dataclass(frozen=True, slots=True)
class Location:
    lat: float | None
    lon: float | None
    precision_m: float | None = None
    note: str | None = None
    cite: tuple[Citation, ...] = ()

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True, slots=True)
class Fact:
    label: str
    value: str
    cite: tuple[Citation, ...]
    note: str | None
    pos: Pos


@dataclass(frozen=True, slots=True)
class Relation:
    type: str
    source: str      # the entity that declares it
    target: str
    cite: tuple[Citation, ...]
    date: str | None
    note: str | None
    pos: Pos                  # of the target
    type_pos: Pos | None = None


@dataclass(slots=True)
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

    @property
    def url(self) -> str:
        return f"{FOLDER_OF[self.kind]}/{self.id}.html"

    @property
    def date(self) -> str | None:
        return self.props.get("date")


@dataclass(frozen=True, slots=True)
class Annotation:
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


@dataclass(eq=False, slots=True)   # compared and hashed by identity: render caches per source object
class Source:
    id: str
    path: str
    meta: dict
    annotations: list[Annotation]
    body: str
    body_line: int       # line of the file where the body starts

    @property
    def url(self) -> str:
        return f"sources/{self.id}.html"

    @property
    def title(self) -> str:
        return self.meta["title"]

    @property
    def name(self) -> str:
        return self.meta["title"]

    kind = "source"


@dataclass(slots=True)
class Page:
    slug: str
    path: str
    title: str
    order: int
    body: str
    body_line: int

    @property
    def url(self) -> str:
        return f"{self.slug}.html"

    @property
    def id(self) -> str:
        return self.slug

    name = property(lambda self: self.title)
    kind = "page"


@dataclass(slots=True)
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


@dataclass(slots=True)
class Dossier:
    """Everything loaded and validated: the input of resolve."""
    config: Config
    entities: dict[str, Entity]
    sources: dict[str, Source]
    pages: dict[str, Page]
    layers: list = field(default_factory=list)   # extra map layers (features/layers.py)
