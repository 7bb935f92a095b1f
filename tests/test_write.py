"""The writer verifies the whole site before it touches the live one (links, fragments, scripts,
paths), then swaps a whole new site in, or updates the live site in place when it keeps some of
its files."""
from __future__ import annotations

import os
import pickle

import pytest

from dossier.stages.verify import scan_page
from dossier import cache
from dossier.stages.write import MARKER, MARKER_TEXT, UPDATING_TEXT, SiteWriter, WriteError, check_scan, replaceable

from child_process import engine_env

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
        "places/c.html": '<a href="../people/a.html#gone">A</a> <a href="../places/d.html">D</a>',   # as our pages write them
    })
    assert found == ["places/c.html: link '../people/a.html#gone': no element with id 'gone' in people/a.html",
                     "index.html: link 'people/a.html#nope': no element with id 'nope' in people/a.html",
                     "index.html: link 'people/b.html' points to a missing file",
                     "places/c.html: link '../places/d.html' points to a missing file"]


def test_links_shared_by_the_pages_of_a_folder_are_checked_on_each_page_where_it_matters(tmp_path):
    nav = '<a href="../index.html">home</a> <a href="gone.html">gone</a> <a href="javascript:x()">bad</a> '
    found = problems(tmp_path, {
        "index.html": "",
        "people/a.html": nav + '<a href="#a-top">top</a><p id="a-top"></p>',
        "people/b.html": nav + '<a href="#a-top">top</a>',     # the same link, but to its own page
    })
    assert sorted(found) == ["people/a.html: URL scheme 'javascript' is not allowed ('javascript:x()')",
                             "people/a.html: link 'gone.html' points to a missing file",
                             "people/b.html: URL scheme 'javascript' is not allowed ('javascript:x()')",
                             "people/b.html: link '#a-top': no element with id 'a-top' in people/b.html"]


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


def test_an_output_that_is_a_file_or_a_link_is_named_as_such_and_left_alone(tmp_path):
    (tmp_path / "site.html").write_text("precious", encoding="utf-8")
    (tmp_path / "link").symlink_to(tmp_path / "site.html")
    for out, what in ((tmp_path / "site.html", "a file"), (tmp_path / "link", "a link")):
        with pytest.raises(WriteError) as caught:
            SiteWriter(out)
        assert f"the output must be a folder, and this is {what}" in caught.value.problems[0]
    assert (tmp_path / "site.html").read_text(encoding="utf-8") == "precious"


def test_a_site_dossier_built_is_marked_and_replaced_by_the_next_build(tmp_path):
    for n in range(2):
        writer = SiteWriter(tmp_path / "site")
        writer.write("index.html", PAGE.format(f"<p>build {n}</p>"))
        writer.write(f"only-in-{n}.html", PAGE.format(""))
        writer.commit()
        assert (tmp_path / "site/.dossier-site").is_file()
    assert "<p>build 1</p>" in (tmp_path / "site/index.html").read_text(encoding="utf-8")
    assert not (tmp_path / "site/only-in-0.html").exists()


# --- pages written elsewhere: by a render worker, or kept as they are in the live site ----------

def refusal(call, *args) -> str:
    with pytest.raises(WriteError) as caught:
        call(*args)
    return " ".join(caught.value.problems)

def built_site(tmp_path, pages: dict[str, str]):
    writer = SiteWriter(tmp_path / "site")
    for rel, body in pages.items():
        writer.write(rel, PAGE.format(body))
    writer.commit()
    return tmp_path / "site"


def test_a_page_put_by_a_worker_is_claimed_and_checked_when_recorded(tmp_path):
    writer = SiteWriter(tmp_path / "site")
    writer.put("people/a.html", PAGE.format('<a href="b.html">B</a>').encode())
    writer.record_written("people/a.html", check_scan("people/a.html", scan_page(PAGE.format('<a href="b.html">B</a>'))))
    empty = check_scan("people/a.html", scan_page(PAGE.format("")))
    assert "twice" in refusal(writer.record_written, "people/a.html", empty)
    assert "outside the site" in refusal(writer.record_written, "../a.html", empty)
    with pytest.raises(WriteError) as caught:
        writer.commit()
    assert caught.value.problems == ["people/a.html: link 'b.html' points to a missing file"]


