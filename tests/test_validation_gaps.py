"""Rules found missing by an outside tester: each is reported at file:line:column, never a traceback.

Every test starts from the minimal fixture (no errors) and adds or replaces one file.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dossier.cli import main
from dossier.schema import ID_RE, python_pattern

REPO = Path(__file__).resolve().parent.parent
MINIMAL_CONFIG = "title: Minimal Dossier\nrelations:\n  neighbours: {label: neighbours, reverse: neighbour of}\n"


def codes(content) -> list[str]:
    return [d.code for d in content.check().diagnostics.items if d.severity == "error"]


# --- 1. a relation type in dossier.yaml needs both labels ----------------------------------------------

@pytest.mark.parametrize("spec, missing", [
    ("{label: likes}", ["reverse"]),
    ("{reverse: liked by}", ["label"]),
    ("{}", ["label", "reverse"]),
])
def test_a_relation_type_without_label_or_reverse_is_a_missing_key_error_at_the_spec(content, spec, missing):
    content.write("dossier.yaml", MINIMAL_CONFIG + f"  likes: {spec}\n")
    errors = content.errors()
    doc = {"label": "how the relation reads from its source", "reverse": "how it reads from its target"}
    for key in missing:
        assert f"dossier.yaml:4:10: error: relation type needs {key!r}: {doc[key]} [missing-key]" in errors
    assert len(errors) == len(missing), errors


# --- 2. required text and list items are not blank -----------------------------------------------------

@pytest.mark.parametrize("rel, text, where, key, doc", [
    ("entities/people/bob.yaml", 'name: ""\n', "1:7", "name", "the entity's name in the dossier's language"),
    ("entities/people/bob.yaml", 'name: "\u200b "\n', "1:7", "name", "the entity's name in the dossier's language"),
    ("sources/blank.md", '---\ntitle: ""\n---\nText.\n', "2:8", "title", "the source's title"),
    ("pages/blank.md", '---\ntitle: " "\n---\nText.\n', "2:8", "title", "the page title"),
    ("dossier.yaml", 'title: "   "\n', "1:8", "title", "the dossier's title"),
    ("entities/people/bob.yaml", 'name: Bob\nfacts:\n  - {label: " ", value: "", cite: [almanac]}\n', "3:13", "label",
     "what the fact is, shown in the infobox"),
])
def test_required_text_must_not_be_blank(content, rel, text, where, key, doc):
    content.write(rel, text)
    assert f"{rel}:{where}: error: {key!r} is blank: write {doc} [blank]" in content.errors()


def test_a_blank_fact_value_is_refused_too(content):
    content.write("entities/people/bob.yaml", 'name: Bob\nfacts:\n  - {label: Age, value: "", cite: [almanac]}\n')
    assert "entities/people/bob.yaml:3:25: error: 'value' is blank: write the fact, as text or a number [blank]" in content.errors()


def test_blank_list_items_and_native_names_are_refused_at_their_position(content):
    content.write("entities/people/bob.yaml", 'name: Bob\naliases: ["", " ", Bobby]\nnames: {ru: " "}\ntags: [a, "\t"]\n')
    errors = content.errors()
    assert "entities/people/bob.yaml:2:11: error: item 1 of the list is blank: remove it or write the text [blank]" in errors
    assert "entities/people/bob.yaml:2:15: error: item 2 of the list is blank: remove it or write the text [blank]" in errors
    assert "entities/people/bob.yaml:3:13: error: the value of 'ru' is blank: remove the key or write the text [blank]" in errors
    assert "entities/people/bob.yaml:4:11: error: item 2 of the list is blank: remove it or write the text [blank]" in errors
    assert len(errors) == 4, errors


# --- 3. an event does not end before it begins -----------------------------------------------------------

def test_an_event_cannot_end_before_it_begins(content):
    content.write("entities/events/summit.yaml", "name: Summit\ndate: 2024-05-01\nend: 2024-04-01\n")
    assert ("entities/events/summit.yaml:3:6: error: the event ends (2024-04-01) before it begins ('date': 2024-05-01): "
            "'end' must be the same as 'date' or after it [date-order]") in content.errors()


@pytest.mark.parametrize("start, end, refused", [
    ("2024-05", "2024-05-10", False),     # May 2024 may have begun on the 1st: possible
    ("2024-05-10", "2024-05", False),     # ended some day in May: possible
    ("2024", "2024-01-01", False),
    ("2024-05-10", "2024-05-10", False),  # one day
    ("2024-05-01", "2024-04", True),      # April is before May whatever the days
    ("2024-05", "2023", True),
])
def test_partial_dates_are_compared_at_the_precision_both_have(content, start, end, refused):
    content.write("entities/events/summit.yaml", f"name: Summit\ndate: {start}\nend: {end}\n")
    assert ("date-order" in codes(content)) is refused


def test_a_document_may_enter_into_force_on_another_day_than_it_was_signed_but_an_event_may_not_end_first(content):
    content.write("entities/documents/pact.yaml", "name: Pact\ndate: 2024-06-19\nin_force: 2024-01-01\n")
    content.write("entities/events/summit.yaml", "name: Summit\ndate: 2024-06-19\nend: 2024-01-01\n")
    assert [e.split(": error:")[0] for e in content.errors()] == ["entities/events/summit.yaml:3:6"]


# --- 4. annotation anchors: ids and numbers ---------------------------------------------------------------

def test_an_annotation_id_that_takes_the_numbered_anchor_of_another_annotation_is_named(content):
    content.write("sources/s.md", """
        ---
        title: S
        annotations:
          - quote: Alpha
            id: "2"
          - quote: Beta
        ---
        Alpha and Beta.
    """)
    assert ("sources/s.md:5:9: error: annotation id '2' gives the anchor #a-2, which is also the anchor of annotation 2 "
            "(line 6): an annotation without an id is anchored by its number in the list; choose another id "
            "[duplicate-annotation]") in content.errors()
    assert not any("None" in e for e in content.errors())


def test_an_annotation_id_used_twice_is_reported_at_the_second_id(content):
    content.write("sources/s.md", """
        ---
        title: S
        annotations:
          - quote: Alpha
            id: same
          - quote: Beta
            id: same
        ---
        Alpha and Beta.
    """)
    assert ("sources/s.md:7:9: error: annotation id 'same' is used twice in this source (first on line 5) "
            "[duplicate-annotation]") in content.errors()


# --- 5. numbers are read as YAML writes them -----------------------------------------------------------------

def test_numbers_are_ascii_digits_only(content):
    content.write("entities/places/p.yaml", "name: P\nlocation: {lat: ١٢, lon: 1, cite: [almanac]}\n")
    content.write("entities/crossings/c.yaml", "name: C\nlocation: {note: Not published.}\nlength_m: ٣_٠\n")
    errors = content.errors()
    assert "entities/places/p.yaml:2:17: error: expected a number from -90 to 90, found '١٢' [type]" in errors
    assert "entities/crossings/c.yaml:3:11: error: expected a number from 0 to 1,000,000, found '٣_٠' [type]" in errors


def test_ascii_numbers_in_every_yaml_spelling_are_still_read(content):
    content.write("entities/crossings/c.yaml", 'name: C\nlocation: {lat: -4.5e1, lon: +130, cite: [almanac]}\nlength_m: 1_000\n')
    content.write("entities/places/p.yaml", "name: P\nlocation: {lat: .5, lon: !!float \"1.\", cite: [almanac]}\n")
    content.write("pages/overview.md", "---\ntitle: Overview\norder: -3\n---\n[[c]] [[p]] [[old-bridge]] [[ada-example]] [@daily-news]\n")
    # and Arabic-Indic digits are not, even in an integer
    content.write("pages/other.md", "---\ntitle: Other\norder: ٣\n---\nText.\n")
    assert content.errors() == ["pages/other.md:3:8: error: expected a whole number from -10,000 to 10,000, found '٣' [type]"]


def test_a_number_in_quotes_is_text_for_the_engine_as_for_the_editors_schema(content):
    content.write("entities/crossings/c.yaml", "name: C\nlocation: {lat: '42.4', lon: 130, cite: [almanac]}\nlength_m: \"1_000\"\n")
    content.write("pages/overview.md", "---\ntitle: Overview\n---\n[[c]] [[old-bridge]] [[ada-example]] [@daily-news]\n")
    assert content.errors() == [
        "entities/crossings/c.yaml:2:17: error: expected a number from -90 to 90, found the text '42.4': a number is "
        "written without quotes [type]",
        "entities/crossings/c.yaml:3:11: error: expected a number from 0 to 1,000,000, found the text '1_000': a number "
        "is written without quotes [type]"]


def test_the_map_centre_latitude_is_within_90_degrees(content):
    content.write("dossier.yaml", MINIMAL_CONFIG + "map: {center: [100, 170], zoom: 8}\n")
    assert content.errors() == ["dossier.yaml:4:16: error: 100 is out of range: expected a number from -90 to 90 [range]"]


def test_values_quoted_in_messages_are_shortened(content):
    content.write("entities/crossings/c.yaml", "name: C\nlocation: {note: Not published.}\nlength_m: " + "9" * 5000 + "x\n")
    content.write("entities/places/p.yaml", "name: P\nlocation: {lat: 1" + "0" * 100 + ", lon: 1, cite: [almanac]}\n")
    errors = content.errors()
    nines = "9" * 60 + "…"
    assert f"entities/crossings/c.yaml:3:11: error: expected a number from 0 to 1,000,000, found '{nines}' [type]" in errors
    assert any(e.startswith("entities/places/p.yaml:2:17: error: 1" + "0" * 59 + "… is out of range") for e in errors), errors
    assert all(len(e) < 300 for e in errors), [len(e) for e in errors]


# --- 6. ids the site uses itself ---------------------------------------------------------------------------------

@pytest.mark.parametrize("rel, text, listed", [
    ("entities/countries/index.yaml", "name: Index\n", "countries/index.html is the list of the folder's entities"),
    ("sources/index.md", "---\ntitle: Index\n---\nText.\n", "sources/index.html is the list of the folder's sources"),
])
def test_an_entity_or_source_cannot_be_called_index(content, rel, text, listed):
    content.write(rel, text)
    assert content.errors() == [
        f"{rel}: error: the id 'index' is reserved: {listed}, written by the generator; choose another id [reserved-id]"]


def test_a_source_cannot_take_an_element_id_of_the_templates(content):
    content.write("sources/site-search.md", "---\ntitle: Search\n---\nText.\n")
    content.write("entities/people/main.yaml", "name: Main\n")   # entity ids are not element ids: allowed
    assert content.errors() == [
        "sources/site-search.md: error: the id 'site-search' is reserved for sources: sources/index.html gives each "
        "source an HTML element with the source's id, and the site's templates use 'site-search' for an element of "
        "their own; choose another id [reserved-id]"]


def test_the_reserved_source_ids_are_every_fixed_element_id_of_the_templates():
    from dossier.stages.validate import TEMPLATE_ELEMENT_IDS
    fixed = set()
    for path in (REPO / "templates").glob("*.html"):
        fixed |= {m for m in re.findall(r'\bid="([^"{}]*)"', path.read_text(encoding="utf-8")) if ID_RE.match(m)}
    for path in (REPO / "dossier").rglob("*.py"):
        fixed |= {m for m in re.findall(r'\bid="([a-z0-9-]+)"', path.read_text(encoding="utf-8")) if ID_RE.match(m)}
    assert fixed and fixed <= TEMPLATE_ELEMENT_IDS, sorted(fixed - TEMPLATE_ELEMENT_IDS)


@pytest.mark.parametrize("argv, message", [
    (["new", "person", "index"], "the id 'index' is reserved: people/index.html is the list of the folder's entities"),
    (["new", "source", "index"], "the id 'index' is reserved: sources/index.html is the list of the folder's sources"),
    (["new", "source", "site-search"], "the id 'site-search' is reserved for sources"),
])
def test_dossier_new_refuses_reserved_ids(content, capsys, argv, message):
    before = sorted(content.root.rglob("*"))
    assert main([*argv, "--content", "."]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dossier new: error: ") and message in err
    assert sorted(content.root.rglob("*")) == before


def test_an_annotation_id_cannot_end_in_note(content):
    content.write("sources/s.md", """
        ---
        title: S
        annotations:
          - quote: Alpha
            id: x
          - quote: Beta
            id: x-note
        ---
        Alpha and Beta.
    """)
    assert content.errors() == [
        "sources/s.md:7:9: error: annotation id 'x-note' ends in '-note': #a-x-note is the anchor of the note of "
        "annotation 'x'; choose an id that does not end in '-note' [bad-id]"]


# --- 7. a page cannot share an id with an entity or a source -----------------------------------------------------

def test_a_page_with_the_id_of_an_entity_or_source_is_an_error_at_the_page_and_at_the_other_file(content):
    content.write("pages/old-river.md", "---\ntitle: The river\n---\nText.\n")
    content.write("pages/almanac.md", "---\ntitle: On the almanac\n---\nText.\n")
    assert sorted(content.errors()) == [
        "entities/places/old-river.yaml: error: the id 'old-river' is also the name of the page pages/old-river.md: "
        "[[old-river]] links here, so that page could not be linked; rename one of them [duplicate-id]",
        "pages/almanac.md: error: the page 'almanac' has the id of sources/almanac.md: [[almanac]] links to that one, "
        "so this page could not be linked; rename the page's file [duplicate-id]",
        "pages/old-river.md: error: the page 'old-river' has the id of entities/places/old-river.yaml: [[old-river]] "
        "links to that one, so this page could not be linked; rename the page's file [duplicate-id]",
        "sources/almanac.md: error: the id 'almanac' is also the name of the page pages/almanac.md: [[almanac]] links "
        "here, so that page could not be linked; rename one of them [duplicate-id]",
    ]


# --- 8. dossier.yaml's shape, and repeated ids in lists -------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("- title\n- T\n", "dossier.yaml:1:1: error: expected a mapping (dossier.yaml), found a list [type]"),
    ("title: [T]\n", "dossier.yaml:1:8: error: expected text, found a list [type]"),
    ("description: no title\n", "dossier.yaml:1:1: error: dossier.yaml needs 'title': the dossier's title [missing-key]"),
])
def test_a_dossier_yaml_of_the_wrong_shape_gets_only_its_own_error(content, text, expected):
    content.write("dossier.yaml", text)
    errors = [e for e in content.errors() if e.startswith("dossier.yaml")]
    assert errors == [expected]


def test_an_empty_dossier_yaml_is_still_reported_as_empty(content):
    content.write("dossier.yaml", "# nothing yet\n")
    assert "dossier.yaml: error: dossier.yaml is empty: it needs at least a title [missing-config]" in content.errors()


def test_an_id_listed_twice_is_an_error_at_the_repeat(content):
    content.write("entities/crossings/x.yaml", """
        name: X
        location: {note: Not published.}
        countries: [ruritania, ruritania]
        ends: [old-river]
    """)
    content.write("entities/events/summit.yaml", "name: Summit\ndate: 2024\nparticipants: [ada-example, ruritania, ada-example]\n")
    assert sorted(content.errors()) == [
        "entities/crossings/x.yaml:3:24: error: 'ruritania' is listed twice (items 1 and 2): remove the repeat [duplicate-item]",
        "entities/events/summit.yaml:3:40: error: 'ada-example' is listed twice (items 1 and 3): remove the repeat [duplicate-item]",
    ]


# --- a relation links two entities, once -----------------------------------------------------------------

def test_a_relation_to_the_entity_itself_is_refused_at_its_target(content):
    content.write("entities/people/bob.yaml", "name: Bob\nrelations:\n  - {type: member-of, target: bob}\n")
    assert content.errors() == [
        "entities/people/bob.yaml:3:31: error: relation 1 leads to 'bob' itself: a relation links two entities [self-relation]"]


def test_the_same_relation_twice_is_refused_but_the_same_target_at_another_date_is_not(content):
    content.write("entities/people/bob.yaml", """\
        name: Bob
        relations:
          - {type: leads, target: ruritania}
          - {type: leads, target: ruritania, date: 2020}
          - {type: leads, target: ruritania, cite: [almanac]}
        """)
    assert content.errors() == [
        "entities/people/bob.yaml:5:27: error: relation 3 repeats relation 1 (leads 'ruritania'): remove the repeat, "
        "or give each its date [duplicate-item]"]


# --- base_url is an address the pages and sitemap.xml write the same way --------------------------------

@pytest.mark.parametrize("base_url", ["https://a.b/my repo/", 'https://a.b/x"><script>/', "https://exämple.com/",
                                      "https://a.b/x/\n", "https://a.b/?q/", "//evil.example/", "https://a.b/x",
                                      "https://x.org:99999/", "https://x.org:0/", "https://x.org/%zz/", "https://x.org/%/",
                                      "https://-/", "https://a..b/",
                                      # segments a browser resolves away: the sitemap wrote 'https://a.b/../claims.html'
                                      "https://a.b/../", "https://a.b//", "https://a.b/./", "https://a.b/repo/../"])
def test_base_url_must_be_an_ascii_http_address_ending_in_a_slash(content, base_url):
    content.write("dossier.yaml", MINIMAL_CONFIG + f"base_url: {json.dumps(base_url)}\n")
    assert [e.split(": error: ")[0] for e in content.errors()] == ["dossier.yaml:4:11"]
    assert "[format]" in content.errors()[0]


@pytest.mark.parametrize("base_url", ["https://owner.github.io/repo/", "http://127.0.0.1:8000/", "https://a.b/r%C3%A9po/a&b/",
                                      "https://owner.github.io/my.repo/", "https://a.b/.well/"])
def test_base_url_accepts_addresses_as_rfc_3986_writes_them(content, base_url):
    content.write("dossier.yaml", MINIMAL_CONFIG + f"base_url: {json.dumps(base_url)}\n")
    assert content.errors() == []


# --- a value's final line break is part of it ---------------------------------------------------------

def test_a_value_written_as_a_block_keeps_its_line_break_and_is_refused_where_a_pattern_applies(content):
    """'language: |' and 'en' below it is 'en' and a line break, which JSON Schema's patterns refuse
    in an editor; Python's '$' also matches before a final line break and let it through, into
    <html lang="en\n"> and the data files."""
    content.write("dossier.yaml", MINIMAL_CONFIG + "language: |\n  en\n")
    person = content.root / "entities/people/ada-example.yaml"
    person.write_text(person.read_text(encoding="utf-8").replace("aliases:", "wikidata: |\n  Q42\nnames:\n  ? |\n    en\n  : Ada\naliases:", 1)
                      .replace("names: {ru: Ада Пример, ko: 에이다}\n", ""), encoding="utf-8")
    errors = [e.split(" [")[0] for e in content.errors()]
    assert errors == ["dossier.yaml:4:11: error: expected a BCP-47 language tag, found 'en\\n'",
                      "entities/people/ada-example.yaml:2:11: error: expected a Wikidata item id such as Q42, found 'Q42\\n'",
                      "entities/people/ada-example.yaml:5:5: error: 'en\\n' is not a BCP-47 language tag"], errors


@pytest.mark.parametrize("pattern, text, matches", [
    (r"^a$", "a", True), (r"^a$", "a\n", False),            # '$' is the end of the text, as in JSON Schema
    (r"^a\$", "a$", True), (r"^a\$", "a$\n", True),       # an escaped '$' is a dollar sign
    (r"^a\\$", "a\\", True), (r"^a\\$", "a\\\n", False),  # a backslash, then the end
    (r"^https?://", "https://x\n", True),                 # a pattern of the start only is as it was
])
def test_schema_patterns_are_read_as_json_schema_reads_them(pattern, text, matches):
    assert bool(python_pattern(pattern).match(text)) is matches


def test_an_id_with_a_final_line_break_is_no_id(content, capsys):
    assert not ID_RE.match("dan\n")
    assert main(["new", "--content", str(content.root), "person", "dan\n"]) == 2
    assert "'dan\\n' is not a valid id" in capsys.readouterr().err
    (content.root / "entities/people/eve\n.yaml").write_text("name: Eve\n", encoding="utf-8")
    assert [m for m in content.messages() if "[bad-id]" in m] == [
        "entities/people/eve\\n.yaml: error: file name 'eve\\n' is not a valid id: use lowercase ASCII letters, digits "
        "and single hyphens, at most 80 characters (rename it eve.yaml?) [bad-id]"]


@pytest.mark.parametrize("folder", ["pages", "entities/places", "entities"])
def test_a_content_folder_that_cannot_be_read_is_an_error_not_a_site_without_its_files(content, monkeypatch, folder):
    """A folder without read permission was passed over in silence: its pages were missing from
    the site, or its entities became unknown ids elsewhere."""
    import os
    refused = str(content.root / folder)

    def refusing(list_folder):
        def listing(path="."):
            if os.path.abspath(path) == refused:
                raise PermissionError(13, "Permission denied")
            return list_folder(path)
        return listing

    monkeypatch.setattr(os, "scandir", refusing(os.scandir))
    monkeypatch.setattr(os, "listdir", refusing(os.listdir))
    assert [m for m in content.messages() if m.endswith("[io]")] == [
        f"{folder}: error: cannot read folder: Permission denied; its files are not read [io]"]


def test_a_dossier_yaml_that_links_out_of_the_content_folder_is_one_error(content, tmp_path):
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text(MINIMAL_CONFIG, encoding="utf-8")
    (content.root / "dossier.yaml").unlink()
    (content.root / "dossier.yaml").symlink_to(outside)
    assert content.errors() == ["dossier.yaml: error: a symbolic link that leads out of the content folder: it is not "
                                "read [symlink]"]


def test_a_link_with_a_slash_written_as_percent_2f_is_an_error_where_it_is(content):
    """A browser reads '%2F' as part of a file name, never as a folder's end: '..%2Foverview.html'
    is a missing page, which check took for '../overview.html'."""
    person = content.root / "entities/people/ada-example.yaml"
    person.write_text(person.read_text(encoding="utf-8").replace("summary: |\n", "summary: |\n  See [it](..%2Foverview.html).\n", 1),
                      encoding="utf-8")
    assert [e for e in content.errors() if "[bad-link]" in e] == [
        "entities/people/ada-example.yaml:7:12: error: link '..%2Foverview.html' has a slash written as %2F: a browser "
        "reads it as part of a file name, not as a folder's end: link to an entity, source or page with [[id]] [bad-link]"]


# --- every required key is required --------------------------------------------------------------

@pytest.mark.parametrize("where, old, new, record, key, doc", [
    ("entities/people/ada-example.yaml:1:1", "name: Ada Example\n", "", "person", "name",
     "the entity's name in the dossier's language"),
    ("entities/people/ada-example.yaml:9:5", '{label: Born, value: "1970"', '{value: "1970"', "fact", "label",
     "what the fact is, shown in the infobox"),
    ("entities/people/ada-example.yaml:9:5", '{label: Born, value: "1970", ', "{label: Born, ", "fact", "value",
     "the fact, as text or a number"),
    ("entities/people/ada-example.yaml:13:5", "{type: leads, target: ruritania", "{target: ruritania", "relation", "type",
     "a relation type (see docs/content-format.md or dossier.yaml)"),
    ("entities/people/ada-example.yaml:13:5", "{type: leads, target: ruritania, ", "{type: leads, ", "relation", "target",
     "the entity at the other end"),
    ("entities/events/bridge-opening.yaml:1:1", "date: 2025-04\n", "", "event", "date", "when it happened (or began)"),
    ("sources/daily-news.md:10:5", '  - quote: "in June 2023"\n    kind', "  - kind", "annotation", "quote",
     "the exact words of the text, as a reader sees them"),
    ("sources/daily-news.md:2:1", 'title: "Bridge ‘news’ of the day"\n', "", "source", "title", "the source's title"),
    ("pages/overview.md:2:1", "title: Overview\n", "", "page", "title", "the page title"),
])
def test_a_missing_required_key_is_an_error_where_the_record_that_lacks_it_begins(content, where, old, new, record, key, doc):
    path = content.root / where.split(":")[0]
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert [e for e in content.errors() if e.endswith("[missing-key]")] == [
        f"{where}: error: {record} needs {key!r}: {doc} [missing-key]"]
