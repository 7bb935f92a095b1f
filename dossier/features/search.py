"""Full-text search: a MiniSearch index built here, at build time, shipped as data/search-index.js.

The browser runs MiniSearch (vendored in templates/assets/vendor/minisearch.js) on an index this
module writes in MiniSearch's own serialised form (what ``JSON.stringify(miniSearch)`` gives,
``serializationVersion`` 2), loaded there with ``MiniSearch.loadJS``: no indexing in the browser,
no fetch. ``build_index`` does what MiniSearch's ``addAll`` does, step for step, with the same
tokenizer as templates/assets/search.js; tests/test_search.py checks in Node that MiniSearch
itself, given the same documents, builds the same index. See docs/search.md.

Terms: the text is folded (lower case, NFKD, combining marks dropped, NFC again, so "Tŭmangang"
and "tumangang" meet and Hangul stays in syllables) and split on anything that is not a letter or
a digit. Han and kana, written without spaces, become overlapping bigrams (and the run's last
character alone); a Hangul word is indexed with each of its suffixes too, so that "강" finds
"두만강" (prefix search on the query side then finds any part of a word). A few English and
Russian stop words are left out.
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Callable, Iterable, Iterator, NamedTuple

from .. import collector
from ..kinds import KIND_TITLES
from ..markdown.refs import CITATION, WIKILINK, fold_breaks

FORMAT = 2  # of the payload around MiniSearch's index; search.js refuses another (2: "parts")
FIELDS = ("name", "alias", "title", "about", "text")
BOOST = {"name": 8, "alias": 6, "title": 4, "about": 2, "text": 1}
"""name: an entity's name; alias: its native names and aliases; title: a source's or a page's
title; about: an entity's summary and facts, a source's publisher, author and annotations;
text: the body of a source or a page."""
STORE = ("k", "t", "a", "s")
"""Stored with each document for the result list: kind, title, aliases (shown when they match),
snippet. A document's MiniSearch id is its URL, relative to the site root."""
SNIPPET = 160          # characters of plain text kept per document for the result list
HANGUL_SUFFIX_MAX = 16  # longer Hangul words are indexed whole only
STOP_WORDS = frozenset("""
    a an and are as at be been but by for from had has have he her his in into is it its of on or
    that the their this to was were which with
    а в во и из к как на не о об от по с со у что это
""".split())
"""Words too common to search for, left out of the index and out of queries: in a large index a
query for one of them matches nearly every document, which is slow and useless. The content is
English with Russian sources; Korean particles are part of their words, and Han has no spaces."""

# Code point ranges, shipped in the index for search.js so that both sides split text alike.
CJK_RANGES = ((0x3040, 0x30FF), (0x31F0, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
              (0x20000, 0x3FFFF))
"""Han and kana: written without spaces, indexed as overlapping bigrams."""
HANGUL_RANGES = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7AF), (0xD7B0, 0xD7FF))
"""Hangul: words between spaces, indexed with their suffixes."""


def _class(ranges) -> str:
    return "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in ranges)


_CJK, _HANGUL = _class(CJK_RANGES), _class(HANGUL_RANGES)
_WORD = re.compile(r"[^\W_]+")       # letters and digits: exactly \p{L} and \p{N}, as in search.js
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_ASCII = bytes(range(0x80))
# A translation of UTF-8 bytes: an ASCII character that is not a letter or a digit becomes a space,
# the bytes of other characters are kept.
_ASCII_NON_WORD_AS_SPACE = bytes(b if b > 0x7F or chr(b).isalnum() else 0x20 for b in range(256))
_EAST_ASIAN = re.compile(f"[{_CJK}{_HANGUL}]")
_RUNS = re.compile(f"([{_CJK}]+)|([{_HANGUL}]+)|([^{_CJK}{_HANGUL}]+)")
_HANGUL_WORD = re.compile(f"[{_HANGUL}]+")


# --- terms ------------------------------------------------------------------------------------

def _fold_run(m: re.Match) -> str:
    return _fold_word(m.group())