def test_put_never_overwrites_a_file_and_shares_folders_with_other_writers(tmp_path):
    writer = SiteWriter(tmp_path / "site")
    other = SiteWriter.__new__(SiteWriter)            # a forked worker's copy: same folder, own bookkeeping
    other.__dict__.update(writer.__dict__, folders=set())
    writer.put("people/a.html", b"first")
    other.put("people/b.html", b"second")             # the folder exists already: no error
    assert refusal(other.put, "people/a.html", b"overwritten") == "people/a.html: refused to write a path twice"
    assert (writer.tmp / "people/a.html").read_bytes() == b"first"
    for bad in ("../x.html", "/x.html", "a/../../x.html", "..", "."):
        assert "outside the site" in refusal(writer.put, bad, b"x")
    writer.abort()


def test_a_write_error_raised_in_a_worker_reaches_the_parent_whole():
    error = pickle.loads(pickle.dumps(WriteError(["a.html: refused to write a path twice"])))
    assert isinstance(error, WriteError) and error.problems == ["a.html: refused to write a path twice"]


def checked_of(site, rel: str):
    """What was checked of a page of a built site when it was written."""
    return check_scan(rel, scan_page((site / rel).read_text(encoding="utf-8")))


def test_a_reused_page_is_not_read_linked_or_even_looked_at(tmp_path, monkeypatch):
    old = built_site(tmp_path, {"index.html": '<a href="people/a.html#x">A</a>',
                                "people/a.html": '<p id="x"><a href="../index.html">home</a></p>'})
    recorded = checked_of(old, "people/a.html")
    writer = SiteWriter(old)
    with monkeypatch.context() as hands_off:
        def touched(*args, **kwargs):
            raise AssertionError("the reused file was touched")
        for name in ("lstat", "stat", "link", "open", "replace"):
            hands_off.setattr(os, name, touched)
        writer.reuse("people/a.html", recorded)
    assert "people/a.html" in writer.files and writer.pages["people/a.html"] == recorded
    assert not (writer.tmp / "people").exists()
    writer.abort()


def test_the_links_of_a_reused_page_are_checked_again_from_what_was_recorded_of_it(tmp_path):
    old = built_site(tmp_path, {"index.html": "", "people/a.html": '<p id="x"><a href="../index.html">home</a></p>'})
    writer = SiteWriter(old)
    writer.write("index.html", PAGE.format('<a href="people/a.html#x">ok</a> <a href="people/a.html#gone">not</a>'))
    recorded = check_scan("people/a.html", scan_page(PAGE.format('<p id="x"><a href="../missing.html">x</a></p>')))
    writer.reuse("people/a.html", recorded)   # believed, not the file
    with pytest.raises(WriteError) as caught:
        writer.commit()
    assert sorted(caught.value.problems) == [
        "index.html: link 'people/a.html#gone': no element with id 'gone' in people/a.html",
        "people/a.html: link '../missing.html' points to a missing file"]


def test_links_that_can_be_settled_at_once_are_not_kept_for_the_end(tmp_path):
    writer = SiteWriter(tmp_path / "site")
    writer.expect(["a.html", "b.html"])
    writer.write("a.html", PAGE.format('<p id="x"><a href="b.html">b</a> <a href="b.html#y">b, y</a> <a href="#x">x</a> '
                                        '<a href="#gone">gone</a> <a href="c.html">c</a></p>'))
    assert sorted(writer.pending) == [("b.html", "y"), ("c.html", "")]   # b.html itself will be written
    writer.write("b.html", PAGE.format('<p id="y">b</p>'))
    with pytest.raises(WriteError) as caught:
        writer.commit()
    assert caught.value.problems == ["a.html: link '#gone': no element with id 'gone' in a.html",
                                     "a.html: link 'c.html' points to a missing file"]


