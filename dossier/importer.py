"""`dossier import FILE`: a saved web page or a plain-text copy of an article becomes a source.

The result is ``content/sources/<id>.md``: front matter filled from what the page says of itself
(meta tags, JSON-LD), and the article's text as Markdown. The Markdown is written so that nothing
from the page can become our syntax or HTML: every character that means something to Markdown or
to the dossier (``[`` ``]`` ``<`` ``>`` ``*`` ``_`` `````` ``|`` ``~`` ``\\``, ``&`` before a word,
block markers at the start of a line, ``!`` before a link) is escaped, ``[[`` and ``[@`` never
appear, and the only links kept are http, https and mailto. Scripts, styles, frames, forms, SVG,
event handlers, ``<base>`` and ``<meta http-equiv=refresh>`` are dropped with their content;
attributes are never copied.

HTML: the article is the ``<article>`` element, else the ``itemprop=articleBody`` element, else the
element with the most paragraph text, once navigation, headers, footers, asides, hidden elements
and share / social / related / ad / newsletter / cookie blocks are removed.

Plain text (a browser's "select all, copy" of an article), cleaned as an editor would:
- a line repeated verbatim is page furniture (a thumbnail caption shown at the top and beside each
  related story): every copy is dropped, and so is a line that is such a line with something
  appended (a widget label such as ``...TowerCard``);
- a line followed elsewhere by itself with a credit appended (``caption`` then ``caption Agency``)
  is a photo caption shown twice: one copy is kept, in italics, the credited copy is dropped;
- a "Related Stories" (or "Read more", "No stories found.") line ends the article;
- the first line left is the title; a short line (at most 12 words) without final punctuation is
  a ``## `` heading, and headings with no paragraph after them (the related stories' titles) are
  dropped, and named in the command's notes so that one that was the article's is put back;
- every other line is a paragraph (lines of a hard-wrapped text are joined first).
"""
from __future__ import annotations

import codecs
import datetime
import email.utils
import json
import os
import re
import tempfile
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from .yamlload import BIDI_CONTROLS, CONTROL_CHARACTERS

MAX_INPUT_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 80
HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
TEXT_SUFFIXES = {".txt", ".text"}


class ImportFailed(Exception):
    """The input cannot be read or holds no article (exit 1)."""


class ImportUsage(Exception):
    """The command line cannot be carried out: bad id, taken id, bad option (exit 2)."""


@dataclass
class Block:
    kind: str    # "p", "h", "caption", "list", "quote", "code", "table"
    md: str      # the block as Markdown
    plain: str   # its text, for comparisons (title, repeated captions)


@dataclass
class Article:
    title: str | None = None
    meta: dict[str, str] = field(default_factory=dict)  # publisher, author, url, published, language
    blocks: list[Block] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)   # text left out as the page's furniture, to tell

    def body(self) -> str:
        return "\n\n".join(b.md for b in self.blocks) + "\n" if self.blocks else ""


# --- text hygiene and Markdown escaping ------------------------------------------------------------

# Removed from all text: C0/C1 controls (but tab and newline), zero-width space, word joiner, BOM,
# soft hyphen, non-characters, and the bidirectional embeddings, overrides and isolates (pages in
# Arabic or Hebrew hold some; `dossier check` refuses them in content, yamlload.BIDI_CONTROLS).
# YAML refuses most of them and a reader never sees them.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u200b\u2060\ufeff\ufffe\uffff\ud800-\udfff"
                        f"{BIDI_CONTROLS}]")
_WS = re.compile(r"[ \t\n\r\f\v]+")


def clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = text.replace("\xa0", " ").replace("\u202f", " ").replace("\u2007", " ")
    return _INVISIBLE.sub("", text)


def one_line(text: str) -> str:
    return _WS.sub(" ", clean_text(text)).strip()


_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]{1,32};)")
# In text, '&' is escaped unless a space follows: the next piece of text could complete an entity
# reference ("&" + "amp;").
_AMPERSAND = re.compile(r"&(?!\s)")


def escape_inline(text: str) -> str:
    """Text as Markdown that shows exactly this text: no emphasis, link, code, HTML or entity."""
    return _AMPERSAND.sub(r"\\&", _INLINE_SPECIAL.sub(r"\\\1", text))


_ORDERED = re.compile(r"(\d{1,9})([.)])")


def escape_line_start(line: str) -> str:
    """Keep a line of a paragraph from starting a heading, list, rule or setext underline."""
    line = line.lstrip(" \t")
    if line[:1] in ("#", "+", "-", "="):
        return "\\" + line
    m = _ORDERED.match(line)
    if m:
        return m[1] + "\\" + line[len(m[1]):]
    return line


def defuse(md: str) -> str:
    """The last guard, on assembled Markdown: ``[[`` and ``[@`` never reach the file, and a ``!``
    of the text before a link does not make it an image."""
    while "[[" in md or "[@" in md:
        md = md.replace("[[", "[\\[").replace("[@", "[\\@")
    return md.replace("![", "\\![")


# --- URLs ----------------------------------------------------------------------------------------

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_URL_ESCAPES = {" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E", "[": "%5B", "]": "%5D",
                "\\": "%5C", '"': "%22", "`": "%60", "|": "%7C"}


