"""What base_url gives a site published on GitHub Pages: a sitemap.xml of every page, and a
404.html whose links work at any depth. Without base_url, neither changes the site."""
from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from dossier.build import build
from dossier.cli import main
from dossier.features import sitemap
from dossier.stages.write import SiteWriter, WriteError

REPO = Path(__file__).resolve().parent.parent
BASE = "https://owner.github.io/repo/"
NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def with_base_url(tmp_path: Path, base_url: str = BASE) -> Path:
    """A copy of the demo content whose dossier.yaml sets base_url."""
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    with open(content / "dossier.yaml", "a", encoding="utf-8") as file:
        file.write(f'base_url: "{base_url}"\n')
    return content


def built(content: Path, out: Path) -> Path:
    result = build(content, out, use_cache=False)
    assert not result.diagnostics.errors, [d.text() for d in result.diagnostics.errors]
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("based")
    return built(with_base_url(tmp), tmp / "site")


def pages(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*.html")}


def locs(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    assert root.tag == f"{NS}urlset"
    assert all(url.tag == f"{NS}url" and [c.tag for c in url] == [f"{NS}loc"] for url in root)
    return [url.find(f"{NS}loc").text for url in root]


def test_with_base_url_the_sitemap_lists_every_page_but_404_and_search_once_sorted_and_absolute(site):
    listed = locs(site / "sitemap.xml")
    expected = sorted(pages(site) - {"404.html", "search.html"})
    assert listed == [BASE + path for path in expected]
    assert len(set(listed)) == len(listed) > 200
    assert (site / "sitemap.xml").read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')


def test_each_sitemap_url_is_the_canonical_link_of_its_page(site):
    for loc in locs(site / "sitemap.xml")[::20]:
        page = BeautifulSoup((site / loc[len(BASE):]).read_text(encoding="utf-8"), "html.parser")
        assert page.find("link", rel="canonical")["href"] == loc


def test_the_sitemap_has_no_lastmod_and_is_the_same_bytes_on_every_build(site, tmp_path):
    again = built(with_base_url(tmp_path), tmp_path / "again")
    assert (again / "sitemap.xml").read_bytes() == (site / "sitemap.xml").read_bytes()
    assert b"lastmod" not in (site / "sitemap.xml").read_bytes()


def test_sitemap_urls_are_escaped_for_xml_and_written_as_the_canonical_links(tmp_path):
    # base_url is ASCII, other characters %-escaped (dossier.yaml's schema): the URL is the same
    # in the pages and in the sitemap, where XML escapes its '&'.
    base = "https://example.org/a&b/dossier%20%C3%A9/"
    out = built(with_base_url(tmp_path, base), tmp_path / "site")
    assert base + "index.html" in locs(out / "sitemap.xml")
    assert b"a&amp;b" in (out / "sitemap.xml").read_bytes()
    page = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert page.find("link", rel="canonical")["href"] == base + "index.html"


def test_without_base_url_there_is_no_sitemap_and_404_keeps_relative_links(tmp_path):
    out = built(REPO / "content", tmp_path / "site")
    assert not (out / "sitemap.xml").exists()
    assert not list(out.glob("sitemap*"))
    page = BeautifulSoup((out / "404.html").read_text(encoding="utf-8"), "html.parser")
    assert page.find("link", rel="stylesheet")["href"] == "assets/style.css"
    assert page.find("a", class_="site-title")["href"] == "index.html"


def test_base_url_given_on_the_command_line_is_as_if_dossier_yaml_set_it(site, tmp_path, own_state_key):
    # A GitHub Pages workflow knows its address (configure-pages), without the slash at its end.
    out = tmp_path / "site"
    assert main(["build", "--content", str(REPO / "content"), "--out", str(out), "--quiet", "--base-url", BASE[:-1]]) == 0
    assert {rel: (out / rel).read_bytes() for rel in sorted(pages(site)) + ["sitemap.xml"]} == \
           {rel: (site / rel).read_bytes() for rel in sorted(pages(site)) + ["sitemap.xml"]}
    # the address is part of what the next build compares: without it, the build is done again
    assert main(["build", "--content", str(REPO / "content"), "--out", str(out), "--quiet"]) == 0
    assert not (out / "sitemap.xml").exists()
    for wrong in ("javascript:alert(1)", "https://owner.github.io/" + "a" * 500):
        assert main(["build", "--content", str(REPO / "content"), "--out", str(out), "--base-url", wrong]) == 2


def test_404_links_are_absolute_under_base_url_and_lead_to_files_of_the_site(site):
    """GitHub Pages serves 404.html for any missing path (/repo/people/missing.html too): its
    stylesheet, navigation and search form must not depend on where it is served. It loads no
    script: site.js does nothing there, and a script from base_url would run whatever the host a
    pull request writes into base_url serves."""
    page = BeautifulSoup((site / "404.html").read_text(encoding="utf-8"), "html.parser")
    urls = [(tag.name, tag.get("href") or tag.get("src") or tag.get("action"))
            for tag in page.find_all(["a", "link", "script", "form"])]
    assert ("link", BASE + "assets/style.css") in urls and not page.find("script")
    assert ("form", BASE + "search.html") in urls and ("a", BASE + "people/index.html") in urls
    for name, url in urls:
        if url == "#main":   # the skip link: a fragment of whatever address the page is served at
            continue
        assert url.startswith(BASE), (name, url)
        assert (site / url[len(BASE):]).is_file(), url
    assert page.find("link", rel="canonical") is None   # served at every missing address: none is its own


def test_other_pages_keep_relative_links_and_work_offline(site):
    """Only 404.html (never reachable from file://) uses absolute links; every other page
    names base_url only in its canonical link."""
    for rel in sorted(pages(site) - {"404.html"})[::10]:
        page = BeautifulSoup((site / rel).read_text(encoding="utf-8"), "html.parser")
        for tag in page.find_all(["a", "link", "script", "form", "img"]):
            url = tag.get("href") or tag.get("src") or tag.get("action") or ""
            if url.startswith(BASE):
                assert tag.name == "link" and tag["rel"] == ["canonical"], (rel, tag)
        assert page.find("link", rel="stylesheet")["href"].endswith("assets/style.css")
        assert not page.find("link", rel="stylesheet")["href"].startswith("http")


PAGE = ('<!DOCTYPE html><html><head><link rel="stylesheet" href="{base}assets/style.css"></head>'
        '<body><main id="main"><form action="{base}index.html"></form>{body}</main></body></html>')


def writer_with_404(tmp_path: Path, body: str) -> SiteWriter:
    writer = SiteWriter(tmp_path / "out")
    writer.served_anywhere("404.html", BASE)
    writer.write("assets/style.css", "")
    writer.write("assets/site.js", "")
    writer.write("index.html", '<p id="x">x</p>')
    writer.write("404.html", PAGE.format(base=BASE, body=body))
    return writer


def test_the_verifier_checks_404s_absolute_links_as_links_to_the_site(tmp_path):
    writer_with_404(tmp_path / "a", f'<a href="{BASE}index.html#x">home</a>').commit()
    for body, problem in [(f'<a href="{BASE}missing.html">x</a>', "points to a missing file"),
                          (f'<a href="{BASE}index.html#nowhere">x</a>', "no element with id 'nowhere'"),
                          (f'<a href="{BASE}">x</a>', "directory link"),
                          (f'<a href="{BASE}../x.html">x</a>', "outside the site"),
                          (f'<script src="{BASE}assets/site.js"></script>', "not one of the site's own scripts"),
                          ('<script src="https://evil.example/assets/x.js"></script>', "not one of the site's own scripts"),
                          (f'<a href="{BASE}https://evil.example/x.html">x</a>', "leaves the site's own address"),
                          ('<img src="https://evil.example/x.png" alt="">', "from the network")]:
        with pytest.raises(WriteError) as failed:
            writer_with_404(tmp_path / "b", body).commit()
        assert any(problem in p for p in failed.value.problems), (body, failed.value.problems)


def test_absolute_links_to_the_site_are_only_read_so_on_the_page_served_anywhere(tmp_path):
    """On any other page a URL under base_url is an external link as before: a link is not
    checked, and a stylesheet or a script from it is refused."""
    writer = SiteWriter(tmp_path / "out")
    writer.served_anywhere("404.html", BASE)
    writer.write("assets/site.js", "")
    writer.write("assets/style.css", "")
    writer.write("people/a.html", f'<a href="{BASE}missing.html">x</a><script src="{BASE}assets/site.js"></script>'
                                  f'<link rel="stylesheet" href="{BASE}assets/style.css">')
    with pytest.raises(WriteError) as failed:
        writer.commit()
    assert [p for p in failed.value.problems if "missing" in p] == []
    assert any("not one of the site's own scripts" in p for p in failed.value.problems)
    assert any(f"loads '{BASE}assets/style.css' from the network" in p for p in failed.value.problems)


def test_a_sitemap_of_12000_pages_is_one_file():
    paths = [f"people/person-{i}.html" for i in range(12_000)] + ["404.html", "search.html", "index.html"]
    (name, write_to), = sitemap.files(BASE, paths)
    data = bytearray()
    write_to(data.extend)
    assert name == "sitemap.xml" and data.count(b"<loc>") == 12_001


def test_beyond_50000_pages_sitemap_xml_is_an_index_of_sitemaps(tmp_path):
    paths = [f"people/p{i:06}.html" for i in range(120_001)]
    made = {}
    for name, write_to in sitemap.files(BASE, paths):
        data = bytearray()
        write_to(data.extend)
        made[name] = bytes(data)
    assert sorted(made) == ["sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml", "sitemap.xml"]
    index = ET.fromstring(made["sitemap.xml"])
    assert index.tag == f"{NS}sitemapindex"
    assert [s.find(f"{NS}loc").text for s in index] == [BASE + f"sitemap-{n}.xml" for n in (1, 2, 3)]
    parts = []
    for n in (1, 2, 3):
        (tmp_path / "part.xml").write_bytes(made[f"sitemap-{n}.xml"])
        parts.extend(locs(tmp_path / "part.xml"))
    assert parts == [BASE + p for p in paths]
    assert all(urlsplit(u).scheme == "https" for u in parts[:: 10_000])
