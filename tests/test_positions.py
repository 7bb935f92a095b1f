"""Errors point at what the contributor wrote: the exact line and column inside any YAML value,
one error for one mistake, words that say what to do, and nothing that `dossier check` passes
fails later in `dossier build`.

Files are written byte for byte here (not dedented), so the positions below can be counted in the
text of each test.
"""
from __future__ import annotations

from dossier.schema import LStr
from dossier.stages.resolve import markdown_pos


def put(content, rel: str, text: str) -> None:
    path = content.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def unknown(path: str, line: int, col: int, ref: str) -> str:
    return f"{path}:{line}:{col}: error: unknown id {ref!r} in [[{ref}]] [unknown-id]"


BOB = "entities/people/bob.yaml"


# --- 1. [[links]] inside YAML values, every scalar style ------------------------------------------

def test_a_link_after_escaped_blank_lines_in_double_quotes_is_on_the_line_and_column_written(content):
    put(content, BOB, 'name: Bob\nsummary: "A first paragraph.\\n\\nSee [[nope1]] here."\n')
    assert unknown(BOB, 2, 37, "nope1") in content.errors()


def test_a_tab_escape_in_double_quotes_counts_as_the_two_characters_written(content):
    put(content, BOB, 'name: Bob\nsummary: "a\\tb [[nope2]]"\n')
    assert unknown(BOB, 2, 16, "nope2") in content.errors()


def test_doubled_single_quotes_count_as_the_two_characters_written(content):
    put(content, BOB, "name: Bob\nsummary: 'it''s ''q'' [[nope3]]'\n")
    assert unknown(BOB, 2, 23, "nope3") in content.errors()


def test_links_in_a_folded_block_are_on_their_own_lines(content):
    put(content, BOB, "name: Bob\nsummary: >\n  folded line one\n  line two [[nope4]]\n\n  para [[nope5]]\n")
    errors = content.errors()
    assert unknown(BOB, 4, 12, "nope4") in errors
    assert unknown(BOB, 6, 8, "nope5") in errors


def test_a_link_on_the_second_line_of_a_plain_value_is_on_that_line(content):
    put(content, BOB, "name: Bob\nsummary: plain multi\n  line value [[nope6]]\n")
    assert unknown(BOB, 3, 14, "nope6") in content.errors()


def test_an_explicit_indentation_indicator_keeps_the_extra_spaces_in_the_value(content):
    put(content, BOB, "name: Bob\nsummary: |2\n    indented [[nope7]]\n  base [[nope8]]\n")
    errors = content.errors()
    assert unknown(BOB, 3, 14, "nope7") in errors
    assert unknown(BOB, 4, 8, "nope8") in errors


def test_a_backslash_line_continuation_in_double_quotes_is_followed(content):
    put(content, BOB, 'name: Bob\nsummary: "line one \\\n    continued [[nope9]]"\n')
    assert unknown(BOB, 3, 15, "nope9") in content.errors()


def test_a_note_in_a_flow_mapping_of_a_list_is_placed_in_its_line(content):
    put(content, BOB, "name: Bob\nfacts:\n  - {label: A, value: '1', cite: [almanac], note: \"x\\\"y\\\" [[nope10]]\"}\n")
    assert unknown(BOB, 3, 59, "nope10") in content.errors()


def test_a_folded_note_in_front_matter_counts_lines_from_the_top_of_the_file(content):
    put(content, "sources/notes.md", "---\ntitle: Notes\nannotations:\n  - quote: Text\n    note: >-\n"
                                       "      first line\n      second [[nope11]]\n---\nText here.\n")
    assert unknown("sources/notes.md", 7, 14, "nope11") in content.errors()


def test_a_value_that_does_not_match_its_file_is_placed_at_its_start_never_elsewhere(content):
    put(content, BOB, "name: Bob\nsummary: something else entirely\n")
    value = LStr("xx [[a]]")   # e.g. the file was edited after it was read
    value.line, value.col, value.style = 2, 10, ""
    assert markdown_pos(BOB, value, 3) == (BOB, 2, 10)


def test_lines_after_a_line_separator_in_a_value_are_counted_as_editors_count_them(content):
    # libyaml starts a new line after U+2028; editors and every other diagnostic do not
    put(content, BOB, 'name: Bob\nsummary: "a\u2028b [[nope12]]"\nrol: x\n')
    errors = content.errors()
    assert unknown(BOB, 2, 15, "nope12") in errors
    assert any(e.startswith(f"{BOB}:3:1: error: unknown key 'rol'") for e in errors), errors


# --- 2. one broken file, one error -----------------------------------------------------------------

