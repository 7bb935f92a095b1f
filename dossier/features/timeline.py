"""Events and dated documents in date order, grouped by year; partial dates sort first in their period."""
from __future__ import annotations

from dataclasses import dataclass

from ..model import Entity
from ..schema import MONTHS


def date_key(date: str | None) -> tuple[int, int, int]:
    """'2025' < '2025-04' < '2025-04-30' < '2025-05': a partial date opens its period."""
    if not date:
        return (0, 0, 0)
    parts = [int(p) for p in str(date).split("-")] + [0, 0]
    return parts[0], parts[1], parts[2]


@dataclass(frozen=True)
class Entry:
    date: str
    label: str        # what happened on that date ("signed", "entered into force", "" for events)
    entity: Entity


def entries(entities) -> list[Entry]:
    out = []
    for e in entities:
        if e.kind == "event" and e.props.get("date"):
            out.append(Entry(str(e.props["date"]), "", e))
        elif e.kind == "document":
            if e.props.get("date"):
                out.append(Entry(str(e.props["date"]), "signed", e))
            if e.props.get("in_force"):
                out.append(Entry(str(e.props["in_force"]), "entered into force", e))
    out.sort(key=lambda x: (date_key(x.date), x.entity.name.casefold(), x.entity.id, x.label))
    return out


def by_year(entities) -> list[tuple[int, list[Entry]]]:
    years: dict[int, list[Entry]] = {}
    for entry in entries(entities):
        years.setdefault(date_key(entry.date)[0], []).append(entry)
    return sorted(years.items())


def human_date(date: str | None) -> str:
    """'2024-06-19' -> '19 June 2024'; partial dates stay partial."""
    if not date:
        return ""
    year, month, day = date_key(date)
    if month and day:
        return f"{day} {MONTHS[month - 1]} {year}"
    if month:
        return f"{MONTHS[month - 1]} {year}"
    return str(year)
