"""Content errors are reported like a compiler: file, line, column, all of them, never a traceback."""
from __future__ import annotations

import pytest


def test_the_minimal_fixture_has_no_errors(content):
    assert content.errors() == []


def test_unknown_key_names_file_line_column_and_suggests(content):
    content.write("entities/people/bob.yaml", """
        name: Bob
        rol: Mayor
    """)
    assert any(m.startswith("entities/people/bob.yaml:2:1: error: unknown key 'rol' in person (did you mean 'role'?)") for m in content.errors())


def test_duplicate_key_names_both_lines(content):
    content.write("entities/people/bob.yaml", "name: Bob\nrole: a\nrole: b\n")
    assert "entities/people/bob.yaml:3:1: error: duplicate key 'role' (first defined on line 2) [duplicate-key]" in content.errors()


def test_yaml_syntax_error_points_at_the_place_to_mend(content):
    content.write("entities/people/bob.yaml", "name: [Bob\n")   # libyaml stops on line 2; the '[' is to mend
    assert content.errors() == ["entities/people/bob.yaml:1:7: error: YAML syntax error: the '[' here is not closed on "
                                "its line: add the closing ']', or, if the value is text, put the whole value in quotes [yaml-syntax]"]


def test_unknown_ids_in_every_reference_position(content):
    content.write("entities/people/bob.yaml", """
        name: Bob
        country: atlantis
        summary: Friend of [[nobody]], says [@no-such-source, p. 3].
        facts:
          - {label: Age, value: 40, cite: [missing-source]}
        relations:
          - {type: leads, target: ghost}
    """)
    errors = content.errors()
    assert "entities/people/bob.yaml:2:10: error: unknown id 'atlantis' [unknown-id]" in errors
    assert "entities/people/bob.yaml:3:20: error: unknown id 'nobody' in [[nobody]] [unknown-id]" in errors
    assert "entities/people/bob.yaml:3:38: error: unknown source 'no-such-source' in [@no-such-source] [unknown-source]" in errors
    assert "entities/people/bob.yaml:5:36: error: unknown source 'missing-source' in citation [unknown-source]" in errors
    assert "entities/people/bob.yaml:7:27: error: unknown id 'ghost' [unknown-id]" in errors


def test_link_inside_a_block_scalar_is_located_on_its_line(content):
    content.write("entities/people/bob.yaml", "name: Bob\nsummary: |\n  First line.\n  See [[nobody]].\n")
    assert "entities/people/bob.yaml:4:7: error: unknown id 'nobody' in [[nobody]] [unknown-id]" in content.errors()


def test_wrong_types_ranges_and_enums(content):
    content.write("entities/crossings/bad.yaml", """
        name: Bad
        location: {lat: 130.6, lon: 42.4}
        mode: hovercraft
        opened: 2025-13-01
        length_m: long
        countries: [ruritania]
    """)
    errors = content.errors()
    assert "entities/crossings/bad.yaml:2:17: error: 130.6 is out of range: expected a number from -90 to 90 [range]" in errors
    assert any(e.startswith("entities/crossings/bad.yaml:3:7: error: 'hovercraft' is not allowed here") for e in errors)
    assert "entities/crossings/bad.yaml:4:9: error: '2025-13-01' is not a valid date: there is no month 13 [date]" in errors
    assert "entities/crossings/bad.yaml:5:11: error: expected a number from 0 to 1,000,000, found 'long' [type]" in errors
    assert "entities/crossings/bad.yaml:6:12: error: expected exactly 2 items, found 1 [length]" in errors


def test_crossing_without_location_is_an_error(content):
    content.write("entities/crossings/nowhere.yaml", "name: Nowhere\nmode: road\n")
    assert any("crossing needs 'location'" in e for e in content.errors())


def test_reference_to_the_wrong_kind(content):
    content.write("entities/people/bob.yaml", "name: Bob\ncountry: old-river\n")
    assert "entities/people/bob.yaml:2:10: error: 'old-river' is a place; 'country' expects a country [wrong-kind]" in content.errors()


def test_citing_an_entity_instead_of_a_source(content):
    content.write("entities/people/bob.yaml", "name: Bob\nsummary: Bob [@ruritania].\n")
    assert any("'ruritania' is a country, not a source" in e for e in content.errors())


