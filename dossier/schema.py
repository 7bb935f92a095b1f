"""The content schema as data: one definition drives validation and the JSON Schemas.

Each type converts a YAML node (from ``yamlload``) into a plain value that remembers where it
came from, or reports what was expected at the node's line and column. ``json_schema()`` gives
the draft-07 equivalent, so editors and the engine agree on one source of truth.
"""
from __future__ import annotations

import calendar
import datetime
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .diagnostics import Diagnostics
from .kinds import ANNOTATION_KINDS, CLAIM_STATUSES, CROSSING_MODES, CROSSING_STATUSES, KINDS
from .yamlload import pos

_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_PORT = "(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
# A path segment: not empty ('//'), nor '.' or '..', which a browser resolves away (the sitemap and
# canonical links gave 'https://example.com/../claims.html').
_SEGMENT = "(?!\\.\\.?/)(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})+"
BASE_URL_PATTERN = rf"^https?://{_LABEL}(?:\.{_LABEL})*\.?(?::{_PORT})?(?:/{_SEGMENT})*/$"


def python_pattern(json_pattern: str) -> re.Pattern:
    """A JSON Schema pattern as Python reads it. JSON Schema's (JavaScript's) '$' is the end of
    the text, Python's also matches before a final line break: 'en' written as a block scalar
    ('language: |') is 'en\n', which the schema refuses in an editor and Python let through."""
    body = json_pattern[:-1]
    ends_the_text = json_pattern.endswith("$") and (len(body) - len(body.rstrip("\\"))) % 2 == 0   # not '\$'
    return re.compile(body + r"\Z" if ends_the_text else json_pattern)


ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
ID_RE = python_pattern(ID_PATTERN)
ID_MAX = 80
_LINK_OR_CITE = re.compile(r"\[\[[^\[\]\n]+\]\]|\[@[^\[\]\n]+\]")   # as Markdown fields have them
DATE_RE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", re.ASCII)   # fullmatch: nothing around it
DATE_JSON_PATTERN = r"^(?!0000)[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$"


class LStr(str):
    """A string that remembers its line and column (1-based) and YAML scalar style."""
    line: int = 0
    col: int = 0
    style: str | None = None


class LDict(dict):
    """A mapping that remembers its own position and each key's position."""
    line: int = 0
    col: int = 0
    key_pos: dict


class LList(list):
    line: int = 0
    col: int = 0


def lstr(value: str, node: Node) -> LStr:
    s = LStr(value)
    mark = node.start_mark   # pos(node), inlined: this runs for most values of every file
    s.line = mark.line + 1
    s.col = mark.column + 1
    s.style = getattr(node, "style", None)
    return s


@dataclass
class Ctx:
    """Where conversion reports: the file and a line offset (front matter sits below line 1)."""
    path: str
    diags: Diagnostics
    line_offset: int = 0

    def error(self, node: Node, code: str, message: str) -> None:
        line, col = pos(node)
        self.diags.error(code, message, self.path, line + self.line_offset, col)

    def warning(self, node: Node, code: str, message: str) -> None:
        line, col = pos(node)
        self.diags.warning(code, message, self.path, line + self.line_offset, col)

    def error_at(self, value, code: str, message: str) -> None:
        """An error at a converted value that remembers its position (LStr, LList, LDict)."""
        self.diags.error(code, message, self.path, getattr(value, "line", 0) + self.line_offset, getattr(value, "col", 0))


INVALID = object()  # returned after an error was reported

QUOTE_MAX = 60  # characters of a contributor's value repeated in a message


def _q(value) -> str:
    """A value quoted in a message, shortened: a 5,000-digit number is not repeated whole."""
    text = str(value)
    return repr(text if len(text) <= QUOTE_MAX else text[:QUOTE_MAX] + "…")


def _clip(value) -> str:
    """As _q, unquoted."""
    text = str(value)
    return text if len(text) <= QUOTE_MAX else text[:QUOTE_MAX] + "…"


_INVISIBLE = frozenset(("Cc", "Cf", "Zs", "Zl", "Zp"))


def is_blank(text: str) -> bool:
    """Empty, or only spaces and invisible characters (zero-width space, byte order mark...)."""
    if text.lstrip()[:1].isalnum():   # nearly every text: no need to look at its characters
        return False
    return all(ch.isspace() or unicodedata.category(ch) in _INVISIBLE for ch in text)


_NULL_TAG = "tag:yaml.org,2002:null"
_STR_TAG = "tag:yaml.org,2002:str"


def _written_without_colon(key: Node, value: Node) -> bool:
    """A key of a mapping in braces written with no ':' after it ('{a: 1, b}'): its empty value
    begins where the key ends ('b: ' and 'b: ~' have a value that begins after the ':')."""
    return not key.style and _is_null(value) and value.start_mark.index == key.end_mark.index


def _is_null(node: Node) -> bool:
    # The resolved tag, not the style: libyaml's composer gives plain scalars style '' (not None).
    return node.tag == _NULL_TAG and isinstance(node, ScalarNode)


