"""Mistakes a contributor makes in a pull request, found by an outside review acting as one: each
is told once, where it is, with what would fix it; the tools never write a file that check then
refuses; the annotations land on the files of the pull request.

Every test starts from the minimal fixture (no errors), the content folder as working directory.
"""
from __future__ import annotations

import socket

import pytest

from dossier import diagnostics as fmt
from dossier import serve as serving
from dossier.cli import main
from dossier.diagnostics import Diagnostic

from test_matching_bounds import cpu_bound


# --- an unknown id says which id was meant ------------------------------------------------------

def test_a_file_renamed_while_others_link_to_it_is_named_at_each_old_reference(content):
    (content.root / "entities/people/ada-example.yaml").rename(content.root / "entities/people/ada-exampel.yaml")
    errors = content.errors()
    assert ("pages/overview.md:5:42: error: unknown id 'ada-example' in [[ada-example]] "
            "(did you mean 'ada-exampel'?) [unknown-id]") in errors
    assert ("entities/events/bridge-opening.yaml:4:16: error: unknown id 'ada-example' "
            "(did you mean 'ada-exampel'?) [unknown-id]") in errors
    assert ("sources/daily-news.md:13:13: error: unknown entity 'ada-example' in 'about' of annotation "
            "a-visit-date (did you mean 'ada-exampel'?) [unknown-id]") in errors


def test_a_citation_with_a_typo_suggests_the_source(content):
    content.write("entities/people/bob.yaml", """
        name: Bob
        summary: Bob met [[ada-example]] [@daly-news, p. 2].
        facts:
          - {label: Born, value: "1970", cite: ["almanc, p. 4"]}
    """)
    errors = content.errors()
    assert ("entities/people/bob.yaml:2:35: error: unknown source 'daly-news' in [@daly-news] "
            "(did you mean 'daily-news'?) [unknown-source]") in errors
    assert ("entities/people/bob.yaml:4:41: error: unknown source 'almanc' in citation "
            "(did you mean 'almanac'?) [unknown-source]") in errors


def test_the_suggestion_is_of_the_kind_the_key_expects(content):
    # 'country' names a country: the place old-river is no answer to 'old-rivr', Ruritania is to 'ruritanai'
    content.write("entities/people/bob.yaml", "name: Bob\ncountry: ruritanai\n")
    content.write("entities/people/eve.yaml", "name: Eve\ncountry: old-rivr\n")
    errors = content.errors()
    assert "entities/people/bob.yaml:2:10: error: unknown id 'ruritanai' (did you mean 'ruritania'?) [unknown-id]" in errors
    assert "entities/people/eve.yaml:2:10: error: unknown id 'old-rivr' [unknown-id]" in errors


def test_an_unknown_relation_type_suggests_the_closest_type(content):
    content.write("entities/people/bob.yaml", "name: Bob\nrelations:\n  - {type: lead, target: ruritania}\n")
    assert ("entities/people/bob.yaml:3:12: error: unknown relation type 'lead' (did you mean 'leads'?): use one "
            "from docs/content-format.md or declare it under 'relations' in dossier.yaml [unknown-relation]") in content.errors()


def test_no_suggestion_when_no_id_is_close(content):
    content.write("entities/people/bob.yaml", "name: Bob\nsummary: See [[zzz-unrelated]].\n")
    assert "entities/people/bob.yaml:2:14: error: unknown id 'zzz-unrelated' in [[zzz-unrelated]] [unknown-id]" in content.errors()


def test_suggestions_cost_a_bounded_number_of_comparisons_per_build(content, monkeypatch):
    """difflib compares an unknown id with every id (60 ms at 10,000): a pull request with
    thousands of unknown ids must not cost minutes, so past the budget the error comes without."""
    from dossier.stages.resolve import Suggestions
    monkeypatch.setattr(Suggestions, "BUDGET", 0)
    content.write("entities/people/bob.yaml", "name: Bob\nsummary: See [@daly-news].\n")
    assert "entities/people/bob.yaml:2:15: error: unknown source 'daly-news' in [@daly-news] [unknown-source]" in content.errors()


def test_each_unknown_id_is_compared_once_and_a_case_slip_costs_nothing():
    from dossier.stages.resolve import Suggestions, Target
    suggestions = Suggestions({i: Target(i, i, i, kind) for i, kind in
                               (("daily-news", "source"), ("almanac", "source"), ("ada-example", "person"))})
    for _ in range(3):
        assert suggestions.hint("daly-news", frozenset({"source"})) == " (did you mean 'daily-news'?)"
    sources = len("daily-news") + len("almanac")   # a word costs its length times the candidates'
    assert suggestions.spent == len("daly-news") * sources   # the two sources, once
    assert suggestions.hint("Ada-Example") == " (did you mean 'ada-example'?)"
    assert suggestions.hint("Ada-Example", frozenset({"source"})) == ""
    assert suggestions.spent == (len("daly-news") + len("Ada-Example")) * sources   # the second question only


# --- an annotation's wrong value is reported once ------------------------------------------------

CLAIM = """
---
title: T
accessed: 2026-01-01
annotations:
  - quote: "the bridge"
{keys}
---
Text about the bridge.
"""


@pytest.mark.parametrize("keys, expected", [
    # a status written wrong is not also missing
    ("    kind: claim\n    status: Unverified\n    note: n.",
     "sources/s.md:7:13: error: 'Unverified' is not allowed here (did you mean 'unverified'?): expected one of corroborated, unverified, disputed, refuted [enum]"),
    # a kind written wrong does not make the status 'for claims only', nor the note missing
    ("    kind: claimm\n    status: unverified",
     "sources/s.md:6:11: error: 'claimm' is not allowed here (did you mean 'claim'?): expected one of note, context, correction, claim [enum]"),
    # a note of the wrong type is not also missing
    ("    kind: correction\n    note: [a, b]",
     "sources/s.md:7:11: error: expected Markdown text, found a list [type]"),
])
def test_a_value_refused_is_not_reported_again_as_missing(content, keys, expected):
    content.write("sources/s.md", CLAIM.format(keys=keys))
    errors = [e for e in content.errors() if e.startswith("sources/s.md")]
    assert errors == [expected]


def test_an_empty_status_is_still_missing(content):
    content.write("sources/s.md", CLAIM.format(keys="    kind: claim\n    status:\n    note: n."))
    assert [e for e in content.errors() if e.startswith("sources/s.md")] == [
        "sources/s.md:5:5: error: a claim needs a 'status': corroborated, unverified, disputed, refuted [missing-key]"]


# --- a quote found many times says which places it lists ----------------------------------------

def test_a_quote_found_more_than_ten_times_lists_the_first_ten_as_such(content):
    body = "".join(f"Line {i} names the bridge.\n\n" for i in range(12))
    content.write("sources/s.md", CLAIM.format(keys="    note: n.") + body)
    [error] = [e for e in content.errors() if e.startswith("sources/s.md")]
    assert ("quote 'the bridge' is found 13 times (the first 10 on lines 8, 9, 11, 13, 15, 17, 19, 21, 23, 25); "
            "add a prefix or suffix") in error


def test_a_quote_found_a_few_times_lists_them_all(content):
    content.write("sources/s.md", CLAIM.format(keys="    note: n.") + "Again the bridge.\n")
    [error] = [e for e in content.errors() if e.startswith("sources/s.md")]
    assert "quote 'the bridge' is found 2 times (lines 8, 9); add a prefix or suffix" in error


# --- new and import never take the name of a page ------------------------------------------------