def test_a_page_the_build_was_to_write_and_did_not_fails_it(tmp_path):
    writer = SiteWriter(tmp_path / "site")
    writer.expect(["a.html", "b.html"])
    writer.write("a.html", PAGE.format('<a href="b.html">b</a>'))   # settled on the promise of b.html
    with pytest.raises(WriteError) as caught:
        writer.commit()
    assert caught.value.problems == ["b.html: a page this build was to write is missing"]
    assert not (tmp_path / "site").exists()


def test_links_between_pages_taken_unchanged_are_not_checked_again_and_others_are(tmp_path):
    # Both pages were verified in the previous site; b.html is taken unchanged, c.html is not.
    old = built_site(tmp_path, {"a.html": '<p id="x"><a href="b.html#y">b</a> <a href="c.html#z">c</a> <a href="#x">top</a></p>',
                                "b.html": '<p id="y"><a href="a.html#x">a</a></p>', "c.html": '<p id="z">c</p>'})
    writer = SiteWriter(old)
    kept = {"a.html", "b.html"}
    for rel in sorted(kept):
        writer.reuse(rel, checked_of(old, rel), kept)
    assert sorted(writer.pending) == [("c.html", "z")]          # only the link to the page written again
    writer.write("c.html", PAGE.format('<p id="elsewhere">c, edited</p>'))
    with pytest.raises(WriteError) as caught:
        writer.commit()
    assert caught.value.problems == ["a.html: link 'c.html#z': no element with id 'z' in c.html"]


def test_links_of_a_page_taken_unchanged_to_files_the_build_writes_are_settled_on_that_promise(tmp_path):
    old = built_site(tmp_path, {"a.html": '<a href="b.html">b</a> <link href="assets/site.css" rel="stylesheet">'
                                          '<script src="data/index.js"></script>', "b.html": "b",
                                "assets/site.css": "", "data/index.js": ""})
    writer = SiteWriter(old)
    writer.expect(["a.html", "b.html"], files=["assets/site.css", "data/index.js"])
    kept = {"a.html", "b.html"}
    for rel in sorted(kept):
        writer.reuse(rel, checked_of(old, rel), kept)
    assert writer.pending == {}
    writer.write("assets/site.css", "body {}")   # the data file never comes: the build fails
    with pytest.raises(WriteError) as caught:
        writer.commit()
    assert caught.value.problems == ["data/index.js: a file this build was to write is missing"]


def test_a_page_is_reused_only_with_what_was_checked_of_it_once_and_inside_the_site(tmp_path):
    old = built_site(tmp_path, {"index.html": ""})
    writer = SiteWriter(old)
    scan = checked_of(old, "index.html")
    assert "without what was checked of it" in refusal(writer.reuse, "index.html", None)
    assert "outside the site" in refusal(writer.reuse, "../c.html", scan)
    writer.reuse("index.html", scan)
    writer.reuse("data/old.json", None)               # not a page: nothing to check
    assert "twice" in refusal(writer.reuse, "index.html", scan)
    assert "twice" in refusal(writer.write, "index.html", PAGE.format(""))
    writer.abort()


def test_what_is_kept_of_a_page_is_its_ids_its_internal_targets_once_and_its_problems():
    scan = scan_page(PAGE.format('<p id="b">x</p><p id="a"><a href="../x.html#a">1</a><img src="y.png" alt=""></p>'
                                 '<a href="#b">b</a><a href="../x.html#a">1 again</a><a href="https://example.org/">out</a>'
                                 '<a href="javascript:x()">2</a><a href="#gone">3</a>'))
    checked = check_scan("people/a.html", scan)
    assert checked.ids == ("a", "b", "main")
    # A link to an element of the page itself is settled here, and kept only when it is broken.
    assert checked.links("people/a.html") == [("x.html", "a", "../x.html#a"), ("people/y.png", "", "y.png"), ("", "gone", "#gone")]
    # The URL our templates write (up to the top, then down) is not kept: the state holds every page's.
    assert checked.targets == ("x.html", "a", "", "people/y.png", "", "y.png", "", "gone", "#gone")
    assert checked.problems == ("URL scheme 'javascript' is not allowed ('javascript:x()')",)
    assert pickle.loads(pickle.dumps(checked)) == checked    # kept in the build's state


