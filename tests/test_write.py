"""The writer verifies the whole site before the swap: links, fragments, scripts, paths."""
from __future__ import annotations

import pytest

from dossier.stages.write import SiteWriter, WriteError

PAGE = '<!DOCTYPE html><html><body><main id="main">{}</main></body></html>'


def problems(tmp_path, pages: dict[str, str]) -> list[str]:
    writer = SiteWriter(tmp_path / "site")
    for rel, body in pages.items():
        writer.write(rel, PAGE.format(body))
    with pytest.raises(WriteError) as caught:
        writer.commit()
    assert not (tmp_path / "site").exists() and not list(tmp_path.glob(".site.tmp-*"))
    return caught.value.problems


def test_a_clean_site_is_swapped_in(tmp_path):
    writer = SiteWriter(tmp_path / "site")
    writer.write("index.html", PAGE.format('<a href="people/a.html#x">A</a>'))
    writer.write("people/a.html", PAGE.format('<p id="x"><a href="../index.html#main">home</a></p>'))
    writer.commit()
    assert (tmp_path / "site/people/a.html").is_file()


def test_missing_files_and_fragments_are_named_once_with_the_first_page(tmp_path):
    found = problems(tmp_path, {
        "index.html": '<a href="people/b.html">B</a> <a href="people/a.html#nope">A</a>',
        "people/a.html": '<a href="b.html">B again</a> <a href="#main">top</a>',
    })
    assert found == ["index.html: link 'people/a.html#nope': no element with id 'nope' in people/a.html",
                     "index.html: link 'people/b.html' points to a missing file"]


def test_absolute_directory_network_and_foreign_script_links_are_refused(tmp_path):
    found = problems(tmp_path, {"index.html": '<a href="/x.html">a</a> <a href="people/">b</a> '
                                              '<img src="https://example.org/x.png" alt=""> '
                                              '<script src="https://cdn.example/x.js"></script> <a href="javascript:x()">c</a>'})
    assert any("absolute path '/x.html'" in p for p in found)
    assert any("directory link 'people/'" in p for p in found)
    assert any("loads 'https://example.org/x.png' from the network" in p for p in found)
    assert any("is not one of the site's own scripts" in p for p in found)
    assert any("URL scheme 'javascript' is not allowed" in p for p in found)


def test_a_path_is_never_written_twice_or_outside_the_site(tmp_path):
    writer = SiteWriter(tmp_path / "site")
    writer.write("index.html", PAGE.format(""))
    for bad in ("index.html", "../evil.html", "/etc/x.html", "a/../../b.html"):
        with pytest.raises(WriteError):
            writer.write(bad, "x")
    writer.abort()


def test_a_folder_dossier_did_not_build_is_never_replaced(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "notes.txt").write_text("precious", encoding="utf-8")
    with pytest.raises(WriteError) as caught:
        SiteWriter(project)
    assert "refusing to replace a folder that dossier did not build" in caught.value.problems[0]
    assert (project / "notes.txt").read_text(encoding="utf-8") == "precious"


def test_a_site_dossier_built_is_marked_and_replaced_by_the_next_build(tmp_path):
    for _ in range(2):
        writer = SiteWriter(tmp_path / "site")
        writer.write("index.html", PAGE.format(""))
        writer.commit()
    assert (tmp_path / "site/.dossier-site").is_file()