class Type:
    doc = ""

    def convert(self, node: Node, ctx: Ctx):
        raise NotImplementedError

    def json_schema(self) -> dict:
        raise NotImplementedError

    def describe(self) -> str:
        return "a value"

    def _scalar(self, node: Node, ctx: Ctx) -> str | object:
        if not isinstance(node, ScalarNode) or node.tag == _NULL_TAG:
            ctx.error(node, "type", f"expected {self.describe()}, found {_found(node)}")
            return INVALID
        return node.value


def _found(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if _is_null(node):
        return "nothing (null)"
    return _q(node.value) + _no_break_space_hint(node)


# A text that begins as a list item ('-') or a key ('lat:') would, but with a no-break space after
# it (pasted from a web page or a word processor): YAML reads no item or key there, and the whole
# is one text. (Python's \s is a no-break space too: 'Titre\xa0:\xa0suite' is text, as meant.)
_NO_BREAK_INDICATOR = re.compile(r"(?:-|[^\s:]+:)\xa0")


def _no_break_space_hint(node: Node) -> str:
    if node.style or "\xa0" not in node.value or not _NO_BREAK_INDICATOR.match(node.value):
        return ""
    return (" (after a '-' or ':' in it is a no-break space, U+00A0, as pasted from a web page or a word processor, "
            "where YAML needs an ordinary space to read a list item or a key: replace it with a space)")


@dataclass
class Text(Type):
    max_len: int = 10_000
    pattern: str | None = None
    pattern_hint: str = ""
    plain = True   # shown as written (a [[link]] in it is told: see convert); not a dataclass field

    def __post_init__(self):
        self._pattern = python_pattern(self.pattern) if self.pattern else None

    def describe(self):
        return self.pattern_hint or "text"

    def convert(self, node, ctx):
        value = self._scalar(node, ctx)
        if value is INVALID:
            return INVALID
        if len(value) > self.max_len:
            ctx.error(node, "too-long", f"text is longer than {self.max_len:,} characters")
            return INVALID
        if self._pattern and not self._pattern.match(value):
            ctx.error(node, "format", f"expected {self.describe()}, found {_q(value)}")
            return INVALID
        if self.plain and ("[[" in value or "[@" in value) and _LINK_OR_CITE.search(value):
            ctx.warning(node, "plain-text-link", f"{_q(value)} is shown as written: this value is plain text, and "
                        "[[id]] links and [@source] citations are read only in Markdown (summary, note, a page's or "
                        "a source's text); link in a note beside it, and cite with 'cite'")
        return lstr(value.strip() if not node.style else value, node)

    def json_schema(self):
        s = {"type": ["string", "number", "boolean"] if not self.pattern else "string", "maxLength": self.max_len}
        if self.pattern:
            s["pattern"] = self.pattern
        return s


class Url(Text):
    """An http(s) address that parses: a broken one is the contributor's error, not a crash later."""

    def __init__(self):
        super().__init__(max_len=2000, pattern=r"^https?://", pattern_hint="an http(s) URL")

    def convert(self, node, ctx):
        value = super().convert(node, ctx)
        if value is INVALID:
            return INVALID
        try:
            parts = urlsplit(value)
            parts.port  # raises on a port that is not a number
        except ValueError:
            ctx.error(node, "format", f"{_q(value)} is not a valid URL")
            return INVALID
        if not parts.netloc or any(c.isspace() for c in value):
            ctx.error(node, "format", f"{_q(value)} is not a valid URL: expected http(s)://host/path without spaces")
            return INVALID
        return value


class Quoted(Text):
    """Words quoted from a source's text, as a reader sees it. A [[link]] or a [@citation] in them
    is not told as in plain text (an annotation has no 'cite' to use instead): when the quote is
    not found, quote-not-found says what a reader sees there."""
    plain = False


class Markdown(Text):
    """Markdown text; kept with its position so links inside it can be located."""
    plain = False

    def __init__(self, max_len: int = 200_000):
        super().__init__(max_len=max_len)

    def describe(self):
        return "Markdown text"


@dataclass
class Id(Type):
    """An id: a reference to an entity or source (checked when everything is loaded)."""
    what: str = "id"

    def describe(self):
        article = "an" if self.what[0] in "aeiou" else "a"
        return f"{article} {self.what} (lowercase letters, digits and single hyphens)"

    def convert(self, node, ctx):
        value = self._scalar(node, ctx)
        if value is INVALID:
            return INVALID
        if not ID_RE.match(value) or len(value) > ID_MAX:
            ctx.error(node, "bad-id", f"{_q(value)} is not a valid id: expected lowercase letters, digits and single hyphens, at most {ID_MAX} characters")
            return INVALID
        return lstr(value, node)

    def json_schema(self):
        return {"type": "string", "pattern": ID_PATTERN, "maxLength": ID_MAX}


class AnnotationId(Id):
    """An annotation's id: its mark is #a-<id> and its note #a-<id>-note, so an id ending in
    '-note' could take the note's anchor of another annotation ('x' and 'x-note')."""

    def __init__(self):
        super().__init__(what="annotation id")

    def convert(self, node, ctx):
        value = super().convert(node, ctx)
        if value is not INVALID and value.endswith("-note"):
            ctx.error(node, "bad-id", f"annotation id {_q(value)} ends in '-note': #a-{value} is the anchor of the note of "
                      f"annotation {value[:-5]!r}; choose an id that does not end in '-note'")
            return INVALID
        return value


@dataclass
class Enum(Type):
    values: tuple

    def describe(self):
        return "one of " + ", ".join(self.values)

    def convert(self, node, ctx):
        value = self._scalar(node, ctx)
        if value is INVALID:
            return INVALID
        if value not in self.values:
            close = closest(value, self.values)
            hint = f" (did you mean {close!r}?)" if close else ""
            ctx.error(node, "enum", f"{_q(value)} is not allowed here{hint}: expected {self.describe()}")
            return INVALID
        return lstr(value, node)

    def json_schema(self):
        return {"type": "string", "enum": list(self.values)}


# Numbers as YAML writes them, in ASCII digits; an underscore between digits (YAML 1.1's 1_000) is
# allowed, as before.
_INT_RE = re.compile(r"[-+]?[0-9][0-9_]*\Z")
_FLOAT_RE = re.compile(r"[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?\Z")


@dataclass
class Number(Type):
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False

    def describe(self):
        kind = "a whole number" if self.integer else "a number"
        num = lambda n: f"{n:,}" if n == int(n) else f"{n:g}"
        if self.minimum is not None and self.maximum is not None:
            kind += f" from {num(self.minimum)} to {num(self.maximum)}"
        elif self.minimum is not None:
            kind += f" of at least {num(self.minimum)}"
        return kind

    def convert(self, node, ctx):
        value = self._scalar(node, ctx)
        if value is INVALID:
            return INVALID
        # ASCII digits only, as YAML writes numbers: Python's int() and float() also read other
        # scripts' digits ('١٢' is 12), which no editor or other YAML reader takes for a number.
        text = value.strip(" \t\n")
        if not (_INT_RE if self.integer else _FLOAT_RE).match(text):
            ctx.error(node, "type", f"expected {self.describe()}, found {_q(value)}")
            return INVALID
        if node.style and node.tag == _STR_TAG:   # '"41.4"' is text in YAML, and to the editor's schema ('!!float "41.4"' is not)
            ctx.error(node, "type", f"expected {self.describe()}, found the text {_q(value)}: a number is written "
                      "without quotes")
            return INVALID
        text = text.replace("_", "")
        try:
            number = int(text) if self.integer else float(text)
        except ValueError:  # e.g. an integer of more than 4,300 digits
            ctx.error(node, "type", f"expected {self.describe()}, found {_q(value)}")
            return INVALID
        if number != number or number in (float("inf"), float("-inf")):
            ctx.error(node, "type", f"expected {self.describe()}, found {_q(value)}")
            return INVALID
        if (self.minimum is not None and number < self.minimum) or (self.maximum is not None and number > self.maximum):
            ctx.error(node, "range", f"{_clip(value)} is out of range: expected {self.describe()}")
            return INVALID
        if not self.integer and number == int(number) and abs(number) < 1e15:
            number = int(number)
        return number

    def json_schema(self):
        s = {"type": "integer" if self.integer else "number"}
        if self.minimum is not None:
            s["minimum"] = self.minimum
        if self.maximum is not None:
            s["maximum"] = self.maximum
        return s


class Date(Type):
    """ISO 8601 date, full or partial: 2025, 2025-04, 2025-04-30."""

    def describe(self):
        return "a date (YYYY, YYYY-MM or YYYY-MM-DD)"

    def convert(self, node, ctx):
        value = self._scalar(node, ctx)
        if value is INVALID:
            return INVALID
        why = date_problem(value)
        if why is None:
            return lstr(value, node)
        ctx.error(node, "date", f"{_q(value)} is not a valid date: {why}")
        return INVALID

    def json_schema(self):
        # Stricter than DATE_RE (months 01-12, days 01-31, no year 0), so editors flag 2025-13;
        # only impossible days such as 2025-02-30 are left to the engine. An unquoted year may
        # reach the editor as an integer.
        return {"anyOf": [{"type": "string", "pattern": DATE_JSON_PATTERN},
                          {"type": "integer", "minimum": 1, "maximum": 9999}]}


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")   # not calendar.month_name, which follows the locale


def date_problem(value: str) -> str | None:
    """Why a text is not a date as the format writes them (YYYY, YYYY-MM or YYYY-MM-DD, a real
    day of the calendar), or None."""
    m = DATE_RE.fullmatch(value)   # as the JSON schema: no spaces around it, ASCII digits only
    if not m:
        return "expected YYYY, YYYY-MM or YYYY-MM-DD"
    year, month, day = int(m[1]), int(m[2] or 1), int(m[3] or 1)
    try:
        datetime.date(year, month, day)
    except ValueError:
        return _impossible_date(year, month, day)
    return None


def _impossible_date(year: int, month: int, day: int) -> str:
    """Why a date written as YYYY-MM-DD is none."""
    if year == 0:
        return "there is no year 0"
    if not 1 <= month <= 12:
        return f"there is no month {month:02d}"
    if day == 0:
        return "there is no day 00"
    days = calendar.monthrange(year, month)[1]
    return f"{MONTHS[month - 1]} {year} has {days} days"


class Citations(Type):
    """A list of citations, each 'source-id' or 'source-id, locator'. One string is a list of one."""

    def describe(self):
        return "a list of citations ('source-id' or 'source-id, locator')"

    def convert(self, node, ctx):
        items = node.value if isinstance(node, SequenceNode) else [node]
        out = LList()
        out.line, out.col = pos(node)
        seen: dict[tuple, int] = {}
        for number, item in enumerate(items, start=1):
            value = self._scalar(item, ctx)
            if value is INVALID:
                continue
            source, _, locator = value.partition(",")
            source = source.strip().lstrip("@")
            if not ID_RE.match(source) or len(source) > ID_MAX:
                before = items[number - 2] if number > 1 and isinstance(node, SequenceNode) and node.flow_style else None
                hint = ""
                if isinstance(before, ScalarNode) and ID_RE.match(before.value) and not before.style:
                    # [wiki-x, p. 3]: in a list written in brackets a comma separates items
                    hint = f"; if it is the place in {_q(before.value)}, quote the two as one item: \"{before.value}, {value}\""
                elif len(parts := value.strip().lstrip("@").split(None, 1)) == 2 and ID_RE.match(parts[0]):   # 'almanac p. 3'
                    hint = f"; a comma goes between the source and the place: '{parts[0]}, {parts[1]}'"
                elif source[:1].isspace() and ID_RE.match(source.strip()):   # '@ almanac'
                    hint = f"; no space goes after the '@': '{source.strip()}'"
                ctx.error(item, "bad-cite", f"{_q(value)} is not a citation: expected 'source-id' or 'source-id, locator'{hint}")
                continue
            cited = (source, locator.strip())
            if cited in seen:   # the same source at another place ('p. 3', 'p. 5') is no repeat
                ctx.error(item, "duplicate-item", f"{_q(value)} is cited twice (items {seen[cited]} and {number}): remove the repeat")
                continue
            seen[cited] = number
            out.append((lstr(source, item), cited[1]))
        if not out and items:
            return INVALID
        return out

    def json_schema(self):
        item = {"type": "string", "pattern": r"^@?[a-z0-9]+(-[a-z0-9]+)*\s*(,.*)?$"}
        return {"anyOf": [item, {"type": "array", "items": item}]}


@dataclass
class ListOf(Type):
    item: Type
    max_items: int = 10_000
    min_items: int = 0
    exact: int | None = None

    def describe(self):
        item = self.item.describe()
        return f"a list of {item}" if not item.startswith(("a ", "an ")) else f"a list, each item {item}"

    def convert(self, node, ctx):
        if not isinstance(node, SequenceNode):
            ctx.error(node, "type", f"expected {self.describe()}, found {_found(node)}")
            return INVALID
        n = len(node.value)
        if self.exact is not None and n != self.exact:
            ctx.error(node, "length", f"expected exactly {self.exact} items, found {n}")
            return INVALID
        if n > self.max_items or n < self.min_items:
            ctx.error(node, "length", f"expected {self.min_items} to {self.max_items} items, found {n}")
            return INVALID
        out = LList()
        out.line, out.col = pos(node)
        seen: dict[str, int] = {}
        for number, child in enumerate(node.value, start=1):
            value = self.item.convert(child, ctx)
            if value is INVALID:
                continue
            if isinstance(value, str):
                if is_blank(value):
                    ctx.error(child, "blank", f"item {number} of the list is blank: remove it or write the text")
                    continue
                if value in seen:
                    ctx.error(child, "duplicate-item", f"{_q(value)} is listed twice (items {seen[value]} and {number}): remove the repeat")
                    continue
                seen[value] = number
            out.append(value)
        return out

    def json_schema(self):
        s = {"type": "array", "items": self.item.json_schema(), "maxItems": self.max_items}
        if self.exact is not None:
            s["minItems"] = s["maxItems"] = self.exact
        elif self.min_items:
            s["minItems"] = self.min_items
        return s


@dataclass
class MapOf(Type):
    """A mapping with free keys matching key_pattern, e.g. native names by language tag."""
    value: Type
    key_pattern: str
    key_hint: str

    def __post_init__(self):
        self._key_pattern = python_pattern(self.key_pattern)

    def describe(self):
        return f"a mapping of {self.key_hint} to {self.value.describe()}"

    def convert(self, node, ctx):
        if not isinstance(node, MappingNode):
            ctx.error(node, "type", f"expected {self.describe()}, found {_found(node)}")
            return INVALID
        out = LDict()
        out.line, out.col = pos(node)
        out.key_pos = {}
        for key, value in node.value:
            if not self._key_pattern.match(key.value):
                ctx.error(key, "bad-key", f"{_q(key.value)} is not {self.key_hint}")
                continue
            converted = self.value.convert(value, ctx)
            if isinstance(converted, str) and is_blank(converted):
                ctx.error(value, "blank", f"the value of {_q(key.value)} is blank: remove the key or write the text")
                continue
            if converted is not INVALID:
                out[key.value] = converted
                out.key_pos[key.value] = pos(key)
        return out

    def json_schema(self):
        return {"type": "object", "propertyNames": {"pattern": self.key_pattern},
                "additionalProperties": self.value.json_schema()}


@dataclass
class Field:
    type: Type
    doc: str
    required: bool = False


@dataclass
class Record(Type):
    """A mapping with known keys. Unknown keys are errors (typos must not pass silently)."""
    name: str
    fields: dict[str, Field]
    doc: str = ""
    extra_check: object = None  # callable(result, node, ctx) for rules across keys
    json_extra: dict | None = None  # the same rules across keys, in JSON Schema

    def __post_init__(self):
        self._required = [k for k, f in self.fields.items() if f.required]

    def describe(self):
        return f"a mapping ({self.name})"

    def convert(self, node, ctx):
        if not isinstance(node, MappingNode):
            ctx.error(node, "type", f"expected {self.describe()}, found {_found(node)}")
            return INVALID
        out = LDict()
        out.line, out.col = pos(node)
        out.key_pos = key_pos = {}
        fields = self.fields
        meant = set()   # keys a misspelt key was taken for: not also said to be missing
        for key, value in node.value:
            name = key.value
            spec = fields.get(name)
            if spec is None:
                close = closest(name, fields)
                hint = f" (did you mean {close!r}?)" if close else ""
                if close:
                    meant.add(close)
                if node.flow_style and _written_without_colon(key, value) and node.value[0][0] is not key:
                    hint += (f" (a ',' inside '{{...}}' ends a value, so {_q(name)} was read as a new key: if it "
                             "belongs to the value before it, put that value in quotes)")   # {cite: x, para. 3}
                ctx.error(key, "unknown-key", f"unknown key {_q(name)} in {self.name}{hint}; expected one of: {', '.join(fields)}")
                continue
            key_pos[name] = pos(key)
            if _is_null(value):
                if spec.required:   # 'title:' with nothing after it: say which key, as for a blank one
                    ctx.error(value, "blank", f"{name!r} is empty: write {spec.doc}")
                continue
            converted = spec.type.convert(value, ctx)
            if converted is INVALID:
                continue
            if spec.required and isinstance(converted, str) and is_blank(converted):
                # Kept (an entity with a blank name is still an id others refer to), but an error.
                ctx.error(value, "blank", f"{name!r} is blank: write {spec.doc}")
            out[name] = converted
        missing = [k for k in self._required if k not in out and k not in key_pos]
        for k in missing:
            if k not in meant:
                ctx.error(node, "missing-key", f"{self.name} needs {k!r}: {self.fields[k].doc}")
        if self.extra_check and not missing:
            self.extra_check(out, node, ctx)
        return out

    def json_schema(self):
        s = {"type": "object", "additionalProperties": False,
             "properties": {k: {**(f.type.json_schema() if f.required else _nullable(f.type.json_schema())),
                                "description": f.doc} for k, f in self.fields.items()}}
        required = [k for k, f in self.fields.items() if f.required]
        if required:
            s["required"] = required
        if self.doc:
            s["description"] = self.doc
        if self.json_extra:
            s.update(self.json_extra)
        return s


def _nullable(s: dict) -> dict:
    """An optional key may be left empty (null): the engine skips it."""
    if "anyOf" in s:
        return {**s, "anyOf": [*s["anyOf"], {"type": "null"}]}
    if "type" in s:
        types = s["type"] if isinstance(s["type"], list) else [s["type"]]
        return {**s, "type": [*types, "null"]}
    return {"anyOf": [s, {"type": "null"}]}


@dataclass
class OneOf(Type):
    """A scalar form or a mapping form, told apart by the node's shape."""
    scalar: Type
    mapping: Type

    def describe(self):
        return f"{self.scalar.describe()} or {self.mapping.describe()}"

    def convert(self, node, ctx):
        return (self.mapping if isinstance(node, MappingNode) else self.scalar).convert(node, ctx)

    def json_schema(self):
        return {"anyOf": [self.scalar.json_schema(), self.mapping.json_schema()]}


def closest(word: str, options) -> str | None:
    """The option most like word (a typo's correction), or None when none is close. A long word
    is no typo of a key or an id, and difflib's cost grows with its length: none is looked for."""
    if len(word) > 100:
        return None
    import difflib
    found = difflib.get_close_matches(word, list(options), n=1, cutoff=0.75)
    return found[0] if found else None


# What closest() costs: about the length of the word times the length of all the options, in
# characters compared, up to 75 ns each (ids much alike, each option then compared in full; ids
# that differ early cost less). A build's suggestions are bounded by their characters, not by the
# pairs compared: 200,000 pairs of ids of 80 characters much alike took 100 s, of ids of 15, 2 s.
SUGGESTION_BUDGET = 45_000_000   # characters compared: 3.4 s at worst, for relation types and for ids each


def closest_cost(word: str, options_chars: int) -> int:
    """What closest(word, options) costs (options_chars: the options' total length); 0 for a word
    closest does not look at."""
    return 0 if len(word) > 100 else len(word) * options_chars


class Budget:
    """What one build may spend on suggestions, in characters compared (closest_cost), shared by
    the Closest that draw on it."""

    def __init__(self, limit: int = SUGGESTION_BUDGET):
        self.limit, self.spent = limit, 0

    def take(self, cost: int) -> bool:
        if self.spent + cost > self.limit:
            return False
        self.spent += cost
        return True


class Closest:
    """closest() for the many words of one build against one set of options (relation types, the
    ids of some kinds), each word looked for once, and none once the budget is spent."""

    def __init__(self, options, budget: Budget | None = None):
        self.options = sorted(options)
        self.chars = sum(len(o) for o in self.options)
        self.budget = budget or Budget()
        self.found: dict = {}

    def __call__(self, word: str) -> str | None:
        if word not in self.found:
            affordable = self.budget.take(closest_cost(word, self.chars))
            self.found[word] = closest(word, self.options) if affordable else None
        return self.found[word]


class LatLon(ListOf):
    """[latitude, longitude]: -90 to 90, then -180 to 180. (Its JSON Schema is ListOf's, with
    -180 to 180 for both: the engine checks the latitude more strictly than the editor.)"""

    def __init__(self):
        super().__init__(Number(-180, 180), exact=2)

    def convert(self, node, ctx):
        if not isinstance(node, SequenceNode) or len(node.value) != 2:
            return super().convert(node, ctx)
        lat = Number(-90, 90).convert(node.value[0], ctx)
        lon = Number(-180, 180).convert(node.value[1], ctx)
        if lat is INVALID or lon is INVALID:
            return INVALID
        out = LList((lat, lon))
        out.line, out.col = pos(node)
        return out


def date_before(a: str, b: str) -> bool:
    """Whether date a is surely before date b, at the precision both have: 2024-04 is before
    2024-05-01; 2024-05 is not before 2024-05-10 (it may be any day of May)."""
    n = min(len(a), len(b))
    return a[:n] < b[:n]


# --- the content format ------------------------------------------------------------------------

def _given(node, name: str) -> bool:
    """Whether the mapping node has the key with a value (an empty one, 'lat: ~', is none)."""
    return any(key.value == name and not _is_null(value) for key, value in node.value)


def _location_check(out, node, ctx):
    has_lat, has_lon = _given(node, "lat"), _given(node, "lon")   # written, even if not a valid number
    if has_lat != has_lon:
        ctx.error(node, "location", "a location needs both 'lat' and 'lon' (or neither, with a 'note' saying what is known)")
    elif not has_lat and "note" not in out:
        ctx.error(node, "location", "a location without coordinates needs a 'note' saying what the sources tell of it")
    if "precision_m" in out and "note" not in out:
        ctx.error(node, "location", "an approximate location (precision_m) needs a 'note' saying how it was derived")
    lat = out.get("lat")
    if isinstance(lat, (int, float)) and abs(lat) > MAP_MAX_LATITUDE:
        ctx.warning(node, "off-the-map", f"latitude {lat} is beyond ±{MAP_MAX_LATITUDE}°, which the site's maps (Web "
                    "Mercator, as web maps are drawn) cannot show: its marker is not drawn where it is")


MAP_MAX_LATITUDE = 85.0511   # Web Mercator's limit (Leaflet's MAX_LATITUDE, rounded)


LOCATION = Record("location", {
    "lat": Field(Number(-90, 90), "latitude in decimal degrees, WGS 84, -90 to 90"),
    "lon": Field(Number(-180, 180), "longitude in decimal degrees, WGS 84, -180 to 180"),
    "precision_m": Field(Number(0, 1_000_000), "radius in metres when the position is approximate"),
    "note": Field(Markdown(), "what the sources say of the position; required without lat/lon"),
    "cite": Field(Citations(), "sources of the position"),
}, doc="A position as a source gives it, or a note where no source publishes one.", extra_check=_location_check,
   json_extra={"dependencies": {"lat": ["lon"], "lon": ["lat"], "precision_m": ["note"]},
               "anyOf": [{"required": ["lat", "lon"]}, {"required": ["note"]}]})

FACT = Record("fact", {
    "label": Field(Text(max_len=200), "what the fact is, shown in the infobox", required=True),
    "value": Field(Text(max_len=2000), "the fact, as text or a number", required=True),
    "cite": Field(Citations(), "the sources that give this value (a fact without one is a warning)"),
    "note": Field(Markdown(), "an optional remark (Markdown)"),
}, doc="An infobox row. The same label with different values shows that sources disagree.")

RELATION = Record("relation", {
    "type": Field(Id(what="relation type"), "a relation type (see docs/content-format.md or dossier.yaml)", required=True),
    "target": Field(Id(what="entity id"), "the entity at the other end", required=True),
    "cite": Field(Citations(), "sources of the relation"),
    "date": Field(Date(), "when the relation began or happened"),
    "note": Field(Markdown(), "an optional remark (Markdown)"),
}, doc="A typed edge to another entity, shown on both ends.")

NAMES = MapOf(Text(max_len=300), r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", "a BCP-47 language tag")

COMMON_FIELDS = {
    "name": Field(Text(max_len=300), "the entity's name in the dossier's language", required=True),
    "names": Field(NAMES, "native-script names by BCP-47 language tag, e.g. {ko: 김정은, ru: Ким Чен Ын}"),
    "aliases": Field(ListOf(Text(max_len=300), max_items=100), "other names, also used to find mentions in sources"),
    "summary": Field(Markdown(), "a short description in Markdown, with [[links]] and [@citations]"),
    "wikidata": Field(Text(pattern=r"^Q[1-9][0-9]*$", pattern_hint="a Wikidata item id such as Q42"), "Wikidata item id"),
    "tags": Field(ListOf(Text(max_len=60), max_items=50), "free tags"),
    "facts": Field(ListOf(FACT, max_items=500), "infobox rows, each cited"),
    "relations": Field(ListOf(RELATION, max_items=2000), "typed relations to other entities"),
}

KIND_FIELDS = {
    "person": {
        "role": Field(Text(max_len=300), "the person's role or office"),
        "country": Field(Id(what="country id"), "the person's country"),
    },
    "organization": {
        "country": Field(Id(what="country id"), "the country the organization belongs to"),
    },
    "country": {
        "iso": Field(Text(pattern=r"^[A-Z]{2}$", pattern_hint="an ISO 3166-1 alpha-2 code such as KP"), "ISO 3166-1 alpha-2 code"),
    },
    "place": {
        "location": Field(LOCATION, "where the place is"),
        "country": Field(Id(what="country id"), "the country the place is in"),
    },
    "crossing": {
        "location": Field(LOCATION, "coordinates with their source, or a note where none is published", required=True),
        "mode": Field(Enum(CROSSING_MODES), "what crosses: rail, road, pedestrian, mixed or unknown"),
        "status": Field(Enum(CROSSING_STATUSES), "open, closed, under-construction, planned, built-not-opened or unknown"),
        "status_note": Field(Markdown(), "a remark on the status (Markdown)"),
        "opened": Field(Date(), "date the crossing opened"),
        "countries": Field(ListOf(Id(what="country id"), exact=2), "the two countries it joins"),
        "ends": Field(ListOf(Id(what="place id"), max_items=2, min_items=1), "the places at each end"),
        "crosses": Field(Id(what="place id"), "what it crosses (a river)"),
        "length_m": Field(Number(0, 1_000_000), "length in metres"),
        "border": Field(Text(max_len=120), "the border it is on, e.g. 'North Korea–Russia' (groups the map's list)"),
    },
    "event": {
        "date": Field(Date(), "when it happened (or began)", required=True),
        "end": Field(Date(), "when it ended"),
        "location": Field(OneOf(Id(what="place id"), LOCATION), "a place id, or a location"),
        "participants": Field(ListOf(Id(what="entity id"), max_items=1000), "who took part"),
    },
    "document": {
        "date": Field(Date(), "date signed or published"),
        "in_force": Field(Date(), "date it entered into force"),
        "parties": Field(ListOf(Id(what="entity id"), max_items=1000), "the parties"),
        "place": Field(Id(what="place id"), "where it was signed"),
    },
}


def _event_check(out, node, ctx):
    start, end = out.get("date"), out.get("end")
    if start and end and date_before(end, start):
        ctx.error_at(end, "date-order", f"the event ends ({end}) before it begins ('date': {start}): "
                     "'end' must be the same as 'date' or after it")


KIND_CHECKS = {"event": _event_check}

ENTITY_RECORDS = {
    kind: Record(kind, {**COMMON_FIELDS, **KIND_FIELDS[kind]}, doc=f"A {kind} fact sheet.",
                 extra_check=KIND_CHECKS.get(kind))
    for kind in KINDS.values()
}


def _refused(out, node) -> set[str]:
    """The keys of a mapping written with a value that was refused (and reported as such): not
    absent, so what depends on them is not reported again."""
    return {key.value for key, value in node.value if key.value not in out and not _is_null(value)}


def _annotation_check(out, node, ctx):
    refused = _refused(out, node)
    if "kind" in refused:   # what an annotation needs depends on its kind, which was reported
        return
    kind = out.get("kind", "note")
    if kind == "claim" and "status" not in out and "status" not in refused:
        ctx.error(node, "missing-key", "a claim needs a 'status': " + ", ".join(CLAIM_STATUSES))
    if kind != "claim" and "status" in out:
        status = next(key for key, _ in node.value if key.value == "status")
        ctx.error(status, "status", "'status' is for claims only (kind: claim)")
    if kind in ("claim", "correction") and "note" not in out and "note" not in refused:
        ctx.error(node, "missing-key", f"a {kind} needs a 'note' that says what is known, with its sources")


def _source_check(out, node, ctx):
    """Dates that cannot both be right: read before it was published. A warning: the source is still
    cited as written. (Not a date in the future: what a file says would then change with the day
    of the build, and a record kept from an earlier build would say otherwise.)"""
    published, accessed = out.get("published"), out.get("accessed")
    if published and accessed:
        common = min(len(published), len(accessed))   # '2025-06' after '2025-05-30'; '2025' and '2025-03' may agree
        if published[:common] > accessed[:common]:
            key = next(key for key, _ in node.value if key.value == "accessed")
            ctx.warning(key, "date-order", f"'accessed' ({accessed}) is before 'published' ({published}): "
                        "the editors read the source once it was out; check both dates")


ANNOTATION = Record("annotation", {
    "quote": Field(Quoted(max_len=5000, pattern=r"^\s*\S", pattern_hint="the quoted words (not blank)"), "the exact words of the text, as a reader sees them", required=True),
    "prefix": Field(Quoted(max_len=500), "words just before the quote, to pick one of several matches"),
    "suffix": Field(Quoted(max_len=500), "words just after the quote, to pick one of several matches"),
    "kind": Field(Enum(ANNOTATION_KINDS), "note (default), context, correction or claim"),
    "status": Field(Enum(CLAIM_STATUSES), "for claims: corroborated, unverified, disputed or refuted"),
    "note": Field(Markdown(), "what the dossier's editors say, in Markdown with citations"),
    "about": Field(ListOf(Id(what="entity id"), max_items=100), "ids of the entities the annotation is about"),
    "id": Field(AnnotationId(), "a stable anchor: the note is at #a-<id>"),
}, doc="A note anchored on quoted text.", extra_check=_annotation_check, json_extra={"allOf": [
    {"if": {"required": ["kind"], "properties": {"kind": {"const": "claim"}}},
     "then": {"required": ["status", "note"]},
     "else": {"not": {"required": ["status"], "properties": {"status": {"type": "string"}}}}},
    {"if": {"required": ["kind"], "properties": {"kind": {"const": "correction"}}}, "then": {"required": ["note"]}},
]})

SOURCE = Record("source", {
    "title": Field(Text(max_len=500), "the source's title", required=True),
    "publisher": Field(Text(max_len=300), "who published it"),
    "author": Field(Text(max_len=300), "who wrote it; several authors are separated by ';' ('Leshakov; Toloraya')"),
    "url": Field(Url(), "where it is published"),
    "published": Field(Date(), "publication date"),
    "accessed": Field(Date(), "when the dossier's editors read it"),
    "archive": Field(Url(), "an archived copy"),
    "language": Field(Text(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", pattern_hint="a BCP-47 language tag"), "the source's language"),
    "reliability": Field(Enum(("A", "B", "C", "D", "E", "F")), "Admiralty source grade A (reliable) to F (cannot be judged)"),
    "credibility": Field(Number(1, 6, integer=True), "Admiralty information grade 1 (confirmed) to 6 (cannot be judged)"),
    "type": Field(Enum(("article", "reference", "report", "statement", "map")), "what kind of source it is"),
    "note": Field(Markdown(), "an editors' note on the source (Markdown)"),
    "annotations": Field(ListOf(ANNOTATION, max_items=5000), "notes anchored on the text"),
}, doc="Source front matter.", extra_check=_source_check)

PAGE = Record("page", {
    "title": Field(Text(max_len=300), "the page title", required=True),
    "order": Field(Number(-10_000, 10_000, integer=True), "position in the navigation"),
}, doc="Authored page front matter.")

RELATION_TYPE = Record("relation type", {
    "label": Field(Text(max_len=100), "how the relation reads from its source", required=True),
    "reverse": Field(Text(max_len=100), "how it reads from its target", required=True),
})

DOSSIER = Record("dossier.yaml", {
    "title": Field(Text(max_len=300), "the dossier's title", required=True),
    "description": Field(Text(max_len=1000), "a one-line description"),
    "language": Field(Text(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", pattern_hint="a BCP-47 language tag"), "BCP-47 language, default en"),
    # An address as RFC 3986 writes it (a host of labels, a port from 1 to 65535, path segments;
    # non-ASCII characters, spaces and quotes %-escaped), so that the pages and sitemap.xml give it
    # the same way.
    "base_url": Field(Text(max_len=500, pattern=BASE_URL_PATTERN,
                           pattern_hint="an http(s) URL ending in /, in ASCII (escape other characters as %XX)"), "where the site is published: for sitemap.xml, canonical links and the links of 404.html"),
    "license": Field(Text(max_len=200), "shown in the footer"),
    "map": Field(Record("map", {
        "center": Field(LatLon(), "[lat, lon] of the map's default centre"),
        "zoom": Field(Number(1, 18, integer=True), "default zoom level"),
    }), "defaults for the crossings map"),
    "relations": Field(MapOf(RELATION_TYPE, r"^[a-z0-9]+(-[a-z0-9]+)*$", "a relation type id"), "the dossier's own relation types"),
}, doc="Site settings.")


def json_schemas() -> dict[str, dict]:
    """Draft-07 schemas by file name, written by `dossier schema`."""
    def wrap(name, record, title):
        return {"$schema": "http://json-schema.org/draft-07/schema#", "$id": f"{name}.schema.json",
                "title": title, **record.json_schema()}
    out = {"dossier": wrap("dossier", DOSSIER, "dossier.yaml"),
           "source": wrap("source", SOURCE, "Source front matter"),
           "page": wrap("page", PAGE, "Page front matter")}
    for kind, record in ENTITY_RECORDS.items():
        out[kind] = wrap(kind, record, f"{kind} entity")
    return out