def test_references_to_an_entity_whose_file_does_not_load_are_not_each_an_error(content):
    put(content, "entities/countries/ruritania.yaml", "name: Ruritania\nsummary: [[x]] y\n")
    put(content, BOB, "name: Bob\ncountry: atlantis\nsummary: Lives in [[ruritania]], not [[nowhere]].\n")
    assert content.errors() == [
        "entities/countries/ruritania.yaml:2:10: error: YAML syntax error: a value that starts with '[' is read as "
        "a YAML list: if it is text, put the whole value in quotes or write it as a block ('key: |' and the text on "
        "the next lines, indented) [yaml-syntax]",
        f"{BOB}:2:10: error: unknown id 'atlantis' [unknown-id]",
        unknown(BOB, 3, 38, "nowhere"),
    ]


def test_citations_of_a_source_whose_file_does_not_load_are_not_each_an_error(content):
    put(content, "sources/almanac.md", '---\ntitle: "The Almanac\n---\n')
    assert content.errors() == [
        "sources/almanac.md:2:8: error: YAML syntax error: the value quoted here never closes: add the closing \" "
        "(a \" inside the value is written \\\") [yaml-syntax]",
    ]


# --- 3. YAML mistakes explained ----------------------------------------------------------------------

def test_a_value_that_starts_with_a_bracket_is_explained_as_a_yaml_list_at_the_bracket(content):
    put(content, BOB, "name: Bob\nfacts:\n  - label: A\n    value: 1\n    note: [[aland]] is here\n")
    assert content.errors() == [
        f"{BOB}:5:11: error: YAML syntax error: a value that starts with '[' is read as a YAML list: if it is text, "
        "put the whole value in quotes or write it as a block ('key: |' and the text on the next lines, indented) [yaml-syntax]"]


def test_a_backtick_or_at_sign_cannot_start_a_plain_value_and_the_message_says_to_quote(content):
    put(content, BOB, "name: Bob\nsummary: `code` here\n")
    put(content, "entities/people/carol.yaml", "name: Carol\nsummary: @carol\n")
    hint = "put the whole value in quotes or write it as a block ('key: |' and the text on the next lines, indented) [yaml-syntax]"
    assert content.errors() == [
        f"{BOB}:2:10: error: YAML syntax error: a plain value cannot start with '`' (YAML reserves it): {hint}",
        f"entities/people/carol.yaml:2:10: error: YAML syntax error: a plain value cannot start with '@' (YAML reserves it): {hint}",
    ]


def test_an_unclosed_quote_is_reported_at_the_opening_quote_not_at_the_end_of_the_file(content):
    put(content, BOB, 'name: Bob\nsummary: "Never closed\nrole: Mayor\ntags: [a]\n')
    assert content.errors() == [
        f"{BOB}:2:10: error: YAML syntax error: the value quoted here never closes: add the closing \" "
        "(a \" inside the value is written \\\") [yaml-syntax]"]


def test_invisible_characters_that_break_yaml_are_named_at_their_place(content):
    put(content, BOB, "name: Bob\nsummary: one\u2028two\nrole: x\ntags: [a]\n")
    put(content, "entities/people/carol.yaml", "name: Carol\nsummary: one\u0085two\nrole: x\n")
    put(content, "entities/people/dan.yaml", "name: Dan\n\ufeffsummary: x\nrole: y\n")
    assert content.errors() == [
        f"{BOB}:2:13: error: YAML syntax error: the invisible character U+2028 LINE SEPARATOR is here: "
        "YAML reads it as a line break; remove it [yaml-syntax]",
        "entities/people/carol.yaml:2:13: error: YAML syntax error: the invisible character U+0085 NEXT LINE (NEL) "
        "is here: YAML reads it as a line break; remove it [yaml-syntax]",
        "entities/people/dan.yaml:2:1: error: YAML syntax error: the invisible character U+FEFF ZERO WIDTH NO-BREAK "
        "SPACE (a byte order mark) is here: YAML cannot read the line with it; remove it [yaml-syntax]",
    ]


# --- 4. control characters ---------------------------------------------------------------------------

def test_control_characters_made_by_yaml_escapes_are_refused_at_the_escape(content, tmp_path):
    put(content, BOB, 'name: "Al\\0and\\x07\\e"\nrole: "tab\\there"\nsummary: "CSI \\u009b"\n')
    assert content.errors() == [
        f"{BOB}:1:10: error: the character U+0000 (a control character, written '\\0') is not allowed in text: remove it [encoding]",
        f"{BOB}:3:15: error: the character U+009B (a control character, written '\\u009b') is not allowed in text: remove it [encoding]",
    ]
    assert content.build(tmp_path / "site").diagnostics.errors and not (tmp_path / "site").exists()