def safe_link(href: str | None, base: str | None) -> str | None:
    """An http, https or mailto URL fit for ``[text](url)``, or None (the link becomes plain text).

    Browsers drop tabs and newlines inside URLs and trim control characters and spaces, so the
    scheme is read with all of them removed (``java\tscript:`` is javascript:). Relative links are
    resolved against the page's own address (its canonical URL), never against ``<base>``; a link
    within the page (``#...``) is dropped."""
    if not isinstance(href, str):
        return None
    raw = re.sub(r"[\x00-\x1f\x7f]+", "", clean_text(href)).strip(" ")
    squeezed = raw.replace(" ", "")
    if not squeezed or squeezed.startswith("#"):
        return None
    if not _SCHEME.match(squeezed):
        if not base:
            return None
        raw = re.sub(r"[\x00-\x1f\x7f]+", "", urljoin(base, raw)).strip(" ")
        squeezed = raw.replace(" ", "")
    allowed = ("http", "https", "mailto")
    m = _SCHEME.match(squeezed)
    if not m or m.group(1).lower() not in allowed:
        return None
    own = _SCHEME.match(raw)
    url = raw if own and own.group(1).lower() == m.group(1).lower() else squeezed
    if len(url) > 2000:
        return None
    url = "".join(_URL_ESCAPES.get(ch, ch) for ch in url)
    return _ENTITY_LIKE.sub(r"\\&", url)  # "&amp;" in an address stays as written


def plain_url(value: str | None, base: str | None = None) -> str | None:
    """A page address for the front matter: http(s), one line, no spaces."""
    if not isinstance(value, str):
        return None
    value = one_line(value)
    if base and not _SCHEME.match(value):
        value = urljoin(base, value)
    if not re.match(r"^https?://[^\s]+\Z", value, re.I) or len(value) > 2000:
        return None
    return value


# --- dates, languages, slugs ---------------------------------------------------------------------

def iso_date(value) -> str | None:
    """``2025-04-30T10:00:00+09:00`` -> ``2025-04-30`` (the date as the page wrote it); also
    ``2025-04``, ``2025`` and RFC 2822 dates. None when it is not a real date."""
    if not isinstance(value, str):
        return None
    value = one_line(value)
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})(?!\d)", value)
    try:
        if m:
            return datetime.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        m = re.match(r"^(\d{4})-(\d{2})(?![\d-])", value)
        if m:
            datetime.date(int(m[1]), int(m[2]), 1)
            return f"{m[1]}-{m[2]}"
        m = re.match(r"^(\d{4})\Z", value)
        if m and int(m[1]) >= 1:
            return m[1]
        parsed = email.utils.parsedate_to_datetime(value)
        return parsed.date().isoformat() if parsed else None
    except (ValueError, TypeError, IndexError, OverflowError):
        return None


_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*\Z")


def language_tag(value) -> str | None:
    if not isinstance(value, str):
        return None
    tag = one_line(value).replace("_", "-")
    if not tag:
        return None
    first, _, rest = tag.partition("-")
    tag = first.lower() + ("-" + rest if rest else "")
    return tag if _LANG.match(tag) and len(tag) <= 35 else None


_CYRILLIC = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґў",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r",
                      "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "iu", "ia", "i", "i",
                      "ie", "g", "u"]))