def test_pages_keep_one_copy_of_the_strings_they_share():
    one, other = (pickle.loads(pickle.dumps(check_scan(f"people/{name}.html", scan_page(PAGE.format(
        '<p id="cite-1">x</p><a href="../sources/report.html#q-1">q</a>'))))) for name in ("a", "b"))
    assert one.targets[0] == other.targets[0] and one.targets[0] is not other.targets[0]   # as a worker sends them
    one, other = one.shared(), other.shared()
    assert one.targets[0] is other.targets[0] and one.ids == other.ids == ("cite-1", "main") and one.ids[0] is other.ids[0]


# --- updating the live site in place ---------------------------------------------------------------

def inodes(site) -> dict[str, int]:
    return {p.relative_to(site).as_posix(): p.stat().st_ino for p in site.rglob("*")}


def test_a_site_that_keeps_files_of_the_live_one_is_updated_in_place(tmp_path):
    old = built_site(tmp_path, {"index.html": '<a href="people/a.html">A</a>', "people/a.html": '<p id="x">a</p>',
                                "people/b.html": "b, deleted", "gone/c.html": "c, deleted with its folder"})
    (old / "data").mkdir()
    (old / "data/old.json").write_text("{}", encoding="utf-8")    # a data file the new site no longer has
    before = inodes(old)
    writer = SiteWriter(old)
    writer.reuse("people/a.html", checked_of(old, "people/a.html"), kept={"people/a.html"})
    writer.write("index.html", PAGE.format('<a href="people/a.html#x">A</a> <a href="places/d.html">D</a>'))
    writer.write("places/d.html", PAGE.format('<a href="../people/a.html">A</a>'))   # in a new folder
    writer.commit()
    after = inodes(old)
    assert sorted(after) == [".dossier-site", "index.html", "people", "people/a.html", "places", "places/d.html"]
    assert after["people/a.html"] == before["people/a.html"]      # kept: the very same file
    assert after["index.html"] != before["index.html"] and after[MARKER] != before[MARKER]
    assert (old / MARKER).read_text(encoding="utf-8") == MARKER_TEXT
    assert "places/d.html" in (old / "index.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]   # nothing left beside it


def test_the_site_folder_itself_stays_in_an_update_and_is_swapped_otherwise(tmp_path):
    old = built_site(tmp_path, {"index.html": "", "a.html": ""})
    folder = old.stat().st_ino
    writer = SiteWriter(old)
    writer.reuse("a.html", checked_of(old, "a.html"))
    writer.write("index.html", PAGE.format("again"))
    writer.commit()
    assert old.stat().st_ino == folder
    writer = SiteWriter(old)
    writer.write("index.html", PAGE.format("whole"))
    writer.commit()
    assert old.stat().st_ino != folder and sorted(p.name for p in old.iterdir()) == [MARKER, "index.html"]


def test_an_update_clears_what_stands_in_the_way_of_the_new_site(tmp_path):
    old = built_site(tmp_path, {"index.html": "", "people.html": "a file where a folder goes",
                                "places/x.html": "a folder where a file goes"})
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside/keep.txt").write_text("not the site's", encoding="utf-8")
    (old / "link").symlink_to(tmp_path / "outside", target_is_directory=True)   # put there by hand: removed, unfollowed
    writer = SiteWriter(old)
    writer.reuse("index.html", checked_of(old, "index.html"))
    writer.write("people.html/a.html", PAGE.format(""))
    writer.write("places", b"now a file")
    writer.commit()
    assert sorted(inodes(old)) == [MARKER, "index.html", "people.html", "people.html/a.html", "places"]
    assert (old / "places").read_bytes() == b"now a file" and (tmp_path / "outside/keep.txt").is_file()


def test_an_update_that_fails_verification_leaves_the_live_site_untouched(tmp_path):
    old = built_site(tmp_path, {"index.html": "", "people/a.html": "a"})
    before, state = inodes(old), cache.output_state(old)
    writer = SiteWriter(old)
    writer.reuse("people/a.html", checked_of(old, "people/a.html"))
    writer.write("index.html", PAGE.format('<a href="people/missing.html">gone</a>'))
    with pytest.raises(WriteError):
        writer.commit()
    assert inodes(old) == before and cache.output_state(old) == state
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_an_update_stopped_halfway_leaves_a_site_marked_as_being_updated(tmp_path, monkeypatch):
    old = built_site(tmp_path, {"index.html": "", "a.html": "", "b.html": "", "c.html": ""})
    recorded = cache.output_state(old)
    writer = SiteWriter(old)
    writer.reuse("a.html", checked_of(old, "a.html"))
    for rel in ("index.html", "b.html", "c.html"):
        writer.write(rel, PAGE.format("new"))
    moved, move = [], SiteWriter._move

    def stopping(self, rel, made):
        if len(moved) == 1:
            raise KeyboardInterrupt
        moved.append(rel)
        move(self, rel, made)
    monkeypatch.setattr(SiteWriter, "_move", stopping)
    with pytest.raises(KeyboardInterrupt):
        writer.commit()
    writer.abort()
    assert len(moved) == 1 and moved != [MARKER]
    # No record of a whole site matches it, whatever the clock: the marker is of another size.
    assert (old / MARKER).read_text(encoding="utf-8") == UPDATING_TEXT
    assert len(UPDATING_TEXT.encode()) != len(MARKER_TEXT.encode())
    assert cache.output_state(old)[MARKER][0] != recorded[MARKER][0]
    assert replaceable(old) and sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_site_past_what_github_pages_takes_is_built_with_a_warning_that_says_so(content, tmp_path, monkeypatch):
    from dossier import build as building
    site = tmp_path / "site"
    assert not [d for d in content.build(site).diagnostics.items if d.code == "site-size"]   # a few hundred KB
    monkeypatch.setattr(building, "PAGES_SITE_LIMIT", 100_000)    # as if a gigabyte
    monkeypatch.setattr(building, "GIT_FILE_LIMIT", 50_000)      # as if 100 MiB
    warned = [d.message for d in content.build(tmp_path / "other").diagnostics.items if d.code == "site-size"]
    assert warned[0].startswith("the site is 0.00 GB: GitHub Pages publishes sites of at most 1 GB")
    assert any(w.startswith("assets/leaflet/leaflet.js is 0 MiB: git refuses files over 100 MiB") for w in warned[1:])
    assert (tmp_path / "other" / "index.html").is_file()   # a warning: the site is written


# --- --strict makes the site-size warning an error, as every other -------------------------------

def test_strict_build_past_github_pages_limits_fails(tmp_path, monkeypatch):
    import shutil

    from dossier import build as building
    from dossier.build import build
    from tests.conftest import REPO
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)   # no warnings: --strict passes it
    monkeypatch.setattr(building, "PAGES_SITE_LIMIT", 100_000)    # as if a gigabyte
    result = build(content, tmp_path / "site", strict=True)
    sizes = [d for d in result.diagnostics.items if d.code == "site-size"]
    assert sizes and all(d.severity == "error" for d in sizes)
    again = build(content, tmp_path / "site", strict=True)   # unchanged: the same outcome
    assert again.unchanged and again.diagnostics.errors