def test_control_characters_in_a_markdown_body_are_refused_at_their_line_and_column(content):
    put(content, "pages/about.md", "---\ntitle: About\n---\nA\tbell \x07 here,\nescape \x1b[31m, del \x7f and csi \u009b.\n")
    message = "is not allowed in text: remove it [encoding]"
    assert content.errors() == [
        f"pages/about.md:4:8: error: the character U+0007 (a control character) {message}",
        f"pages/about.md:5:8: error: the character U+001B (a control character) {message}",
        f"pages/about.md:5:19: error: the character U+007F (a control character) {message}",
        f"pages/about.md:5:29: error: the character U+009B (a control character) {message}",
    ]


def test_bidirectional_controls_that_reorder_what_is_shown_are_refused_in_yaml_and_markdown(content):
    put(content, BOB, 'name: "Bob\u202e"\nrole: admin\u202Dnot\n')
    put(content, "pages/about.md", "---\ntitle: About \u2066x\u2069\n---\nSee \u202b here.\n")
    bidi = "a bidirectional control character{}: it makes text show in another order than it is written"
    message = "is not allowed in text: remove it [encoding]"
    assert content.errors() == [
        f"{BOB}:1:11: error: the character U+202E ({bidi.format('')}) {message}",
        f"{BOB}:2:12: error: the character U+202D ({bidi.format('')}) {message}",
        f"pages/about.md:2:14: error: the character U+2066 ({bidi.format('')}) {message}",
        f"pages/about.md:2:16: error: the character U+2069 ({bidi.format('')}) {message}",
        f"pages/about.md:4:5: error: the character U+202B ({bidi.format('')}) {message}",
    ]
    put(content, BOB, 'name: "Bob\\u202e"\n')
    escaped = bidi.format(", written '\\u202e'")
    assert [e for e in content.errors() if e.startswith(BOB)] == [f"{BOB}:1:11: error: the character U+202E ({escaped}) {message}"]


# --- 5. relative links in Markdown -------------------------------------------------------------------

HINT = "link to an entity, source or page with [[id]] [bad-link]"


def test_relative_links_that_lead_nowhere_are_errors_at_their_markdown_position(content):
    put(content, "pages/about.md", "---\ntitle: About\n---\nSee [a](intro.md), [b](#nosuch) and ![i](x.png).\n\n"
                                   "Also [c](./) and\n[d](../../etc/passwd).\n")
    assert content.errors() == [
        f"pages/about.md:4:9: error: link 'intro.md' points to a missing file: {HINT}",
        f"pages/about.md:4:24: error: link '#nosuch': no element with id 'nosuch' in about.html: {HINT}",
        f"pages/about.md:4:42: error: image 'x.png' points to a missing file: {HINT}",
        f"pages/about.md:6:10: error: directory link './': {HINT}",
        f"pages/about.md:7:5: error: link '../../etc/passwd' points outside the site: {HINT}",
    ]


def test_a_relative_link_in_a_yaml_value_is_placed_in_the_yaml(content):
    # folded: two empty lines make one blank line, so that the definition starts a block
    put(content, BOB, "name: Bob\nsummary: >\n  Bob, see\n  [the intro](../intro.html) and [ref][r].\n\n\n  [r]: nope.md\n")
    assert content.errors() == [
        f"{BOB}:4:15: error: link '../intro.html' points to a missing file (from people/bob.html it leads to 'intro.html'): {HINT}",
        f"{BOB}:7:8: error: link 'nope.md' points to a missing file (from people/bob.html it leads to 'people/nope.md'): {HINT}",
    ]


def test_relative_links_in_a_source_start_from_the_sources_folder(content):
    put(content, "sources/notes.md", "---\ntitle: Notes\nnote: 'Mirror: [copy](copy.html)'\n---\n"
                                     "Fine: [Ada](../people/ada-example.html).\nBroken: [Ada](people/ada-example.html).\n")
    assert content.errors() == [
        f"sources/notes.md:3:23: error: link 'copy.html' points to a missing file "
        f"(from sources/notes.html it leads to 'sources/copy.html'): {HINT}",
        f"sources/notes.md:6:15: error: link 'people/ada-example.html' points to a missing file "
        f"(from sources/notes.html it leads to 'sources/people/ada-example.html'): {HINT}",
    ]


def test_a_note_shown_on_several_pages_must_link_right_from_each_of_them(content):
    put(content, "sources/notes.md", "---\ntitle: Notes\nannotations:\n  - quote: Text\n    kind: claim\n"
                                     "    status: unverified\n    note: See [Ada](../people/ada-example.html).\n---\nText here.\n")
    assert content.errors() == [
        f"sources/notes.md:7:21: error: link '../people/ada-example.html' points outside the site "
        f"(on claims.html, which shows this text): {HINT}"]