def test_the_same_id_in_two_kind_folders(content):
    content.write("entities/places/ruritania.yaml", "name: Ruritania the place\n")
    assert any(e.startswith("entities/places/ruritania.yaml: error: id 'ruritania' is already used by") for e in content.errors())


def test_bad_file_names_and_folders(content):
    content.write("entities/people/Bad_Name.yaml", "name: X\n")
    content.write("entities/robots/r2.yaml", "name: R2\n")
    content.write("entities/people/x.yml", "name: X\n")
    errors = content.errors()
    assert any("Bad_Name.yaml: error: file name 'Bad_Name' is not a valid id" in e for e in errors)
    assert any("entities/robots: error: 'robots' is not an entity kind folder" in e for e in errors)
    assert any("x.yml: error: entity files must end in .yaml (rename it to .yaml)" in e for e in errors)


def test_aliases_tags_and_bombs_are_refused(content):
    content.write("entities/people/bomb.yaml", 'name: &a x\naliases: [*a, *a]\n')
    content.write("entities/people/tag.yaml", "name: !!python/object:os.system x\n")
    errors = content.errors()
    assert any(e.startswith("entities/people/bomb.yaml:2:11: error: anchors and aliases") for e in errors)
    assert any(e.startswith("entities/people/tag.yaml:1:7: error: YAML tag") for e in errors)


def test_front_matter_that_never_closes(content):
    content.write("sources/open.md", "---\ntitle: Open\n\nbody text\n")
    assert "sources/open.md:1:1: error: the front matter that starts here never closes: add a line '---' after it [front-matter]" in content.errors()


def test_front_matter_positions_count_from_the_top_of_the_file(content):
    content.write("sources/s.md", "---\ntitle: S\npublished: someday\n---\nText.\n")
    assert "sources/s.md:3:12: error: 'someday' is not a valid date: expected YYYY, YYYY-MM or YYYY-MM-DD [date]" in content.errors()


def test_all_problems_are_reported_in_one_run(content):
    content.write("entities/people/a.yaml", "name: A\ncountry: nowhere\n")
    content.write("entities/people/b.yaml", "name: B\nrole: [1\n")
    content.write("entities/people/c.yaml", "nam: C\n")
    reported = {e.split(":")[0] for e in content.errors()}
    assert {"entities/people/a.yaml", "entities/people/b.yaml", "entities/people/c.yaml"} <= reported


def test_a_misspelt_required_key_is_one_error_not_also_a_missing_key(content):
    """'nam: C' said both that 'name' is missing and that 'nam' is unknown (did you mean 'name'?),
    and so did a misspelt 'quote' in an annotation (an outside hunt): one mistake, one error."""
    content.write("entities/people/c.yaml", "nam: C\n")
    assert [e for e in content.errors() if e.startswith("entities/people/c.yaml")] == [
        "entities/people/c.yaml:1:1: error: unknown key 'nam' in person (did you mean 'name'?); expected one of: name, "
        "names, aliases, summary, wikidata, tags, facts, relations, role, country [unknown-key]"]
    content.write("entities/people/c.yaml", "title: C\n")   # nothing like 'name': it is missing too
    assert sorted(e.split(": error: ")[1] for e in content.errors() if e.startswith("entities/people/c.yaml")) == [
        "person needs 'name': the entity's name in the dossier's language [missing-key]",
        "unknown key 'title' in person; expected one of: name, names, aliases, summary, wikidata, tags, facts, "
        "relations, role, country [unknown-key]"]


def test_uncited_fact_is_a_warning_and_strict_makes_it_an_error(content):
    from dossier.build import check
    content.write("entities/people/bob.yaml", "name: Bob\nfacts:\n  - {label: Age, value: 40}\n")
    assert any("warning: fact 'Age' has no citation" in m for m in content.messages())
    assert any(d.code == "uncited-fact" and d.severity == "error" for d in check(content.root, strict=True).diagnostics.items)


def test_a_fact_whose_citation_is_in_error_is_told_that_once(content):
    content.write("entities/people/bob.yaml", 'name: Bob\nfacts:\n  - {label: Age, value: 40, cite: ["almanac p. 3"]}\n')
    messages = [m for m in content.messages() if m.startswith("entities/people/bob.yaml")]
    assert [m.split(": ")[1] for m in messages] == ["error"]
    assert "bad-cite" in messages[0]


