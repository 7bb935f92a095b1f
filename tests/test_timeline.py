"""The timeline puts events and dated documents in order, partial dates at the start of their period."""
from __future__ import annotations

from dossier.features.timeline import by_year, date_key, entries, human_date
from dossier.model import Entity


def event(id_, date, kind="event", **props):
    return Entity(id=id_, kind=kind, path="x", name=id_.title(), props={"date": date, **props} if date else props)


def test_partial_dates_open_their_period():
    assert sorted(["2025-04-30", "2025", "2025-05", "2025-04", "2024-12-31"], key=date_key) == \
        ["2024-12-31", "2025", "2025-04", "2025-04-30", "2025-05"]


def test_documents_appear_when_signed_and_when_in_force():
    treaty = event("treaty", "2024-06-19", kind="document", in_force="2024-12-04")
    visit = event("visit", "2024-06")
    got = [(e.date, e.label, e.entity.id) for e in entries([treaty, visit])]
    assert got == [("2024-06", "", "visit"), ("2024-06-19", "signed", "treaty"), ("2024-12-04", "entered into force", "treaty")]


def test_entries_are_grouped_by_year_in_order():
    years = by_year([event("b", "2025-04-30"), event("a", "1948-10-12"), event("c", "2025")])
    assert [(y, [e.entity.id for e in es]) for y, es in years] == [(1948, ["a"]), (2025, ["c", "b"])]


def test_undated_entities_are_left_out():
    assert entries([event("person", None, kind="person"), event("doc", None, kind="document")]) == []


def test_human_dates_keep_their_precision():
    assert human_date("2024-06-19") == "19 June 2024"
    assert human_date("2025-04") == "April 2025"
    assert human_date("1959") == "1959"
