"""What a record's Markdown texts and citations name is found once and kept with the record
(model.Referenced, resolve.referenced_by): a file whose bytes did not change keeps its record from
one build to the next, and its texts are not scanned again. The record still gives the same
diagnostics as a cold check, at the same places, when what it names changes elsewhere.

Each test here checks twice: once with records typed afresh, once with the records kept from a
first check (as a build after an edit has them), and the two must agree.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from dossier.build import check
from dossier.diagnostics import Diagnostics
from dossier.markdown.refs import scan
from dossier.model import Entity, Source
from dossier.stages.ingest import ingest
from dossier.stages.link_check import may_link
from dossier.stages.load import discover
from dossier.stages.resolve import resolve

REPO = Path(__file__).resolve().parent.parent


def texts_of(record) -> list:
    """Every Markdown text of a record, written out here rather than taken from resolve."""
    if isinstance(record, Entity):
        texts = [f.note for f in record.facts] + [r.note for r in record.relations]
        texts += [record.location.note] if record.location else []
        return texts + [record.summary, record.props.get("status_note")]
    if isinstance(record, Source):
        return [record.meta.get("note"), record.body] + [a.note for a in record.annotations]
    return [record.body]


def citations_of(record) -> list:
    if not isinstance(record, Entity):
        return []
    found = [c for item in record.facts + record.relations for c in item.cite]
    return found + list(record.location.cite if record.location else ())


def records(dossier) -> list:
    return [*dossier.entities.values(), *dossier.sources.values(), *dossier.pages.values()]


def kept_check(content: Path):
    """(diagnostics, resolved) of a check whose records are those a first check typed and resolved."""
    first = ingest(content, Diagnostics())
    resolve(first.dossier, Diagnostics())
    diags = Diagnostics()
    again = ingest(content, diags, first.files)
    for path, entry in again.files.items():
        assert entry is first.files[path]   # the very records: nothing typed again
    return diags, resolve(again.dossier, diags)


def assert_kept_records_check_as_cold(content: Path, before=None, resolved: list | None = None):
    """A check with the records of a check made before the edit `before` makes gives what a
    cold check gives after it (resolved: a list given the check's Resolved)."""
    first = ingest(content, Diagnostics())
    resolve(first.dossier, Diagnostics())
    if before:
        before()
    diags = Diagnostics()
    again = ingest(content, diags, first.files)
    res = resolve(again.dossier, diags)
    if resolved is not None:
        resolved.append(res)
    cold = check(content).diagnostics
    assert diags.items == cold.items   # in the same order too
    return [d.text() for d in cold.sorted()]


HOSTILE = REPO / "tests/hostile/cases"
FOLDERS = [REPO / "content", REPO / "tests/fixtures/minimal",
           *(HOSTILE / case / "content" for case in ("ids-in-references", "markdown-citation-locators",
                                                     "markdown-wikilink-labels", "markdown-links-the-scan-stops"))]


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.parent.name if f.name == "content" else f.name)
def test_the_references_kept_with_a_record_are_those_a_scan_of_its_texts_finds(folder):
    ingested = ingest(folder, Diagnostics())
    resolve(ingested.dossier, Diagnostics())
    checked = 0
    for record in records(ingested.dossier):
        found = record.referenced
        assert found is not None, record.path
        texts = [t for t in texts_of(record) if t]
        shown = texts if not isinstance(record, Source) else [t for t in texts if t is not record.body]
        checked += 1
        if any(may_link(str(t)) for t in shown):
            assert found.may_link, record.path   # resolve reads those texts whole, for the link check
            continue
        refs = [(what, ref) for t in texts for _, what, ref, _ in scan(str(t))]
        assert set(found.links) == {ref for what, ref in refs if what == "link"}, record.path
        assert set(found.cites) == {ref for what, ref in refs if what == "cite"} | {c.source for c in citations_of(record)}, record.path
        assert len(found.links) == len(set(found.links)) and len(found.cites) == len(set(found.cites))
        assert not found.may_link
    assert checked


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.parent.name if f.name == "content" else f.name)
def test_kept_records_give_the_diagnostics_and_indexes_of_a_cold_check(folder):
    diags, kept = kept_check(folder)
    cold = check(folder)
    assert diags.items == cold.diagnostics.items   # in the same order too
    if cold.resolved is not None:
        assert kept.linked_from == cold.resolved.linked_from and kept.cited_by == cold.resolved.cited_by


