"""sitemap.xml (the sitemaps.org protocol, 0.9), written when dossier.yaml sets ``base_url``.

A sitemap needs absolute URLs, so without ``base_url`` there is none. It lists one ``<loc>`` per
published page, sorted by path, each URL the page's canonical link (``base_url`` + its path), so
the same pages give the same bytes (beyond 50,000 pages, the protocol's limit for one file,
sitemap.xml is an index of sitemap-1.xml, sitemap-2.xml ...). No ``<lastmod>``: the only dates a
build could give without the clock are the content's own (a source's publication date), which say nothing of when the page
last changed, and a wrong lastmod is worse than none. Neither 404.html (GitHub Pages serves it for
missing addresses, with status 404) nor search.html (a form whose results are made in the
browser: nothing for a search engine to index) is listed.

Text joined, not a template per URL: 12,000 pages take a few milliseconds.
"""
from __future__ import annotations

from typing import Callable, Iterable
from urllib.parse import quote
from xml.sax.saxutils import escape

PATH = "sitemap.xml"
UNLISTED = frozenset({"404.html", "search.html"})
MAX_URLS = 50_000   # the protocol's limit for one file (and 50 MB, far above 50,000 of our URLs)
# What a URL keeps as it is: RFC 3986's reserved and unreserved characters and '%' (an escape
# already written in base_url); anything else (a space, a quote, a non-ASCII letter) is escaped.
_KEEP = ":/?#[]@!$&'()*+,;=%~"
_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def url(base_url: str, path: str) -> str:
    """The absolute URL of a site path, as the protocol wants it (escaped, not yet for XML)."""
    return quote(base_url + path, safe=_KEEP)


def _urlset(base_url: str, paths: list[str]) -> bytes:
    locs = "".join(f"<url><loc>{escape(url(base_url, p))}</loc></url>\n" for p in paths)
    return (f'{_HEAD}<urlset xmlns="{_NS}">\n{locs}</urlset>\n').encode("utf-8")


def _index(base_url: str, parts: list[str]) -> bytes:
    locs = "".join(f"<sitemap><loc>{escape(url(base_url, p))}</loc></sitemap>\n" for p in parts)
    return (f'{_HEAD}<sitemapindex xmlns="{_NS}">\n{locs}</sitemapindex>\n').encode("utf-8")


def listed(paths: Iterable[str]) -> list[str]:
    """The site paths a sitemap lists, in its order."""
    return sorted(set(paths) - UNLISTED)


def files(base_url: str | None, paths: Iterable[str]) -> list[tuple[str, Callable]]:
    """(path, write_to) of each sitemap file (see exports.writers); none without a base_url.
    Up to MAX_URLS pages, sitemap.xml lists them; beyond, sitemap.xml is a sitemap index of
    sitemap-1.xml, sitemap-2.xml ..., MAX_URLS pages each (the protocol's limit for one file)."""
    if not base_url:
        return []
    pages = listed(paths)
    if len(pages) <= MAX_URLS:
        return [(PATH, lambda write: write(_urlset(base_url, pages)))]
    chunks = {f"sitemap-{n + 1}.xml": pages[i:i + MAX_URLS] for n, i in enumerate(range(0, len(pages), MAX_URLS))}
    out = [(PATH, lambda write: write(_index(base_url, list(chunks))))]
    out.extend((name, lambda write, chunk=chunk: write(_urlset(base_url, chunk))) for name, chunk in chunks.items())
    return out