def test_page_slug_that_collides_with_a_generated_page(content):
    content.write("pages/map.md", "---\ntitle: Map\n---\nx\n")
    assert any("pages/map.md: error: a page named 'map' would collide" in e for e in content.errors())


def test_map_layers_must_be_valid_geojson_in_lon_lat_order(content):
    content.write("map/broken.geojson", '{\n "type": [\n')
    content.write("map/swapped.geojson", '{"type": "Feature", "geometry": {"type": "Point", "coordinates": [42.4, 130.6]}}')
    content.write("map/notes.txt", "x")
    content.write("map/twice.geojson", '{"type": "Feature", "geometry": null, "properties": {"name": "a", "name": "b"}}')
    errors = content.errors()
    assert "map/broken.geojson:3:1: error: not valid JSON: Expecting value [geojson]" in errors
    assert ("map/twice.geojson: error: not valid JSON for a layer: the key 'name' is written twice in one object, "
            "and readers keep only one of its values: remove the repeat [geojson]") in errors
    assert "map/swapped.geojson:1:66: error: not a usable GeoJSON layer: feature 1: position [42.4, 130.6] is out of range (GeoJSON is [longitude, latitude]) [geojson]" in errors
    assert "map/notes.txt: error: map layers must be GeoJSON files ending in .geojson [layout]" in errors


def test_map_layer_lines_and_rings_have_the_shape_geojson_requires(content):
    def layer(name, kind, coordinates, at_fault):
        text = f'{{"type": "Feature", "geometry": {{"type": "{kind}", "coordinates": {coordinates}}}}}'
        content.write(f"map/{name}.geojson", text)
        return f"map/{name}.geojson:1:{text.index(at_fault) + 1}"   # where the error must point
    dot = layer("dot-line", "LineString", "[[130, 42]]", "[[130, 42]]")
    two = layer("two-point-ring", "Polygon", "[[[130, 42], [130.5, 42.5]]]", "[[130, 42], [130.5")
    open_ring = layer("open-ring", "MultiPolygon", "[[[[130, 42], [131, 42], [131, 43], [130, 43]]]]", "[[130, 42], [131")
    layer("closed-ring", "Polygon", "[[[130, 42], [131, 42], [131, 43], [130, 42]]]", "[")
    errors = content.errors()
    assert f"{dot}: error: not a usable GeoJSON layer: feature 1: a line needs at least two positions [geojson]" in errors
    ring = "not a usable GeoJSON layer: feature 1: a polygon's ring needs at least four positions, the last the same as the first"
    assert f"{two}: error: {ring} [geojson]" in errors
    assert f"{open_ring}: error: {ring} [geojson]" in errors
    assert not [e for e in errors if "closed-ring" in e]


def test_a_map_layer_problem_is_placed_at_the_object_or_list_at_fault(content):
    content.write("map/roads.geojson", '{"type": "FeatureCollection", "features": [\n'
                  '  {"type": "Feature", "geometry": {"type": "Point", "coordinates": [130, 42]}},\n'
                  '  {"type": "Feature", "properties": "a road",\n'
                  '   "geometry": {"type": "LineString", "coordinates": [[130, 42], [131, 42]]}},\n'
                  '  {"type": "Feature",\n'
                  '   "geometry": {"type": "MultiLineString", "coordinates": [[[130, 42], [131, 42]],\n'
                  '                                                          [[130, 42]]]}}]}\n')
    content.write("map/lonely.geojson", '{"type": "FeatureCollection", "features": [\n  {"type": "Feature"}]}')
    errors = content.errors()
    assert "map/roads.geojson:3:3: error: not a usable GeoJSON layer: feature 2: 'properties' must be an object [geojson]" in errors
    roads = content.root / "map/roads.geojson"
    roads.write_text(roads.read_text(encoding="utf-8").replace('"properties": "a road",', ""), encoding="utf-8")
    errors = content.errors()
    assert "map/roads.geojson:7:59: error: not a usable GeoJSON layer: feature 3: a line needs at least two positions [geojson]" in errors
    assert ("map/lonely.geojson:2:3: error: not a usable GeoJSON layer: feature 1 has no geometry of a supported type "
            "(Point, MultiPoint, LineString, MultiLineString, Polygon, MultiPolygon) [geojson]") in errors


