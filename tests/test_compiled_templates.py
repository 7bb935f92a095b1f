"""Compiled templates are kept between builds in the user's cache folder (Jinja's bytecode
cache, stages/compiled_templates.py): a build that loads them writes the same bytes as one that
compiled them, and a cache that is damaged or cannot be written only makes a build compile again."""
from __future__ import annotations

import filecmp
from pathlib import Path

from jinja2 import DictLoader, Environment
from jinja2.bccache import bc_magic as MAGIC

from dossier.build import build
from dossier.cache import cache_dir
from dossier.stages.compiled_templates import use_compiled_templates


def _same_tree(a: Path, b: Path) -> bool:
    compared = filecmp.dircmp(a, b)
    if compared.left_only or compared.right_only or compared.diff_files or compared.funny_files:
        return False
    return all(_same_tree(a / sub, b / sub) for sub in compared.common_dirs)


def _compiled(user_cache: Path) -> list[Path]:
    return sorted((user_cache / "dossier" / "templates").glob("*.jinja"))


def test_a_build_loading_compiled_templates_writes_what_one_compiling_them_wrote(content, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    first = build(content.root, tmp_path / "first", use_cache=False)
    kept = _compiled(tmp_path / "user-cache")
    assert not first.diagnostics.errors and kept
    written = {path: path.stat().st_mtime_ns for path in kept}
    second = build(content.root, tmp_path / "second", use_cache=False)
    assert not second.diagnostics.errors
    assert {path: path.stat().st_mtime_ns for path in _compiled(tmp_path / "user-cache")} == written   # loaded, not made again
    assert _same_tree(tmp_path / "first", tmp_path / "second")
    beside_content = [*content.root.rglob("*.jinja"), *cache_dir(content.root).rglob("*.jinja")]
    assert not beside_content, "compiled code must never be kept where content can be committed"


def test_damaged_compiled_templates_are_compiled_again(content, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    build(content.root, tmp_path / "first", use_cache=False)
    kept = _compiled(tmp_path / "user-cache")
    for i, path in enumerate(kept):
        data = path.read_bytes()
        # cut in the checksum Jinja keeps first, cut in the code, or not Jinja's at all
        path.write_bytes((data[:len(MAGIC) + 4], data[:len(data) // 2], b"not a compiled template")[i % 3])
    result = build(content.root, tmp_path / "second", use_cache=False)
    assert not result.diagnostics.errors
    assert _same_tree(tmp_path / "first", tmp_path / "second")
    build(content.root, tmp_path / "third", use_cache=False)   # and the damaged files were written over
    assert _same_tree(tmp_path / "first", tmp_path / "third")


def test_a_cache_folder_that_cannot_be_made_leaves_the_build_as_it_was(content, tmp_path, monkeypatch):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    result = build(content.root, tmp_path / "site", use_cache=False)
    assert not result.diagnostics.errors
    assert (tmp_path / "site" / "index.html").is_file()


def _compiled_files_after_loading(tmp_path: Path, environment_class=Environment, **options) -> Path:
    environment = environment_class(loader=DictLoader({"page.html": "<p>{{ x }}</p>\n"}), **options)
    use_compiled_templates(environment)
    environment.get_template("page.html")
    return _compiled(tmp_path / "user-cache")


def test_code_compiled_with_other_options_is_never_loaded(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    assert len(_compiled_files_after_loading(tmp_path, trim_blocks=True)) == 1
    assert len(_compiled_files_after_loading(tmp_path, trim_blocks=True)) == 1            # the same options: the same file
    assert len(_compiled_files_after_loading(tmp_path, trim_blocks=False)) == 2           # another option: another file
    assert len(_compiled_files_after_loading(tmp_path, trim_blocks=True, autoescape=True)) == 3
    assert len(_compiled_files_after_loading(tmp_path, trim_blocks=True, variable_start_string="[[")) == 4


def test_code_compiled_by_jinjas_own_generator_is_never_loaded_by_ours(tmp_path, monkeypatch):
    from dossier.stages.template_code import TemplateEnvironment
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    assert len(_compiled_files_after_loading(tmp_path, autoescape=True)) == 1
    assert len(_compiled_files_after_loading(tmp_path, TemplateEnvironment, autoescape=True)) == 2


def test_a_cache_folder_others_may_write_into_is_not_used(content, tmp_path, monkeypatch):
    """Loading compiled code runs it: only a folder of this user's, which no one else can write."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    folder = tmp_path / "user-cache" / "dossier" / "templates"
    folder.mkdir(parents=True)
    folder.chmod(0o777)
    assert not build(content.root, tmp_path / "site", use_cache=False).diagnostics.errors
    assert _compiled(tmp_path / "user-cache") == []


def test_a_relative_xdg_cache_home_is_ignored_as_the_spec_says(content, tmp_path, monkeypatch):
    """XDG_CACHE_HOME=.cache in a CI job would put the cache (and what it loads) in the checkout."""
    from dossier.cache import user_cache_dir
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", ".cache")
    assert user_cache_dir() == tmp_path / "home" / ".cache" / "dossier"


def test_the_folder_keeps_the_compiled_templates_used_last_and_no_more(content, tmp_path, monkeypatch):
    """Each Jinja, Python and templates folder compiles files of its own, never used again after an
    upgrade: past MAX_KEPT files the least recently used go, never those the build uses."""
    import os
    from dossier.stages import compiled_templates
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "fresh"))
    build(content.root, tmp_path / "reference", use_cache=False)
    own = {path.name for path in _compiled(tmp_path / "fresh")}
    monkeypatch.setattr(compiled_templates, "MAX_KEPT", len(own) + 10)
    monkeypatch.setattr(compiled_templates, "KEPT_AFTER_PRUNING", len(own) + 5)
    folder = tmp_path / "user-cache" / "dossier" / "templates"
    folder.mkdir(parents=True)
    for i in range(30):   # what older installs left, oldest first
        old = folder / f"{i:040x}.jinja"
        old.write_bytes(b"compiled by an older install")
        os.utime(old, ns=(10**18 + i, 10**18 + i))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    assert not build(content.root, tmp_path / "site", use_cache=False).diagnostics.errors
    left = {path.name for path in _compiled(tmp_path / "user-cache")}
    assert own <= left and len(left) <= len(own) + 10
    assert f"{0:040x}.jinja" not in left   # the least recently used went first


def test_compiled_templates_in_a_cache_whose_files_cannot_be_marked_are_still_used(content, tmp_path, monkeypatch):
    import os
    from dossier.stages import compiled_templates
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    build(content.root, tmp_path / "first", use_cache=False)
    kept = _compiled(tmp_path / "user-cache")
    for path in kept:   # used two days ago: loading them now marks them
        os.utime(path, ns=(10**18, 10**18))

    def refused(*args, **kwargs):
        raise PermissionError(30, "Read-only file system")

    monkeypatch.setattr(compiled_templates.os, "utime", refused)
    assert not build(content.root, tmp_path / "second", use_cache=False).diagnostics.errors
    assert {path.stat().st_mtime_ns for path in kept} == {10**18}   # loaded, not compiled and written again
