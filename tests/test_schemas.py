"""The JSON Schemas in schemas/ are the engine's definitions, and they agree with `dossier check`.

- The shipped files equal what ``dossier.schema.json_schemas()`` generates now (one source of
  truth: edit dossier/schema.py, then run ``dossier schema``).
- Every YAML file of the demo content (entities, dossier.yaml, the front matter of sources and
  pages) validates against its schema with the ``jsonschema`` package, and carries the
  ``# yaml-language-server: $schema=...`` line that points at it.
- For the samples in tests/fixtures/broken/, the schema and the engine give the same verdict:
  ``reject/`` both refuse, ``accept/`` (valid but unusual) both accept. ``differ/`` holds the
  documented, legitimate differences (what only the engine can know: file names, ids that exist,
  quotes found in the text, real calendar dates, YAML anchors).

How YAML is read here. The editor (VS Code's YAML extension, yaml-language-server) reads YAML 1.2:
``2025-04-30`` is a string, ``NO`` and ``yes`` are strings, ``true``/``false`` are booleans. PyYAML
reads YAML 1.1 (dates become ``datetime.date``, ``NO`` becomes ``False``), so the samples are read
with a SafeLoader subclass that has YAML 1.2's core schema: no timestamp resolver (unquoted dates
stay strings), booleans only true/false, ints and floats as 1.2 writes them. Duplicate keys are
refused, as the editor flags them; JSON Schema itself cannot see them.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from dossier.build import check
from dossier.kinds import KINDS
from dossier.schema import json_schemas

REPO = Path(__file__).resolve().parent.parent
SCHEMAS = REPO / "schemas"
CONTENT = REPO / "content"
BROKEN = Path(__file__).resolve().parent / "fixtures" / "broken"
MINIMAL = Path(__file__).resolve().parent / "fixtures" / "minimal"
NAMES = {"dossier", "person", "organization", "country", "place", "crossing", "event", "document", "source", "page"}


# --- reading YAML as the editor does ---------------------------------------------------------------

class EditorLoader(yaml.SafeLoader):
    """YAML 1.2 core schema on PyYAML's safe loader (see the module docstring)."""


_CORE = "tag:yaml.org,2002:"
EditorLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in {_CORE + t for t in ("timestamp", "bool", "int", "float")}]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
EditorLoader.add_implicit_resolver(_CORE + "bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
EditorLoader.add_implicit_resolver(_CORE + "int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
                                   list("-+0123456789"))
EditorLoader.add_implicit_resolver(
    _CORE + "float", re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))


def _int(loader, node):
    value = loader.construct_scalar(node)
    if value.startswith("0o"):
        return int(value[2:], 8)
    if value.startswith("0x"):
        return int(value[2:], 16)
    return int(value, 10)


def _float(loader, node):
    value = loader.construct_scalar(node).lower()
    if value.endswith(".inf"):
        return float("-inf") if value.startswith("-") else float("inf")
    return float("nan") if value == ".nan" else float(value)


def _mapping(loader, node):
    loader.flatten_mapping(node)
    seen = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen[key] = True
    return loader.construct_mapping(node)


EditorLoader.add_constructor(_CORE + "int", _int)
EditorLoader.add_constructor(_CORE + "float", _float)
EditorLoader.add_constructor(_CORE + "map", _mapping)

_FRONT = re.compile(r"\A---[ \t]*\n(.*?)^(?:---|\.\.\.)[ \t]*$", re.S | re.M)


def schema_name(rel: Path) -> str:
    parts = rel.parts
    if parts == ("dossier.yaml",):
        return "dossier"
    if parts[0] == "entities":
        return KINDS[parts[1]]
    return {"sources": "source", "pages": "page"}[parts[0]]


def yaml_of(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        m = _FRONT.match(text)
        assert m, f"{path}: no front matter"
        return m.group(1)
    return text


def schema_errors(path: Path, rel: Path) -> list[str]:
    """What the editor would flag: a YAML error, or the schema's errors."""
    try:
        data = yaml.load(yaml_of(path), Loader=EditorLoader)
    except yaml.YAMLError as e:
        return [f"YAML: {e}".splitlines()[0]]
    validator = jsonschema.Draft7Validator(SCHEMA_FILES[schema_name(rel)])
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]


SCHEMA_FILES = {p.name.removesuffix(".schema.json"): json.loads(p.read_text(encoding="utf-8"))
                for p in SCHEMAS.glob("*.schema.json")}


# --- one source of truth ------------------------------------------------------------------------------

def test_the_shipped_schemas_are_exactly_the_generated_ones():
    generated = json_schemas()
    assert set(generated) == NAMES
    assert {p.name for p in SCHEMAS.iterdir()} == {f"{n}.schema.json" for n in NAMES}, \
        "schemas/ holds other files, or misses some: run `dossier schema --out schemas`"
    for name, schema in generated.items():
        shipped = (SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8")
        # byte for byte what `dossier schema` writes
        assert shipped == json.dumps(schema, ensure_ascii=False, indent=2) + "\n", \
            f"schemas/{name}.schema.json is out of date: run `dossier schema --out schemas`"


@pytest.mark.parametrize("name", sorted(NAMES))
def test_each_schema_is_a_valid_draft_07_schema(name):
    schema = SCHEMA_FILES[name]
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)


# --- the demo content -------------------------------------------------------------------------------

def content_files():
    files = [CONTENT / "dossier.yaml", *sorted((CONTENT / "entities").glob("*/*.yaml")),
             *sorted((CONTENT / "sources").glob("*.md")), *sorted((CONTENT / "pages").glob("*.md"))]
    return [pytest.param(p, id=str(p.relative_to(CONTENT))) for p in files]