def test_what_check_accepts_the_build_accepts_and_what_it_refuses_names_the_markdown(content, tmp_path):
    body = ("Fine: [Ada](people/ada-example.html), [top](#main), [the quote](sources/daily-news.html#a-visit-date),\n"
            "[web](https://example.org/a) and [mail](mailto:a@example.org).\n")
    put(content, "pages/about.md", "---\ntitle: About\n---\n" + body + "Broken: [x](sources/daily-news.html#a-nope).\n")
    assert content.errors() == [
        f"pages/about.md:6:13: error: link 'sources/daily-news.html#a-nope': no element with id 'a-nope' "
        f"in sources/daily-news.html: {HINT}"]
    put(content, "pages/about.md", "---\ntitle: About\n---\n" + body)
    result = content.build(tmp_path / "site")
    assert [d.text() for d in result.diagnostics.errors] == []
    assert 'href="sources/daily-news.html#a-visit-date"' in (tmp_path / "site" / "about.html").read_text(encoding="utf-8")


def test_a_fact_or_relation_note_is_read_inline_as_its_page_shows_it_so_an_indented_link_is_checked(content, tmp_path):
    # the entity page shows these notes inline (the mdi filter): four spaces do not make a code block there
    put(content, BOB, 'name: Bob\nfacts:\n  - {label: A, value: "1", cite: [almanac], note: "    [a](nowhere.html)"}\n'
                      'relations:\n  - {type: leads, target: ruritania, note: "    [b](nowhere.html)"}\n')
    assert content.errors() == [
        f"{BOB}:3:60: error: link 'nowhere.html' points to a missing file "
        f"(from people/bob.html it leads to 'people/nowhere.html'): {HINT}",
        f"{BOB}:5:53: error: link 'nowhere.html' points to a missing file "
        f"(from people/bob.html it leads to 'people/nowhere.html'): {HINT}",
    ]
    # a summary is shown as blocks: there the same text is a code block; inline, a definition is
    # text and defines nothing; and the build agrees
    put(content, BOB, 'name: Bob\nsummary: "Bob.\\n\\n    [a](nowhere.html)"\nfacts:\n'
                      '  - {label: A, value: "1", cite: [almanac], note: "See [r].\\n\\n[r]: nowhere.html"}\n')
    assert content.errors() == []
    assert not content.build(tmp_path / "site").diagnostics.errors


def test_a_location_note_is_checked_as_each_page_shows_it_blocks_on_its_page_inline_on_the_map(content):
    crossing = "entities/crossings/new-bridge.yaml"
    put(content, crossing, 'name: New Bridge\nlocation:\n  note: "    [a](nowhere.html)"\n  cite: [daily-news]\n')
    assert content.errors() == [
        f"{crossing}:3:18: error: link 'nowhere.html' points to a missing file (on map.html, which shows this text): {HINT}"]


def test_the_map_shows_the_location_notes_of_crossings_without_coordinates_only(content, tmp_path):
    crossing = "entities/crossings/old-bridge.yaml"
    put(content, crossing, 'name: Old Bridge\nlocation: {lat: 42.4, lon: 130.6, note: "[p](../overview.html)", cite: [almanac]}\n')
    assert content.errors() == []
    assert not content.build(tmp_path / "site").diagnostics.errors


def test_a_status_note_is_checked_only_where_it_is_shown_with_its_status(content, tmp_path):
    crossing = "entities/crossings/new-bridge.yaml"
    rest = "countries: [ruritania, grand-fenwick]\nlocation: {note: Not published., cite: [daily-news]}\n"
    put(content, crossing, 'name: New Bridge\nstatus_note: "[a](nowhere.html)"\n' + rest)
    assert content.errors() == []   # the page shows a status note with a status only
    assert not content.build(tmp_path / "site").diagnostics.errors
    put(content, crossing, 'name: New Bridge\nstatus: open\nstatus_note: "[a](nowhere.html)"\n' + rest)
    assert content.errors() == [
        f"{crossing}:3:19: error: link 'nowhere.html' points to a missing file "
        f"(from crossings/new-bridge.html it leads to 'crossings/nowhere.html'): {HINT}"]


