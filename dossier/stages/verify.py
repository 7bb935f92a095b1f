"""Check what the build is about to publish, page by page, before it replaces the live site.

Our pages always quote attribute values with double quotes and escape text, so a regular
expression over tags reads them exactly and far faster than an HTML parser. Checked: every
internal link and #fragment resolves to a file and an element we wrote; nothing loads from the
network; no link is absolute or a directory; no script but our own files; no on* handlers; no
URL scheme but http, https and mailto.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import unquote, urlsplit

_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s\"'>/=]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*)\s*/?>")
_ATTR = re.compile(r"([^\s\"'>/=]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'=<>`]+)))?")
_RESOURCE = {("script", "src"), ("img", "src"), ("iframe", "src"), ("source", "src"), ("video", "src"),
             ("audio", "src"), ("embed", "src"), ("object", "data"), ("link", "href"), ("image", "href"),
             ("use", "href")}
_LINKING = {"href", "src", "action", "data", "xlink:href", "formaction", "poster", "background", "srcset"}
_OUR_SCRIPT = re.compile(r"^(\.\./)*(assets|data)/[A-Za-z0-9._/-]+\.js$")


@dataclass
class PageScan:
    ids: set[str] = field(default_factory=set)
    links: list[tuple[str, str]] = field(default_factory=list)   # (url, what) to check later
    problems: list[str] = field(default_factory=list)


def scan_page(html: str) -> PageScan:
    out = PageScan()
    for m in _TAG.finditer(html):
        tag = m.group(1).lower()
        for a in _ATTR.finditer(m.group(2)):
            name = a.group(1).lower()
            value = unescape(a.group(2) or a.group(3) or a.group(4) or "")
            if name == "id":
                out.ids.add(value)
            elif name.startswith("on"):
                out.problems.append(f"<{tag}> has an event-handler attribute {name!r}")
            elif name in _LINKING:
                if tag == "form" and name == "action":
                    out.links.append((value, "form"))
                elif (tag, name) in _RESOURCE and not (tag == "link" and "stylesheet" not in m.group(2) and "icon" not in m.group(2)):
                    out.links.append((value, "resource"))
                    if tag == "script" and not _OUR_SCRIPT.match(value):
                        out.problems.append(f"<script src={value!r}> is not one of the site's own scripts")
                else:
                    out.links.append((value, "link"))
        if tag == "script" and "src=" not in m.group(2):
            out.problems.append("inline <script> (the site only uses its own script files)")
        if tag in ("base", "iframe", "object", "embed", "frame", "frameset", "meta") and tag != "meta":
            out.problems.append(f"<{tag}> is not allowed in the site")
        if tag == "meta" and "http-equiv" in m.group(2).lower():
            out.problems.append("<meta http-equiv> is not allowed in the site")
    return out


def check_link(page: str, url: str, what: str, files: set[str], ids_of) -> str | None:
    """A problem with one URL on a page (page path relative to the site, POSIX), or None."""
    raw = url.strip()
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https") or raw.startswith("//"):
        if what == "resource":
            return f"loads {raw!r} from the network"
        if raw.startswith("//"):
            return f"protocol-relative link {raw!r}"
        return None
    if scheme == "mailto" and what == "link":
        return None
    if scheme:
        return f"URL scheme {scheme!r} is not allowed ({raw!r})"
    if raw.startswith("/") or raw.startswith("\\"):
        return f"absolute path {raw!r} breaks under file://"
    if parts.path.endswith("/"):
        return f"directory link {raw!r}: link to the .html file itself"
    target = page
    if parts.path:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(parts.path)))
        if target.startswith("../") or target == "..":
            return f"link {raw!r} points outside the site"
        if target not in files:
            return f"link {raw!r} points to a missing file"
    if parts.fragment and target.endswith(".html"):
        ids = ids_of(target)
        if ids is not None and unquote(parts.fragment) not in ids:
            return f"link {raw!r}: no element with id {parts.fragment!r} in {target}"
    return None