@pytest.mark.parametrize("kind", ["source", "person", "place"])
def test_new_refuses_the_id_of_a_page(content, capsys, kind):
    assert main(["new", kind, "overview", "--content", "."]) == 2
    assert capsys.readouterr().err == (
        "dossier new: error: the id 'overview' is the name of the page pages/overview.md: [[overview]] could then "
        "not link to that page; choose another one\n")
    assert content.errors() == []


def test_import_refuses_the_id_of_a_page_given_or_made_from_the_title(content, capsys, tmp_path):
    page = tmp_path / "saved.html"
    page.write_text("<html><head><title>Overview</title></head><body><article><p>Text of the article.</p>"
                    "</article></body></html>", encoding="utf-8")
    for argv in ([], ["--id", "overview"]):
        assert main(["import", str(page), "--content", ".", *argv]) == 2
        assert capsys.readouterr().err == (
            "dossier import: error: the id 'overview' is the name of the page pages/overview.md: [[overview]] "
            "could then not link to that page; choose another with --id\n")
    assert not (content.root / "sources/overview.md").exists()
    assert content.errors() == []


# --- annotations land on the files of the pull request ------------------------------------------

def test_github_paths_are_from_the_checkout_when_run_from_a_folder_below_it(content, monkeypatch):
    """A workflow step with `working-directory: content` and `--content .`: the diagnostics name
    'entities/...', which GitHub would look for at the root of the repository."""
    monkeypatch.setenv("GITHUB_WORKSPACE", str(content.root.parent))
    d = Diagnostic("entities/people/x.yaml", 2, 1, "error", "unknown-key", "m")
    assert fmt.format_github(d).startswith("::error file=content/entities/people/x.yaml,line=2,")
    assert "| content/entities/people/x.yaml | 2 | 1 |" in fmt.step_summary([d])


def test_github_paths_outside_the_checkout_or_without_one_are_as_given(content, monkeypatch, tmp_path):
    d = Diagnostic("entities/people/x.yaml", 2, 1, "error", "unknown-key", "m")
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    assert fmt.format_github(d).startswith("::error file=entities/people/x.yaml,")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path / "elsewhere"))
    assert fmt.format_github(d).startswith("::error file=entities/people/x.yaml,")