@pytest.mark.parametrize("path", content_files())
def test_demo_content_validates_against_its_schema(path):
    rel = path.relative_to(CONTENT)
    assert schema_errors(path, rel) == []


@pytest.mark.parametrize("path", [p for p in content_files() if p.values[0].suffix == ".yaml"])
def test_demo_yaml_carries_the_schema_line_of_its_kind(path):
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    name = schema_name(path.relative_to(CONTENT))
    m = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert m, f"{path}: the first line should be '# yaml-language-server: $schema=...'"
    target = (path.parent / m.group(1)).resolve()
    assert target == (SCHEMAS / f"{name}.schema.json").resolve(), f"{path}: points at {m.group(1)}"


def test_the_demo_content_has_files_of_every_schema():
    seen = {schema_name(p.values[0].relative_to(CONTENT)) for p in content_files()}
    assert seen == NAMES


# --- broken (and unusual) samples: the schema and the engine agree -------------------------------------

def samples(group: str):
    root = BROKEN / group
    return [pytest.param(p, id=str(p.relative_to(root))) for p in sorted(root.rglob("*")) if p.is_file()]


def engine_errors(sample: Path, group: str, tmp_path: Path) -> list[str]:
    """The sample placed in a copy of the minimal fixture (which has no errors), checked."""
    rel = sample.relative_to(BROKEN / group)
    root = tmp_path / "content"
    shutil.copytree(MINIMAL, root)
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sample, root / rel)
    return [d.text() for d in check(root).diagnostics.sorted() if d.severity == "error"]


def test_the_base_fixture_has_no_errors(tmp_path):
    assert [d for d in check(MINIMAL).diagnostics.items if d.severity == "error"] == []


@pytest.mark.parametrize("sample", samples("reject"))
def test_a_sample_the_schema_rejects_the_engine_rejects_too(sample, tmp_path):
    rel = sample.relative_to(BROKEN / "reject")
    assert schema_errors(sample, rel), "the schema accepts it"
    errors = engine_errors(sample, "reject", tmp_path)
    assert errors, "dossier check accepts it"
    assert all(str(rel) in e for e in errors), errors  # the engine blames the sample, nothing else


@pytest.mark.parametrize("sample", samples("accept"))
def test_a_valid_but_unusual_sample_passes_both(sample, tmp_path):
    rel = sample.relative_to(BROKEN / "accept")
    assert schema_errors(sample, rel) == []
    assert engine_errors(sample, "accept", tmp_path) == []


# Legitimate differences: (does the schema reject?, does the engine reject?, why)
DIFFERENCES = {
    "entities/people/anchor-and-alias.yaml": (False, True, "YAML anchors and aliases are valid YAML (the editor "
                                              "accepts them); the engine refuses them (alias bombs)"),
    "entities/people/Bad_File_Name.yaml": (False, True, "the id is the file name: a schema sees only the contents"),
    "entities/people/unknown-target.yaml": (False, True, "only the engine knows which ids exist"),
    "entities/people/unknown-relation-type.yaml": (False, True, "relation types include the dossier's own, declared "
                                                   "in dossier.yaml: the schema checks their shape only"),
    "entities/people/wrong-kind.yaml": (False, True, "only the engine knows that 'old-river' is a place, not a country"),
    "entities/people/unknown-source-in-summary.yaml": (False, True, "references inside Markdown are the engine's"),
    "entities/events/impossible-date.yaml": (False, True, "2025-02-30 has the shape of a date; only the engine "
                                             "checks the calendar"),
    "sources/quote-not-found.md": (False, True, "annotations anchor on the text: only the engine reads it"),
}


@pytest.mark.parametrize("sample", samples("differ"))
def test_documented_differences(sample, tmp_path):
    rel = str(sample.relative_to(BROKEN / "differ"))
    assert rel in DIFFERENCES, f"document why {rel} differs"
    schema_rejects, engine_rejects, _why = DIFFERENCES[rel]
    assert bool(schema_errors(sample, Path(rel))) is schema_rejects
    assert bool(engine_errors(sample, "differ", tmp_path)) is engine_rejects


def test_every_sample_group_is_known():
    assert {p.name for p in BROKEN.iterdir() if p.is_dir() and any(p.rglob("*.*"))} <= {"reject", "accept", "differ"}


# --- what `dossier new` writes validates too ----------------------------------------------------------

@pytest.mark.parametrize("kind", ["person", "organization", "country", "place", "crossing", "event", "document",
                                  "source", "page"])
def test_new_skeletons_validate_against_their_schema(kind, tmp_path):
    from dossier.scaffold import new
    root = tmp_path / "content"
    root.mkdir()
    path, _ = new(kind, "new-thing", root, date="2025-04-30" if kind in ("event", "document") else None)
    assert schema_errors(path, path.relative_to(root)) == []


def test_the_format_contract_in_docs_is_the_shared_one():
    """docs/FORMAT.md is the contract as received, for readers of the repository; the shared copy
    beside the checkout (where the team keeps it) is the original."""
    kept = (REPO / "docs" / "FORMAT.md").read_bytes()
    # as received (SHA-256), so that the check holds where no shared/ is beside the checkout
    assert hashlib.sha256(kept).hexdigest() == "28d9ac06a80e9995915ad1c5dc6d60be65c2f794985e0b195e33ffb2a85e0c47"
    shared = REPO.parent / "shared" / "FORMAT.md"
    if shared.is_file():
        assert kept == shared.read_bytes()