# --- two builds at once (found by an outside review: the second deleted the first's folder) -------

def test_a_second_build_of_the_same_content_waits_for_the_first(content, tmp_path):
    import subprocess
    import sys
    out = tmp_path / "site"
    with cache.one_build_at_a_time(content.root, lambda: None):   # a first build, holding the lock
        second = subprocess.Popen([sys.executable, "-m", "dossier", "build", "--content", str(content.root),
                                   "--out", str(out)], stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                                  env=engine_env())
        first_line = second.stderr.readline()
        assert "waiting for another build of" in first_line
        assert second.poll() is None and not out.exists()   # it waits, and has touched nothing
    _, rest = second.communicate(timeout=120)
    assert second.returncode == 0, rest
    assert (out / MARKER).read_text(encoding="utf-8") == MARKER_TEXT


def test_the_temporary_folder_of_a_build_still_running_is_not_cleaned_away(tmp_path):
    import subprocess
    import sys
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = tmp_path / f".site.tmp-{other.pid}"
        live.mkdir()
        SiteWriter(tmp_path / "site").abort()
        assert live.is_dir()   # another build's, writing into the same output from other content
    finally:
        other.kill()
        other.wait()
    SiteWriter(tmp_path / "site").abort()
    assert not live.exists()   # its build is gone: a leftover, cleaned