def test_check_from_the_content_folder_annotates_from_the_checkout(content, monkeypatch, capsys):
    monkeypatch.setenv("GITHUB_WORKSPACE", str(content.root.parent))
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    content.write("entities/people/bob.yaml", "name: Bob\nrol: x\n")
    assert main(["check", "--content", ".", "--format", "github"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert any(line.startswith("::error file=content/entities/people/bob.yaml,line=2,col=1,") for line in out)
    assert all(line.split(maxsplit=1)[1].startswith("file=content/") for line in out)


# --- serve: a taken port is said at once, and the preview leaves nothing behind -----------------

def test_serve_on_a_taken_port_fails_before_building_and_leaves_no_folder(content, monkeypatch, tmp_path):
    built, made = [], tmp_path / "preview-tmp"
    monkeypatch.setattr(serving.Preview, "rebuild", lambda self: built.append(self))
    monkeypatch.setattr(serving.tempfile, "mkdtemp", lambda prefix: (made.mkdir(), str(made))[1])
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        with pytest.raises(OSError):
            serving.serve(content.root, taken.getsockname()[1])
    finally:
        taken.close()
    assert built == [] and not made.exists()


def test_serve_removes_its_temporary_site_when_stopped(content, monkeypatch, tmp_path):
    made = tmp_path / "preview-tmp"
    monkeypatch.setattr(serving.tempfile, "mkdtemp", lambda prefix: (made.mkdir(), str(made))[1])
    monkeypatch.setattr(serving.ThreadingHTTPServer, "serve_forever",
                        lambda self: (_ for _ in ()).throw(KeyboardInterrupt))   # Ctrl-C
    monkeypatch.setattr(serving, "watch", lambda preview, stop: None)
    assert serving.serve(content.root, 0) == 0
    assert not made.exists()


def test_serve_with_out_keeps_the_site(content, monkeypatch, tmp_path):
    monkeypatch.setattr(serving.ThreadingHTTPServer, "serve_forever",
                        lambda self: (_ for _ in ()).throw(KeyboardInterrupt))
    monkeypatch.setattr(serving, "watch", lambda preview, stop: None)
    assert serving.serve(content.root, 0, tmp_path / "site") == 0
    assert (tmp_path / "site" / "index.html").is_file()


def test_a_preview_back_to_the_last_site_says_nothing_changed_not_built_0_pages(content, tmp_path, capsys):
    preview = serving.Preview(content.root, tmp_path / "preview")
    preview.rebuild()
    bob = content.write("entities/people/bob.yaml", "name: [Bob\n")
    preview.rebuild()
    bob.unlink()
    preview.rebuild()
    err = capsys.readouterr().err
    assert "built 0 pages" not in err
    assert err.splitlines()[-1].startswith("dossier serve: nothing changed since the last build in ")
    assert preview.errors == []


# --- import: what a saved page holds never makes a file that check refuses ----------------------

def test_import_drops_bidirectional_controls_that_check_refuses(content, capsys, tmp_path):
    """Pages in Arabic, Hebrew or Persian hold embeddings and isolates (U+202B ... U+202C, U+2067
    ... U+2069) around numbers and Latin names; check refuses them in content ('Trojan Source'),
    so a title with one stopped the import ('internal error') and one in the text was written."""
    page = tmp_path / "saved.html"
    page.write_text('<html><head><meta property="og:title" content="Trojan &#x202E;title"></head><body><article>'
                    "<p>Body &#x202B;text&#x202C; with &#x2067;12&#x2069; here.</p></article></body></html>",
                    encoding="utf-8")
    assert main(["import", str(page), "--content", ".", "--id", "saved"]) == 0
    text = (content.root / "sources/saved.md").read_text(encoding="utf-8")
    assert 'title: "Trojan title"' in text and "Body text with 12 here." in text
    assert content.errors() == []


def test_the_importers_last_check_refuses_a_control_character_in_the_text():
    from dossier.importer import ImportFailed, verify
    with pytest.raises(ImportFailed, match="U\\+202E"):
        verify('---\ntitle: "T"\n---\nText \u202e here.\n', "sources/t.md")


# --- the step summary stays within what GitHub takes ----------------------------------------------

def test_a_step_summary_past_githubs_1_mib_is_cut_and_says_how_many_are_left_out():
    """GitHub drops a step summary over 1 MiB whole ('upload aborted'): renaming an entity that
    thousands of files link to would leave the pull request with no list at all."""
    items = [Diagnostic(f"content/entities/people/person-{i:05}.yaml", 3, 5, "error", "unknown-id",
                        f"unknown id 'north-korea' in [[north-korea]] (did you mean 'north-korea-dprk'?) {'x' * 100}")
             for i in range(8000)]
    items += [Diagnostic("content/sources/s.md", 1, 1, "warning", "uncited-source", "nothing cites the source 's'")]
    text = fmt.step_summary(items)
    assert len(text.encode("utf-8")) <= fmt.STEP_SUMMARY_LIMIT < 1024 * 1024
    rows = [line for line in text.splitlines() if line.startswith("| content/")]
    left = len(items) - len(rows)
    assert 1000 < len(rows) < 8000
    assert f"; the first {len(rows)} are listed here." in text   # not "all of them"
    assert text.endswith(f"\n\n{left} more ({left - 1} errors, 1 warning) are not listed: GitHub takes at most 1 MiB "
                         "of summary. Run `dossier check` on the branch to see them all.\n")


def test_a_step_summary_within_the_limit_lists_every_diagnostic():
    items = [Diagnostic("content/a.yaml", i, 1, "error", "type", "m") for i in range(1, 4)]
    text = fmt.step_summary(items)
    assert len([line for line in text.splitlines() if line.startswith("| content/")]) == 3
    assert "not listed" not in text


def test_an_annotation_about_a_source_says_it_is_one(content):
    text = (content.root / "sources/daily-news.md").read_text(encoding="utf-8")
    content.write("sources/daily-news.md", text.replace("about: [ada-example]", "about: [almanac]"))
    assert ("sources/daily-news.md:13:13: error: unknown entity 'almanac' in 'about' of annotation a-visit-date: "
            "it is a source, not an entity [unknown-id]") in content.errors()


# --- layout: a misnamed folder or extension says what was meant -----------------------------------

@pytest.mark.parametrize("folder, meant", [("person", "people"), ("peple", "people"), ("organisations", "organizations")])
def test_a_misnamed_kind_folder_says_which_was_meant(content, folder, meant):
    content.write(f"entities/{folder}/bob.yaml", "name: Bob\n")
    assert (f"entities/{folder}: error: {folder!r} is not an entity kind folder (did you mean {meant!r}?): expected one "
            "of people, organizations, countries, places, crossings, events, documents [unknown-kind]") in content.errors()


def test_a_misnamed_kind_folder_is_the_one_error_not_the_references_to_its_files(content):
    # The people folder of the fixture renamed: the entities in it are not read, and the places
    # that name them are not reported as unknown ids on top of the folder's error.
    (content.root / "entities/people").rename(content.root / "entities/peple")
    content.write("entities/peple/vlad.YAML", "name: Vlad\n")   # told to rename it in a kind folder; named here too
    content.write("pages/vlad.md", "---\ntitle: Vlad\n---\n[[vlad]]\n")
    assert content.errors() == ["entities/peple: error: 'peple' is not an entity kind folder (did you mean 'people'?): "
                                "expected one of people, organizations, countries, places, crossings, events, "
                                "documents [unknown-kind]"]


@pytest.mark.parametrize("name", ["bob.YAML", "bob.Yml", "bob.yml"])
def test_an_entity_file_with_a_yaml_extension_in_other_letters_is_told_to_rename_it(content, name):
    content.write(f"entities/people/{name}", "name: Bob\n")
    assert f"entities/people/{name}: error: entity files must end in .yaml (rename it to .yaml) [layout]" in content.errors()


# --- a duplicate id is on the file the pull request adds, whichever sorts first -------------------

def test_a_new_entity_with_the_id_of_a_source_carries_the_error(content):
    """Files are read entities first: an entity added with a source's id was kept, and the only
    duplicate-id error fell on the source, a file the pull request does not touch (GitHub shows
    no annotation on the new file)."""
    content.write("entities/people/almanac.yaml", "name: Al Manac\n")
    errors = content.errors()
    assert ("entities/people/almanac.yaml: error: id 'almanac' is also used by sources/almanac.md: ids are unique "
            "across all entities and sources; rename one of them [duplicate-id]") in errors
    assert ("sources/almanac.md: error: id 'almanac' is already used by entities/people/almanac.yaml: ids are unique "
            "across all entities and sources [duplicate-id]") in errors


def test_references_to_an_id_defined_twice_are_not_errors_of_their_own(content):
    """The file dropped of the two may be what the references mean: every [@almanac] citing the
    source is no error of the pull request that adds a person named almanac. duplicate-id says
    what is wrong, at both files."""
    content.write("entities/people/almanac.yaml", "name: Al Manac\n")
    errors = content.errors()
    assert [e for e in errors if "[duplicate-id]" not in e] == []
    assert len(errors) == 2


def test_a_new_source_with_the_id_of_a_page_carries_the_error(content):
    content.write("sources/overview.md", "---\ntitle: An overview\naccessed: 2026-01-01\n---\nText.\n")
    assert ("sources/overview.md: error: the id 'overview' is also the name of the page pages/overview.md: "
            "[[overview]] links here, so that page could not be linked; rename one of them [duplicate-id]") in content.errors()


def test_a_value_not_allowed_suggests_the_closest_allowed_one(content):
    content.write("entities/crossings/c.yaml", "name: C\nmode: raod\nlocation: {note: Not published.}\n")
    assert any("entities/crossings/c.yaml:2:7: error: 'raod' is not allowed here (did you mean 'road'?): expected one of"
               in error for error in content.errors())


def test_a_quote_written_with_other_capitals_says_so(content):
    text = (content.root / "sources/daily-news.md").read_text(encoding="utf-8")
    quote = text.split('quote: "', 1)[1].split('"', 1)[0]
    content.write("sources/daily-news.md", text.replace(f'quote: "{quote}"', f'quote: "{quote.upper()}"', 1))
    errors = [e for e in content.errors() if "[quote-not-found]" in e]
    assert len(errors) == 1 and "(the text has it with other capitals: quote it as written)" in errors[0]


# --- suggestions cost a bounded time, whatever the ids look like ---------------------------------

LONG = "a" * 74   # ids of 80 characters much alike: difflib compares each pair in full


def test_suggestions_for_long_ids_much_alike_stay_within_seconds():
    """The budget counted pairs: 200,000 pairs of such ids took 100 s (1,000 entities and 200
    unknown links made `dossier check` take 95 s instead of 0.3 s)."""
    from dossier.stages.resolve import Suggestions, Target
    targets = {i: Target(i, i, i, "person") for i in (f"{LONG}-{n:05d}" for n in range(1000))}
    suggestions = Suggestions(targets)
    with cpu_bound(15):   # 95 s before; 3.4 s at most now, on a slow core
        for k in range(200):
            suggestions.hint(f"{LONG}-x{k:04d}")
    assert suggestions.spent <= Suggestions.BUDGET


def test_unknown_relation_types_are_suggested_within_the_budget_too(content):
    """closest() for relation types had no budget at all: a dossier.yaml declaring 1,000 types and
    one entity using 100 unknown ones (of 80 characters much alike) took 68 s to check."""
    types = "".join(f"  {LONG}-{n:05d}: {{label: l{n}, reverse: r{n}}}\n" for n in range(1000))
    config = (content.root / "dossier.yaml").read_text(encoding="utf-8")
    (content.root / "dossier.yaml").write_text(config.replace("relations:\n", "relations:\n" + types), encoding="utf-8")
    relations = "".join(f"  - {{type: {LONG}-x{k:04d}, target: ruritania}}\n" for k in range(100))
    content.write("entities/people/mallory.yaml", "name: Mallory\nrelations:\n" + relations)
    with cpu_bound(15):
        errors = [e for e in content.errors() if "[unknown-relation]" in e]
    assert len(errors) == 100


def test_an_unknown_relation_type_is_still_suggested(content):
    content.write("entities/people/bob.yaml", "name: Bob\nrelations:\n  - {type: lead, target: ruritania}\n")
    assert any("unknown relation type 'lead' (did you mean 'leads'?)" in e for e in content.errors())


# --- GITHUB_WORKSPACE named through a symbolic link ----------------------------------------------

def test_github_paths_are_from_the_checkout_named_through_a_link(content, monkeypatch, tmp_path):
    link = tmp_path / "workspace-link"
    link.symlink_to(content.root.parent, target_is_directory=True)
    monkeypatch.chdir(link / "content")   # os.getcwd() gives the folder the link points to
    monkeypatch.setenv("GITHUB_WORKSPACE", str(link))
    d = Diagnostic("entities/people/x.yaml", 2, 1, "error", "unknown-key", "m")
    assert fmt.format_github(d).startswith("::error file=content/entities/people/x.yaml,line=2,")


def test_a_path_in_a_folder_whose_name_begins_with_two_dots_is_in_the_checkout(content, monkeypatch):
    monkeypatch.setenv("GITHUB_WORKSPACE", str(content.root))
    monkeypatch.chdir(content.root / "entities")
    d = Diagnostic("../..notes/x.md", 2, 1, "error", "x", "m")   # '..notes' is a name, not the parent
    assert fmt.format_github(d).startswith("::error file=..notes/x.md,")


# --- the 'other capitals' hint is about capitals only --------------------------------------------

QUOTED = """
---
title: T
accessed: 2026-01-01
annotations:
  - quote: "{quote}"
    note: n.
---
{text}
"""


@pytest.mark.parametrize("quote, text, hinted", [
    ("the Bridge", "Text about the bridge.", True),
    ("the first bridge", "It was the \ufb01rst bridge.", False),   # a ligature, as in text taken from a PDF
    ("Strasse", "On the Stra\u00dfe.", False),                     # sharp s, not a capital
])
def test_the_other_capitals_hint_is_given_only_for_capitals(content, quote, text, hinted):
    content.write("sources/s.md", QUOTED.format(quote=quote, text=text))
    [error] = [e for e in content.errors() if e.startswith("sources/s.md")]
    assert ("other capitals" in error) == hinted, error


def test_a_file_name_that_is_not_utf8_is_shown_escaped_in_the_step_summary(tmp_path, monkeypatch, capsys):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    d = Diagnostic("content/entities/people/bad\udcff.yaml", 1, 1, "error", "yaml", "m")
    from dossier import cli
    cli._print([d], "github", "check")
    assert "bad\\udcff.yaml" in summary.read_text(encoding="utf-8")


@pytest.mark.parametrize("style", ["text", "github", "json"])
def test_a_file_name_that_is_not_utf8_is_printed_escaped_in_every_format(style, capsys):
    from dossier import cli
    cli._print([Diagnostic("content/entities/people/bad\udcff.yaml", 1, 1, "error", "yaml", "m")], style, "check")
    out, err = capsys.readouterr()
    assert "bad\\udcff.yaml" in (out + err).replace("\\\\", "\\")


# --- found by the second outside review acting as a contributor ---------------------------------

@pytest.mark.parametrize("location, expected", [
    # an empty lat beside a lon was taken as no position at all: "Location not published"
    ("{lat: ~, lon: 130.6, cite: [almanac]}",
     "entities/places/p.yaml:2:11: error: a location needs both 'lat' and 'lon' (or neither, with a 'note' saying what is known) [location]"),
    ("{lat: 42.4, lon: , cite: [almanac]}",
     "entities/places/p.yaml:2:11: error: a location needs both 'lat' and 'lon' (or neither, with a 'note' saying what is known) [location]"),
    # both empty is no position, and that needs a note, as {} does
    ("{lat: ~, lon: ~}",
     "entities/places/p.yaml:2:11: error: a location without coordinates needs a 'note' saying what the sources tell of it [location]"),
])
def test_an_empty_coordinate_is_a_missing_one(content, location, expected):
    content.write("entities/places/p.yaml", f"name: P\nlocation: {location}\n")
    assert [e for e in content.errors() if e.startswith("entities/places/p.yaml")] == [expected]


@pytest.mark.parametrize("date, why", [("2024-02-30", "February 2024 has 29 days"), ("2025-02-29", "February 2025 has 28 days"),
                                       ("2025-13", "there is no month 13"), ("2025-00-10", "there is no month 00"),
                                       ("2025-04-31", "April 2025 has 30 days"), ("2025-04-00", "there is no day 00")])
def test_an_impossible_date_says_why(content, date, why):
    content.write("entities/events/e.yaml", f"name: E\ndate: {date}\nparticipants: [ada-example]\n")
    assert f"entities/events/e.yaml:2:7: error: '{date}' is not a valid date: {why} [date]" in content.errors()


def test_the_kind_of_id_expected_takes_its_article(content):
    content.write("entities/people/bob.yaml", "name: Bob\ncountry: [ruritania]\n")
    assert ("entities/people/bob.yaml:2:10: error: expected a country id (lowercase letters, digits and single hyphens), "
            "found a list [type]") in content.errors()


def test_a_source_cited_twice_at_the_same_place_is_a_repeat_and_at_two_places_is_not(content):
    content.write("entities/people/bob.yaml", 'name: Bob\nfacts:\n  - {label: Born, value: "1970", cite: ['
                  'daily-news, "daily-news, p. 2", "daily-news, p. 3", daily-news]}\n')
    assert [e for e in content.errors() if e.startswith("entities/people/bob.yaml")] == [
        "entities/people/bob.yaml:3:93: error: 'daily-news' is cited twice (items 1 and 4): remove the repeat [duplicate-item]"]


def test_an_item_cited_twice_in_one_markdown_citation_is_a_repeat_as_in_a_cite_list(content):
    content.write("entities/people/bob.yaml", "name: Bob\nsummary: |\n"
                  "  Twice [@daily-news, p. 2; @daily-news, p. 2], at two places [@daily-news, p. 2; @daily-news, p. 3],\n"
                  "  in two citations [@almanac] [@almanac], in code `[@almanac; @almanac]`,\n"
                  "  and beside code [@almanac; @daily-news; @almanac].\n")
    assert [e for e in content.errors() if e.startswith("entities/people/bob.yaml")] == [
        "entities/people/bob.yaml:3:29: error: [@daily-news, p. 2] is cited twice in one citation: remove the repeat [duplicate-item]",
        "entities/people/bob.yaml:5:43: error: [@almanac] is cited twice in one citation: remove the repeat [duplicate-item]"]


def test_citations_in_a_table_are_each_placed_at_their_own_cell_never_taken_for_one(content):
    """A '\\|' in a table's cell reads as '|' (the table unescapes it), which the patterns did not
    match: its [[link]] was placed at a later one, the citation after it at a citation further on,
    and two citations at one place were read as one citing an item twice (an outside hunt)."""
    content.write("pages/t.md", "---\ntitle: T\n---\nIntro.\n\n"
                  "| a | b [@almanac, p. 4] |\n|---|---|\n"
                  "| [[ada-example\\|Ada]] | [@almanac; @daily-news, para. 2] [@nowhere] |\n"
                  "| [[ada-example|Ada 2]] | x |\n"
                  "[[ada-example|text with [@almanac] inside]]\n")
    assert [e for e in content.errors() if e.startswith("pages/t.md")] == [
        "pages/t.md:8:60: error: unknown source 'nowhere' in [@nowhere] [unknown-source]"]


def test_an_item_cited_twice_in_a_location_note_is_a_repeat_too(content):
    """A location note is read both as blocks (its page) and within a paragraph (the map page): the
    two readings were merged as a set, which took the repeat away (an outside review)."""
    content.write("entities/crossings/new-bridge.yaml", 'name: New Bridge\nlocation:\n'
                  '  note: "Not published [@daily-news, p. 2; @daily-news, p. 2]."\n  cite: [daily-news]\n')
    assert [e for e in content.errors() if e.startswith("entities/crossings/new-bridge.yaml")] == [
        "entities/crossings/new-bridge.yaml:3:44: error: [@daily-news, p. 2] is cited twice in one citation: remove "
        "the repeat [duplicate-item]"]


def test_a_citation_with_a_space_after_its_at_sign_is_warned_of_when_it_names_a_source(content):
    """'[@ almanac, p. 3]' is shown as text: meant as a citation when a source has that id (an
    outside review); '[@ someone]' that names no source may be text, and code is never read."""
    content.write("entities/people/bob.yaml", "name: Bob\nsummary: |\n"
                  "  Born in 1970 [@ almanac, p. 3], per [@ someone] and `[@ almanac]`.\n")
    warned = [m for m in content.messages() if m.startswith("entities/people/bob.yaml") and "malformed-reference" in m]
    assert warned == ["entities/people/bob.yaml:3:16: warning: '[@ almanac' begins no citation and is shown as text: "
                      "write the id right after the '@' ([@almanac]) [malformed-reference]"]


def test_pandocs_other_citation_forms_are_warned_of_when_they_name_a_source(content):
    """'[see @almanac, p. 3]' and '[-@almanac]' passed check --strict and were shown as brackets
    (an outside test); an address with an '@' in brackets names no source and is text."""
    content.write("entities/people/bob.yaml", "name: Bob\nsummary: |\n"
                  "  Born in 1970 [see @almanac, p. 3], as [-@almanac] says; [write to desk @ news] or [x @someone].\n")
    warned = [m for m in content.messages() if m.startswith("entities/people/bob.yaml") and "malformed-reference" in m]
    tail = ("begins no citation and is shown as text: a citation is [@almanac] or [@almanac, locator], with nothing before "
            "the '@' (a prefix such as 'see', or '-' to leave the author out, are Pandoc's and not read here: write them "
            "outside the brackets) [malformed-reference]")
    assert warned == [f"entities/people/bob.yaml:3:16: warning: '[see @almanac' {tail}",
                      f"entities/people/bob.yaml:3:41: warning: '[-@almanac' {tail}"]


def test_an_annotation_is_told_of_its_quote_and_status_where_they_are_written(content):
    content.write("sources/s.md", CLAIM.format(keys="    kind: note\n    status: disputed\n    note: n.")
                  .replace('"the bridge"', '"the tunnel"'))
    assert [e for e in content.errors() if e.startswith("sources/s.md")] == [
        "sources/s.md:5:12: error: annotation a-1: quote 'the tunnel' is not in the text [quote-not-found]",
        "sources/s.md:7:5: error: 'status' is for claims only (kind: claim) [status]"]


def test_a_link_or_citation_in_a_plain_text_value_is_told_it_is_shown_as_written(content):
    content.write("entities/people/bob.yaml", 'name: Bob\nrole: "Mayor of [[ruritania]]"\nsummary: Bob of [[ruritania]].\n'
                  'facts:\n  - {label: Born, value: "1970 [@almanac]", note: "See [[ada-example]].", cite: [almanac]}\n')
    warned = [m for m in content.messages() if "plain-text-link" in m]
    assert [m.split(": warning: ")[0] for m in warned] == ["entities/people/bob.yaml:2:7", "entities/people/bob.yaml:5:26"]
    assert warned[0].endswith("'Mayor of [[ruritania]]' is shown as written: this value is plain text, and [[id]] links and "
                              "[@source] citations are read only in Markdown (summary, note, a page's or a source's text); "
                              "link in a note beside it, and cite with 'cite' [plain-text-link]")


def test_a_hash_that_cuts_a_value_short_is_warned_of_and_a_comment_written_as_one_is_not(content):
    content.write("entities/people/bob.yaml", 'name: Bob #2\nrole: Mayor # of the town, a comment\n'
                  'country: ruritania  #the country\nfacts:\n  - label: Decree\n    value: Decree #1234 of 2024\n'
                  '    cite: [almanac]\n')
    warned = [m for m in content.messages() if "[yaml-comment]" in m]
    assert warned == [
        "entities/people/bob.yaml:1:11: warning: ' #' starts a comment, so this value ends before it ('Bob') and '#2' "
        "is left out: if it belongs to the value, put the whole value in quotes; if it is a comment, put a space "
        "after the '#' [yaml-comment]",
        "entities/people/bob.yaml:6:19: warning: ' #' starts a comment, so this value ends before it ('Decree') and "
        "'#1234 of 2024' is left out: if it belongs to the value, put the whole value in quotes; if it is a comment, "
        "put a space after the '#' [yaml-comment]"]


def test_a_file_with_only_warnings_is_loaded_and_published(content, tmp_path):
    """A warning while reading a file (yaml-comment) counted as a failure to load: the page was
    left out without a word, and a page linking to it failed the build (an outside review)."""
    content.write("entities/people/bob.yaml", "name: Bob\nrole: Mayor #2 of the town\nsummary: Bob of [[ruritania]].\n"
                  "facts:\n  - {label: Title, value: \"[[not-a-link]]\", cite: [almanac]}\n")
    content.write("entities/people/carl.yaml", "name: Carl\nsummary: Carl met [[bob]].\n")
    result = content.build(tmp_path / "site")
    assert not result.diagnostics.errors
    assert {d.code for d in result.diagnostics.warnings if "bob.yaml" in d.path} == {"yaml-comment", "plain-text-link"}
    page = (tmp_path / "site/people/bob.html").read_text(encoding="utf-8")
    assert "Mayor" in page and "[[not-a-link]]" in page
    assert 'href="../people/bob.html"' in (tmp_path / "site/people/carl.html").read_text(encoding="utf-8")


def test_values_cut_short_are_listed_up_to_twenty_then_counted():
    from dossier.diagnostics import Diagnostics
    from dossier.yamlload import compose
    diags = Diagnostics()
    compose("items:\n" + "".join(f"  - value{i} #c{i}\n" for i in range(50)), "f.yaml", diags)
    assert [d.line for d in diags.items] == list(range(2, 22)) + [22]
    assert diags.items[-1].message == "30 more values cut short by ' #' are not listed"


@pytest.mark.parametrize("text, expected", [
    # a valid quoted text over two lines, and an unrelated error lines later: the error's own hint
    ('note: "the decree reads\n  article: one of the law"\nname: x\nrole: a\nlabel: [b\nz: 1\n',
     "5:8: error: YAML syntax error: the '[' here is not closed on its line"),
    # the ']' is there, in what YAML reads as a comment
    ("tags: [a #b, c]\n",
     "1:7: error: YAML syntax error: the '[' here is not closed: the ' #' on its line starts a comment"),
    # libyaml reports these at the start of the next line, past the end of a file's last one,
    # where a pull request cannot show an annotation
    ("name: Armenia\niso:AM\n",
     "2:1: error: YAML syntax error: a key needs a space after its ':' ('iso: ...')"),
    ("name: X\nrelations:\n  - {type: member-of, target: ruritania}\n  {type: member-of, target: ruritania}\n",
     "4:3: error: YAML syntax error: this line starts a list item without its '- '"),
    # a mapping written on one line, meant as one: the slip, not "put the value in quotes"
    ('name: X\nfacts:\n  - {label: Born, value: "1978" cite: [almanac]}\n',
     "3:33: error: YAML syntax error: a ',' is missing before this: the entries inside '{...}' are separated by commas"),
    ('name: X\nfacts:\n  - {label: Born, value: "1978", cite:[almanac]}\n',
     "3:38: error: YAML syntax error: a key inside '{...}' needs a space after its ':'"),
    ('name: X\nfacts:\n  - {label: Born, value: "1978", cite: [almanac}\n',
     "3:48: error: YAML syntax error: the '[' at column 40 is closed with '}': close it with ']'"),
    # a key indented as nothing above it
    ("name: X\nfacts:\n  - label: Born\n    value: '1978'\n   cite: [almanac]\n",
     "5:4: error: YAML syntax error: this line is indented as nothing above it is"),
    # a quote inside a value quoted with it (not "indented as nothing above", a review found)
    ('name: X\nrole: "the "new" mayor"\n',
     "2:13: error: YAML syntax error: text follows the \" that closes the quoted value: a \" inside a value quoted with it "
     "is written \\\", or quote the value with the other kind of quote"),
    ("name: X\nrole: 'Kim's mayor'\n",
     "2:12: error: YAML syntax error: text follows the ' that closes the quoted value: a ' inside a value quoted with it "
     "is written '', or quote the value with the other kind of quote"),
    # an address on a line of its own is no key without its space
    ("name: X\nrole: see\nhttps://example.org\n",
     "3:1: error: YAML syntax error: this line is read as a key but has no ': ' after one"),
    # and text that begins with a bracket keeps its own hint
    ("name: X\nrole: [Mayor] of Ruritania\n",
     "2:7: error: YAML syntax error: a value that starts with '[' is read as a YAML list: if it is text, put the whole value in quotes"),
])
def test_a_yaml_hint_points_at_the_cause_at_the_line_to_mend(content, text, expected):
    content.write("entities/people/bob.yaml", text)
    [error] = [e for e in content.errors() if e.startswith("entities/people/bob.yaml")]
    assert error.startswith("entities/people/bob.yaml:" + expected), error


def test_a_list_item_without_its_dash_is_told_so_once_where_it_begins(content):
    """One error for the item, not one for each of its keys (an outside hunt counted 3 to 5)."""
    content.write("entities/people/bob.yaml", "name: Bob\nfacts:\n  - label: Born\n    value: '1970'\n"
                  "    label: Died\n    value: '2020'\n")
    assert [e for e in content.errors() if e.startswith("entities/people/bob.yaml")] == [
        "entities/people/bob.yaml:5:5: error: duplicate keys 'label' and 'value' (first defined on lines 3, 4): if "
        "line 5 begins another item of the list, write '- ' before it [duplicate-key]"]
    content.write("entities/people/bob.yaml", "name: Bob\nfacts:\n  - label: Born\n    value: '1970'\n"
                  "    label: Died\n    value: '2020'\n    label: Height\n    value: 170 cm\n")   # two dashes left out
    assert [e for e in content.errors() if e.startswith("entities/people/bob.yaml")] == [
        "entities/people/bob.yaml:5:5: error: duplicate keys 'label' and 'value' (first defined on lines 3, 4): if "
        "line 5 begins another item of the list, write '- ' before it [duplicate-key]",
        "entities/people/bob.yaml:7:5: error: duplicate keys 'label' and 'value' (first defined on lines 5, 6): if "
        "line 7 begins another item of the list, write '- ' before it [duplicate-key]"]
    content.write("entities/people/bob.yaml", "name: Bob\nname: Robert\nrole: A\nrole: B\n")   # not in a list: each said
    assert [e for e in content.errors() if e.startswith("entities/people/bob.yaml")] == [
        "entities/people/bob.yaml:2:1: error: duplicate key 'name' (first defined on line 1) [duplicate-key]",
        "entities/people/bob.yaml:4:1: error: duplicate key 'role' (first defined on line 3) [duplicate-key]"]


def test_a_web_address_without_its_scheme_is_told_to_begin_with_https(content):
    content.write("pages/links.md", "---\ntitle: Links\n---\nSee [the report](civil.ge/en/news/1), [the site](www.kcna.kp) "
                  "and [the notes](notes.md).\n")
    errors = [e for e in content.errors() if e.startswith("pages/links.md")]
    assert len(errors) == 3
    assert [e.endswith("points to a missing file: a web address begins with https:// [bad-link]") for e in errors] \
        == [True, True, False]


@pytest.mark.parametrize("rel, text, expected", [
    # a label that wraps over lines of a block quote is longer as written than as markdown-it reads it
    ("pages/quoted.md", "---\ntitle: Quoted\n---\n> [[ghost|ab\n" + "> ab\n" * 150 + "> ab]]\n",
     "pages/quoted.md:4:3: error: unknown id 'ghost' in [[ghost]] [unknown-id]"),
    # a fact's note is shown within a paragraph, where four spaces before it make no code block
    ("entities/people/bob.yaml", 'name: Bob\nsummary: Bob of [[ruritania]].\nfacts:\n'
     '  - {label: Born, value: "1970", cite: [almanac], note: "    see [[ghost]] `x`"}\n',
     "entities/people/bob.yaml:4:66: error: unknown id 'ghost' in [[ghost]] [unknown-id]"),
])
def test_check_reads_a_reference_where_the_page_renders_one(content, tmp_path, rel, text, expected):
    """dossier check passed both, and the build failed ("dossier check did not see it"): an
    outside review."""
    content.write(rel, text)
    assert expected in content.errors()


# --- found by an outside review acting as a contributor (session 16) ----------------------------

@pytest.mark.parametrize("line, where, quote, written", [
    ("aliases: ['Ada', 'Korea's leader']", "2:24", "'", "''"),
    ('facts:\n  - {label: "Born in, value: "1970", cite: [almanac]}', "3:30", '"', '\\"'),
])
def test_a_quote_that_ends_a_value_early_inside_brackets_is_not_told_it_misses_a_comma(content, line, where, quote, written):
    # Told "a ',' is missing", a contributor wrote ['Korea', s leader'], which passed every check.
    content.write("entities/people/bob.yaml", f"name: Bob\n{line}\n")
    opened = 18 if quote == "'" else 13
    assert content.errors() == [
        f"entities/people/bob.yaml:{where}: error: YAML syntax error: the value quoted from column {opened} ends at "
        f"this {quote}, and text follows it: if the {quote} is part of the value, write it {written} (or quote the "
        f"value with the other kind of quote); if the value was to end before, close it there; if a new entry begins "
        "here, a ',' is missing before it [yaml-syntax]"]


def test_a_quote_written_twice_inside_a_value_is_read_as_yaml_reads_it_to_say_where_the_value_opens(content):
    content.write("entities/people/bob.yaml", "name: Bob\naliases: ['Kim''s'x]\n")
    assert content.errors()[0].startswith("entities/people/bob.yaml:2:18: error: YAML syntax error: the value quoted "
                                          "from column 11 ends at this '")


@pytest.mark.parametrize("text, where", [("name: Bob\nrole:\xa0Mayor\n", "2:6"),
                                         ("name: Bob\nfacts:\n\xa0 - {label: Born, value: '1970', cite: [almanac]}\n", "3:1"),
                                         ("name: Bob\nfacts:\n  -\xa0label: Born\n    value: '1970'\n", "3:4")])
def test_a_no_break_space_where_yaml_needs_a_space_is_named(content, text, where):
    content.write("entities/people/bob.yaml", text)
    assert content.errors() == [
        f"entities/people/bob.yaml:{where}: error: YAML syntax error: a no-break space (U+00A0, as pasted from a web "
        "page or a word processor) is here, where YAML needs an ordinary space: replace it with a space [yaml-syntax]"]


@pytest.mark.parametrize("text, where, found", [
    ("name: Bob\naliases:\n  -\xa0Bobby\n  -\xa0B.\n", "3:3", "a list of text, found '-\\xa0Bobby -\\xa0B.'"),
    ("name: Bob\nlocation:\n  lat:\xa042.0\n", "3:3", "a mapping (location), found 'lat:\\xa042.0'")])
def test_a_list_or_mapping_read_as_one_text_for_a_no_break_space_says_so(content, text, where, found):
    # YAML reads no list item after '-' and a no-break space, and no key before ':' and one:
    # the value is one text, of the wrong type, and the error says why.
    content.write("entities/places/p.yaml", text)
    errors = [e for e in content.errors() if e.startswith("entities/places/p.yaml")]
    assert errors == [f"entities/places/p.yaml:{where}: error: expected {found} (after a '-' or ':' in it is a no-break "
                      "space, U+00A0, as pasted from a web page or a word processor, where YAML needs an ordinary space "
                      "to read a list item or a key: replace it with a space) [type]"]


def test_a_no_break_space_inside_a_value_is_text(content):
    content.write("entities/people/bob.yaml", "name: Bob\nrole: Mayor of\xa0the town\n")
    assert content.errors() == []
    content.write("entities/people/bob.yaml", "name: Bob\naliases: Kim\xa0-\xa0Jong\nrole: Titre\xa0:\xa0suite\n")
    assert content.errors() == ["entities/people/bob.yaml:2:10: error: expected a list of text, found 'Kim\\xa0-\\xa0Jong' [type]"]


@pytest.mark.parametrize("text", ["name: Bob\nrole: \"Source:\xa0KCNA\"\nsummary: Wrong: it was AP\n",
                                  "name: Bob\nsummary: |\n  \xa0Bob built it.\nrole: Mayor: of town\n"])
def test_a_no_break_space_in_text_is_not_blamed_for_an_error_beside_it(content, text):
    errors = content.errors()   # the fixture is valid: only bob.yaml's error
    content.write("entities/people/bob.yaml", text)
    errors = content.errors()
    assert len(errors) == 1 and "no-break space" not in errors[0] and "': ' reads as the start of a key" in errors[0]


@pytest.mark.parametrize("rel, text", [
    ("pages/notes.md", "---\ntitle: Notes\n---\n\nIntro.\n\n<<<<<<< HEAD\nThe grade is F3.\n=======\n"
                       "The grade is C3.\n>>>>>>> fix-grade\n"),
    ("entities/people/bob.yaml", "name: Bob\nsummary: |\n<<<<<<< HEAD\n  One.\n=======\n  Two.\n>>>>>>> theirs\n"),
])
def test_a_merge_conflict_left_in_a_file_is_refused_at_its_first_marker(content, rel, text):
    content.write(rel, text)
    line = 7 if rel.endswith(".md") else 3
    assert content.errors() == [
        f"{rel}:{line}:1: error: a Git merge conflict is left in the file (from this '<<<<<<<' line to its '>>>>>>>' "
        "line): keep the text that is right, and delete the other and the marker lines ('<<<<<<<', '|||||||' if there "
        "is one, '=======', '>>>>>>>') [merge-conflict]"]


@pytest.mark.parametrize("body", ["Part one\n=======\n\nText.\n", "<<<<<<< is how a conflict begins.\n\nText.\n",
                                  "<<<<<<< HEAD\n\nNo middle, so no conflict.\n>>>>>>> x\n"])
def test_a_heading_underline_or_a_lone_marker_is_no_conflict(content, body):
    content.write("pages/notes.md", f"---\ntitle: Notes\n---\n\n{body}")
    assert content.errors() == []


def test_an_item_of_a_citation_over_two_lines_is_told_of_on_its_own_line(content):
    content.write("entities/people/bob.yaml", "name: Bob\nsummary: |\n  Met [@almanac; @almanac, p. 2;\n"
                  "  @dayly-news] and [@almanac, p. 3;\n  @almanac, p. 3] and [@almanac; @almanac;\n  @almanac] and\n"
                  "  [@almanac, post by @dayly;\n  @dayly].\n")
    assert [e for e in content.errors() if e.startswith("entities/people/bob.yaml")] == [
        "entities/people/bob.yaml:4:3: error: unknown source 'dayly-news' in [@dayly-news] (did you mean 'daily-news'?) [unknown-source]",
        "entities/people/bob.yaml:5:3: error: [@almanac, p. 3] is cited twice in one citation: remove the repeat [duplicate-item]",
        "entities/people/bob.yaml:5:34: error: [@almanac] is cited twice in one citation: remove the repeat [duplicate-item]",
        "entities/people/bob.yaml:6:3: error: [@almanac] is cited twice in one citation: remove the repeat [duplicate-item]",
        "entities/people/bob.yaml:8:3: error: unknown source 'dayly' in [@dayly] [unknown-source]"]


@pytest.mark.parametrize("name, error", [
    ("Daily-News.md", "sources/Daily-News.md: error: file name 'Daily-News' is not a valid id: use lowercase ASCII "
                      "letters, digits and single hyphens, at most 80 characters (rename it daily-news.md?) [bad-id]"),
    ("daily_news.markdown", "sources/daily_news.markdown: error: source files must end in .md [layout]")])
def test_a_file_refused_for_its_name_is_the_one_error_not_hidden_among_those_of_the_files_citing_it(content, name, error):
    # GitHub shows a pull request ten errors: they were ten "unknown source" on files nobody touched.
    (content.root / "sources/daily-news.md").rename(content.root / "sources" / name)
    assert content.errors() == [error]


@pytest.mark.parametrize("written, meant", [("the [bridge](https://example.org/b) will", "the bridge will"),
                                            ("the _bridge_ will", "the bridge will"), ("the `bridge` will", "the bridge will")])
def test_a_quote_with_a_link_or_marks_of_emphasis_or_code_is_read_without_them_for_the_hint(written, meant):
    from dossier.stages.resolve import _without_markdown_marks
    assert _without_markdown_marks(written) == meant
    assert _without_markdown_marks("snake_case stays") == "snake_case stays"


def test_a_quote_copied_with_markdowns_marks_is_told_how_a_reader_sees_it(content):
    text = (content.root / "sources/daily-news.md").read_text(encoding="utf-8")
    text = text.replace('  - quote: "the bridge"\n    suffix: "will open"', '  - quote: "The *Old Bridge* carries"')
    (content.root / "sources/daily-news.md").write_text(text, encoding="utf-8")
    assert content.errors() == [
        "sources/daily-news.md:19:12: error: annotation a-3: quote 'The *Old Bridge* carries' is "
        "not in the text (it is there without Markdown's marks, as a reader sees it: quote 'The Old Bridge carries') "
        "[quote-not-found]"]


def test_a_comma_inside_an_unquoted_value_in_braces_is_told_why_a_key_appears(content):
    content.write("entities/people/bob.yaml", "name: Bob\nfacts:\n  - {label: Born, value: '1970', cite: almanac, p. 4}\n")
    assert content.errors() == [
        "entities/people/bob.yaml:3:49: error: unknown key 'p. 4' in fact (a ',' inside '{...}' ends a value, so "
        "'p. 4' was read as a new key: if it belongs to the value before it, put that value in quotes); expected one "
        "of: label, value, cite, note [unknown-key]"]


@pytest.mark.parametrize("entry", ["valeu: ", "valeu: ~"])
def test_a_misspelt_key_with_its_colon_in_braces_is_not_told_of_commas(content, entry):
    content.write("entities/people/bob.yaml", f"name: Bob\nfacts:\n  - {{label: Born, {entry}, cite: [almanac]}}\n")
    errors = [e for e in content.errors() if "[unknown-key]" in e]
    assert len(errors) == 1 and "(did you mean 'value'?)" in errors[0] and "a ',' inside" not in errors[0]


# --- sources: what a third outside hunt found (28 November 2026) --------------------------------

def test_a_source_citing_itself_is_still_uncited(content):
    content.write("sources/lonely.md", "---\ntitle: Lonely\npublisher: X\nurl: https://example.org/l\npublished: 2025-05\n"
                                       "accessed: 2026-11-26\n---\nA text that cites itself [@lonely].\n")
    assert "sources/lonely.md: warning: nothing cites the source 'lonely' [uncited-source]" in content.messages()


def test_a_markdown_footnote_is_said_to_be_shown_as_written(content):
    news = content.root / "sources/daily-news.md"
    news.write_text(news.read_text(encoding="utf-8").replace("in Ruritania.", "in Ruritania.[^1]\n\n[^1]: Reported by Yonhap.", 1),
                    encoding="utf-8")
    line = news.read_text(encoding="utf-8").splitlines().index("Ada Example met officials in June 2023 in Ruritania.[^1]") + 1
    assert [m for m in content.messages() if m.endswith("[footnote]")] == [
        f"sources/daily-news.md:{line}:53: warning: '[^1]' is shown as written (and 1 more in this text): Markdown "
        "footnotes are not read here (the marker and the '[^...]: ...' line are text on the page); cite a source with "
        "[@source-id], or write the note in the text [footnote]"]


def test_a_source_with_annotations_and_no_text_is_one_error(content):
    news = content.root / "sources/daily-news.md"
    text = news.read_text(encoding="utf-8")
    news.write_text(text[:text.index("---\n", 4) + 4], encoding="utf-8")
    assert [e for e in content.errors() if "[quote-not-found]" in e] == [
        f"sources/daily-news.md:{text[:text.index('---', 4)].count(chr(10)) + 2}:1: error: the source has no text after its "
        "front matter, and its 3 annotations quote it: paste the article's text below the front matter [quote-not-found]"]


def test_a_quote_copied_with_its_citation_is_told_that_citations_are_not_text(content):
    news = content.root / "sources/daily-news.md"
    news.write_text(news.read_text(encoding="utf-8").replace('quote: "Ada Example met"', 'quote: "Ada Example [@almanac] met"'),
                    encoding="utf-8")
    messages = [m for m in content.messages() if m.startswith("sources/daily-news.md:15:")]
    assert messages == ["sources/daily-news.md:15:12: error: annotation a-2: quote 'Ada Example [@almanac] met' is not in "
                        "the text (a citation is not part of the text a reader sees: leave the '[@...]' out of the quote) "
                        "[quote-not-found]"]   # and no advice to 'cite with cite', which annotations do not have


def test_an_annotation_about_a_page_says_it_is_one(content):
    news = content.root / "sources/daily-news.md"
    news.write_text(news.read_text(encoding="utf-8").replace("about: [ada-example]", "about: [overview]"), encoding="utf-8")
    assert ("sources/daily-news.md:13:13: error: unknown entity 'overview' in 'about' of annotation a-visit-date: "
            "it is a page, not an entity [unknown-id]") in content.errors()


def test_front_matter_after_an_empty_first_line_is_told_where_it_must_begin(content):
    news = content.root / "sources/daily-news.md"
    news.write_text("\n" + news.read_text(encoding="utf-8"), encoding="utf-8")
    assert ("sources/daily-news.md:1:1: error: a source or page must start with YAML front matter between '---' lines "
            "(here the '---' comes after an empty line or spaces: it must be the file's very first characters) "
            "[front-matter]") in content.errors()


def test_a_quote_in_a_paragraph_pasted_with_an_indent_is_told_why_it_is_not_found(content):
    # Four spaces before a paragraph make it a code block, which is not annotated: the words are
    # plainly in the file, and the error says where a reader does not see them as text.
    news = content.root / "sources/daily-news.md"
    news.write_text(news.read_text(encoding="utf-8").replace("\nAda Example met officials", "\n    Ada Example met officials", 1),
                    encoding="utf-8")
    errors = [e for e in content.errors() if "[quote-not-found]" in e]
    assert len(errors) == 2 and all(e.endswith(
        "is not in the text (the file has these words where a reader does not see them as text: in code, or among "
        "markup; a paragraph indented four spaces is a code block, not annotated) [quote-not-found]") for e in errors)


def test_a_fact_sheet_past_the_markup_limit_is_told_that_yamls_punctuation_counts(content):
    """1,750 relations and no Markdown passed the limit, whose message spoke only of Markdown
    (an outside test)."""
    relations = "".join(f"  - {{type: related-to, target: place-{i}, cite: [almanac]}}\n" for i in range(2500))
    content.write("entities/people/hub.yaml", "name: Hub\nrelations:\n" + relations)
    [error] = [e for e in content.errors() if e.startswith("entities/people/hub.yaml")]
    assert error.endswith("split the file or simplify its text (in a YAML file its own punctuation counts too: a long "
                          "list of relations can be declared from the entities at their other ends) [markup-limit]")


@pytest.mark.parametrize("body", ["\n", "\u200b\n"])   # nothing, or nothing a reader sees
def test_a_page_with_nothing_below_its_front_matter_is_warned_of(content, body):
    content.write("pages/empty.md", "---\ntitle: Empty\n---\n" + body)
    assert [m for m in content.messages() if m.startswith("pages/empty.md")] == [
        "pages/empty.md:4:1: warning: the page has no text below its front matter, and is published as a title alone: "
        "write it in Markdown after the closing '---' [empty-page]"]


def test_a_link_is_placed_at_itself_not_at_an_earlier_malformed_one_of_the_same_id(content):
    """'[[nobody|b [c] d]]' is no link (a bracket in its label); the error of the real
    '[[nobody]]' further on was placed at it (an outside review of the table fix)."""
    content.write("pages/t.md", "---\ntitle: T\n---\nCode `x`.\n\nSee [[nobody|b [c] d]] here.\n\nThen [[nobody]].\n")
    assert [e for e in content.errors() if e.startswith("pages/t.md")] == [
        "pages/t.md:8:6: error: unknown id 'nobody' in [[nobody]] [unknown-id]"]


def test_a_position_near_a_pole_is_warned_to_be_off_the_map(content):
    """Web Mercator stops at 85.05°: a crossing at 89.9° was drawn off the map with nothing said
    (an outside test in Chromium)."""
    content.write("entities/crossings/polar.yaml", "name: Polar\nlocation: {lat: 89.9, lon: 10, cite: [almanac]}\n")
    assert [m for m in content.messages() if m.startswith("entities/crossings/polar.yaml") and "off-the-map" in m] == [
        "entities/crossings/polar.yaml:2:11: warning: latitude 89.9 is beyond ±85.0511°, which the site's maps (Web "
        "Mercator, as web maps are drawn) cannot show: its marker is not drawn where it is [off-the-map]"]


def test_a_list_item_repeating_thousands_of_keys_is_checked_in_bounded_time(content):
    from test_matching_bounds import cpu_bound
    keys = "".join(f"    k{i}: v\n" for i in range(4_900))   # within the markup limit
    content.write("entities/people/bob.yaml", "name: Bob\nfacts:\n  - label: A\n" + keys + keys.replace("v\n", "w\n"))
    with cpu_bound(0.5):   # 0.09 s; comparing each repeated key with the run's keys took 0.83
        errors = [e for e in content.errors() if e.startswith("entities/people/bob.yaml")]
    assert errors == ["entities/people/bob.yaml:4904:5: error: duplicate keys 'k0', 'k1', 'k2', 'k3', 'k4' and 4,895 more "
                      "(first defined on lines 4, 5, 6, 7, 8, …): if line 4904 begins another item of the list, write '- ' "
                      "before it [duplicate-key]"]
