"""Check what the build is about to publish, page by page, before it replaces the live site.

Our pages always quote attribute values with double quotes and escape text, so a regular
expression over tags reads them exactly and far faster than an HTML parser. Checked: every
internal link and #fragment resolves to a file and an element we wrote; nothing loads from the
network (by src or href, srcset, a background, a ping, or CSS: no <style>, and no style or SVG
paint attribute that names a file); no link is absolute or a directory or outside the site; no
script but our own files; no on* handlers; no URL scheme but http, https and mailto; no <base>,
frames, plug-ins, <meta http-equiv> or charset but UTF-8. A tag the expression cannot read, or
a '<' inside a tag it read, is itself a finding (the scan fails closed).

One exception, for a page served at any address (404.html, which GitHub Pages serves for every
missing path, so a relative link on it would lead elsewhere at each depth): given the site's own
address (dossier.yaml's base_url), the writer reads its URLs that begin with it as the site's own
files, paths from the top of the site, checked as every internal link is (they must lead to a
file and an element we wrote): ``write.check_scan(base=)``. Scripts are not excepted: a script is
ours only by a relative URL, so that a pull request changing base_url (to a host of its own)
cannot run code on the site; such a page loads none. Every other page, and every other absolute
URL, is read as before.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from functools import lru_cache
from html import unescape
from itertools import chain
from urllib.parse import unquote, urlsplit

# A tag: its name, then its attributes. The quantifiers are possessive (they never give back
# what they took): no part of a tag can end where the next part begins (a name ends where white
# space, '=', '/' or '>' begins; a value where its quote or white space does), so giving back
# never finds another match, and the engine need not try (tests/test_scan.py compares the two).
# White space is HTML's (tab, line feed, form feed, carriage return, space): a browser reads no
# other between attributes, so a no-break space is part of a name or value, as it reads it.
_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*+)((?:[\t\n\f\r ]++[^\t\n\f\r \"'>/=]++(?:[\t\n\f\r ]*+=[\t\n\f\r ]*+"
                  r"(?:\"[^\"]*+\"|'[^']*+'|[^\t\n\f\r \"'=<>`]++))?+)*+)[\t\n\f\r ]*+/?>")
# The same with its two groups made non-capturing, so that findall gives each whole tag as one
# string (a string, not a tuple of groups: cheaper to make, and one key for the tag cache).
_TAG_TEXT = re.compile(_TAG.pattern.replace("(", "(?:").replace("(?:?:", "(?:"))
assert _TAG_TEXT.groups == 0
_ATTR = re.compile(r"([^\t\n\f\r \"'>/=]+)(?:[\t\n\f\r ]*=[\t\n\f\r ]*(?:\"([^\"]*)\"|'([^']*)'|([^\t\n\f\r \"'=<>`]+)))?")
_RESOURCE = {("script", "src"), ("img", "src"), ("iframe", "src"), ("source", "src"), ("video", "src"),
             ("audio", "src"), ("embed", "src"), ("object", "data"), ("link", "href"), ("image", "href"),
             ("use", "href"), ("image", "xlink:href"), ("use", "xlink:href"), ("input", "src"),
             ("video", "poster"), ("track", "src"), ("img", "srcset"), ("source", "srcset"),
             ("feimage", "href"), ("feimage", "xlink:href")}
# Attributes that load what they name on any element: a table's or a body's background, the
# images a <link> preloads, and the addresses a link pings when followed.
_LOADING = {"background", "imagesrcset", "ping"}
_LINKING = {"href", "src", "action", "data", "xlink:href", "formaction", "poster", "srcset"} | _LOADING
# SVG's attributes whose value can be url(...): of an element of the page (url(#id)), or a file.
_PAINT = {"fill", "stroke", "mask", "filter", "clip-path", "cursor", "marker-start", "marker-mid", "marker-end"}
# In CSS (a style attribute, or an SVG paint attribute): what loads a file, and escapes, which
# could spell it otherwise. The site's pages write no style attribute and no <style>.
_CSS_LOADS = re.compile(r"\\|@import|image-set\(|image\(|src\(|url\((?![\t\n\f\r ]*['\"]?[\t\n\f\r ]*#)", re.I)
_OUR_SCRIPT = re.compile(r"^(\.\./)*(assets|data)/[A-Za-z0-9._/-]+\.js\Z")
# Elements that load or run something we did not write, or change where links go. SVG's animate
# and set can rewrite an href (attributeName="href" to="javascript:...").
_REFUSED_TAGS = {"base", "iframe", "object", "embed", "frame", "frameset", "applet", "portal", "animate", "set", "style",
                 "animatemotion", "animatetransform", "handler", "listener"}
_TAG_START = re.compile(r"<[a-zA-Z]")
# Every tag start in turn: the whole tag where one can be read there, else the '<' alone. Matches
# never overlap: a '<' inside a tag's attribute values is part of that tag (and sends the page to
# _scan_carefully, which says why).
_TAG_OR_START = re.compile(_TAG_TEXT.pattern + "|<(?=[a-zA-Z])")
_STYLE_SCRIPT = re.compile(r"javascript:|vbscript:|expression\(|-moz-binding|behavior:", re.I)


@dataclass
class PageScan:
    ids: set[str] = field(default_factory=set)
    links: list[tuple[str, str]] = field(default_factory=list)   # (url, what) to check later
    problems: list[str] = field(default_factory=list)


def scan_page(html: str) -> PageScan:
    """Read every tag of a page. Fails closed: a '<' and a letter that do not start a tag this
    scanner can read (``<img/onerror=...>``, a tag left open) is itself a problem, because a
    browser would read something there that the checks below never saw.

    Each distinct tag is read once, in the order of its first appearance (a page repeats most of
    its tags): what it finds is the same, links each once in page order, problems each once."""
    tags = dict.fromkeys(_TAG_OR_START.findall(html))
    # A tag start no tag could be read from, or a '<' inside a tag read (see _scan_carefully).
    if "<" in tags or "".join(tags).count("<") != len(tags):
        return _scan_carefully(html)
    found = [f for f in map(_scan_tag_text, tags) if f is not None]   # most tags have nothing to check
    return PageScan(set(chain.from_iterable([f[0] for f in found])), list(chain.from_iterable([f[1] for f in found])),
                    list(chain.from_iterable([f[2] for f in found])))


def _scan_carefully(html: str) -> PageScan:
    """Tag start by tag start: what cannot be read is a problem, and so is a '<' inside the
    attribute values of a tag read. It starts no tag there, but a browser may read it as one: in
    '<!-- <x a=" --><img onerror=...>"> -->' or '<title><x a="</title><img ...>"></title>' the
    comment or the title ends first, and the <img> is a tag. Every tag a browser reads begins
    with a '<' and a letter, which this scan either reads a tag from, or finds inside a tag it
    read, or cannot read: so no tag a browser reads goes unchecked."""
    out = PageScan()
    covered = 0
    seen = set()   # each distinct tag is read once, as in scan_page
    for start in _TAG_START.finditer(html):
        if start.start() < covered:
            continue
        m = _TAG.match(html, start.start())
        if m is None:
            out.problems.append(f"unreadable tag {_shown(html[start.start():])}: a browser may read attributes in it that were not checked")
            covered = start.end()
            continue
        covered = m.end()
        if "<" in m.group(0)[1:]:
            out.problems.append(f"a '<' inside the tag {_shown(m.group(0))}: a browser may end what holds the tag "
                                "(a comment, a <title>) before the tag ends, and read a tag there that was not checked "
                                "(the site writes a '<' in a value as &lt;)")
        if m.group(0) in seen:
            continue
        seen.add(m.group(0))
        found = _scan_tag_text(m.group(0))
        if found is not None:
            _add(out, found)
    return out


def _shown(html: str) -> str:
    return repr(html[:40].split("\n")[0])


def _add(out: PageScan, found: tuple[tuple, tuple, tuple]) -> None:
    out.ids.update(found[0])
    out.links.extend(found[1])
    out.problems.extend(found[2])


# <link> relations that only name a page (no browser fetches them); any other <link> loads its href.
_NAMING_RELS = {"canonical", "alternate", "author", "license", "help", "search", "next", "prev", "me"}


# A link with nothing to check but its href and an id, written as our templates write links (the
# attributes in this order, double quotes, no character reference in href or id): most of the
# tags the cache has not seen (links to notes, to entities, to sources). _scan_tag would find the
# same; this is one match instead of reading each attribute (tests/test_scan.py compares them).
_PLAIN_LINK = re.compile(r'<a(?: class="[^"]*+")? href="([^"&]*+)"(?: id="([^"&]*+)")?(?: (?:title|rel|aria-label)="[^"]*+")*+>')


@lru_cache(maxsize=1 << 14)
def _scan_tag_text(tag: str) -> tuple[tuple, tuple, tuple] | None:
    """_scan_tag of a whole tag as _TAG_TEXT found it. Cached: navigation, header and footer tags
    are the same on every page of a folder, and a site has thousands of pages. The tags that
    recur do so soon: at 2,000 entities this size finds 99.5% of what a cache four times larger
    finds (which held 40 MB in each render worker at 10,000)."""
    if tag.startswith("<a "):
        link = _PLAIN_LINK.fullmatch(tag)
        if link:
            return ((link[2],) if link[2] is not None else (), ((link[1], "link"),), ())
    m = _TAG.match(tag)
    return _scan_tag(m.group(1), m.group(2))


def _scan_tag(name: str, attr_text: str) -> tuple[tuple, tuple, tuple] | None:
    """(ids, links, problems) of one tag, or None when it has none. Only the values checked are
    decoded (a mini map's data attribute has thousands of references)."""
    tag = name.lower()
    pairs = [(a.group(1).lower(), a.group(2) or a.group(3) or a.group(4) or "") for a in _ATTR.finditer(attr_text)]
    attrs: dict[str, str] = {}   # first value of each name, as a browser keeps it (not decoded)
    for key, raw in pairs:
        attrs.setdefault(key, raw)
    naming_link = tag == "link" and "rel" in attrs and set(_value(attrs["rel"]).lower().split()) <= _NAMING_RELS
    ids, links, problems = [], [], []
    for key, raw in pairs:
        if key == "id":
            ids.append(_value(raw))
        elif key.startswith("on"):
            problems.append(f"<{tag}> has an event-handler attribute {key!r}")
        elif key == "style" or key in _PAINT:
            value = _value(raw)
            if _STYLE_SCRIPT.search(re.sub(r"[\s\\]+", "", value)):
                problems.append(f"<{tag}> has a {key} attribute that can run script")
            elif _CSS_LOADS.search(value):
                problems.append(f"<{tag}> has a {key} attribute that can load a file (url(), @import, image-set() "
                                "or a CSS escape): the site's pages load only their own files, by links the scan reads")
        elif key in ("srcdoc", "xml:base"):
            problems.append(f"<{tag}> has a {key!r} attribute")
        elif key in _LINKING:
            value = _value(raw)
            if tag == "form" and key == "action":
                links.append((value, "form"))
            elif ((tag, key) in _RESOURCE or key in _LOADING) and not naming_link or key == "ping":
                urls = _srcset_urls(value) if key in ("srcset", "imagesrcset") else value.split() if key == "ping" else [value]
                for url in urls:
                    links.append((url, "resource"))
                if tag == "script" and not _OUR_SCRIPT.match(value):
                    problems.append(f"<script src={value!r}> is not one of the site's own scripts")
            else:
                links.append((value, "link"))
    if tag == "script" and "src" not in attrs:
        problems.append("inline <script> (the site only uses its own script files)")
    if tag in _REFUSED_TAGS:
        problems.append(f"<{tag}> is not allowed in the site")
    if tag == "meta" and "http-equiv" in attrs:
        problems.append("<meta http-equiv> is not allowed in the site")
    if tag == "meta" and "charset" in attrs and _value(attrs["charset"]).strip().lower() not in ("utf-8", "utf8"):
        # The scan reads the page as UTF-8: in another encoding a browser may read other tags.
        problems.append(f"<meta charset={_value(attrs['charset'])!r}>: the site's pages are UTF-8")
    return (tuple(ids), tuple(links), tuple(problems)) if ids or links or problems else None


def _value(raw: str) -> str:
    return unescape(raw) if "&" in raw else raw


def _srcset_urls(value: str) -> list[str]:
    return [c.split()[0] for c in value.split(",") if c.split()]


def check_link(page: str, url: str, what: str, files: set[str], ids_of) -> str | None:
    """A problem with one URL on a page (page path relative to the site, POSIX), or None."""
    problem, target, fragment = resolve_link(posixpath.dirname(page), url, what)
    if problem:
        return problem
    if target is None:   # external, or a mailto: link
        return None
    target = target or page
    if target != page and target not in files:
        return f"link {url.strip()!r} points to a missing file"
    if fragment and target.endswith(".html"):
        ids = ids_of(target)
        if ids is not None and fragment not in ids:
            return f"link {url.strip()!r}: no element with id {fragment!r} in {target}"
    return None


# A relative URL of path segments and a fragment in letters, digits, '_', '.' and '-': nearly
# every link of a page. Such a URL has no scheme, host, query, escapes or white space to read.
_PLAIN_URL = re.compile(r"(?:[\w.-]+/)*[\w.-]+(?:#[\w.-]*)?|#[\w.-]*", re.ASCII)


def resolve_link(folder: str, url: str, what: str) -> tuple[str | None, str | None, str]:
    """(problem, target path or '' for the page itself or None for external, fragment). A plain
    URL is resolved here at once (as _resolve_url would: tens of thousands of pages link to
    hundreds of thousands of distinct places, more than a cache holds); any other is parsed."""
    if _PLAIN_URL.fullmatch(url):
        path, _, fragment = url.partition("#")
        if not path:
            return None, "", fragment
        directory, _, name = path.rpartition("/")
        if name != "." and name != "..":   # a file name: the folder it is in decides where it is
            place = _folder_of_link(folder, directory)
            if place is not None:
                return None, place + name, fragment
    return _resolve_url(folder, url, what)


@lru_cache(maxsize=1 << 12)
def _folder_of_link(folder: str, directory: str) -> str | None:
    """Where a plain link's folder part leads from a page in folder: a site path ending in '/'
    ('' for the top), or None outside the site. A site has few folders, so this is nearly always
    found in the cache."""
    place = posixpath.normpath(posixpath.join(folder, directory))
    if place == ".." or place.startswith("../"):
        return None
    return "" if place == "." else place + "/"


_ENCODED_SLASH = re.compile("%2f", re.I)   # (a %5C is decoded into a name: no file has such a name)


@lru_cache(maxsize=1 << 16)
def _resolve_url(folder: str, url: str, what: str) -> tuple[str | None, str | None, str]:
    """resolve_link, for any URL. Cached: the same links (navigation, shared sources) recur on
    every page of a folder."""
    # As a browser reads it: C0 controls and spaces trimmed, tabs and newlines removed anywhere.
    raw = re.sub(r"[\t\n\r]", "", url).strip("".join(map(chr, range(0x21))))
    try:
        parts = urlsplit(raw)
    except ValueError:  # e.g. 'http://[x': an unterminated IPv6 host
        return f"malformed URL {raw!r}", None, ""
    scheme = parts.scheme.lower()
    if scheme in ("http", "https") or raw.startswith("//"):
        if what == "resource":
            return f"loads {raw!r} from the network", None, ""
        if raw.startswith("//"):
            return f"protocol-relative link {raw!r}", None, ""
        return None, None, ""
    if scheme == "mailto" and what == "link":
        return None, None, ""
    if scheme:
        return f"URL scheme {scheme!r} is not allowed ({raw!r})", None, ""
    if raw.startswith("/") or raw.startswith("\\"):
        return f"absolute path {raw!r} breaks under file://", None, ""
    if parts.path.endswith("/"):
        return f"directory link {raw!r}: link to the .html file itself", None, ""
    target = ""
    if parts.path:
        if _ENCODED_SLASH.search(parts.path):   # a browser reads it as part of a name, never as a folder's end
            return f"link {raw!r} has a slash written as %2F: a browser reads it as part of a file name, not as a folder's end", None, ""
        target = posixpath.normpath(posixpath.join(folder, unquote(parts.path)))
        if target.startswith("../") or target == "..":
            return f"link {raw!r} points outside the site", None, ""
    return None, target, unquote(parts.fragment)