def slugify(text: str, max_len: int = 80) -> str:
    """An id from a title: ASCII lowercase letters, digits and single hyphens, at most max_len."""
    text = re.sub(r"['’‘ʼ`´]", "", text.lower())
    text = "".join(_CYRILLIC.get(ch, ch) for ch in text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(text) > max_len:
        cut = text[: max_len + 1]
        text = cut.rsplit("-", 1)[0] if "-" in cut else text[:max_len]
    return text.strip("-")


# --- HTML ------------------------------------------------------------------------------------------

# Dropped with everything inside, always: active content, embedded documents, media, forms' controls.
_HARD_DROP = {"script", "style", "noscript", "iframe", "frame", "frameset", "object", "embed", "applet",
              "button", "input", "select", "textarea", "option", "optgroup", "datalist", "output", "label",
              "svg", "math", "canvas", "video", "audio", "source", "track", "picture", "img", "image", "map",
              "area", "template", "link", "meta", "base", "head", "title", "dialog", "menu", "portal", "slot",
              "param", "marquee", "progress", "meter", "noembed", "noframes", "xmp", "plaintext"}
# Dropped unless they hold most of the page's text (some sites wrap everything in a <form>).
_SOFT_DROP = {"nav", "header", "footer", "aside", "form"}
_JUNK = re.compile(
    r"(?:^|[-_\s])(?:nav|navbar|menu|breadcrumbs?|share|sharing|sharebar|social|related|recommended|"
    r"recommendations|ads?|advert|adverts|advertisement|advertising|sponsor|sponsored|promo|promotion|"
    r"newsletter|subscribe|subscription|signup|cookies?|consent|gdpr|popup|modal|banner|comments?|disqus|"
    r"outbrain|taboola|sidebar|widget|masthead|toolbar|byline|paywall|more-stories|read-more|also-read|"
    r"tags|print|skip)(?:$|[-_\s])", re.I)
_KEEP_ROOTS = {"html", "body", "main", "article"}

_BLOCKS = {"p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li",
           "blockquote", "pre", "table", "figure", "figcaption", "hr", "dl", "dt", "dd", "address", "details",
           "summary", "center", "header", "footer", "nav", "aside", "form", "fieldset", "tr", "td", "th",
           "thead", "tbody", "tfoot", "caption", "body", "html", "hgroup", "search", "legend"}
_HEADING_LEVEL = {"h1": 2, "h2": 2, "h3": 3, "h4": 4, "h5": 4, "h6": 4}
_BR = "\n"  # inline text never holds a newline (whitespace is folded): it marks a <br>


def _is_text(node) -> bool:
    from bs4.element import NavigableString, PreformattedString
    try:
        from bs4.element import Script, Stylesheet, TemplateString
        special = (PreformattedString, Script, Stylesheet, TemplateString)
    except ImportError:  # pragma: no cover - older beautifulsoup4
        special = (PreformattedString,)
    return isinstance(node, NavigableString) and not isinstance(node, special)


def _is_tag(node) -> bool:
    from bs4.element import Tag
    return isinstance(node, Tag)


def _attr(tag, name: str) -> str:
    value = tag.get(name)
    if isinstance(value, list):
        return " ".join(value)
    return value if isinstance(value, str) else ""


def _hidden(tag) -> bool:
    if tag.has_attr("hidden") or _attr(tag, "aria-hidden").strip().lower() == "true":
        return True
    style = _attr(tag, "style").lower().replace(" ", "")
    return "display:none" in style or "visibility:hidden" in style


def _paragraph_text(soup) -> tuple[dict[int, int], dict[int, float], int]:
    """Paragraph text held by each element (all of it), a readability score (a paragraph counts
    for its parent, half for its grandparent), and the page's total."""
    held: dict[int, int] = Counter()
    score: dict[int, float] = Counter()
    total = 0
    for p in soup.find_all("p"):
        n = len(one_line(p.get_text()))
        if n < 20:
            continue
        total += n
        for i, parent in enumerate(p.parents):
            held[id(parent)] += n
            if i == 0:
                score[id(parent)] += n
            elif i == 1:
                score[id(parent)] += n / 2
    return held, score, total


def _strip_page(soup) -> None:
    """Remove what is never article text (see the module's docstring)."""
    from bs4.element import Comment, PreformattedString
    for node in soup.find_all(string=lambda s: isinstance(s, (Comment, PreformattedString))):
        node.extract()
    for tag in soup.find_all(True):
        if not tag.name:  # decomposed with an ancestor (bs4 empties its name)
            continue
        if tag.name in _HARD_DROP or _hidden(tag):
            tag.decompose()
    held, _, total = _paragraph_text(soup)
    for tag in soup.find_all(True):
        if not tag.name or tag.name in _KEEP_ROOTS or tag.get("itemprop") == "articleBody":
            continue
        junk = tag.name in _SOFT_DROP or _JUNK.search(_attr(tag, "class") + " " + _attr(tag, "id") + " " + _attr(tag, "role"))
        if junk and not (total and held.get(id(tag), 0) > total / 2):
            tag.decompose()


def _article_root(soup):
    held, score, total = _paragraph_text(soup)
    enough = lambda tag: held.get(id(tag), 0) >= total / 3
    articles = [a for a in soup.find_all("article") if enough(a)]
    if articles:
        return max(articles, key=lambda a: held.get(id(a), 0))
    bodies = [b for b in soup.find_all(attrs={"itemprop": "articleBody"}) if enough(b)]
    if bodies:
        return max(bodies, key=lambda b: held.get(id(b), 0))
    if score:
        best = max(soup.find_all(True), key=lambda t: score.get(id(t), 0))
        if score.get(id(best), 0):
            return best
    return soup.body or soup


class _Converter:
    """HTML elements -> Markdown blocks. Only text and safe link targets are ever copied."""

    def __init__(self, base_url: str | None):
        self.base = base_url
        self.blocks: list[Block] = []
        self.captions: set[str] = set()

    # inline ----------------------------------------------------------------------------------
    def inline(self, node, depth: int = 0, em: bool = False, strong: bool = False, link: bool = False) -> str:
        if _is_text(node):
            return escape_inline(_WS.sub(" ", clean_text(str(node))))
        if not _is_tag(node):
            return ""
        name = node.name
        if depth > MAX_DEPTH:
            return escape_inline(_WS.sub(" ", clean_text(node.get_text(" "))))
        if name == "br":
            return _BR
        if name in ("hr", "wbr"):
            return " "

        def inner(**kw):
            args = dict(em=em, strong=strong, link=link)
            args.update(kw)
            return "".join(self.inline(child, depth + 1, **args) for child in node.children)

        if name in ("em", "i", "cite", "dfn", "var"):
            return inner() if em else _wrap(inner(em=True), "*")
        if name in ("strong", "b"):
            return inner() if strong else _wrap(inner(strong=True), "**")
        if name == "q":
            return "“" + inner() + "”"
        if name == "a":
            text = inner(link=True)
            url = None if link else safe_link(node.get("href"), self.base)
            if url and text.strip():
                text = text.replace(_BR, " ")
                lead, core, trail = _split_space(text)
                return f"{lead}[{core}]({url}){trail}"
            return text
        text = inner()
        if name in _BLOCKS:  # a block inside an inline run (a card's <div> inside <a>): keep words apart
            return " " + text + " "
        return text

    # blocks ----------------------------------------------------------------------------------
    def convert(self, root) -> list[Block]:
        self.container(root, 0)
        return self.blocks

    def container(self, node, depth: int, out: list[Block] | None = None) -> list[Block]:
        out = self.blocks if out is None else out
        run: list[str] = []
        for child in list(node.children):
            if _is_tag(child) and child.name in _BLOCKS:
                self.paragraph("".join(run), out)
                run = []
                self.block(child, depth + 1, out)
            else:
                run.append(self.inline(child, depth + 1))
        self.paragraph("".join(run), out)
        return out

    def paragraph(self, text: str, out: list[Block], kind: str = "p") -> None:
        for chunk in re.split(r"\n[ ]*\n[\n ]*", text):  # two <br> in a row: a new paragraph
            lines = [_SPACES.sub(" ", line).strip() for line in chunk.split(_BR)]
            lines = [escape_line_start(line) for line in lines if line]
            if lines:
                md = defuse("\\\n".join(lines))
                out.append(Block(kind, md, _plain(md)))

    def block(self, tag, depth: int, out: list[Block]) -> None:
        name = tag.name
        if depth > MAX_DEPTH:
            self.paragraph(escape_inline(_WS.sub(" ", clean_text(tag.get_text(" ")))), out)
        elif name == "p" or name in ("dt", "summary", "address", "legend"):
            self.paragraph(self.inline_children(tag, depth), out)
        elif name in _HEADING_LEVEL:
            text = _SPACES.sub(" ", self.inline_children(tag, depth).replace(_BR, " ")).strip()
            if text:
                text = text.replace("#", "\\#")
                out.append(Block("h", defuse("#" * _HEADING_LEVEL[name] + " " + text), _plain(text)))
        elif name in ("ul", "ol"):
            self.list(tag, depth, out)
        elif name == "blockquote":
            inner = self.container(tag, depth, [])
            if inner:
                md = "\n\n".join(b.md for b in inner)
                out.append(Block("quote", "\n".join(("> " + line) if line else ">" for line in md.split("\n")),
                                 " ".join(b.plain for b in inner)))
        elif name == "pre":
            self.pre(tag, out)
        elif name == "table":
            self.table(tag, depth, out)
        elif name == "figcaption":
            self.caption(tag, depth, out)
        elif name == "hr":
            return
        else:  # div, section, figure, li outside a list, td outside a table ...
            self.container(tag, depth, out)

    def inline_children(self, tag, depth: int) -> str:
        return "".join(self.inline(child, depth + 1) for child in tag.children)

    def caption(self, tag, depth: int, out: list[Block]) -> None:
        text = _SPACES.sub(" ", "".join(self.inline(c, depth + 1, em=True) for c in tag.children).replace(_BR, " ")).strip()
        plain = _plain(text)
        if not plain or plain in self.captions or any(b.plain == plain for b in out):
            return  # a caption that repeats (the same photo shown twice, or its alt text)
        self.captions.add(plain)
        out.append(Block("caption", defuse(escape_line_start(_wrap(text, "*"))), plain))

    def list(self, tag, depth: int, out: list[Block]) -> None:
        ordered = tag.name == "ol"
        try:
            number = int(_attr(tag, "start") or 1)
        except ValueError:
            number = 1
        number = max(0, min(number, 10**8))
        items = []
        for child in tag.children:
            if not _is_tag(child):
                if _is_text(child) and one_line(str(child)):
                    items.append(self.container_of_text(str(child)))
                continue
            blocks = self.container(child, depth + 1, []) if child.name == "li" else self.block_list(child, depth)
            if blocks:
                items.append(blocks)
        if not items:
            return
        # Tight (no blank lines) when each item is one paragraph, perhaps with nested lists.
        tight = all(sum(b.kind != "list" for b in blocks) <= 1 and blocks[0].kind in ("p", "list")
                    and all(b.kind in ("p", "list") for b in blocks) for blocks in items)
        rendered = []
        for blocks in items:
            marker = f"{number}. " if ordered else "- "
            number += 1
            pad = " " * len(marker)
            parts = [blocks[0].md]
            for b in blocks[1:]:
                # A nested list may follow a paragraph line directly if it can interrupt one.
                close = tight and b.kind == "list" and (b.md.startswith("- ") or b.md.startswith("1. "))
                parts.append(("\n" if close else "\n\n") + b.md)
            lines = "".join(parts).split("\n")
            rendered.append("\n".join([marker + lines[0]] + [(pad + line) if line else "" for line in lines[1:]]))
        out.append(Block("list", ("\n" if tight else "\n\n").join(rendered),
                         " ".join(b.plain for blocks in items for b in blocks)))

    def block_list(self, tag, depth: int) -> list[Block]:
        blocks: list[Block] = []
        self.block(tag, depth + 1, blocks) if tag.name in _BLOCKS else self.paragraph(self.inline(tag, depth + 1), blocks)
        return blocks

    def container_of_text(self, text: str) -> list[Block]:
        blocks: list[Block] = []
        self.paragraph(escape_inline(_WS.sub(" ", clean_text(text))), blocks)
        return blocks

    def pre(self, tag, out: list[Block]) -> None:
        text = clean_text(tag.get_text()).strip("\n").rstrip()
        if not text.strip():
            return
        longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
        fence = "`" * max(3, longest + 1)
        out.append(Block("code", f"{fence}\n{text}\n{fence}", one_line(text)))

    def table(self, tag, depth: int, out: list[Block]) -> None:
        structural = tag.find(["p", "div", "ul", "ol", "table", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6"])
        rows = [tr for tr in tag.find_all("tr") if tr.find_parent("table") is tag]
        cells = [[_SPACES.sub(" ", self.inline_children(td, depth).replace(_BR, " ")).strip()
                  for td in tr.find_all(["td", "th"], recursive=False)] for tr in rows]
        cells = [row for row in cells if any(row)]
        if structural or not cells or max(len(r) for r in cells) < 2:
            self.container(tag, depth, out)  # a layout table: its content, as blocks
            return
        width = max(len(r) for r in cells)
        cells = [row + [""] * (width - len(row)) for row in cells]
        lines = ["| " + " | ".join(row) + " |" for row in cells]
        lines.insert(1, "| " + " | ".join(["---"] * width) + " |")
        out.append(Block("table", defuse("\n".join(lines)), " ".join(" ".join(r) for r in cells)))


_SPACES = re.compile(r"[ ]{2,}")


def _split_space(text: str) -> tuple[str, str, str]:
    core = text.strip(" ")
    lead = " " if text[:1] == " " else ""
    trail = " " if text[-1:] == " " and core else ""
    return lead, core, trail


def _wrap(text: str, mark: str) -> str:
    """Emphasis around text, spaces kept outside (``* a*`` is not emphasis)."""
    lead, core, trail = _split_space(text)
    if not core.replace(_BR, "").strip():
        return text
    if core.startswith(_BR) or core.endswith(_BR):
        return text
    return f"{lead}{mark}{core}{mark}{trail}"


_UNESCAPE = re.compile(r"\\(.)", re.S)


def _plain(md: str) -> str:
    text = _UNESCAPE.sub(r"\1", md.replace("\\\n", " "))
    text = re.sub(r"\]\((?:https?|mailto):[^)]*\)", "", text)
    return " ".join(text.replace("*", " ").replace("[", "").split()).lower()


# --- metadata --------------------------------------------------------------------------------------

_ARTICLE_TYPES = ("Article", "NewsArticle", "BlogPosting", "ReportageNewsArticle", "AnalysisNewsArticle",
                  "OpinionNewsArticle", "Report", "ScholarlyArticle", "TechArticle", "LiveBlogPosting")


def _json_ld(soup) -> list[dict]:
    """The JSON-LD objects of the page, articles first."""
    found: list[dict] = []
    for script in soup.find_all("script"):
        if _attr(script, "type").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.string or script.get_text() or "null")
        except (ValueError, RecursionError):
            continue
        stack, seen = [data], 0
        while stack and seen < 10_000:
            item = stack.pop()
            seen += 1
            if isinstance(item, dict):
                found.append(item)
                stack.extend(v for k, v in item.items() if k in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"))
            elif isinstance(item, list):
                stack.extend(reversed(item))

    def rank(obj):
        types = obj.get("@type")
        types = types if isinstance(types, list) else [types]
        return 0 if any(t in _ARTICLE_TYPES for t in types if isinstance(t, str)) else 1
    return sorted(found, key=rank)


def meta_text(value) -> str | None:
    """A meta value as one line of plain text; markup in it (never legitimate) is read as HTML
    and only its text kept, without the content of scripts and styles."""
    if not isinstance(value, str):
        return None
    if "<" in value or "&" in value:
        from bs4 import BeautifulSoup
        fragment = BeautifulSoup(value, "html.parser")
        for tag in fragment.find_all(True):
            if tag.name and tag.name in _HARD_DROP:
                tag.decompose()
        value = fragment.get_text(" ")
    return one_line(value) or None


def _names(value) -> str | None:
    if isinstance(value, str):
        return meta_text(value)
    if isinstance(value, dict):
        return _names(value.get("name"))
    if isinstance(value, list):
        names = [n for n in (_names(v) for v in value[:20]) if n]
        return ", ".join(dict.fromkeys(names)) or None
    return None


def _limit(text: str | None, n: int) -> str | None:
    text = meta_text(text)
    if not text:
        return None
    if len(text) <= n:
        return text or None
    return text[: n - 1].rsplit(" ", 1)[0] + "…"


def html_meta(soup) -> tuple[str | None, dict[str, str]]:
    metas: dict[str, str] = {}
    for m in soup.find_all("meta"):
        key = (_attr(m, "property") or _attr(m, "name") or _attr(m, "itemprop")).strip().lower()
        content = m.get("content")
        if key and isinstance(content, str) and content.strip() and key not in metas:
            metas[key] = content
    ld = _json_ld(soup)
    ld_get = lambda key: next((obj[key] for obj in ld if obj.get(key)), None)

    canonical = None
    for link in soup.find_all("link"):
        rels = [r.lower() for r in (link.get("rel") or [])] if isinstance(link.get("rel"), list) else _attr(link, "rel").lower().split()
        if "canonical" in rels:
            canonical = link.get("href")
            break
    og_url = plain_url(metas.get("og:url"))
    url = plain_url(canonical, og_url) or og_url or plain_url(ld_get("url"))

    publisher = _limit(metas.get("og:site_name") or _names(ld_get("publisher")) or metas.get("application-name"), 300)
    author = _limit(metas.get("author") or _names(ld_get("author")) or metas.get("dc.creator")
                    or (metas.get("article:author") if not plain_url(metas.get("article:author")) else None), 300)
    published = None
    for candidate in (metas.get("article:published_time"), ld_get("datePublished"), metas.get("citation_publication_date"),
                      metas.get("dc.date"), metas.get("date"), metas.get("pubdate"), metas.get("og:published_time")):
        published = iso_date(candidate)
        if published:
            break
    if not published:
        for t in soup.find_all("time"):
            if t.get("itemprop") == "datePublished" or t.has_attr("pubdate"):
                published = iso_date(t.get("datetime"))
                if published:
                    break
    html_tag = soup.find("html")
    language = language_tag(html_tag.get("lang") if html_tag else None) or language_tag(metas.get("content-language")) \
        or language_tag(ld_get("inLanguage")) or language_tag(metas.get("og:locale"))

    title = metas.get("og:title") or metas.get("twitter:title") or _names(ld_get("headline"))
    if not title:
        h1 = soup.find("h1")
        title = h1.get_text(" ") if h1 else None
    if not title or not one_line(title):
        t = soup.find("title")
        title = t.get_text(" ") if t else None
        if title and publisher:
            for sep in (" | ", " - ", " – ", " — ", " :: ", " · "):
                if one_line(title).endswith(sep + publisher):
                    title = one_line(title)[: -len(sep + publisher)]
    meta = {"publisher": publisher, "author": author, "url": url, "published": published, "language": language}
    return _limit(title, 500), {k: v for k, v in meta.items() if v}


def from_html(data: bytes | str) -> Article:
    from bs4 import BeautifulSoup
    try:
        soup = BeautifulSoup(data, "html.parser")
    except Exception as e:  # html.parser is lenient; a decoder can still give up
        raise ImportFailed(f"cannot parse the page as HTML: {e}") from None
    title, meta = html_meta(soup)
    _strip_page(soup)
    root = _article_root(soup)
    blocks = _Converter(meta.get("url")).convert(root)
    # The page's own title heading is in the front matter: drop it from the text.
    if title:
        wanted = _plain(escape_inline(one_line(title)))
        for i, b in enumerate(blocks[:3]):
            if b.kind == "h" and b.plain == wanted:
                del blocks[i]
                break
    return Article(title, meta, blocks)


# --- plain text ------------------------------------------------------------------------------------

_END_MARKERS = re.compile(r"^(related (stories|articles|posts|news|content|coverage)|read more|more stories|"
                          r"more from [^.]{1,60}|you (may|might) also like|recommended( for you| stories)?|"
                          r"no stories found\.?|latest (news|stories)|trending( now)?)$", re.I)
_FINAL_PUNCT = re.compile(r"[.!?…:;,。！？．，；：؟۔،][\"'”’»)\]」』）]*$")   # Latin, CJK, Arabic and Urdu marks
HEADING_MAX = 120
HEADING_MAX_WORDS = 12   # a longer line is a sentence without its full stop, not a subheading
_MIN_PREFIX = 20


def _is_heading(line: str) -> bool:
    return (len(line) <= HEADING_MAX and len(line.split()) <= HEADING_MAX_WORDS
            and not _FINAL_PUNCT.search(line) and bool(re.search(r"\w", line)))


def _hard_wrapped(lines: list[str]) -> bool:
    lengths = sorted(len(line) for line in lines if line)
    if len(lengths) < 4:
        return False
    return lengths[-1] <= 100 and lengths[len(lengths) // 2] >= 45


def from_text(text: str) -> Article:
    lines = [line.strip() for line in clean_text(text).split("\n")]
    for i, line in enumerate(lines):
        if _END_MARKERS.match(line):
            lines = lines[:i]
            break
    counts = Counter(line for line in lines if line)
    repeated = {line for line, n in counts.items() if n > 1}
    unique = [line for line in counts if line not in repeated and len(line) >= _MIN_PREFIX]
    drop, captions = set(repeated), set()
    for line in counts:
        if line in repeated:
            continue
        for base in repeated:
            if len(base) >= _MIN_PREFIX and line.startswith(base):
                drop.add(line)  # furniture with something appended ("...TowerCard")
                break
        else:
            for base in unique:
                if base != line and line.startswith(base) and line[len(base):len(base) + 1] in (" ", ""):
                    drop.add(line)       # a caption repeated with its credit appended:
                    captions.add(base)   # keep the first copy, as a caption
                    break

    # blocks of lines between blank lines, furniture removed
    groups: list[list[str]] = [[]]
    for line in lines:
        if not line:
            if groups[-1]:
                groups.append([])
        elif line not in drop:
            groups[-1].append(line)
    groups = [g for g in groups if g]
    wrapped = _hard_wrapped([line for g in groups for line in g])
    units: list[str] = []
    for g in groups:
        if wrapped and len(g) > 1 and not (len(g) == 1 and _is_heading(g[0])):
            units.append(" ".join(g))
        else:
            units.extend(g)

    article = Article()
    if units and len(units[0]) <= 300:
        article.title = _limit(units.pop(0), 500)
    while units and units[-1] not in captions and _is_heading(units[-1]):   # headings of nothing:
        article.dropped.insert(0, _WS.sub(" ", units.pop()))                # the related stories' titles
    blocks: list[Block] = []
    for unit in units:
        if unit in captions:
            md = escape_line_start(_wrap(escape_inline(_WS.sub(" ", unit)), "*"))
            blocks.append(Block("caption", defuse(md), _plain(md)))
        elif _is_heading(unit):
            text = escape_inline(_WS.sub(" ", unit)).replace("#", "\\#")
            blocks.append(Block("h", defuse("## " + text), _plain(text)))
        else:
            md = escape_line_start(escape_inline(_WS.sub(" ", unit)))
            blocks.append(Block("p", defuse(md), _plain(md)))
    article.blocks = blocks
    return article


# --- the source file -------------------------------------------------------------------------------

def decode_text(data: bytes, shown: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise ImportFailed(f"{shown} is not a text file (it contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ImportFailed(f"{shown} is not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start}); "
                           "save it as UTF-8 and try again") from None


# Labels the HTML standard reads as another encoding than their name (browsers decode a page
# declaring iso-8859-1 as windows-1252, whose curly quotes, dashes and euro sign it then shows).
_AS_BROWSERS_READ = {"iso8859-1": "cp1252", "latin-1": "cp1252", "ascii": "cp1252", "iso8859-9": "cp1254", "tis-620": "cp874"}


def decode_html(data: bytes, shown: str) -> str:
    """A page's text, decoded as a browser decodes it: by its byte-order mark, else by the charset
    it declares, else as UTF-8 or, failing that, windows-1252 (what browsers take for a page that
    says nothing). A declared UTF-16 or UTF-32 is read as UTF-8, as the HTML standard says (such
    bytes would begin with a mark): BeautifulSoup's own guess took it at its word, and imported
    a UTF-8 page as a text of CJK characters. A page mostly unreadable in its encoding is refused,
    not imported as mojibake."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return decode_text(data, shown)
    if b"\x00" in data:
        raise ImportFailed(f"{shown} is not a text file (it contains NUL bytes)")
    from bs4.dammit import EncodingDetector
    declared = EncodingDetector.find_declared_encoding(data, is_html=True)
    try:
        codec = codecs.lookup(declared).name if declared else None
    except LookupError:   # a name no codec has: as if nothing were declared
        codec = declared = None
    codec = _AS_BROWSERS_READ.get(codec, codec)
    why = f"the charset it declares, {declared}"
    if codec is None or codec.startswith(("utf-16", "utf-32")):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            codec, why = (("utf-8", f"as HTML reads a declared {declared}") if declared else
                          ("cp1252", "it declares no charset, and is not UTF-8"))
    text = data.decode(codec, errors="replace")
    unreadable = text.count("\ufffd")
    if unreadable > max(10, len(text) // 100):   # a few are what a browser would show too
        raise ImportFailed(f"{shown} cannot be read as {codec} ({why}): {unreadable:,} characters are not valid in "
                           "it; save it as UTF-8 and try again")
    return text


def render_source(article: Article, accessed: str, schema: str | None, origin: str) -> str:
    from .scaffold import yaml_string
    lines = ["---"]
    if schema:
        lines.append(schema)
    lines.append(f"# Imported by `dossier import` from {origin}: compare the text with the original before annotating it.")
    lines.append(f"title: {yaml_string(article.title)}")
    for key in ("publisher", "author", "url"):
        if article.meta.get(key):
            lines.append(f"{key}: {yaml_string(article.meta[key])}")
    if article.meta.get("published"):
        lines.append(f"published: {article.meta['published']}")
    lines.append(f"accessed: {accessed}")
    if article.meta.get("language"):
        lines.append(f"language: {article.meta['language']}")
    lines.append("type: article")
    lines.append("---")
    return "\n".join(lines) + "\n" + article.body()


def verify(text: str, shown: str) -> None:
    """The written file must pass `dossier check` on its own: front matter valid, no reference in
    the text, no link but http(s) and mailto. A failure here is a bug of the importer."""
    from .diagnostics import Diagnostics
    from .markdown import MD
    from .markdown.refs import scan
    from .schema import SOURCE, Ctx
    from .stages.load import split_front_matter
    from .yamlload import compose

    diags = Diagnostics()
    front, body, _ = split_front_matter(text, shown, diags) or ("", "", 0)
    node = compose(front, shown, diags, line_offset=1) if not diags.items else None
    if node is not None:
        SOURCE.convert(node, Ctx(shown, diags))
    # A title that reads like a [[link]] is kept as the page wrote it, and shown so (check says it is).
    problems = [d.text() for d in diags.items if d.code != "plain-text-link"]
    problems += [f"the text would hold a reference {ref!r}" for _, _, ref, _ in scan(body)]
    problems += [f"the text would hold the character U+{ord(ch):04X}" for ch in sorted(set(re.findall(CONTROL_CHARACTERS, body)))]
    for token in MD.parse(body, {}):
        for child in [token, *(token.children or [])]:
            if child.type in ("html_block", "html_inline"):
                problems.append("the text would hold HTML")
            href = child.attrGet("href") if child.type == "link_open" else None
            if href is not None and not re.match(r"^(https?:|mailto:)", href, re.I):
                problems.append(f"the text would hold a link to {href!r}")
    if problems:
        raise ImportFailed("internal error, nothing was written: " + "; ".join(problems[:5]))


def import_file(path: Path, content: Path, source_id: str | None = None, force: bool = False,
                accessed: str | None = None, url: str | None = None) -> tuple[Path, list[str]]:
    """Import one file into ``content/sources/``; returns the written path and notes for the user."""
    from .scaffold import ScaffoldError, check_id, content_folder_problem, existing_ids, leads_out, page_named, schema_line

    accessed = accessed or datetime.date.today().isoformat()
    if not re.match(r"^\d{4}-\d{2}-\d{2}\Z", accessed) or iso_date(accessed) != accessed:
        raise ImportUsage(f"--accessed {accessed!r} is not a date: expected YYYY-MM-DD")
    if url is not None and not plain_url(url):
        raise ImportUsage(f"--url {url!r} is not an http(s) address")
    if source_id is not None:
        try:
            check_id(source_id)
        except ScaffoldError as e:
            raise ImportUsage(str(e)) from None
    suffix = path.suffix.lower()
    if suffix not in HTML_SUFFIXES | TEXT_SUFFIXES:
        raise ImportUsage(f"{path.name!r}: expected a saved web page (.html, .htm) or a text file (.txt)")
    problem = content_folder_problem(content)
    if problem:
        raise ImportUsage(problem)

    try:
        if not path.is_file():
            raise ImportFailed(f"{path} is not a file" if path.exists() else f"{path} not found")
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise ImportFailed(f"{path} is {size / 1048576:.1f} MB; the limit is {MAX_INPUT_BYTES // 1048576} MB")
        data = path.read_bytes()
    except OSError as e:
        raise ImportFailed(f"cannot read {path}: {e.strerror or e}") from None
    if not data.strip():
        raise ImportFailed(f"{path} is empty")

    try:
        article = from_html(decode_html(data, str(path))) if suffix in HTML_SUFFIXES else from_text(decode_text(data, str(path)))
    except RecursionError:
        raise ImportFailed(f"{path} nests elements too deeply to be read") from None
    if not article.blocks:
        raise ImportFailed(f"found no article text in {path}")
    notes = []
    if url:
        article.meta["url"] = plain_url(url)
    if not article.title:
        article.title = _limit(path.stem.replace("_", " ").replace("-", " "), 500) or "Untitled"
        notes.append("no title found: the file name is used; set 'title' to the article's own title")

    if source_id is None:
        source_id = slugify(article.title) or slugify(path.stem)
        if not source_id:
            raise ImportUsage("cannot make an id from the title; give one with --id")
    target = content / "sources" / f"{source_id}.md"
    taken = existing_ids(content)
    if source_id in taken and taken[source_id] != target:
        raise ImportUsage(f"the id {source_id!r} is already used by {taken[source_id]}; choose another with --id")
    page = page_named(content, source_id)
    if page:
        raise ImportUsage(f"the id {source_id!r} is the name of the page {page}: [[{source_id}]] could then not link "
                          "to that page; choose another with --id")
    from .stages.validate import reserved_id
    reserved = reserved_id("source", source_id)
    if reserved:
        raise ImportUsage(reserved.replace("choose another id", "choose another with --id"))
    if target.exists() and not force:
        raise ImportUsage(f"{target} already exists; use --force to replace it, or --id to choose another id")
    problem = leads_out(target, content)
    if problem:
        raise ImportUsage(problem)

    origin = re.sub(r"[^\w .,()+-]", "_", path.name)[:120]
    text = render_source(article, accessed, schema_line(target, content, "source"), origin)
    verify(text, str(target))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{source_id}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, target)
    except OSError as e:
        raise ImportFailed(f"cannot write {target}: {e.strerror or e}") from None

    for key, hint in (("url", "the article's address (url:)"), ("published", "its publication date (published:)"),
                      ("publisher", "its publisher (publisher:)")):
        if not article.meta.get(key):
            notes.append(f"the page does not give {hint}: add it if you know it")
    if article.dropped:
        shown = "; ".join(f"'{_limit(line, 60)}'" for line in article.dropped[:3])
        more = f" and {len(article.dropped) - 3} more" if len(article.dropped) > 3 else ""
        notes.append(f"left out the short lines at the end, taken for the titles of related stories: {shown}{more}; "
                     "paste back any that belong to the article")
    notes.append("add an archived copy (archive: https://web.archive.org/...) so readers can find the version you read")
    return target, notes
