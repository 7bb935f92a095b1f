"""The command line: diagnostics as text, GitHub workflow commands and JSON; exit codes; warnings
and --strict; `dossier new`; a few end-to-end runs through `python -m dossier`."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dossier import diagnostics as fmt
from dossier.cli import main
from dossier.diagnostics import Diagnostic

from child_process import engine_env

REPO = Path(__file__).resolve().parent.parent


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def clean(tmp_path, monkeypatch) -> Path:
    """A tiny valid dossier (no warnings), as the working directory."""
    root = tmp_path / "content"
    write(root, "dossier.yaml", "title: T\n")
    write(root, "entities/countries/ruritania.yaml", "name: Ruritania\nsummary: See [@almanac].\n")
    write(root, "sources/almanac.md", "---\ntitle: The Almanac\naccessed: 2026-01-01\n---\nText about [[ruritania]].\n")
    monkeypatch.chdir(root)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return root


# One problem of each kind, each in its own file.
PROBLEMS = {
    "entities/people/syntax.yaml": "name: [Bob\n",                                    # YAML syntax error
    "entities/people/dup.yaml": "name: A\nrole: x\nrole: y\n",                        # duplicate key
    "entities/people/alias.yaml": "name: &n Alias\naliases: [*n]\n",                  # anchor and alias
    "entities/people/tag.yaml": "name: !!python/object/apply:os.system ['echo hi']\n",  # python tag
    "entities/people/unknown-key.yaml": "name: U\nrol: Mayor\n",                      # unknown key
    "entities/people/wrong-type.yaml": "name: W\naliases: {a: 1}\n",                  # wrong type
    "entities/people/Bad_Name.yaml": "name: Bad\n",                                   # bad id file name
    "entities/people/links.yaml": (                                                   # unknown ids
        "name: Links\n"
        "summary: Friend of [[nobody]], says [@no-source, p. 3].\n"                   # [[...]] and [@...]
        "facts:\n"
        "  - {label: Age, value: 40, cite: [missing-source]}\n"                       # in cite
        "relations:\n"
        "  - {type: leads, target: ghost}\n"),                                        # in a relation
    "entities/places/far.yaml": "name: Far\nlocation: {lat: 95, lon: 130.5, cite: [almanac]}\n",  # out of range
    "entities/places/ruritania.yaml": "name: Ruritania again\n",                      # same id twice
}

EXPECTED_TEXT = """\
entities/countries/ruritania.yaml: error: id 'ruritania' is also used by entities/places/ruritania.yaml: ids are unique across all entities and sources; rename one of them [duplicate-id]
entities/people/Bad_Name.yaml: error: file name 'Bad_Name' is not a valid id: use lowercase ASCII letters, digits and single hyphens, at most 80 characters (rename it bad-name.yaml?) [bad-id]
entities/people/alias.yaml:2:11: error: anchors and aliases (&name, *name) are not allowed in content [yaml-alias]
entities/people/dup.yaml:3:1: error: duplicate key 'role' (first defined on line 2) [duplicate-key]
entities/people/links.yaml:2:20: error: unknown id 'nobody' in [[nobody]] [unknown-id]
entities/people/links.yaml:2:38: error: unknown source 'no-source' in [@no-source] [unknown-source]
entities/people/links.yaml:4:36: error: unknown source 'missing-source' in citation [unknown-source]
entities/people/links.yaml:6:27: error: unknown id 'ghost' [unknown-id]
entities/people/syntax.yaml:1:7: error: YAML syntax error: the '[' here is not closed on its line: add the closing ']', or, if the value is text, put the whole value in quotes [yaml-syntax]
entities/people/tag.yaml:1:7: error: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed: write plain values [yaml-tag]
entities/people/unknown-key.yaml:2:1: error: unknown key 'rol' in person (did you mean 'role'?); expected one of: name, names, aliases, summary, wikidata, tags, facts, relations, role, country [unknown-key]
entities/people/wrong-type.yaml:2:10: error: expected a list of text, found a mapping [type]
entities/places/far.yaml:2:17: error: 95 is out of range: expected a number from -90 to 90 [range]
entities/places/ruritania.yaml: error: id 'ruritania' is already used by entities/countries/ruritania.yaml: ids are unique across all entities and sources [duplicate-id]
dossier: 14 errors, 0 warnings
"""

EXPECTED_GITHUB = """\
::error file=entities/countries/ruritania.yaml,title=duplicate-id::id 'ruritania' is also used by entities/places/ruritania.yaml: ids are unique across all entities and sources; rename one of them
::error file=entities/people/Bad_Name.yaml,title=bad-id::file name 'Bad_Name' is not a valid id: use lowercase ASCII letters, digits and single hyphens, at most 80 characters (rename it bad-name.yaml?)
::error file=entities/people/alias.yaml,line=2,col=11,title=yaml-alias::anchors and aliases (&name, *name) are not allowed in content
::error file=entities/people/dup.yaml,line=3,col=1,title=duplicate-key::duplicate key 'role' (first defined on line 2)
::error file=entities/people/links.yaml,line=2,col=20,title=unknown-id::unknown id 'nobody' in [[nobody]]
::error file=entities/people/links.yaml,line=2,col=38,title=unknown-source::unknown source 'no-source' in [@no-source]
::error file=entities/people/links.yaml,line=4,col=36,title=unknown-source::unknown source 'missing-source' in citation
::error file=entities/people/links.yaml,line=6,col=27,title=unknown-id::unknown id 'ghost'
::error file=entities/people/syntax.yaml,line=1,col=7,title=yaml-syntax::YAML syntax error: the '[' here is not closed on its line: add the closing ']', or, if the value is text, put the whole value in quotes
::error file=entities/people/tag.yaml,line=1,col=7,title=yaml-tag::YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed: write plain values
::error file=entities/people/unknown-key.yaml,line=2,col=1,title=unknown-key::unknown key 'rol' in person (did you mean 'role'?); expected one of: name, names, aliases, summary, wikidata, tags, facts, relations, role, country
::error file=entities/people/wrong-type.yaml,line=2,col=10,title=type::expected a list of text, found a mapping
::error file=entities/places/far.yaml,line=2,col=17,title=range::95 is out of range: expected a number from -90 to 90
::error file=entities/places/ruritania.yaml,title=duplicate-id::id 'ruritania' is already used by entities/countries/ruritania.yaml: ids are unique across all entities and sources
"""


@pytest.fixture
def broken(clean) -> Path:
    for rel, text in PROBLEMS.items():
        write(clean, rel, text)
    return clean


def test_every_kind_of_problem_in_text_format(broken, capsys):
    assert main(["check", "--content", "."]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == EXPECTED_TEXT


def test_every_kind_of_problem_as_github_workflow_commands(broken, capsys):
    assert main(["check", "--content", ".", "--format", "github"]) == 1
    out, err = capsys.readouterr()
    assert out == EXPECTED_GITHUB
    assert err == "dossier: 14 errors, 0 warnings\n"


def test_in_github_actions_the_workflow_commands_are_the_default(broken, capsys, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert main(["check", "--content", "."]) == 1
    assert capsys.readouterr().out == EXPECTED_GITHUB
    assert main(["check", "--content", ".", "--format", "text"]) == 1   # asked for, text still
    out, err = capsys.readouterr()
    assert (out, err) == ("", EXPECTED_TEXT)


def test_every_kind_of_problem_as_json(broken, capsys):
    assert main(["check", "--content", ".", "--format", "json"]) == 1
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert (data["errors"], data["warnings"]) == (14, 0)
    lines = [Diagnostic(**d).text() for d in data["diagnostics"]]
    assert lines == EXPECTED_TEXT.splitlines()[:-1]
    assert data["diagnostics"][2] == {"path": "entities/people/alias.yaml", "line": 2, "col": 11, "severity": "error",
                                      "code": "yaml-alias", "message": "anchors and aliases (&name, *name) are not allowed in content"}


def test_build_prints_the_same_diagnostics_and_writes_nothing(broken, capsys, tmp_path):
    out_dir = tmp_path / "site"
    assert main(["build", "--content", ".", "--out", str(out_dir), "--format", "github"]) == 1
    out, err = capsys.readouterr()
    assert out == EXPECTED_GITHUB
    assert err == "dossier: 14 errors, 0 warnings; nothing was written\n"
    assert not out_dir.exists()


# --- escaping ----------------------------------------------------------------------------------

def test_format_github_escapes_message_and_properties_like_the_actions_toolkit():
    d = Diagnostic("content/a,b:c%d.yaml", 3, 5, "error", "odd:code,x",
                   "100% wrong, see: line 2\nsecond line\r\n::error::injected")
    assert fmt.format_github(d) == (
        "::error file=content/a%2Cb%3Ac%25d.yaml,line=3,col=5,title=odd%3Acode%2Cx"
        "::100%25 wrong, see: line 2%0Asecond line%0D%0A::error::injected")
    # the message cannot start a second command: the output is one line
    assert "\n" not in fmt.format_github(d) and "\r" not in fmt.format_github(d)


def test_format_github_warning_without_position():
    d = Diagnostic("content/sources/x.md", 0, 0, "warning", "uncited-source", "nothing cites the source 'x'")
    assert fmt.format_github(d) == "::warning file=content/sources/x.md,title=uncited-source::nothing cites the source 'x'"


def test_text_format_keeps_one_diagnostic_per_line_start():
    d = Diagnostic("a.yaml", 1, 2, "error", "c", "first\nsecond")
    assert d.text() == "a.yaml:1:2: error: first\n    second [c]"


def test_escaping_of_a_file_name_from_content(clean, capsys):
    write(clean, "entities/people/a,b:c%d.yaml", "name: Odd\n")
    assert main(["check", "--content", ".", "--format", "github"]) == 1
    out, _ = capsys.readouterr()
    assert out.splitlines()[0] == (
        "::error file=entities/people/a%2Cb%3Ac%25d.yaml,title=bad-id::file name 'a,b:c%25d' is not a valid id: "
        "use lowercase ASCII letters, digits and single hyphens, at most 80 characters")


def test_step_summary_table_escapes_pipes_newlines_and_markup():
    items = [Diagnostic("content/x|y.yaml", 2, 3, "error", "type", "expected a | b\nfound <img src=x> [link](http://e)")]
    table = fmt.step_summary(items)
    row = table.splitlines()[-1]
    assert row == ("| content/x\\|y.yaml | 2 | 3 | error | type | "
                   "expected a \\| b<br>found &lt;img src=x&gt; \\[link\\](http://e) |")
    assert row.count(" | ") == 5  # six cells, whatever the message holds


def test_step_summary_gets_everything_beyond_the_annotation_limit(clean, capsys, tmp_path, monkeypatch):
    for i in range(12):
        write(clean, f"entities/people/p{i}.yaml", f"name: P{i}\nrol: x\n")
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main(["check", "--content", ".", "--format", "github"]) == 1
    out, _ = capsys.readouterr()
    assert sum(line.startswith("::error ") for line in out.splitlines()) == 12
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("### dossier check: 12 errors, 0 warnings\n")
    assert "GitHub shows at most 10 errors and 10 warnings" in text
    rows = [line for line in text.splitlines() if line.startswith("| entities/")]
    assert len(rows) == 12
    assert "| entities/people/p11.yaml | 2 | 1 | error | unknown-key | unknown key 'rol' in person" in text


def test_step_summary_is_written_only_in_github_format(clean, tmp_path, monkeypatch, capsys):
    write(clean, "entities/people/p.yaml", "name: P\nrol: x\n")
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main(["check", "--content", "."]) == 1
    assert not summary.exists()


# --- exit codes ---------------------------------------------------------------------------------

def test_valid_content_exits_0(clean, capsys):
    assert main(["check", "--content", "."]) == 0
    assert capsys.readouterr().err == "dossier: content is valid (0 errors, 0 warnings)\n"


@pytest.mark.parametrize("argv", [
    ["check", "--content", "no-such-folder"],
    ["check", "--format", "xml"],
    ["frobnicate"],
    ["check", "--no-such-option"],
    ["new", "spaceship", "x"],
    ["new", "person"],
    ["new", "person", "Bad_Id"],
    ["new", "person", "ruritania"],
    ["import", "notes.pdf"],
])
def test_usage_errors_exit_2(clean, capsys, argv):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "error" in err and "Traceback" not in err


@pytest.mark.parametrize("name", [" ", "\u200b", "\ufeff "])
def test_a_blank_name_for_a_new_file_is_refused_as_check_would_refuse_it(clean, capsys, name):
    """A zero-width space was taken, and wrote a file that check then called blank (an outside hunt)."""
    assert main(["new", "person", "nobody", "--name", name, "--content", "."]) == 2
    assert "--name is blank: give the name as readers should see it" in capsys.readouterr().err


def test_help_exits_0(capsys):
    assert main(["--help"]) == 0
    assert "build" in capsys.readouterr().out


def test_schema_check_reports_stale_schemas(tmp_path, capsys):
    assert main(["schema", "--out", str(tmp_path / "s")]) == 0
    assert main(["schema", "--out", str(tmp_path / "s"), "--check"]) == 0
    (tmp_path / "s" / "person.schema.json").write_text("{}\n", encoding="utf-8")
    assert main(["schema", "--out", str(tmp_path / "s"), "--check"]) == 1
    assert "person.schema.json" in capsys.readouterr().err


# --- warnings and --strict ------------------------------------------------------------------------

WARNINGS = {
    "entities/people/uncited.yaml": "name: Uncited\nfacts:\n  - {label: Born, value: '1970'}\nsummary: Of [[ruritania]].\n",
    "entities/people/lonely.yaml": "name: Lonely\n",
    "sources/unread.md": "---\ntitle: Unread\naccessed: 2026-01-01\n---\nText.\n",
    "sources/unpreserved.md": "---\ntitle: Unpreserved\nurl: https://example.org/\n---\nText.\n",
}


@pytest.fixture
def warned(clean):
    for rel, text in WARNINGS.items():
        write(clean, rel, text)
    write(clean, "entities/countries/ruritania.yaml",
          "name: Ruritania\nsummary: See [@almanac], [@unpreserved] and [[uncited]].\n")
    return clean


EXPECTED_WARNINGS = """\
entities/people/lonely.yaml: warning: nothing links to 'lonely': link it from another entity, a page or an annotation [orphan-entity]
entities/people/uncited.yaml:3:5: warning: fact 'Born' has no citation: add 'cite: [source-id]' [uncited-fact]
sources/unpreserved.md: warning: the source has neither an 'archive' link nor an 'accessed' date: readers cannot find the version the editors read [source-unpreserved]
sources/unread.md: warning: nothing cites the source 'unread' [uncited-source]
"""


def test_each_warning_has_its_code_and_does_not_fail(warned, capsys):
    assert main(["check", "--content", "."]) == 0
    err = capsys.readouterr().err
    assert err == EXPECTED_WARNINGS + "dossier: content is valid (0 errors, 4 warnings)\n"


def test_strict_turns_warnings_into_errors(warned, capsys):
    assert main(["check", "--content", ".", "--strict"]) == 1
    err = capsys.readouterr().err
    assert err == EXPECTED_WARNINGS.replace(": warning: ", ": error: ") + "dossier: 4 errors, 0 warnings\n"


def test_strict_in_github_format(warned, capsys):
    assert main(["check", "--content", ".", "--strict", "--format", "github"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[1] == ("::error file=entities/people/uncited.yaml,line=3,col=5,title=uncited-fact::"
                      "fact 'Born' has no citation: add 'cite: [source-id]'")
    assert all(line.startswith("::error ") for line in out)


def test_warnings_in_github_format_are_warnings(warned, capsys):
    assert main(["check", "--content", ".", "--format", "github"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 4 and all(line.startswith("::warning file=") for line in out)


# --- dossier new ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["person", "organization", "country", "place", "crossing", "event", "document",
                                  "source", "page", "people", "crossings", "sources", "pages"])
def test_new_writes_a_skeleton_that_passes_check(clean, capsys, kind):
    assert main(["new", kind, "new-thing", "--content", "."]) == 0
    err = capsys.readouterr().err
    path = Path(err.split("dossier: wrote ", 1)[1].split("\n", 1)[0])
    text = path.read_text(encoding="utf-8")
    if kind in ("event", "events"):
        # the one edit the skeleton asks for: a required date nobody can guess
        assert "replace YYYY-MM-DD on line 6" in err
        assert main(["check", "--content", "."]) == 1
        assert "new-thing.yaml:6:7: error: 'YYYY-MM-DD' is not a valid date" in capsys.readouterr().err
        path.write_text(text.replace("date: YYYY-MM-DD", "date: 2025-04-30"), encoding="utf-8")
    assert main(["check", "--content", ".", "--format", "github"]) == 0
    out = capsys.readouterr().out
    assert "::error" not in out
    if path.suffix == ".yaml":
        assert text.startswith("# yaml-language-server: $schema=../../../schemas/")
        assert (REPO / "schemas" / text.split("schemas/")[1].split("\n")[0]).is_file()


def test_new_event_with_a_date_needs_no_edit(clean, capsys):
    assert main(["new", "event", "opening", "--date", "2025-04", "--content", "."]) == 0
    assert main(["check", "--content", "."]) == 0


def test_new_in_a_folder_without_dossier_yaml_says_to_write_one(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine").mkdir()
    assert main(["new", "person", "jane-doe", "--content", "mine"]) == 0
    assert "next: write mine/dossier.yaml with at least the dossier's title ('title: ...')" in capsys.readouterr().err
    (tmp_path / "mine/dossier.yaml").write_text("title: Mine\n", encoding="utf-8")
    assert main(["new", "person", "john-doe", "--content", "mine"]) == 0
    assert "dossier.yaml" not in capsys.readouterr().err


def test_new_source_skeleton_has_front_matter_and_an_empty_body(clean, capsys):
    assert main(["new", "source", "tass-2025-bridge", "--content", "."]) == 0
    text = (clean / "sources" / "tass-2025-bridge.md").read_text(encoding="utf-8")
    assert text.startswith("---\n# yaml-language-server: $schema=../../schemas/source.schema.json\n")
    assert text.endswith("\n---\n")
    assert 'title: "Tass 2025 Bridge"' in text


def test_new_crossing_has_a_location_note_and_no_invented_coordinates(clean, capsys):
    assert main(["new", "crossing", "new-crossing", "--content", "."]) == 0
    text = (clean / "entities/crossings/new-crossing.yaml").read_text(encoding="utf-8")
    assert "\nlocation:\n  note: " in text
    assert "\n  lat:" not in text and "\nlat:" not in text


@pytest.mark.parametrize("argv, message", [
    (["new", "person", "ruritania"], "the id 'ruritania' is already used by entities/countries/ruritania.yaml"),
    (["new", "source", "almanac"], "the id 'almanac' is already used by sources/almanac.md"),
    (["new", "place", "Kim_Jong-Un"], "'Kim_Jong-Un' is not a valid id"),
    (["new", "place", "a--b"], "'a--b' is not a valid id"),
    (["new", "place", "x" * 81], "is not a valid id"),
    (["new", "spaceship", "x"], "unknown kind 'spaceship': expected one of person, organization, country, place"),
    (["new", "page", "map"], "a page named 'map' would collide with a page the generator writes"),
    (["new", "event", "x", "--date", "2025-02-30"], "'2025-02-30' is not a valid date"),
])
def test_new_refuses_with_a_clear_message(clean, capsys, argv, message):
    before = sorted(p for p in clean.rglob("*"))
    assert main([*argv, "--content", "."]) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("dossier new: error: ")
    assert sorted(p for p in clean.rglob("*")) == before


# --- end to end, through python -m dossier ------------------------------------------------------------

def run(*args, cwd: Path, env=None):
    env = {**{k: v for k, v in engine_env().items() if k != "GITHUB_STEP_SUMMARY"}, **(env or {})}
    return subprocess.run([sys.executable, "-m", "dossier", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_end_to_end_check_in_github_format(broken, tmp_path):
    summary = tmp_path / "summary.md"
    proc = run("check", "--content", ".", "--format", "github", cwd=broken, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert proc.returncode == 1
    assert proc.stdout == EXPECTED_GITHUB
    assert proc.stderr == "dossier: 14 errors, 0 warnings\n"
    assert summary.read_text(encoding="utf-8").count("\n| entities/") == 14


def test_end_to_end_new_then_check(clean):
    proc = run("new", "people", "ada-lovelace", cwd=clean.parent)
    assert proc.returncode == 0, proc.stderr
    assert (clean / "entities/people/ada-lovelace.yaml").is_file()
    proc = run("check", cwd=clean.parent)
    assert proc.returncode == 0, proc.stderr
    assert "1 warning" in proc.stderr  # nothing links to the new person yet
    proc = run("new", "person", "ada-lovelace", cwd=clean.parent)
    assert proc.returncode == 2 and "already used" in proc.stderr and "Traceback" not in proc.stderr


def test_the_demo_content_passes_check_in_github_format():
    proc = run("check", "--content", "content", "--format", "github", cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "::error" not in proc.stdout


def test_build_refuses_an_output_folder_that_holds_the_content(clean, capsys):
    assert main(["build", "--content", ".", "--out", ".."]) == 2
    assert "holds the content folder" in capsys.readouterr().err


def test_a_reader_that_stops_reading_ends_the_output_quietly(clean):
    for n in range(600):   # more diagnostics than a pipe holds
        write(clean, f"entities/people/p{n}.yaml", f"name: P{n}\nsummary: See [[nobody-{n}]].\n")
    proc = subprocess.Popen([sys.executable, "-m", "dossier", "check", "--content", ".", "--format", "json"], cwd=clean, env=engine_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.read(10)   # `dossier check --format json | head -c 10`
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "Traceback" not in err and "BrokenPipeError" not in err


def test_a_full_disk_is_an_error_of_the_machine_not_a_traceback(clean, tmp_path, capsys, monkeypatch):
    from dossier.stages import write
    def full(self, rel, data):
        raise OSError(28, "No space left on device", str(self.tmp / rel))
    monkeypatch.setattr(write.SiteWriter, "put", full)
    monkeypatch.setattr(write.SiteWriter, "write", lambda self, rel, content: full(self, rel, content))
    assert main(["build", "--content", ".", "--out", str(tmp_path / "site"), "--quiet"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("dossier build: error: No space left on device: ") and "Traceback" not in err
    assert not (tmp_path / "site").exists() and not list(tmp_path.glob(".site.tmp-*"))   # nothing half-written


def test_build_refuses_an_output_folder_that_holds_the_working_folder(clean, tmp_path, capsys, monkeypatch):
    site = tmp_path / "site"
    assert main(["build", "--content", str(clean), "--out", str(site), "--quiet"]) == 0
    monkeypatch.chdir(site / "sources")
    assert main(["build", "--content", str(clean), "--out", "..", "--force", "--quiet"]) == 2   # a usage error
    assert "the output folder holds the working folder" in capsys.readouterr().err
    assert (site / "sources/almanac.html").is_file()   # nothing replaced under the shell


def test_an_output_folder_dossier_did_not_build_or_a_busy_port_is_a_usage_error(clean, tmp_path, capsys):
    project = tmp_path / "project"
    write(project, "notes.txt", "mine\n")
    for command in ("build", "serve"):
        assert main([command, "--content", str(clean), "--out", str(project), *(["--port", "0"] * (command == "serve"))]) == 2
        assert "refusing to replace a folder that dossier did not build" in capsys.readouterr().err
    assert sorted(p.name for p in project.iterdir()) == ["notes.txt"]
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        port = taken.getsockname()[1]
        assert main(["serve", "--content", str(clean), "--port", str(port)]) == 2
        assert f"cannot serve on 127.0.0.1:{port}: Address already in use (choose another --port)" in capsys.readouterr().err
    finally:
        taken.close()


def test_a_cache_that_cannot_be_saved_is_said_not_silently_skipped(clean, tmp_path, monkeypatch):
    import io
    from dossier import cache
    from dossier.build import build
    from dossier.progress import Progress
    def read_only(path, data):
        raise PermissionError(13, "Permission denied", str(path))
    monkeypatch.setattr(cache, "_write_atomic", read_only)
    said = io.StringIO()
    assert not build(clean, tmp_path / "site", progress=Progress(said)).diagnostics.errors
    assert "dossier: the build's cache could not be saved (" in said.getvalue()
    assert "Permission denied): the next build reads and renders everything again" in said.getvalue()
    assert (tmp_path / "site/index.html").is_file()


def test_serve_refuses_an_output_folder_that_holds_the_content_as_build_does(tmp_path, capsys, monkeypatch):
    write(tmp_path, "proj/.content/dossier.yaml", "title: T\n")   # a folder of only hidden entries may be built into
    monkeypatch.chdir(tmp_path)
    for command in ("build", "serve"):
        assert main([command, "--content", "proj/.content", "--out", "proj", *(["--port", "0"] * (command == "serve"))]) == 2
        assert "the output folder proj holds the content folder" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "proj").iterdir()) == [".content"]


def test_check_of_the_folder_above_the_content_names_the_content_folder(tmp_path, capsys, monkeypatch):
    write(tmp_path, "content/dossier.yaml", "title: T\n")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--content", "."]) == 1
    assert "error: no dossier.yaml: the content folder needs one with at least a title (content has one: " \
           "--content content?) [missing-config]" in capsys.readouterr().err


def test_content_that_names_a_file_says_it_names_the_folder(tmp_path, capsys, monkeypatch):
    write(tmp_path, "content/dossier.yaml", "title: T\n")
    monkeypatch.chdir(tmp_path)
    for command, *rest in (("check",), ("build",), ("serve",), ("new", "person", "zed")):
        assert main([command, "--content", "content/dossier.yaml", *rest]) == 2
        assert f"dossier {command}: error: --content 'content/dossier.yaml' is a file: it names the content folder " \
               "(the folder that holds it: --content 'content')" in capsys.readouterr().err
    assert main(["check", "--content", "missing"]) == 2
    assert "content folder 'missing' not found" in capsys.readouterr().err