def test_a_valid_map_layer_is_shipped_as_a_script_for_the_map(content, tmp_path):
    content.write("map/river.geojson", '{"type": "FeatureCollection", "name": "River </script>", "features": ['
                  '{"type": "Feature", "properties": {"name": "x"}, "geometry": {"type": "LineString", "coordinates": [[130, 42], [130.6, 42.4]]}}]}')
    out = tmp_path / "site"
    assert not content.build(out).diagnostics.errors
    script = (out / "data/layers.js").read_text(encoding="utf-8")
    assert script.startswith("window.DOSSIER_LAYERS = ") and "</script>" not in script
    assert 'src="data/layers.js"' in (out / "map.html").read_text(encoding="utf-8")


def test_a_feature_without_a_position_is_accepted_in_a_map_layer_as_our_export_writes_it(content, tmp_path):
    """GeoJSON allows "geometry": null, and data/crossings.geojson writes it for a crossing without
    a position: copied into content/map/ as a layer, it was refused (an outside test)."""
    content.write("map/export.geojson", '{"type": "FeatureCollection", "features": [\n'
                  '{"type": "Feature", "properties": {"name": "x"}, "geometry": {"type": "Point", "coordinates": [130, 42]}},\n'
                  '{"type": "Feature", "properties": {"name": "unlocated"}, "geometry": null}]}')
    assert content.errors() == []
    content.write("map/export.geojson", '{"type": "Feature", "properties": 5, "geometry": null}')
    assert content.errors() == ["map/export.geojson:1:1: error: not a usable GeoJSON layer: feature 1: 'properties' "
                                "must be an object [geojson]"]


def test_a_control_character_escaped_in_a_map_layer_string_is_refused_naming_the_file_and_the_value(content, tmp_path):
    content.write("map/river.geojson", '{"type": "FeatureCollection", "name": "River", "features": [{"type": "Feature", '
                  '"properties": {"name": "x\\u001b[31m"}, "geometry": {"type": "Point", "coordinates": [130, 42]}}]}')
    assert content.errors() == [
        "map/river.geojson: error: features[0].properties.name: the character U+001B (a control character, written as "
        "a JSON escape) is not allowed in text: remove it [encoding]"]
    assert content.build(tmp_path / "site").diagnostics.errors and not (tmp_path / "site").exists()


def test_while_an_annotation_is_in_error_what_only_it_names_is_not_called_an_orphan(content):
    """A quote not found drops its annotation, and its 'about' with it: the one entity it named
    would be warned of as an orphan, on a file the pull request did not touch (an outside review)."""
    content.write("entities/people/lonely.yaml", "name: Lonely Example\n")
    news = content.root / "sources/daily-news.md"
    news.write_text(news.read_text(encoding="utf-8").replace("about: [ada-example]", "about: [ada-example, lonely]"),
                    encoding="utf-8")
    assert not [m for m in content.messages() if "'lonely'" in m]
    news.write_text(news.read_text(encoding="utf-8").replace('quote: "in June 2023"', 'quote: "in July 2023"'),
                    encoding="utf-8")
    messages = content.messages()
    assert [m for m in messages if ": error: " in m] == [
        "sources/daily-news.md:10:12: error: annotation a-visit-date: quote 'in July 2023' is not in the text [quote-not-found]"]
    assert not [m for m in messages if "orphan-entity" in m or "uncited-source" in m]


def test_while_a_file_does_not_load_nothing_is_called_an_orphan_for_want_of_its_links(content):
    """A broken file links to nothing: what only it links to would be warned of as orphans, on files
    the pull request did not touch (and, with --strict, as errors). They are said once it loads."""
    content.write("entities/people/bob.yaml", "name: Bob\nsummary: Bob built the [[new-bridge]].\n")
    orphans = [m for m in content.messages() if "orphan-entity" in m]
    assert orphans == ["entities/events/bridge-opening.yaml: warning: nothing links to 'bridge-opening': "
                       "link it from another entity, a page or an annotation [orphan-entity]",
                       "entities/people/bob.yaml: warning: nothing links to 'bob': "
                       "link it from another entity, a page or an annotation [orphan-entity]"]
    content.write("entities/people/bob.yaml", 'name: "Bob\nsummary: Bob built the [[new-bridge]].\n')
    messages = content.messages()
    assert [m for m in messages if "error" in m] == [
        "entities/people/bob.yaml:1:7: error: YAML syntax error: the value quoted here never closes: "
        "add the closing \" (a \" inside the value is written \\\") [yaml-syntax]"]
    assert not [m for m in messages if "orphan-entity" in m or "uncited-source" in m]