@lru_cache(maxsize=1 << 16)
def _fold_word(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", stripped).lower()


def fold(text: str) -> str:
    """Lower case without accents: 'Tŭmangang' -> 'tumangang', 'Путин' -> 'путин'; Hangul is kept.

    search.js: lower case, NFKD, drop \\p{Mn}, NFC, lower case, final sigma as sigma.
    """
    text = text.lower()
    if text.isascii():
        return text
    return _NON_ASCII.sub(_fold_run, text).replace("ς", "σ")


@lru_cache(maxsize=1 << 16)
def _fold_word_spaced(text: str) -> str:
    return "".join(c if c.isalnum() else " " for c in _fold_word(text))


def _fold_run_spaced(m: re.Match) -> str:
    return _fold_word_spaced(m.group())


def _spaced(text: str) -> str:
    """fold(text) with a space for every character that is not a letter or a digit, so that its
    split() is ``_WORD.findall(fold(text))``, twice as fast: the ASCII characters are translated as
    bytes in one pass."""
    text = text.lower()
    if not text.isascii():
        text = _spaced_non_ascii(text)
    return text.encode().translate(_ASCII_NON_WORD_AS_SPACE).decode()


def _spaced_non_ascii(text: str) -> str:
    """The runs of non-ASCII characters of a lower-case text folded, with a space for every
    character that is not a letter or a digit.

    Most such texts are English with a few marks (’ — “): when none of the non-ASCII characters
    of the text folds to a letter or a digit, each is replaced alone, a few quick replaces instead
    of a regular expression over the whole text. The words are the same: such characters folded
    together give no letter or digit either (normalisation composes letters from letters), and a
    run gives no space only when each of its characters gives none (combining marks)."""
    present = set(text.encode("utf-8", "surrogatepass").translate(None, _ASCII).decode("utf-8", "surrogatepass"))
    folded = {c: _fold_word_spaced(c) for c in present}
    if any(f.strip() for f in folded.values()):
        return _NON_ASCII.sub(_fold_run_spaced, text).replace("ς", "σ")
    for c, f in folded.items():
        text = text.replace(c, f)
    return text


def _split_word(word: str) -> list[str]:
    if not _EAST_ASIAN.search(word):
        return [word]
    out: list[str] = []
    for cjk, hangul, other in _RUNS.findall(word):
        if cjk:
            out.extend(cjk[i:i + 2] for i in range(len(cjk) - 1))
            out.append(cjk[-1])
        else:
            out.append(hangul or other)
    return out


def tokenize(text: str) -> list[str]:
    """The terms of a text, in order, folded: words of letters and digits, Han and kana as bigrams."""
    return _tokens(text)[0]


def _tokens(text: str) -> tuple[list[str], bool]:
    """tokenize(text), and whether a token may be Hangul (and so index its suffixes too)."""
    spaced = _spaced(text)
    words = spaced.split()
    if "'" in text or "’" in text or "‘" in text or "＇" in text:   # and what folds to one
        words += _joined(text)
    if spaced.isascii() or not _EAST_ASIAN.search(spaced):
        return words, False
    return [t for w in words for t in _split_word(w)], _HANGUL_WORD.search(spaced) is not None


# A word written with apostrophes (Ji'an, O’Brien) is also a term without them, after its parts:
# readers type "jian". An English ending after the last one is left out first (Ji'an's is "jian"),
# so that a contraction joins nothing: I'll is not "ill", we're not "were". Not in Han, kana or
# Hangul, which have no such words.
_APOSTROPHED = re.compile(r"(?<![^\W_])[^\W_]+(?:['’‘][^\W_]+)+")   # from a word's start: linear
_APOSTROPHE = re.compile(r"['’‘]")
_CONTRACTED = frozenset({"s", "t", "d", "m", "ll", "re", "ve"})


def _joined(text: str) -> list[str]:
    out = []
    for word in _APOSTROPHED.findall(fold(text)):
        parts = _APOSTROPHE.split(word)
        if parts[-1] in _CONTRACTED:
            parts.pop()
        if len(parts) > 1 and not _EAST_ASIAN.search(word):
            out.append("".join(parts))
    return out


@lru_cache(maxsize=1 << 16)
def index_terms(term: str) -> tuple[str, ...]:
    """What one token puts in the index: itself, and for a Hangul word each of its suffixes."""
    if len(term) > 1 and len(term) <= HANGUL_SUFFIX_MAX and _HANGUL_WORD.fullmatch(term):
        return tuple(term[i:] for i in range(len(term)))
    return (term,)


# --- documents --------------------------------------------------------------------------------

@dataclass
class Doc:
    """One search result: a page of the site."""
    url: str                    # relative to the site root
    kind: str                   # person, place, ..., source, page
    title: str
    fields: dict[str, str] = field(default_factory=dict)   # field -> plain text
    aliases: str = ""
    snippet: str = ""


_MD_LINK = re.compile(r"!?\[([^\[\]\n]*)\]\([^()\n]*\)")
# Dropped: block marks (heading, quote, list item) at the start of the text or of a line (not the
# line break before them), backslash escapes, and emphasis, code and strikethrough marks.
_MD_LEAD = re.compile(r"\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)")
_MD_BLOCK = re.compile(r"\n" + _MD_LEAD.pattern)
_MD_ESCAPE = re.compile(r"\\(?=[^\w\s])")
_MD_MARKS = "*_`~"


def plain(markdown: str | None, site=None) -> str:
    """Roughly the text a reader sees of a Markdown value, for indexing: [[id]] as the target's
    name, links as their text, no citations or emphasis marks. A few regular expressions instead
    of a full parse: the index only needs the words, and parsing every text again cost more than
    building the index."""
    if not markdown:
        return ""
    text = str(markdown)
    if "[@" in text:
        text = CITATION.sub("", text)   # the citations the pages show as notes (one may span lines)

    def link(m):
        if m.group(2):
            return fold_breaks(m.group(2)).strip()
        target = site.lookup(m.group(1).strip()) if site is not None else None
        return target.name if target else m.group(1).strip()

    if "[[" in text:
        text = WIKILINK.sub(link, text)   # as the pages read them (one may span lines)
    if "](" in text:
        text = _MD_LINK.sub(r"\1", text)
    lead = _MD_LEAD.match(text)
    if lead:
        text = text[lead.end():]
    return _drop_marks(text)


def _drop_marks(text: str) -> str:
    """Block marks after a line break, then escapes, then emphasis marks, each in its own pass:
    what one pass of the three as alternatives gives (a block mark holds no backslash, and the
    line break before it stays), several times faster, as the scans for "\\n" and for one
    character are quick."""
    text = _MD_BLOCK.sub("\n", text)
    if "\\" in text:
        text = _MD_ESCAPE.sub("", text)
    for mark in _MD_MARKS:
        text = text.replace(mark, "")
    return text


_SPACE_BEFORE_PUNCT = re.compile(r" ([,.;:!?)\]])")  # after the join, the only white space is " "


def _one_line(text: str) -> str:
    return _SPACE_BEFORE_PUNCT.sub(r"\1", " ".join(text.split()))


def snippet(text: str, limit: int = SNIPPET) -> str:
    """The start of a text on one line, cut at a word boundary near `limit` characters."""
    # The line of a prefix of the text is a prefix of the text's line: when it is already longer
    # than the limit, the rest of the text cannot change the snippet.
    line = _one_line(text[:4 * limit])
    if len(line) <= limit and len(text) > 4 * limit:
        line = _one_line(text)
    if len(line) <= limit:
        return line
    cut = line.rfind(" ", limit * 3 // 4, limit)
    return line[:cut if cut > 0 else limit].rstrip(" ,;:") + "…"


def _join(*parts) -> str:
    return "\n".join(p for p in parts if p)


def _unique(items) -> list[str]:
    seen, out = set(), []
    for item in items:
        key = fold(item)
        if item and key not in seen:
            seen.add(key)
            out.append(item)
    return out


def entity_doc(e, site=None) -> Doc:
    names = [str(e.names[lang]) for lang in sorted(e.names)]
    aliases = [a for a in _unique([str(e.name)] + names + [str(a) for a in e.aliases])][1:]
    summary = plain(e.summary, site)
    facts = "\n".join(f"{f.label}: {f.value}" for f in e.facts)  # infobox values are plain text
    about = _join(summary, facts, " ".join(str(t) for t in e.tags))
    return Doc(url=e.url, kind=e.kind, title=str(e.name),
               fields={"name": str(e.name), "alias": "\n".join(aliases), "about": about},
               aliases=" · ".join(aliases), snippet=snippet(summary or facts.replace("\n", "; ")))


def source_doc(s, anchored=(), site=None) -> Doc:
    meta = s.meta
    byline = ", ".join(str(meta[k]) for k in ("publisher", "author", "published") if meta.get(k))
    notes = "\n".join(_join(str(a.annotation.quote), plain(a.annotation.note, site)) for a in anchored)
    body = plain(s.body, site)
    return Doc(url=s.url, kind="source", title=str(meta["title"]),
               fields={"title": str(meta["title"]), "about": _join(byline, plain(meta.get("note"), site), notes),
                       "text": body},
               snippet=snippet(_join(byline + "." if byline else "", body).replace("\n", " ")))


def page_doc(p, site=None) -> Doc:
    body = plain(p.body, site)
    return Doc(url=p.url, kind="page", title=str(p.title),
               fields={"title": str(p.title), "text": body}, snippet=snippet(body))


def documents(res) -> list[Doc]:
    """Every entity, source and page, in a fixed order (entities, sources, pages; each by id)."""
    return list(each_document(res))


def each_document(res) -> Iterator[Doc]:
    """documents(res), one at a time: the index keeps only what it needs of each."""
    for _, make in _document_makers(res):
        yield make()


def _document_makers(res) -> Iterator[tuple[tuple, Callable[[], Doc]]]:
    """(item, make) of each document, in the order of documents(res): make() reads the record
    itself, so that its reads are noted for the document (incremental.Pieces)."""
    d, site = res.dossier, res.site
    for k in sorted(d.entities):
        yield ("search", "ent", k), partial(lambda k: entity_doc(d.entities[k], site), k)
    for k in sorted(d.sources):
        yield ("search", "src", k), partial(lambda k: source_doc(d.sources[k], res.anchors.get(k, []), site), k)
    for k in sorted(d.pages):
        yield ("search", "pag", k), partial(lambda k: page_doc(d.pages[k], site), k)


def each_part(res, pieces=None) -> Iterator[DocPart]:
    """What the index keeps of each document, in the order of documents(res); with pieces (an
    incremental.Pieces), a document none of whose inputs changed since the last build is not made
    again."""
    for item, make in _document_makers(res):
        if pieces is None:
            yield doc_part(make())
        else:
            yield pieces.get(item, lambda: doc_part(make()))


# --- the index, as MiniSearch serialises it -----------------------------------------------------

def _number(x: float):
    return int(x) if float(x).is_integer() else x


class DocPart(NamedTuple):
    """What the index keeps of one document, made once per document (doc_part) and kept from one
    build to the next while the document's inputs do not change: its URL, its stored fields in
    JSON, and per field (in FIELDS order) None when absent, else (length, groups): the number of
    distinct tokens (stop words included) and the indexed terms, without stop words, grouped by
    their count, as ((count, "term term ..."), ...) (a term never holds a space: terms are
    split at white space)."""
    url: str
    stored: str
    fields: tuple


def doc_part(doc: Doc) -> DocPart:
    fields: list = []
    for name in FIELDS:
        value = doc.fields.get(name)
        if value is None or value == "":
            fields.append(None)
            continue
        tokens, hangul = _tokens(value)
        counts = Counter(tokens)
        length = len(counts)
        groups: dict[int, list[str]] = {}
        for term, n in (_with_suffixes(counts) if hangul else counts).items():
            if term not in STOP_WORDS:
                groups.setdefault(n, []).append(term)
        fields.append((length, tuple((n, " ".join(terms)) for n, terms in groups.items())))
    return DocPart(doc.url, _dumps(_stored(doc)), tuple(fields))


class Index:
    """MiniSearch's index being built, a document at a time, as MiniSearch 7.2.0's ``add`` does.

    A field that is absent is skipped; the field length is the number of distinct tokens (stop
    words included); the average field length is the same running average (so the same
    floating-point numbers); each processed term counts once per occurrence.

    Only what the JSON needs is kept of a document, not its text (a DocPart): its postings, each
    already a JSON member (``"12":3``, one string per distinct count in a field of a document,
    shared by its terms: millions of postings at 10,000 entities, and strings made once cost a
    fraction of dictionaries encoded later), its field lengths, its URL and its stored fields in
    JSON.
    """

    def __init__(self, docs: Iterable[Doc] = (), parts: Iterable[DocPart] = (),
                 terms: tuple[dict[str, str], ...] | None = None, chunks: int = 1,
                 keep: Callable[[int, dict[str, str]], object] | None = None):
        """chunks: how many chunks the terms are written in (one per file of a large index, see
        part_of; one for an index written whole). terms: the JSON of every term's postings by
        chunk, when already known (Terms.updated): the documents' postings are then not gathered
        again. keep: called with each chunk's number and its terms (term -> the JSON of its
        postings) once the chunk is written, when the postings were gathered."""
        self.postings: list[defaultdict] = [defaultdict(list) for _ in FIELDS]  # term -> members
        self.field_length: dict[str, list] = {}
        self.average: list = [None] * len(FIELDS)
        self.urls: list[str] = []
        self.stored: list[str] = []   # per document, its stored fields in JSON
        self.terms = terms
        self.chunks = len(terms) if terms is not None else chunks
        self.keep = keep
        self._gathered: list[list[str]] | None = None   # the terms gathered, sorted, by chunk
        for doc in docs:
            self.add(doc)
        for part in parts:
            self.add_part(part)

    def add(self, doc: Doc) -> None:
        self.add_part(doc_part(doc))

    def add_part(self, part: DocPart) -> None:
        short_id = len(self.urls)
        gather = self.terms is None
        lengths: list = []
        for field_id, field_part in enumerate(part.fields):
            if field_part is None:
                continue
            length, groups = field_part
            lengths.extend([None] * (field_id + 1 - len(lengths)))
            lengths[field_id] = length
            self.average[field_id] = ((self.average[field_id] or 0) * short_id + length) / (short_id + 1)
            postings = self.postings[field_id]
            for n, terms in groups if gather else ():
                member = f'"{short_id}":{n}'   # shared by the terms of this count
                for term in terms.split(" "):
                    postings[term].append(member)
        if lengths:
            self.field_length[str(short_id)] = lengths
        self.urls.append(part.url)
        self.stored.append(part.stored)

    def json_pieces(self) -> Iterator[str]:
        """MiniSearch's ``toJSON()`` in JSON, in pieces (each whole JSON tokens). The postings of
        a term are dropped once written: the index is emptied as its text is made. An index in
        several chunks is written without its terms, each chunk then with chunk_pieces."""
        average = list(self.average)
        while average and average[-1] is None:
            average.pop()
        count = len(self.urls)
        return _object_pieces({
            "documentCount": _dumps(count),
            "nextId": _dumps(count),
            "documentIds": _dumps(dict(zip(map(str, range(count)), self.urls))),
            "fieldIds": _dumps({name: i for i, name in enumerate(FIELDS)}),
            "fieldLength": _dumps(self.field_length),
            "averageFieldLength": _dumps([None if a is None else _number(a) for a in average]),
            "storedFields": self._stored_pieces(),
            "dirtCount": _dumps(0),
            "index": self.chunk_pieces(0) if self.chunks == 1 else "[]",
            "serializationVersion": _dumps(2),
        })

    def stamp(self) -> str:
        """What ties the parts of an index to its main file: the documents (whose numbers the
        postings use) and the number of parts. A page opened before a rebuild that changed
        either must not read the new parts with its old main file (search.js checks)."""
        text = "\n".join([str(self.chunks), *self.urls])
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]

    def _stored_pieces(self) -> Iterator[str]:
        """{document id: stored fields}, the ids in the order _dumps sorts them ("0", "1", "10")."""
        yield "{"
        for i, key in enumerate(sorted(map(str, range(len(self.stored))))):
            yield f'{"," if i else ""}"{key}":{self.stored[int(key)]}'
        yield "}"

    def _terms_of(self, chunk: int) -> list[str]:
        """The terms of one chunk, sorted."""
        if self.terms is not None:
            return sorted(self.terms[chunk])
        if self._gathered is None:
            self._gathered = [[] for _ in range(self.chunks)]
            for term in sorted(set().union(*self.postings)):
                self._gathered[part_of(term, self.chunks)].append(term)
        return self._gathered[chunk]

    def chunk_pieces(self, chunk: int) -> Iterator[str]:
        """[[term, {field id: {document id: count}}], ...] of the terms of one chunk: terms
        sorted, fields and documents in order, a term a piece. The JSON of the postings gathered
        goes to self.keep once the chunk is written."""
        yield "["
        if self.terms is not None:
            texts = self.terms[chunk]
            for i, term in enumerate(self._terms_of(chunk)):
                yield f'{"," if i else ""}[{_dumps(term)},{texts[term]}]'
        else:
            postings = self.postings
            kept: dict[str, str] = {}
            for i, term in enumerate(self._terms_of(chunk)):
                fields = ",".join(f'"{f}":{{{",".join(by_field.pop(term))}}}'
                                  for f, by_field in enumerate(postings) if term in by_field)
                text = f"{{{fields}}}"
                kept[term] = text
                yield f'{"," if i else ""}[{_dumps(term)},{text}]'
            if self.keep is not None:
                self.keep(chunk, kept)
        yield "]"


# --- an index in parts ---------------------------------------------------------------------------

WHOLE_MAX = 500
"""Documents up to which the index is one file. search.js matches a last word of one or two
letters as a prefix only up to this size (its SMALL), which a part could not answer: every term
beginning with that letter would have to be loaded."""
DOCUMENTS_PER_PART = 128
"""Past WHOLE_MAX, the terms are written in one file per this many documents (data/search/{n}.js),
and search.js loads only the files that hold the terms of a query: at 10,000 entities of the
benchmark about 260 KB each, where the index written whole was 29 MB, read before the first
search. The rest of the index (document ids, field lengths, stored fields) stays in
data/search-index.js."""
PARTS_FOLDER = "data/search"


def part_count(documents: int) -> int:
    """Files the terms of an index of this many documents are written in: 0 for an index whole."""
    return 0 if documents <= WHOLE_MAX else -(-documents // DOCUMENTS_PER_PART)


def part_of(term: str, parts: int) -> int:
    """Which part holds a term (search.js's partOf computes the same): by a hash (32-bit FNV-1a of
    the code points) of its first three characters, or of its first alone when that is Han, kana
    or Hangul. Every term a query can look up is then in the part of the query's word: a whole
    word, or a prefix of three letters or more (a large index has no shorter prefixes), or any
    prefix of a Han or Hangul word, which is searched from its first syllable. Three letters
    rather than two spread the words that begin alike ("co", "re") over many parts: the largest
    part at 10,000 entities went from 1.6 MB to 653 KB (docs/search.md)."""
    if parts <= 1:
        return 0
    key = term[:1] if _EAST_ASIAN.match(term) else term[:3]
    h = 0x811C9DC5
    for ch in key:
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    return h % parts


def part_path(n: int) -> str:
    return f"{PARTS_FOLDER}/{n}.js"


class Terms(NamedTuple):
    """The postings of every term as the last build wrote them, so that after a small edit only
    the terms of the documents that changed are made again: gathering the postings of every
    document (millions of them at 10,000 entities) was most of what the index cost. The terms
    are kept in the chunks they are written in (a part of the index each, or one chunk for an
    index written whole), and a chunk no term of which changed is the very same dict, so the
    saved state rewrites only the few that hold what changed."""
    urls: tuple[str, ...]                # the documents, in order: their ids in the postings
    chunks: tuple[dict[str, str], ...]   # term -> the JSON of its postings, in chunks[chunk_of(term)]

    def chunk_of(self, term: str) -> int:
        return part_of(term, len(self.chunks))

    def texts(self) -> dict[str, str]:
        """term -> the JSON of its postings ({"field id":{"document id":count,...},...}), all terms."""
        out: dict[str, str] = {}
        for chunk in self.chunks:
            out.update(chunk)
        return out

    def updated(self, parts: list[DocPart], before: dict[int, DocPart]) -> Terms | None:
        """The Terms of the documents `parts`, where only those in `before` (document id -> what
        the last build had of it) may have changed; None when the documents are not the same
        ones in the same order (their ids would all move)."""
        if tuple(part.url for part in parts) != self.urls:
            return None
        changed = {k: (_counts(old), _counts(parts[k])) for k, old in before.items() if old != parts[k]}
        touched = {term for old, new in changed.values() for was, now in zip(old, new)
                   for term in was.keys() | now.keys() if was.get(term) != now.get(term)}
        if not touched:
            return self
        chunks = list(self.chunks)
        copied: set[int] = set()
        for term in touched:
            c = self.chunk_of(term)
            if c not in copied:   # the last build's chunks stay as they were
                chunks[c] = dict(chunks[c])
                copied.add(c)
            texts = chunks[c]
            postings = json.loads(texts[term]) if term in texts else {}
            for k, (_, new) in changed.items():
                for field_id, of_field in enumerate(new):
                    by_doc = postings.setdefault(str(field_id), {})
                    by_doc.pop(str(k), None)
                    if term in of_field:
                        by_doc[str(k)] = of_field[term]
            text = _postings_json(postings)
            if text is None:
                texts.pop(term, None)
            else:
                texts[term] = text
        return Terms(self.urls, tuple(chunks))


def _counts(part: DocPart) -> list[dict[str, int]]:
    """Per field, the count of each term the document puts in the index."""
    return [{term: n for n, terms in field[1] for term in terms.split(" ")} if field else {} for field in part.fields]


def _postings_json(postings: dict[str, dict[str, int]]) -> str | None:
    """What _terms_pieces writes of a term's postings: fields and documents in order, empty ones
    left out; None when nothing is left."""
    fields = [(int(f), sorted((int(d), n) for d, n in by_doc.items())) for f, by_doc in postings.items() if by_doc]
    if not fields:
        return None
    return "{" + ",".join(f'"{f}":{{' + ",".join(f'"{d}":{n}' for d, n in docs) + "}" for f, docs in sorted(fields)) + "}"


def build_index(docs: Iterable[Doc]) -> dict:
    """MiniSearch's ``toJSON()`` of ``new MiniSearch(options).addAll(docs)``: ``index_json`` read back."""
    return json.loads(index_json(docs))


def index_json(docs: Iterable[Doc]) -> str:
    """MiniSearch's ``toJSON()`` of ``new MiniSearch(options).addAll(docs)``, built here, in JSON."""
    return "".join(Index(docs).json_pieces())


def _stored(doc: Doc) -> dict:
    """The fields stored with a document (STORE), empty ones left out."""
    return {k: v for k, v in zip(STORE, (doc.kind, doc.title, doc.aliases, doc.snippet)) if v}


def _with_suffixes(counts: Counter) -> Counter:
    """Term counts from token counts where a Hangul word counts for each of its suffixes too."""
    terms: Counter = Counter()
    for token, n in counts.items():
        for term in index_terms(token):
            terms[term] += n
    return terms


def _options() -> dict:
    """The payload but the index: the options to load the index with, and kind labels."""
    kinds = {k: v[0] for k, v in KIND_TITLES.items()}
    kinds.update(source="Source", page="Page")
    tokenizer = {"cjk": [list(r) for r in CJK_RANGES], "hangul": [list(r) for r in HANGUL_RANGES],
                 "hangulSuffixMax": HANGUL_SUFFIX_MAX, "stopWords": sorted(STOP_WORDS)}
    return {"format": FORMAT, "fields": list(FIELDS), "boost": dict(BOOST), "storeFields": list(STORE),
            "kinds": kinds, "tokenizer": tokenizer}


def payload(docs: Iterable[Doc]) -> dict:
    """What search.js reads: the options to load the index with, kind labels, the index (whole:
    ``parts`` 0) and its stamp."""
    return json.loads(payload_json(docs))


# The JSON of this module: sorted keys, no spaces, text as it is (json.dumps with those options).
_dumps = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


def _object_pieces(members: dict[str, str | Iterable[str]]) -> Iterator[str]:
    """A JSON object from members already in JSON, each a string or pieces of one, keys sorted
    as ``_dumps`` sorts them. Pieces are made as they are read, so the text is never whole."""
    yield "{"
    for i, key in enumerate(sorted(members)):
        yield f'{"," if i else ""}{_dumps(key)}:'
        value = members[key]
        if isinstance(value, str):
            yield value
        else:
            yield from value
    yield "}"


def _payload_pieces(index: Index) -> Iterator[str]:
    members: dict = {k: _dumps(v) for k, v in _options().items()}
    members["index"] = index.json_pieces()
    members["parts"] = _dumps(index.chunks if index.chunks > 1 else 0)   # files of terms (data/search/)
    members["stamp"] = _dumps(index.stamp())
    return _object_pieces(members)


def _part_pieces(index: Index, n: int) -> Iterator[str]:
    """The value a part's script sets: its terms, and the stamp of the index they belong to."""
    return _object_pieces({"stamp": _dumps(index.stamp()), "terms": index.chunk_pieces(n)})


def payload_json(docs: Iterable[Doc]) -> str:
    """``payload(docs)`` in JSON, built without encoding the postings one by one."""
    return "".join(_payload_pieces(Index(docs)))


# Escaped inside the JSON strings (the same value): "</" and "<!--", which must not appear in a
# script; U+2028/9; and text that offline checkers take for a network call. (needle, pattern,
# replacement): the pattern only runs over text that holds the needle. Each pattern starts with
# its literal (the word boundary is looked behind for), so the scan of a large index is quick.
# No pattern can match across two JSON tokens (each lies inside one string: JSON outside strings
# has no letters but those of true, false and null, no "<" and no white space), so text cut
# between tokens can be escaped a part at a time (_script_pieces).
_SCRIPT_ESCAPES = [
    ("</", re.compile(r"</"), lambda m: "<\\/"),
    ("<!--", re.compile(r"<!--"), lambda m: "\\u003c!--"),
    ("\u2028", re.compile("\u2028"), lambda m: "\\u2028"),
    ("\u2029", re.compile("\u2029"), lambda m: "\\u2029"),
    ("fetch", re.compile(r"fetch(?<=\bfetch)(\s*)\("), lambda m: "fetch" + m.group(1) + "\\u0028"),
    ("import", re.compile(r"import(?<=\bimport)(\s*)\("), lambda m: "import" + m.group(1) + "\\u0028"),
    ("XMLHttpRequest", re.compile(r"XMLHttpRequest(?<=\bXMLHttpRequest)\b"), lambda m: "XMLHttpReques\\u0074"),
    (".wasm", re.compile(r"\.wasm\b"), lambda m: ".\\u0077asm"),
]
_SCRIPT_PART = 1 << 16   # characters of JSON escaped at a time


def script(data: dict | str, target: str = "window.DOSSIER_SEARCH") -> str:
    """A classic script that sets window[name] to `data` (or to the value of `data` in JSON).

    The JSON (sorted keys) is shipped inside a string given to JSON.parse, which V8 reads several
    times faster than the same data written as an object literal. "</" is written "<\\/", so the
    text never closes a <script> element; words that offline checkers take for a network call
    ("fetch(", "import(", "XMLHttpRequest", ".wasm") are escaped too. The value is unchanged.
    """
    return "".join(_script_pieces([data if isinstance(data, str) else _dumps(data)], target))


def _script_pieces(json_pieces: Iterable[str], target: str = "window.DOSSIER_SEARCH") -> Iterator[str]:
    """script() of the JSON text made of json_pieces (each whole JSON tokens), in pieces."""
    yield f"{target} = JSON.parse('"
    for part in _parts(json_pieces, _SCRIPT_PART):
        yield _escape(part)
    yield "');\n"


def _parts(pieces: Iterable[str], size: int) -> Iterator[str]:
    """The pieces joined into parts of at least `size` characters (but the last)."""
    part: list[str] = []
    length = 0
    for piece in pieces:
        part.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(part)
            part, length = [], 0
    if part:
        yield "".join(part)


def _escape(text: str) -> str:
    """JSON text as it goes inside the script's '...': the escapes above, then the literal's own."""
    for needle, pattern, replacement in _SCRIPT_ESCAPES:
        if needle in text:
            text = pattern.sub(replacement, text)
    return text.replace("\\", "\\\\").replace("'", "\\'")


def index_script(res) -> str:
    """data/search-index.js of a dossier whose index is written whole."""
    data = bytearray()
    write_index_script(res, data.extend)
    return data.decode("utf-8")


def _part_target(n: int) -> str:
    """What the script of part n sets: an entry of a registry that search.js reads when it loads."""
    return f"(window.DOSSIER_SEARCH_PARTS = window.DOSSIER_SEARCH_PARTS || {{}})[{n}]"


# The items of the index's Terms in incremental.Pieces: (SEARCH_INDEX, "urls"), (SEARCH_INDEX,
# "chunks") (how many) and (SEARCH_INDEX, "terms", i) for each chunk.
SEARCH_INDEX = "data/search-index.js"


def _last_terms(pieces) -> Terms | None:
    urls, count = pieces.last((SEARCH_INDEX, "urls")), pieces.last((SEARCH_INDEX, "chunks"))
    if urls is None or count is None:
        return None
    chunks = [pieces.last((SEARCH_INDEX, "terms", i)) for i in range(count)]
    return None if None in chunks else Terms(urls, tuple(chunks))


def _keep_chunk(pieces, i: int, chunk: dict[str, str]) -> None:
    pieces.put((SEARCH_INDEX, "terms", i), chunk)


def _terms_from_pieces(res, pieces) -> tuple[Iterable[DocPart], Terms | None]:
    """What the index keeps of each document, each kept from the last build where its inputs are
    unchanged, and the last build's Terms updated for the others (None: gather them all). With
    no Terms to update (a cold build), the parts are made one at a time, as the index takes
    them: held all at once, they took the cold build at 10,000 entities over 1 GB."""
    if _last_terms(pieces) is None:
        return each_part(res, pieces), None
    makers = list(_document_makers(res))
    parts = [pieces.get(item, lambda: doc_part(make())) for item, make in makers]
    last = _last_terms(pieces)
    made = [k for k, (item, _) in enumerate(makers) if item in pieces.made]
    if last is None or any(makers[k][0] not in pieces.previous for k in made):
        return parts, None
    return parts, last.updated(parts, {k: pieces.previous[makers[k][0]][1] for k in made})


def document_count(res) -> int:
    d = res.dossier
    return len(d.entities) + len(d.sources) + len(d.pages)


class IndexFiles:
    """data/search-index.js, and for a large dossier its parts data/search/{n}.js, written in
    UTF-8 pieces: neither the documents nor the text are ever whole, and the index is emptied as
    it is written. The files must be written in the order of writers(): the first makes the
    index, the last hands its terms to `pieces`. pieces: an incremental.Pieces, which keeps what
    the index needs of each document, and the postings of each term, for the next build."""

    def __init__(self, res, pieces=None):
        self.res, self.pieces = res, pieces
        self.parts = part_count(document_count(res))
        self.index: Index | None = None

    def writers(self) -> Iterator[tuple[str, Callable]]:
        yield SEARCH_INDEX, self._write_main
        for n in range(self.parts):
            yield part_path(n), partial(self._write_part, n)

    def _start(self) -> Index:
        chunks = max(self.parts, 1)
        pieces = self.pieces
        if pieces is None:
            return Index(parts=each_part(self.res), chunks=chunks)
        parts, terms = _terms_from_pieces(self.res, pieces)
        if terms is None or len(terms.chunks) != chunks:   # gathered: the postings as written, for the next build
            return Index(parts=parts, chunks=chunks, keep=partial(_keep_chunk, pieces))
        return Index(parts=parts, terms=terms.chunks)

    def _write_main(self, write: Callable[[bytes], object]) -> None:
        with collector.paused():   # millions of postings, none in a cycle
            self.index = self._start()
            for piece in _script_pieces(_payload_pieces(self.index)):
                write(piece.encode())
            if not self.parts:
                self._done()

    def _write_part(self, n: int, write: Callable[[bytes], object]) -> None:
        for piece in _script_pieces(_part_pieces(self.index, n), _part_target(n)):
            write(piece.encode())
        if n == self.parts - 1:
            self._done()

    def _done(self) -> None:
        """The terms as written, for the next build: the chunks gathered went to pieces as each
        was written (Index.keep); those taken from the last build go now."""
        index, pieces = self.index, self.pieces
        if pieces is not None:
            pieces.put((SEARCH_INDEX, "urls"), tuple(index.urls))
            pieces.put((SEARCH_INDEX, "chunks"), index.chunks)
            if index.terms is not None:
                for i, chunk in enumerate(index.terms):
                    _keep_chunk(pieces, i, chunk)
        self.index = None


def write_index_script(res, write: Callable[[bytes], object], pieces=None) -> None:
    """data/search-index.js of a dossier whose index is written whole (see IndexFiles)."""
    files = IndexFiles(res, pieces)
    assert not files.parts, "an index in parts is written with IndexFiles.writers"
    for _, write_to in files.writers():
        write_to(write)


def writers(res, pieces=None):
    """The data files of search, as (path, write_to): write_to(write) writes one (IndexFiles),
    in this order."""
    return IndexFiles(res, pieces).writers()


def files(res):
    """The data files of search, as (path, bytes)."""
    for path, write_to in writers(res):
        data = bytearray()
        write_to(data.extend)
        yield path, data