# --- what the user keeps in the site (found by an outside review: a build deleted a gh-pages .git) --

def users_things(site):
    (site / "CNAME").write_text("dossier.example.org\n", encoding="utf-8")
    (site / ".nojekyll").write_text("", encoding="utf-8")
    (site / ".git/objects").mkdir(parents=True)
    (site / ".git/HEAD").write_text("ref: refs/heads/gh-pages\n", encoding="utf-8")


def assert_users_things_kept(site):
    assert (site / "CNAME").read_text(encoding="utf-8") == "dossier.example.org\n"
    assert (site / ".nojekyll").is_file() and (site / ".git/objects").is_dir()
    assert (site / ".git/HEAD").read_text(encoding="utf-8") == "ref: refs/heads/gh-pages\n"


def test_hidden_entries_and_a_cname_in_the_site_outlive_every_kind_of_build(content, tmp_path):
    from dossier.build import build
    site = tmp_path / "site"
    assert not build(content.root, site).diagnostics.errors
    users_things(site)
    assert build(content.root, site).unchanged            # they are not part of the site's record
    (site / ".git/HEAD").write_text("ref: refs/heads/gh-pages\n", encoding="utf-8")   # a commit in the worktree
    assert build(content.root, site).unchanged
    content.write("entities/people/bob.yaml", "name: Bob\nsummary: Bob of [[ruritania]].\n")
    updated = build(content.root, site)                   # in place
    assert not updated.diagnostics.errors and 0 < updated.rendered < updated.pages
    assert_users_things_kept(site)
    assert not build(content.root, site, use_cache=False).diagnostics.errors   # a whole new site swapped in
    assert_users_things_kept(site)
    assert (site / "people/bob.html").is_file()


def test_a_folder_holding_only_the_users_entries_may_be_built_into(tmp_path):
    site = tmp_path / "site"
    (site / ".git").mkdir(parents=True)
    built_site(tmp_path, {"index.html": ""})
    assert (site / ".git").is_dir() and (site / MARKER).is_file()


def test_the_users_entries_left_aside_by_a_killed_build_are_given_back_by_the_next(tmp_path):
    site = built_site(tmp_path, {"index.html": ""})
    aside = tmp_path / ".site.tmp-999999999"   # no such process: a build killed after its swap
    (aside / ".git").mkdir(parents=True)
    (aside / "CNAME").write_text("x\n", encoding="utf-8")
    (aside / "index.html").write_text("old\n", encoding="utf-8")
    SiteWriter(site).abort()
    assert (site / ".git").is_dir() and (site / "CNAME").read_text(encoding="utf-8") == "x\n"
    assert not aside.exists()


def test_an_output_folder_that_cannot_be_renamed_is_updated_file_by_file(tmp_path, monkeypatch):
    from dossier.stages import write
    site = built_site(tmp_path, {"index.html": "", "old.html": ""})
    real_replace = os.replace

    def mount_point(src, dst):   # a mount point: rename(2) says EBUSY, and EXDEV into it from beside it
        src, dst = os.fspath(src), os.fspath(dst)
        if src == os.fspath(site):
            raise OSError(16, "Device or resource busy")
        inside = os.fspath(site) + os.sep
        if dst.startswith(inside) and not src.startswith(inside):
            raise OSError(18, "Invalid cross-device link")
        return real_replace(src, dst)
    monkeypatch.setattr(write, "exchange", lambda a, b: False)
    monkeypatch.setattr(write.os, "replace", mount_point)
    built_site(tmp_path, {"index.html": '<a href="new.html">new</a>', "new.html": ""})
    assert sorted(p.name for p in site.iterdir()) == [MARKER, "index.html", "new.html"]
    assert (site / MARKER).read_text(encoding="utf-8") == MARKER_TEXT