def test_a_kept_record_reports_a_link_and_citations_that_became_unknown_at_their_places(content):
    content.write("entities/people/bob.yaml", """
        name: Bob Example
        summary: >
          Bob works with
          [[ada-example]] and [[carol]],
          as [@carol-notes, p. 4] says.
        facts:
          - label: Born
            value: "1971"
            cite: [carol-notes]
            note: "Per [@carol-notes]."
        """)
    content.write("entities/people/carol.yaml", "name: Carol Example\nsummary: Knows [[bob]].\n")
    content.write("entities/people/dan.yaml", "name: Dan Example\nsummary: Knows [[carol]].\n")
    content.write("sources/carol-notes.md", "---\ntitle: Carol's notes\n---\nText.\n")
    root = content.root

    def delete():
        content.remove("entities/people/carol.yaml")
        content.remove("sources/carol-notes.md")
    errors = [m for m in assert_kept_records_check_as_cold(root, delete) if ": error: " in m]
    assert errors == [
        "entities/people/bob.yaml:4:23: error: unknown id 'carol' in [[carol]] [unknown-id]",
        "entities/people/bob.yaml:5:7: error: unknown source 'carol-notes' in [@carol-notes] [unknown-source]",
        "entities/people/bob.yaml:9:12: error: unknown source 'carol-notes' in citation [unknown-source]",
        "entities/people/bob.yaml:10:17: error: unknown source 'carol-notes' in [@carol-notes] [unknown-source]",
        "entities/people/dan.yaml:2:16: error: unknown id 'carol' in [[carol]] [unknown-id]",
    ]


def test_a_kept_source_reports_what_its_annotations_name_that_became_unknown(content):
    content.write("sources/letters.md", """
        ---
        title: Letters
        annotations:
          - quote: "Carol wrote"
            note: "As [@carol-notes] has it."
            about: [carol, ada-example]
          - quote: "to Ada"
            about: [carol]
        ---
        Carol wrote to Ada.
        """)
    content.write("entities/people/carol.yaml", "name: Carol Example\nsummary: Knows [[ada-example]] [@letters].\n")
    content.write("sources/carol-notes.md", "---\ntitle: Carol's notes\n---\nText.\n")

    def delete():
        content.remove("entities/people/carol.yaml")
        content.remove("sources/carol-notes.md")
    errors = [m for m in assert_kept_records_check_as_cold(content.root, delete) if ": error: " in m]
    assert errors == [
        "sources/letters.md:5:16: error: unknown source 'carol-notes' in [@carol-notes] [unknown-source]",
        "sources/letters.md:6:13: error: unknown entity 'carol' in 'about' of annotation a-1 [unknown-id]",
        "sources/letters.md:8:13: error: unknown entity 'carol' in 'about' of annotation a-2 [unknown-id]",
    ]


def test_a_link_of_a_kept_record_to_itself_is_no_backlink(content):
    content.write("entities/people/bob.yaml", "name: Bob Example\nsummary: Bob ([[bob]]) knows [[ada-example]].\n")
    assert "entities/people/bob.yaml: warning: nothing links to 'bob': link it from another entity, a page or an " \
           "annotation [orphan-entity]" in assert_kept_records_check_as_cold(content.root)


def test_a_kept_record_reports_a_citation_of_what_is_no_longer_a_source(content):
    content.write("entities/people/bob.yaml", "name: Bob Example\nsummary: Per [@record], with [[ada-example]].\n")
    content.write("sources/record.md", "---\ntitle: A record\n---\nText.\n")

    def source_becomes_a_person():
        content.remove("sources/record.md")
        content.write("entities/people/record.yaml", "name: Record Example\n")
    errors = [m for m in assert_kept_records_check_as_cold(content.root, source_becomes_a_person) if ": error: " in m]
    assert errors == ["entities/people/bob.yaml:2:15: error: 'record' is a person, not a source: [@...] cites sources; "
                      "use [[record]] to link [not-a-source]"]