def test_links_to_note_anchors_source_entries_data_files_and_assets_that_the_build_writes_are_accepted(content, tmp_path):
    body = ("[n](sources/daily-news.html#a-visit-date-note), [s](sources/index.html#daily-news),\n"
            "[j](data/dossier.json), [g](data/crossings.geojson), [w](data/annotations.jsonld),\n"
            "[c](data/sources.csl.json), [i](data/search-index.js), [css](assets/style.css),\n"
            "[v](assets/vendor/minisearch.js), [b](assets/basemap.js), [l](assets/leaflet/leaflet.js)\n"
            "and ![m](assets/leaflet/images/marker-icon.png).\n")
    put(content, "pages/about.md", "---\ntitle: About\n---\n" + body)
    assert content.errors() == []
    assert not content.build(tmp_path / "site").diagnostics.errors


def test_links_to_what_the_build_does_not_write_beside_the_pages_are_refused(content):
    put(content, "pages/about.md", "---\ntitle: About\n---\n[a](sources/index.html#nope) [b](data/layers.js) "
                                   "[c](data/nope.json)\n[d](assets/nope.css) [e](sources/daily-news.html#a-nope-note)\n")
    assert content.errors() == [
        f"pages/about.md:4:5: error: link 'sources/index.html#nope': no element with id 'nope' in sources/index.html: {HINT}",
        f"pages/about.md:4:34: error: link 'data/layers.js' points to a missing file: {HINT}",
        f"pages/about.md:4:54: error: link 'data/nope.json' points to a missing file: {HINT}",
        f"pages/about.md:5:5: error: link 'assets/nope.css' points to a missing file: {HINT}",
        f"pages/about.md:5:26: error: link 'sources/daily-news.html#a-nope-note': no element with id 'a-nope-note' "
        f"in sources/daily-news.html: {HINT}",
    ]


def test_each_link_is_placed_by_the_parse_not_by_its_url_text(content):
    put(content, "pages/about.md", "---\ntitle: About\n---\n"
                                   "\\[b](nowhere.html) [a](nowhere.html)\n"
                                   "[[ada-example]](nowhere.html) [c](nowhere.html)\n"
                                   "[![x](nowhere.png)](nowhere.html)\n\n"
                                   "See [r].\n\n> [r]: nowhere.html\n")
    missing = "points to a missing file"
    assert content.errors() == [
        f"pages/about.md:4:24: error: link 'nowhere.html' {missing}: {HINT}",
        f"pages/about.md:5:35: error: link 'nowhere.html' {missing}: {HINT}",
        f"pages/about.md:6:7: error: image 'nowhere.png' {missing}: {HINT}",
        f"pages/about.md:6:21: error: link 'nowhere.html' {missing}: {HINT}",
        f"pages/about.md:10:8: error: link 'nowhere.html' {missing}: {HINT}",
    ]


def test_links_in_yaml_values_and_table_cells_are_placed_exactly_or_at_their_line(content):
    put(content, BOB, 'name: Bob\nfacts:\n  - label: A\n    value: "1"\n    cite: [almanac]\n    note: >-\n'
                      '      first [a](ok.html) and\n      [b](nowhere.html)\n')
    put(content, "pages/about.md", "---\ntitle: About\n---\n| x | y |\n|---|---|\n"
                                   "| [a](nowhere.html) | [a](nowhere.html) |\n| [b](gone.html) | c |\n")
    assert content.errors() == [
        f"{BOB}:7:17: error: link 'ok.html' points to a missing file "
        f"(from people/bob.html it leads to 'people/ok.html'): {HINT}",
        f"{BOB}:8:11: error: link 'nowhere.html' points to a missing file "
        f"(from people/bob.html it leads to 'people/nowhere.html'): {HINT}",
        # the same cell twice on a line: the line, not a column that may be the other one
        f"pages/about.md:6:1: error: link 'nowhere.html' points to a missing file: {HINT}",
        f"pages/about.md:7:7: error: link 'gone.html' points to a missing file: {HINT}",
    ]


# --- 6. map layers -------------------------------------------------------------------------------------

def test_raw_control_characters_in_a_map_layer_are_refused_at_their_line_and_column(content, tmp_path):
    put(content, "map/river.geojson", '{"type": "Feature", "name": "River\u009b",\n "properties": {"name": "a\u202eb"},\n'
                                      ' "geometry": {"type": "Point", "coordinates": [130, 42]}}\n')
    bidi = "a bidirectional control character: it makes text show in another order than it is written"
    assert content.errors() == [
        "map/river.geojson:1:35: error: the character U+009B (a control character) is not allowed in text: remove it [encoding]",
        f"map/river.geojson:2:27: error: the character U+202E ({bidi}) is not allowed in text: remove it [encoding]",
    ]
    assert content.build(tmp_path / "site").diagnostics.errors and not (tmp_path / "site").exists()