def test_a_site_left_aside_by_a_swap_stopped_halfway_is_put_back_before_anything_else(tmp_path, monkeypatch):
    """Where the system cannot exchange two folders, a swap is two renames: a build killed between
    them leaves no site in place and the previous one aside, with the user's entries in it."""
    site = built_site(tmp_path, {"index.html": ""})
    (site / ".git").mkdir()
    aside = tmp_path / ".site.old-999999999"   # no such process
    os.replace(site, aside)
    SiteWriter(site).abort()
    assert (site / "index.html").is_file() and (site / ".git").is_dir() and not aside.exists()


def test_builds_of_two_content_folders_side_by_side_do_not_wait_for_each_other(tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"   # their caches share .dossier-cache/
    first.mkdir()
    second.mkdir()
    def waiting():   # raise rather than wait: a lock shared by both would wait here for ever
        raise AssertionError("the build of one content folder waited for the other's")
    with cache.one_build_at_a_time(first, waiting):
        with cache.one_build_at_a_time(second, waiting):
            pass


def test_a_previous_site_whose_users_entries_cannot_be_given_back_is_left_aside_not_deleted(tmp_path, monkeypatch):
    from dossier.stages import write
    site = built_site(tmp_path, {"index.html": ""})
    (site / ".git").mkdir()
    monkeypatch.setattr(write, "_give_back_users_entries", lambda folder, out: False)   # say, a rename refused
    built_site(tmp_path, {"index.html": "again"})
    aside = [p for p in tmp_path.glob(".site.tmp-*") if (p / ".git").is_dir()]
    assert len(aside) == 1   # the old site with the .git, kept for the next build to give back
    monkeypatch.undo()
    SiteWriter(site).abort()
    assert (site / ".git").is_dir() and not aside[0].exists()


def test_a_copy_across_file_systems_that_fails_leaves_nothing_beside_its_target(tmp_path, monkeypatch):
    from dossier.stages import write
    (tmp_path / "site").mkdir()
    (tmp_path / "new").write_text("x", encoding="utf-8")
    monkeypatch.setattr(write.os, "replace", lambda src, dst: (_ for _ in ()).throw(OSError(18, "Invalid cross-device link")))
    def full(src, dst):
        open(dst, "w").write("part")
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(write.shutil, "copyfile", full)
    with pytest.raises(OSError):
        write._replace_into(str(tmp_path / "new"), str(tmp_path / "site" / MARKER))
    assert list((tmp_path / "site").iterdir()) == []   # no '.dossier-site.dossier-<pid>' to pass for the user's
    assert not cache.users_entry(MARKER + ".dossier-123")


def test_whose_temporary_folder_is_read_from_the_output_folders_own_name():
    import subprocess
    import sys
    from dossier.stages.write import _of_a_live_build
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert _of_a_live_build(f".x.tmp-1.old-{other.pid}", "x.tmp-1")   # the output is named 'x.tmp-1'
        assert _of_a_live_build(f".site.tmp-{other.pid}-marker", "site")
        assert not _of_a_live_build(f".site.tmp-{other.pid}", "other")
        assert not _of_a_live_build(".site.old-x", "site")
    finally:
        other.kill()
        other.wait()


def test_a_site_whose_folder_cannot_take_a_new_one_beside_it_is_told_where_to_write(content, tmp_path, monkeypatch):
    """A build writes the new site in a folder beside the old one: with the site writable but not
    the folder that holds it, "cannot make the output folder there" pointed at a folder that was
    there (an outside hunt, run without root's right to write anywhere)."""
    from pathlib import Path
    from dossier.build import build
    site = tmp_path / "ro" / "site"
    assert not build(content.root, site).diagnostics.errors
    make_folder = Path.mkdir

    def refused_beside_the_site(self, *args, **kwargs):
        if self.parent == site.parent and self.name.startswith(".site.tmp-"):
            raise PermissionError(13, "Permission denied")
        return make_folder(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", refused_beside_the_site)
    failed = build(content.root, site, use_cache=False)
    assert [d.text() for d in failed.diagnostics.errors] == [
        f"{site}: error: {site}: cannot make the output folder there (Permission denied) (a build writes the new site "
        f"in a folder beside it, in {site.parent}, which must be writable); choose another --out [output]"]