def test_editors_backup_files_are_not_read(content):
    """Emacs keeps 'x.yaml~' beside a file it saves: an error for a file nobody wrote on purpose
    failed every build of a preview while it existed (an outside review)."""
    content.write("entities/people/bob.yaml~", "name: [Bob\n")
    content.write("entities/people/#bob.yaml#", "name: [Bob\n")
    content.write("sources/daily-news.md~", "not a source\n")
    content.write("backup~", "x\n")
    assert content.errors() == []
    assert not [m for m in content.messages() if "~" in m or "#bob" in m]


def test_a_source_read_before_it_was_published_is_warned_of(content):
    content.write("sources/early.md", "---\ntitle: Early\npublished: 2025-06\naccessed: 2025-05-30\n---\nText.\n")
    content.write("sources/later.md", "---\ntitle: Later\npublished: 2025\naccessed: 2099-01-01\n---\nText.\n")
    content.write("sources/fine.md", "---\ntitle: Fine\npublished: 2025-05\naccessed: 2025-05-01\n---\nText.\n")
    warned = [m for m in content.messages() if "[date-order]" in m]
    assert warned == [   # (a date to come is not judged: the verdict would change with the day of the build)
        "sources/early.md:4:1: warning: 'accessed' (2025-05-30) is before 'published' (2025-06): the editors read the "
        "source once it was out; check both dates [date-order]"]


@pytest.mark.parametrize("cite, hint", [
    ("[almanac, p. 3]", "'p. 3' is not a citation: expected 'source-id' or 'source-id, locator'; if it is the place in "
                        "'almanac', quote the two as one item: \"almanac, p. 3\" [bad-cite]"),
    ('["almanac p. 3"]', "'almanac p. 3' is not a citation: expected 'source-id' or 'source-id, locator'; a comma goes "
                         "between the source and the place: 'almanac, p. 3' [bad-cite]"),
    ("['@ almanac']", "'@ almanac' is not a citation: expected 'source-id' or 'source-id, locator'; no space goes after "
                      "the '@': 'almanac' [bad-cite]"),   # (a traceback, an outside review found)
    ("['@']", "'@' is not a citation: expected 'source-id' or 'source-id, locator' [bad-cite]"),
])
def test_a_citation_whose_comma_is_misplaced_is_shown_how_to_write_it(content, cite, hint):
    content.write("entities/people/bob.yaml", f"name: Bob\nfacts:\n  - {{label: Age, value: 40, cite: {cite}}}\n")
    [error] = [e for e in content.errors() if e.startswith("entities/people/bob.yaml")]
    assert error.endswith(hint)


@pytest.mark.parametrize("layer, expected", [
    # a lone surrogate passed check and stopped the build with a traceback (an outside review)
    ('{"type": "FeatureCollection", "name": "\\ud800", "features": []}',
     "map/river.geojson: error: name: the code point U+D800 (half of a surrogate pair, alone, written as a JSON escape) "
     "is no character, and UTF-8 cannot write it: remove it [encoding]"),
    # written into data/layers.js as NaN or Infinity, which no JSON reader takes
    ('{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [130.1, 42.1, NaN]}}',
     "map/river.geojson: error: not valid JSON: 'NaN' is no JSON number (JSON has no NaN or infinity, and a layer's "
     "numbers are finite) [geojson]"),
    ('{"type": "Feature", "properties": {"depth": 1e999}, "geometry": {"type": "Point", "coordinates": [130.1, 42.1]}}',
     "map/river.geojson: error: not valid JSON: '1e999' is no JSON number (JSON has no NaN or infinity, and a layer's "
     "numbers are finite) [geojson]"),
])
def test_a_map_layer_holds_only_what_json_and_utf_8_can_write(content, tmp_path, layer, expected):
    content.write("map/river.geojson", layer)
    assert content.errors() == [expected]
    assert content.build(tmp_path / "site").diagnostics.errors and not (tmp_path / "site").exists()