def test_a_kept_record_names_a_file_that_no_longer_loads_without_an_error_of_its_own(content):
    content.write("entities/people/bob.yaml", "name: Bob Example\nsummary: Knows [[carol]] [@carol-notes].\n")
    content.write("entities/people/carol.yaml", "name: Carol Example\nsummary: Knows [[bob]].\n")
    content.write("sources/carol-notes.md", "---\ntitle: Carol's notes\n---\nText.\n")

    def break_them():
        content.write("entities/people/carol.yaml", "name: [unclosed\n")
        content.write("sources/carol-notes.md", "---\ntitle: [unclosed\n---\nText.\n")
    errors = [m for m in assert_kept_records_check_as_cold(content.root, break_them) if ": error: " in m]
    assert errors and all(m.startswith(("entities/people/carol.yaml", "sources/carol-notes.md")) for m in errors)


def test_a_kept_record_reports_a_markdown_link_to_a_page_that_went_away(content):
    content.write("entities/people/bob.yaml", "name: Bob Example\nsummary: See [the map](../places/harbour.html), [[ada-example]].\n")
    content.write("entities/places/harbour.yaml", "name: Harbour\nsummary: Where [[bob]] works.\n")
    errors = [m for m in assert_kept_records_check_as_cold(content.root, lambda: content.remove("entities/places/harbour.yaml"))
              if ": error: " in m]
    assert len(errors) == 1 and errors[0].startswith("entities/people/bob.yaml:2:24: error: link '../places/harbour.html'")


def test_the_note_of_a_relation_whose_type_is_no_longer_declared_is_not_read(content):
    """A relation of a type dossier.yaml stopped declaring is dropped, with its note: the record
    kept from the check before finds its references again without it (the one entity that note
    links to is then linked from nowhere)."""
    content.write("entities/people/bob.yaml", """
        name: Bob Example
        summary: Knows [[ada-example]].
        relations:
          - {type: neighbours, target: ada-example, note: "Since they met [[lonely]]."}
        """)
    content.write("entities/people/lonely.yaml", "name: Lonely Example\n")

    def undeclare():
        config = content.root / "dossier.yaml"
        config.write_text(config.read_text(encoding="utf-8").replace("  neighbours: {label: neighbours, reverse: neighbour of}\n", ""),
                          encoding="utf-8")
    resolved = []
    messages = assert_kept_records_check_as_cold(content.root, undeclare, resolved)
    assert "entities/people/bob.yaml:4:12: error: unknown relation type 'neighbours': use one from docs/content-format.md " \
           "or declare it under 'relations' in dossier.yaml [unknown-relation]" in messages
    assert "bob" not in resolved[0].linked_from.get("lonely", ())


def test_discover_names_each_file_as_its_name_says(content):
    """File names with several dots, or ending in one, and the folders below a kind's folder, in
    the order of their names (discover reads names as strings: these are the cases that differ)."""
    for rel in ("entities/people/a..yaml", "entities/people/x.tar.yaml", "entities/people/ends-with.",
                "entities/people/short.yml", "entities/people/sub/b/deep.yaml", "entities/people/sub/a-b/deep.yaml",
                "entities/people/.hidden/h.yaml", "sources/x/y/nested.md"):
        content.write(rel, "name: X\n" if rel.startswith("entities") else "---\ntitle: X\n---\n")
    (content.root / "entities/people/linked").symlink_to("../places")
    jobs = {job.shown: job for job in discover(Path("."), Diagnostics())}
    assert jobs["entities/people/a..yaml"].id == "a." and not jobs["entities/people/a..yaml"].name_ok
    assert jobs["entities/people/x.tar.yaml"].id == "x.tar"
    assert not jobs["entities/people/ends-with."].readable and not jobs["entities/people/short.yml"].readable
    assert not jobs["sources/x/y/nested.md"].readable   # sources go directly in sources/
    people = [shown for shown in jobs if shown.startswith("entities/people/")]
    assert people == sorted(p for p in people if p.count("/") == 2) + ["entities/people/sub/a-b/deep.yaml",
                                                                      "entities/people/sub/b/deep.yaml"]
    assert not any(shown.startswith(("entities/people/linked", "entities/people/.hidden")) for shown in jobs)
