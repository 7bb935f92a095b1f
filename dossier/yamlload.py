"""A strict YAML reader for content that arrives in pull requests.

``yaml.compose`` with libyaml gives a node tree that remembers every value's line and column.
We never let PyYAML construct Python objects: the schema (``schema.py``) types each scalar from
the text the contributor wrote, so ``2025-13-01`` or ``no`` are never silently converted.
Refused here: syntax errors, tags other than the plain core ones, anchors and aliases (the
"billion laughs" bomb needs them), duplicate keys, documents that are too large or too deep, and
control characters made by escapes in double quotes (libyaml's reader refuses them written raw).

Positions count lines as editors do (libyaml also breaks lines at U+0085, U+2028 and U+2029), and
``scalar_offsets`` finds where each character of a value was written, for errors inside values.
"""
from __future__ import annotations

import re

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .diagnostics import Diagnostics

try:  # libyaml is ten times faster; the pure-Python loader gives the same nodes.
    _Base = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Base = yaml.SafeLoader

_NULLS = {"", "~", "null", "Null", "NULL"}
_NULL_TAG, _STR_TAG = "tag:yaml.org,2002:null", "tag:yaml.org,2002:str"
_SEQ_TAG, _MAP_TAG = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"


class _Loader(_Base):
    """Resolves implicit tags to null or str only: the schema types values from their text, and
    PyYAML's regex resolver (int, float, bool, timestamp) cost a third of the loading time.
    Explicit tags (``!!python/object``) are not resolved here and still reach the tag check."""

    def resolve(self, kind, value, implicit):
        if kind is ScalarNode:
            return _NULL_TAG if implicit[0] and value in _NULLS else _STR_TAG
        return _SEQ_TAG if kind is SequenceNode else _MAP_TAG

    # Called by the composer around every node, for path resolvers: we have none.
    def descend_resolver(self, current_node, current_index):
        pass

    def ascend_resolver(self):
        pass


MAX_NODES = 100_000
MAX_DEPTH = 64
_CORE = "tag:yaml.org,2002:"
ALLOWED_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")}
_OPENERS = (yaml.FlowSequenceStartToken, yaml.FlowMappingStartToken,
            yaml.BlockSequenceStartToken, yaml.BlockMappingStartToken)
_CLOSERS = (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken, yaml.BlockEndToken)


def pos(node: Node) -> tuple[int, int]:
    """1-based line and column of a node's start."""
    return node.start_mark.line + 1, node.start_mark.column + 1


# Quoted scalars and comments, which may hold brackets that do not nest. A quote opens a scalar
# only where a scalar can start (not inside a plain scalar such as Kim's).
_NOT_NESTING = re.compile(r"""(?<![^\s\[{,:])(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*')|(?<!\S)#[^\n]*""")
_BRACKETS = re.compile(r"[\[\]{}]")


def _flow_depth_bound(text: str) -> int:
    """An upper bound on how deep flow collections nest, cheap enough for every file."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_NOT_NESTING.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif depth:
            depth -= 1
    return deepest


def _too_deep(text: str) -> tuple[int, int] | None:
    """Where flow collections nest deeper than MAX_DEPTH. libyaml's composer recurses in C and
    crashes the interpreter on ``[[[[...`` a hundred thousand deep, so we look first: a cheap
    bound, then the scanner (which does not recurse) when the bound is high. Block nesting that
    deep would need megabytes of indentation."""
    if text.count("[") + text.count("{") <= MAX_DEPTH or _flow_depth_bound(text) <= MAX_DEPTH:
        return None
    depth = 0
    for token in yaml.scan(text, Loader=_Loader):
        if isinstance(token, _OPENERS):
            depth += 1
            if depth > MAX_DEPTH:
                return token.start_mark.line + 1, token.start_mark.column + 1
        elif isinstance(token, _CLOSERS):
            depth -= 1
    return None


def _alias_positions(text: str) -> list[tuple[int, int]]:
    """Positions of anchors and aliases, read from the event stream (only when one was found)."""
    aliases, anchors = [], []
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            aliases.append((event.start_mark.line + 1, event.start_mark.column + 1))
        elif getattr(event, "anchor", None):
            anchors.append((event.start_mark.line + 1, event.start_mark.column + 1))
    return aliases + anchors


def _too_many_nodes(text: str) -> tuple[int, int] | None:
    """Where the document passes MAX_NODES values, read from the event stream (which builds no
    tree), so a 2 MB list of a million values is refused in a tenth of a second instead of being
    composed into a million nodes first. Every value takes at least one character, so short
    texts are not read twice."""
    if len(text) < MAX_NODES // 2:
        return None
    count = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, _NODE_EVENTS):
            count += 1
            if count > MAX_NODES:
                return event.start_mark.line + 1, event.start_mark.column + 1
    return None


_NODE_EVENTS = (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent, yaml.AliasEvent)


def line_col(text: str, index: int) -> tuple[int, int]:
    """The line and column (from 1) of a character offset, lines counted at LF as editors do."""
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


# Characters libyaml reads as line breaks besides LF (CR is gone: read_text makes it LF).
YAML_BREAKS = "\x85\u2028\u2029"
_INVISIBLE = {"\x85": "NEXT LINE (NEL)", "\u2028": "LINE SEPARATOR", "\u2029": "PARAGRAPH SEPARATOR",
              "\ufeff": "ZERO WIDTH NO-BREAK SPACE (a byte order mark)"}
_INVISIBLE_RE = re.compile("[" + "".join(_INVISIBLE) + "]")


def _has_yaml_breaks(text: str) -> bool:
    return "\x85" in text or "\u2028" in text or "\u2029" in text


def _mark_index(text: str, mark) -> int:
    """A mark's character offset in text. libyaml counts U+0085, U+2028 and U+2029 as line
    breaks in its line numbers: in a text that holds one, its index (in characters) is used."""
    index = getattr(mark, "index", None)
    if _has_yaml_breaks(text) and isinstance(index, int) and 0 <= index <= len(text):
        return index
    start = 0
    for _ in range(mark.line):
        newline = text.find("\n", start)
        if newline == -1:
            return len(text)
        start = newline + 1
    return min(start + mark.column, len(text))


def _index(text: str, mark) -> int:
    """A mark's offset in text, from libyaml's own count of characters (_mark_index counts the
    lines before the mark: for one error, not for every value of a file)."""
    index = getattr(mark, "index", None)
    return index if isinstance(index, int) and 0 <= index <= len(text) else _mark_index(text, mark)


# Where a flow collection opens a value: after 'key: ' or '- ' at the start of a line.
_FLOW_VALUE = re.compile(r"""[ \t]*(?:-[ \t]+)*(?:(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'|[^\s#'"\[\]{},:][^:\n]*?)[ \t]*:[ \t]+)?([\[{])""")


def _syntax_error(text: str, e: yaml.MarkedYAMLError) -> tuple[str, int, int]:
    """(message, line, column) for a YAML syntax error: libyaml's words, or what to do about the
    common mistakes (a value starting with '[' or '`', an unclosed quote, an invisible
    character), at the place the contributor has to change."""
    problem_mark, context_mark = e.problem_mark, e.context_mark
    mark = problem_mark or context_mark
    message = " ".join(str(part) for part in (e.context, e.problem) if part) or "invalid YAML"
    if mark is None:
        return message, 1, 1
    at = _mark_index(text, mark)
    problem = str(e.problem or "")
    context = str(e.context or "")

    no_break = _no_break_space_near(text, at)
    if no_break is not None:
        return ("a no-break space (U+00A0, as pasted from a web page or a word processor) is here, where YAML "
                "needs an ordinary space: replace it with a space", *line_col(text, no_break))

    invisible = _invisible_near(text, at, _mark_index(text, context_mark) if context_mark else None)
    if invisible is not None:
        ch = text[invisible]
        effect = "YAML reads it as a line break" if ch in YAML_BREAKS else "YAML cannot read the line with it"
        return (f"the invisible character U+{ord(ch):04X} {_INVISIBLE[ch]} is here: {effect}; remove it",
                *line_col(text, invisible))

    if "quoted scalar" in context and "end of stream" in problem and context_mark is not None:
        opening = _mark_index(text, context_mark)
        quote = text[opening:opening + 1]
        if quote in ("'", '"'):
            inside = _escaped(quote)
            return (f"the value quoted here never closes: add the closing {quote} "
                    f"(a {quote} inside the value is written {inside})", *line_col(text, opening))

    runaway = _runaway_quote(text, at)
    if runaway is not None:
        opening, closing = runaway
        quote = text[opening]
        inside = _escaped(quote)
        return (f"the value quoted here runs on to the next {quote} (line {line_col(text, closing)[0]}): "
                f"add its closing {quote} on this line (a {quote} inside the value is written {inside})",
                *line_col(text, opening))

    if context in ("while parsing a flow sequence", "while parsing a flow mapping") and context_mark is not None:
        opening = _mark_index(text, context_mark)
        if "\n" in text[opening:at] and not _closes(text, opening):   # on a later line, and never closed
            bracket, closer = ("[", "]") if "sequence" in context else ("{", "}")
            line_end = text.find("\n", opening)
            rest = text[opening:line_end if line_end != -1 else len(text)]
            if " #" in rest or "\t#" in rest:   # the closer is there, but in what YAML reads as a comment
                return (f"the '{bracket}' here is not closed: the ' #' on its line starts a comment, which hides what "
                        f"follows it (the '{closer}' too): put the value that holds the '#' in quotes",
                        *line_col(text, opening))
            return (f"the '{bracket}' here is not closed on its line: add the closing '{closer}', or, if the value is "
                    "text, put the whole value in quotes", *line_col(text, opening))

    if context == "while scanning a simple key" and "could not find expected ':'" in problem and context_mark is not None:
        # libyaml says so at the start of the next line (past the end of a file's last one): the
        # line to mend is the one that began like a key
        start = _mark_index(text, context_mark)
        line_end = text.find("\n", start)
        line = text[start:line_end if line_end != -1 else len(text)]
        if line[:1] in ("{", "["):
            return ("this line starts a list item without its '- ': write '- ' before it, lined up with the "
                    "items above", *line_col(text, start))
        if _KEY_WITHOUT_SPACE.match(line):
            key = line.partition(":")[0]
            return (f"a key needs a space after its ':' ('{key}: ...'), or YAML reads the whole line as text",
                    *line_col(text, start))
        return ("this line is read as a key but has no ': ' after one: write 'key: value' (a space after the ':'), "
                "or, if it continues the text above, write that value as a block ('key: |' and the text on the "
                "next lines, indented)", *line_col(text, start))

    if context.startswith("while parsing a flow ") and "did not find expected ','" in problem and context_mark is not None:
        opening = _mark_index(text, context_mark)
        bracket = text[opening:opening + 1]
        closer = "]" if bracket == "[" else "}"
        found = text[at:at + 1]
        if found in ("]", "}") and found != closer:
            return (f"the '{bracket}' at column {line_col(text, opening)[1]} is closed with '{found}': close it with '{closer}'",
                    *line_col(text, at))
        quote = text[at - 1:at]
        if quote in ("'", '"') and found not in ("", " ", "\t", "\n", ",") and at - 1 > opening:
            # ['Korea's leader'], {label: "A, value: "B"}: a quote ended the value early and text
            # follows it, which is not a missing ','
            inside = _escaped(quote)
            opened = _quoted_value_closed_at(text, opening, at - 1)
            where = f" quoted from column {line_col(text, opened)[1]}" if opened is not None else ""
            return (f"the value{where} ends at this {quote}, and text follows it: if the {quote} is part of the value, "
                    f"write it {inside} (or quote the value with the other kind of quote); if the value was to end "
                    f"before, close it there; if a new entry begins here, a ',' is missing before it",
                    *line_col(text, at - 1))
        if "\n" not in text[opening:at] and _ends_written_as_flow(text, at):
            return (f"a ',' is missing before this: the entries inside '{bracket}...{closer}' are separated by commas"
                    + (" (each 'key: value')" if bracket == "{" else ""), *line_col(text, at))

    ch = text[at:at + 1]
    if ch == ":" and problem == "found unexpected ':'" and "plain scalar" in context and _inside_flow(text, at):
        return ("a key inside '{...}' needs a space after its ':' ('key: value'); a ':' in a text value needs the "
                "value in quotes", *line_col(text, at))
    if ch == ":" and (problem.startswith("mapping values are not allowed") or "did not find expected ','" in problem):
        return ("this ': ' reads as the start of a key, inside a value: if it is part of the text, put the whole "
                "value in quotes or write it as a block ('key: |' and the text on the next lines, indented); "
                "if it is a key, put it on a line of its own, indented as its neighbours", *line_col(text, at))

    line_start = text.rfind("\n", 0, at) + 1
    flow = _FLOW_VALUE.match(text, line_start)
    if flow and flow.start(1) < at and "\n" not in text[flow.start(1):at]:
        bracket = flow.group(1)
        what = "list" if bracket == "[" else "mapping"
        return (f"a value that starts with '{bracket}' is read as a YAML {what}: if it is text, put the "
                "whole value in quotes or write it as a block ('key: |' and the text on the next lines, indented)",
                *line_col(text, flow.start(1)))

    if "cannot start any token" in problem and ch in ("`", "@"):
        return (f"a plain value cannot start with '{ch}' (YAML reserves it): put the whole value in quotes "
                "or write it as a block ('key: |' and the text on the next lines, indented)", *line_col(text, at))
    before = text[line_start:at].rstrip(" ")
    if "expected key" in problem and before[-1:] in ("'", '"'):   # note: "A" and "B"; 'Kim's bridge'
        quote = before[-1]
        inside = _escaped(quote)
        return (f"text follows the {quote} that closes the quoted value: a {quote} inside a value quoted with it is "
                f"written {inside}, or quote the value with the other kind of quote", *line_col(text, at))
    if ("expected '-' indicator" in problem or (context == "while parsing a block mapping" and "expected key" in problem)) \
            and not before:   # at the line's first character (not after a closing quote)
        return ("this line is indented as nothing above it is: indent it as the keys or list items it belongs "
                "with (spaces only), or, if it continues the value above, write that value as a block ('key: |')",
                *line_col(text, at))
    if ch == "\t":
        message += " (a tab: YAML indents with spaces only)"
    if _has_yaml_breaks(text):
        return message, *line_col(text, at)
    return message, mark.line + 1, mark.column + 1


_KEY_WITHOUT_SPACE = re.compile(r"[ \t]*(?:-[ \t]+)?[A-Za-z_][A-Za-z0-9_-]*:(?!//)[^\s:]")   # 'iso:AM', not 'https://'


def _escaped(quote: str) -> str:
    """How a quote is written inside a value quoted with it."""
    return "\\\"" if quote == '"' else "''"


def _error_lines(text: str, at: int) -> tuple[int, int]:
    """(start, end) of the line of an error and the line before it: where its cause is looked for."""
    line_start = text.rfind("\n", 0, at) + 1
    start = text.rfind("\n", 0, max(0, line_start - 1)) + 1 if line_start else 0
    end = text.find("\n", at)
    return start, len(text) if end == -1 else end


def _quoted_value_closed_at(text: str, start: int, closing: int) -> int | None:
    """Where the quoted value whose closing quote is at `closing` opens, reading from `start` as
    YAML does ('' and \\" inside a value are no closing quote), or None."""
    i = start
    while i < closing:
        quote = text[i]
        if quote in ("'", '"'):
            j = i + 1
            while j < len(text):
                if quote == '"' and text[j] == "\\":
                    j += 2
                    continue
                if text[j] == quote:
                    if quote == "'" and text.startswith("''", j):
                        j += 2
                        continue
                    break
                j += 1
            if j == closing:
                return i
            i = j + 1
        else:
            i += 1
    return None


def _inside_flow(text: str, at: int) -> bool:
    """Whether a '{' or '[' opens before this place on its line (brackets in quotes counted too:
    only a hint depends on it)."""
    line_start = text.rfind("\n", 0, at) + 1
    before = text[line_start:at]
    return before.count("{") + before.count("[") > before.count("}") + before.count("]")


def _ends_written_as_flow(text: str, at: int) -> bool:
    """Whether the line ends with a closing bracket (comments aside): a value written as a list or
    mapping, not text that happens to begin with one."""
    line_end = text.find("\n", at)
    rest = text[at:line_end if line_end != -1 else len(text)].split(" #")[0].rstrip()
    return rest.endswith(("]", "}"))


_KEY_LINE = re.compile(r"\n[ \t]*(?:-[ \t]+)?[a-z_]+:(?:[ \t]|$)", re.M)   # our keys: lower case and _


def _closes(text: str, opening: int) -> bool:
    """Whether the bracket at opening is closed further on: brackets counted outside quoted values
    and comments (a plain value in a list or mapping written with brackets cannot hold one)."""
    depth, i, n = 0, opening, len(text)
    while i < n:
        ch = text[i]
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth == 0:
                return True
        elif ch == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif ch == "'":
            i = text.find("'", i + 1)
            while i != -1 and text.startswith("''", i):
                i = text.find("'", i + 2)
            if i == -1:
                return False
        elif ch == "#" and text[i - 1] in " \t\n":
            i = text.find("\n", i)
            if i == -1:
                return False
        i += 1
    return False


def _runaway_quote(text: str, at: int) -> tuple[int, int] | None:
    """(where it opens, where it closes) of a quoted value that runs over a line break before the
    error at `at`: a quote left open reads on to the next quote character, and the error comes
    lines later, far from the line to mend. Taken for the cause when it swallowed a line that
    reads as a key of the format ('  role: ', '- label: '), as a quoted text that really spans
    lines seldom does (prose has 'Note: ', capitalised), and when the error comes right after the
    quote that closed it (on its line or the next): what follows that quote is what YAML fails on."""
    if '"' not in text and "'" not in text:
        return None
    try:
        for token in yaml.scan(text, Loader=_Base):
            if isinstance(token, yaml.ScalarToken) and token.style in ('"', "'") \
                    and token.start_mark.line != token.end_mark.line:
                opening, closing = _index(text, token.start_mark), _index(text, token.end_mark) - 1
                if opening >= at:
                    return None
                if _KEY_LINE.search(text, opening, closing) and text.count("\n", closing, at) <= 1:
                    return opening, closing
    except yaml.YAMLError:
        pass
    return None


# A no-break space where YAML needs a space: in a line's indentation, after a list item's '-' or
# after a key's ':'. YAML reads it as a letter, so the line is no longer what it looks like.
_STRUCTURAL_NO_BREAK = re.compile(r"^[ \t\xa0]*\xa0|^[ \t]*-\xa0|:\xa0", re.M)


def _no_break_space_near(text: str, at: int) -> int | None:
    """A no-break space in such a place on the line of the error or the line before it, and the
    cause of the error: with an ordinary space there, the text reads further (a no-break space
    inside a quoted value or a paragraph of text is text, and the error is elsewhere)."""
    if "\xa0" not in text:
        return None
    found = _STRUCTURAL_NO_BREAK.search(text, *_error_lines(text, at))
    if found is None:
        return None
    index = found.end() - 1
    mended = text[:index] + " " + text[index + 1:]
    try:
        for _ in yaml.parse(mended, Loader=_Base):
            pass
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        if mark is None or _mark_index(mended, mark) <= at:
            return None
    except yaml.YAMLError:
        return None
    return index


def _invisible_near(text: str, at: int, context: int | None) -> int | None:
    """The first invisible character that breaks YAML on the line of the error or the line
    before it (or on the line of a context mark, when that is nearer), else None."""
    if not _INVISIBLE_RE.search(text):
        return None
    start, end = _error_lines(text, at)
    if context is not None and context < start and text.count("\n", context, at) <= 3:
        start = text.rfind("\n", 0, context) + 1
    found = _INVISIBLE_RE.search(text, start, end)
    if found is None or (found.group() == "\ufeff" and found.start() == 0):
        return None
    return found.start()


def compose(text: str, path: str, diags: Diagnostics, line_offset: int = 0) -> Node | None:
    """Parse one YAML document into checked nodes, or report why not and return None.

    ``line_offset`` shifts reported lines, for front matter that starts below line 1."""
    def report(code, message, line, col):
        diags.error(code, message, path, line + line_offset, col)

    try:
        deep = _too_deep(text)
        if deep:
            report("yaml-depth", f"collections nest deeper than {MAX_DEPTH} levels", *deep)
            return None
        many = _too_many_nodes(text)
        if many:
            report("yaml-size", f"the document has more than {MAX_NODES:,} values (this is value {MAX_NODES + 1:,})", *many)
            return None
        root = yaml.compose(text, Loader=_Loader)
    except yaml.reader.ReaderError as e:
        # libyaml reports a UTF-8 byte offset; count characters to give the column a reader sees.
        before = text.encode("utf-8", "surrogatepass")[: e.position].decode("utf-8", "replace")
        character = f"U+{e.character:04X}" if isinstance(e.character, int) else repr(e.character)
        report("encoding", f"the character {character} is not allowed in YAML (a control character or non-character): remove it",
               *line_col(before, len(before)))
        return None
    except yaml.MarkedYAMLError as e:
        message, line, col = _syntax_error(text, e)
        report("yaml-syntax", f"YAML syntax error: {message}", line, col)
        return None
    except yaml.YAMLError as e:
        report("yaml-syntax", f"YAML error: {' '.join(str(e).split())}", 1, 1)
        return None
    except UnicodeError as e:  # a lone surrogate: only from text that did not come from a file
        start = getattr(e, "start", 0)
        report("encoding", "the text holds a lone surrogate code point, which UTF-8 cannot encode",
               *line_col(text, start if isinstance(start, int) else 0))
        return None
    if root is None:
        return None
    if _BIDI.search(text):   # libyaml reads them as text; escapes in double quotes are found below
        for m in list(_BIDI.finditer(text))[:MAX_REPORTED_DUPLICATES]:
            report("encoding", control_message(m.group()), *line_col(text, m.start()))
        return None
    if _has_yaml_breaks(text):
        _fix_marks(root, text, 0)
    if not _check_tree(root, path, diags, line_offset, text):
        return None
    if " #" in text or "\t#" in text:
        _warn_cut_values(root, text, path, diags, line_offset)
    if line_offset:
        _fix_marks(root, None, line_offset)
    return root


# One blank, then '#' and a character that is not one: '# cm' after a value reads as a comment
# meant as one; '#1234' as part of the value ('Decree #1234'). Two blanks before are a comment too.
_COMMENT_AFTER = re.compile(r"[ \t]#(?=\S)")


def _warn_cut_values(root: Node, text: str, path: str, diags: Diagnostics, line_offset: int) -> None:
    """Warn of a comment that reads as part of the plain value before it: YAML ends the value at
    ' #', so 'value: Decree #1234 of 2024' is the value 'Decree' and the comment '#1234 of 2024', and
    the page would show 'Decree' without a word. A comment written as one ('value: 170 # cm', two
    blanks before it as `dossier new` writes them, or a line of its own) is not warned of."""
    cut, stack = [], [root]
    while stack:
        node = stack.pop()
        if isinstance(node, MappingNode):
            stack.extend(n for pair in node.value for n in pair)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
        elif not node.style and node.value:   # plain (the C loader says so with "", the other with None)
            comment = _COMMENT_AFTER.match(text, _index(text, node.end_mark))
            if comment:
                cut.append((comment.end() - 1, node.value))
    cut.sort()
    for at, value in cut[:MAX_REPORTED_DUPLICATES]:
        line, col = line_col(text, at)
        line_end = text.find("\n", at)
        left_out = text[at:line_end if line_end != -1 else len(text)].rstrip()
        diags.warning("yaml-comment", f"' #' starts a comment, so this value ends before it ({_short(value)}) and "
                      f"{_short(left_out)} is left out: if it belongs to the value, put the whole value in quotes; "
                      "if it is a comment, put a space after the '#'", path, line + line_offset, col)
    if len(cut) > MAX_REPORTED_DUPLICATES:   # each position costs a count of the lines before it
        line, col = line_col(text, cut[MAX_REPORTED_DUPLICATES][0])
        diags.warning("yaml-comment", f"{len(cut) - MAX_REPORTED_DUPLICATES:,} more values cut short by ' #' are not listed",
                      path, line + line_offset, col)


def _short(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[:limit - 1] + "…")


def _fix_marks(root: Node, text: str | None, offset: int) -> None:
    """Make every node's position count from the top of the file, not of the front matter
    (offset); or, with text, count lines as the rest of the engine does (libyaml also starts a
    line after U+0085, U+2028 and U+2029, which editors and our diagnostics do not)."""
    stack = [root]
    while stack:
        node = stack.pop()
        m = node.start_mark  # libyaml's marks are read-only: replace them
        if text is None:
            line, column = m.line + offset, m.column
        elif isinstance(m.index, int) and 0 <= m.index <= len(text):
            line, column = line_col(text, m.index)
            line, column = line - 1, column - 1
        else:   # pragma: no cover - not a character index (a loader we do not know)
            line, column = m.line, m.column
        node.start_mark = yaml.Mark(m.name, m.index, line, column, None, None)
        if isinstance(node, MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)


MAX_REPORTED_DUPLICATES = 20


def _check_tree(root: Node, path: str, diags: Diagnostics, line_offset: int, text: str) -> bool:
    """Walk the tree once (iteratively): tags, aliases, duplicate keys, size, depth. True when clean."""
    aliased = "&" in text   # an alias needs an anchor (&name): without one no node is reached twice
    seen: set[int] = set()
    count = 0
    ok = True
    alias_reported = depth_reported = False
    duplicates = controls = 0
    first_unlisted = None
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if aliased:
            if id(node) in seen:
                if not alias_reported:
                    for line, col in _alias_positions(text)[:1] or [pos(node)]:
                        diags.error("yaml-alias", "anchors and aliases (&name, *name) are not allowed in content",
                                    path, line + line_offset, col)
                    alias_reported = True
                ok = False
                continue
            seen.add(id(node))
        count += 1
        if count > MAX_NODES:
            line, col = pos(node)
            diags.error("yaml-size", f"the document has more than {MAX_NODES:,} values", path, line + line_offset, col)
            return False
        if node.tag not in ALLOWED_TAGS:
            line, col = pos(node)
            diags.error("yaml-tag", f"YAML tag {node.tag!r} is not allowed: write plain values",
                        path, line + line_offset, col)
            ok = False
            continue
        if isinstance(node, ScalarNode):
            # Raw control characters never get this far (libyaml's reader refuses them); escapes
            # in double quotes ("\0", "\e", "\x9b") make them.
            if node.style == '"' and _CONTROL.search(node.value):
                controls += 1
                if controls <= MAX_REPORTED_DUPLICATES:
                    _report_control(node, path, diags, line_offset, text)
                ok = False
            continue
        if depth > MAX_DEPTH:
            if not depth_reported:
                line, col = pos(node)
                diags.error("yaml-depth", f"collections nest deeper than {MAX_DEPTH} levels", path, line + line_offset, col)
                depth_reported = True
            ok = False
            continue
        child_depth = depth + 1
        if isinstance(node, MappingNode):
            keys: dict[str, Node] = {}
            repeated: list[tuple[Node, Node]] = []   # (key, the same key before it)
            for key, value in node.value:
                if not isinstance(key, ScalarNode):
                    line, col = pos(key)
                    diags.error("yaml-key", "mapping keys must be plain text", path, line + line_offset, col)
                    ok = False
                    continue
                if key.value in keys:
                    repeated.append((key, keys[key.value]))
                keys[key.value] = key
                stack.append((value, child_depth))
                stack.append((key, child_depth))
            if repeated:
                ok = False
                # An item of a list whose '- ' was left out reads as more keys of the item above:
                # one error where it begins, not one for each of its keys.
                in_a_list = _in_a_list(root, node)
                for group in _items(repeated) if in_a_list else [[pair] for pair in repeated]:
                    key = group[0][0]
                    duplicates += 1
                    line, col = pos(key)
                    if duplicates > MAX_REPORTED_DUPLICATES:
                        first_unlisted = first_unlisted or (line, col)
                        continue
                    lines = ", ".join(str(pos(first)[0] + line_offset) for _, first in group[:NAMED_KEYS])
                    if not in_a_list:
                        diags.error("duplicate-key", f"duplicate key {key.value!r} (first defined on line {lines})",
                                    path, line + line_offset, col)
                        continue
                    names = [repr(k.value) for k, _ in group[:NAMED_KEYS]]
                    if len(group) > NAMED_KEYS:
                        names.append(f"{len(group) - NAMED_KEYS:,} more")
                        lines += ", …"
                    which = f"key {names[0]}" if len(names) == 1 else f"keys {', '.join(names[:-1])} and {names[-1]}"
                    diags.error("duplicate-key", f"duplicate {which} (first defined on line{'s' if len(names) > 1 else ''} "
                                f"{lines}): if line {line + line_offset} begins another item of the list, write '- ' before it",
                                path, line + line_offset, col)
        elif isinstance(node, SequenceNode):
            stack.extend([(child, child_depth) for child in node.value])
    if first_unlisted:
        line, col = first_unlisted
        diags.error("duplicate-key", f"{duplicates - MAX_REPORTED_DUPLICATES:,} more duplicate keys are not listed",
                    path, line + line_offset, col)
    if not alias_reported and _has_anchor(text):
        for line, col in _alias_positions(text)[:1]:
            diags.error("yaml-alias", "anchors and aliases (&name, *name) are not allowed in content",
                        path, line + line_offset, col)
            ok = False
    return ok


# C0 controls but tab, line feed and carriage return; DEL; C1 controls. Never meant in text, and
# some (ESC, CSI) drive terminals and confuse whatever reads the pages. And the bidirectional
# embeddings, overrides and isolates: a name holding U+202E shows what follows it in another
# order than it is written ("Trojan Source"); right-to-left names need none of them.
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
CONTROL_CHARACTERS = f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{BIDI_CONTROLS}]"
_CONTROL = re.compile(CONTROL_CHARACTERS)
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
_ESCAPE_AT = re.compile(r"\\(?:x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")


NAMED_KEYS = 5   # keys a duplicate-key error names of one item; the others are counted


def _items(repeated: list[tuple[Node, Node]]) -> list[list[tuple[Node, Node]]]:
    """The repeated keys of a mapping in a list, in runs that each read as one more item whose
    '- ' was left out: a run ends where one of its keys comes again (a third item)."""
    runs: list[list[tuple[Node, Node]]] = []
    names: set[str] = set()   # of the last run (a set: a hostile mapping repeats thousands of keys)
    for key, first in repeated:
        if not runs or key.value in names:
            runs.append([])
            names = set()
        runs[-1].append((key, first))
        names.add(key.value)
    return runs


def _in_a_list(root: Node, mapping: Node) -> bool:
    """Whether the mapping is an item of a list (asked only of a mapping with a repeated key)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, SequenceNode):
            if any(child is mapping for child in node.value):
                return True
            stack.extend(node.value)
        elif isinstance(node, MappingNode):
            stack.extend(value for _, value in node.value)
    return False


def control_message(ch: str, written: str = "") -> str:
    how = f", written {written}" if written else ""
    if "\ud800" <= ch <= "\udfff":
        return (f"the code point U+{ord(ch):04X} (half of a surrogate pair, alone{how}) is no character, and UTF-8 "
                "cannot write it: remove it")
    if _BIDI.match(ch):
        return (f"the character U+{ord(ch):04X} (a bidirectional control character{how}: it makes text show in "
                "another order than it is written) is not allowed in text: remove it")
    return f"the character U+{ord(ch):04X} (a control character{how}) is not allowed in text: remove it"


def _report_control(node: ScalarNode, path: str, diags: Diagnostics, line_offset: int, text: str) -> None:
    """The first control character of a double-quoted value, at the escape that made it (at the
    value when that place cannot be found)."""
    bad = _CONTROL.search(node.value)
    line, col = pos(node)
    written = ""
    offsets = scalar_offsets(text, node.start_mark.index, '"', node.value) if 0 <= node.start_mark.index <= len(text) else None
    if offsets is not None:
        at = offsets[bad.start()]
        escape = _ESCAPE_AT.match(text, at)
        written = f"'{escape.group()}'" if escape else ""
        line, col = line_col(text, at)
    diags.error("encoding", control_message(bad.group(), written), path, line + line_offset, col)


def _has_anchor(text: str) -> bool:
    # Cheap pre-check; the event stream decides. An unused anchor is refused too, for one clear rule.
    return "&" in text and _alias_positions(text) != []


# --- where each character of a scalar was written --------------------------------------------------

_LINE_BREAKS = "\n" + YAML_BREAKS
_BLANKZ = " \t" + _LINE_BREAKS
_ESCAPES = {"0": "\0", "a": "\x07", "b": "\x08", "t": "\t", "\t": "\t", "n": "\n", "v": "\x0b", "f": "\x0c",
            "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "'": "'", "\\": "\\", "N": "\x85",
            "_": "\xa0", "L": "\u2028", "P": "\u2029"}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}


def _brk(ch: str) -> str:
    """A line break as libyaml stores it in a value: LF and NEL become LF, LS and PS stay."""
    return "\n" if ch in "\n\x85" else ch


def scalar_offsets(text: str, start: int, style: str | None, value: str) -> list[int] | None:
    """For each character of a scalar's value, the offset in text of what the contributor wrote
    for it (for a character made by an escape, its backslash; for a folded line break, the
    break). start: the offset of the scalar's first character (its quote or block indicator).
    The scalar's folding and escaping rules are replayed as libyaml applies them, and the result
    must give back value exactly: None when it does not (a file changed since it was read, a
    rule this does not know), so a caller never reports a wrong place."""
    try:
        if text[start:start + 1] == "!":   # a tag (!!str): the scalar follows it
            while start < len(text) and text[start] not in _BLANKZ:
                start += 1
            while start < len(text) and text[start] in " \t":
                start += 1
        if style in ('"', "'"):
            out = _quoted(text, start, style)
            return out[1] if out is not None and "".join(out[0]) == value else None
        if style in ("|", ">"):
            return _block(text, start, value)
        out = _plain(text, start, len(value))
        return out[1][:len(value)] if out is not None and "".join(out[0])[:len(value)] == value else None
    except (IndexError, ValueError):
        return None


def _breaks(out, src, leading_break, trailing, fold: bool) -> None:
    """A line break and the empty lines after it, as the scanner joins lines: folded, the break
    becomes one space (none when empty lines follow, which stay); kept, it stays as it is."""
    if fold:
        if not trailing:
            out.append(" ")
            src.append(leading_break[1])
    elif leading_break is not None:
        out.append(leading_break[0])
        src.append(leading_break[1])
    for ch, at in trailing:
        out.append(ch)
        src.append(at)


def _join(out, src, leading_blanks, leading_break, trailing, whitespace) -> None:
    """Line folding in flow and plain scalars (libyaml's scanner, verbatim)."""
    if leading_blanks:
        _breaks(out, src, leading_break, trailing, leading_break is not None and leading_break[0] == "\n")
    else:
        for ch, at in whitespace:
            out.append(ch)
            src.append(at)


def _quoted(text: str, i: int, quote: str):
    """(characters, their offsets) of a single- or double-quoted scalar starting at i."""
    if text[i] != quote:
        return None
    i += 1
    out: list[str] = []
    src: list[int] = []
    n = len(text)
    while True:
        leading_blanks = False
        while i < n and text[i] not in _BLANKZ:
            ch, at = text[i], i
            if ch == quote:
                if quote == "'" and text[i + 1:i + 2] == "'":   # '' is one quote
                    out.append("'")
                    src.append(at)
                    i += 2
                    continue
                return out, src
            if quote == '"' and ch == "\\":
                code = text[i + 1]
                if code in _LINE_BREAKS:   # an escaped line break joins the lines without a space
                    i += 2
                    leading_blanks = True
                    break
                if code in _ESCAPES:
                    out.append(_ESCAPES[code])
                    i += 2
                elif code in _HEX_ESCAPES:
                    digits = text[i + 2:i + 2 + _HEX_ESCAPES[code]]
                    if len(digits) != _HEX_ESCAPES[code] or not all(c in "0123456789abcdefABCDEF" for c in digits):
                        return None
                    out.append(chr(int(digits, 16)))
                    i += 2 + len(digits)
                else:
                    return None
                src.append(at)
                continue
            out.append(ch)
            src.append(at)
            i += 1
        if i >= n:
            return None
        i, leading_blanks, leading_break, whitespace, trailing = _blanks(text, i, leading_blanks, None, [], [])
        _join(out, src, leading_blanks, leading_break, trailing, whitespace)


def _plain(text: str, i: int, length: int):
    """(characters, their offsets) of a plain scalar starting at i, up to length characters
    (where it ends depends on the indentation and context around it, which the caller knows
    from the value's length)."""
    out: list[str] = []
    src: list[int] = []
    n = len(text)
    leading_blanks = False
    leading_break = None
    whitespace: list = []
    trailing: list = []
    while len(out) < length and i < n:
        line_start = i == 0 or text[i - 1] in _LINE_BREAKS
        if line_start and text[i:i + 3] in ("---", "...") and text[i + 3:i + 4] in ("", *_BLANKZ):
            break
        if out and text[i] == "#":
            break
        while i < n and text[i] not in _BLANKZ and len(out) < length:
            ch = text[i]
            if ch == ":" and (i + 1 >= n or text[i + 1] in _BLANKZ):
                return out, src
            if leading_blanks or whitespace:
                _join(out, src, leading_blanks, leading_break, trailing, whitespace)
                leading_blanks, leading_break, whitespace, trailing = False, None, [], []
            out.append(ch)
            src.append(i)
            i += 1
        if len(out) >= length or i >= n:
            break
        i, leading_blanks, leading_break, whitespace, trailing = _blanks(
            text, i, leading_blanks, leading_break, whitespace, trailing)
    return out, src


def _blanks(text: str, i: int, leading_blanks: bool, leading_break, whitespace: list, trailing: list):
    """Read the spaces and line breaks from i as the YAML scanner does between the words of a
    flow scalar: (where they end, whether a line break was met, the first break, the spaces
    before it, the breaks after it), for _join to fold."""
    n = len(text)
    while i < n and text[i] in _BLANKZ:
        ch = text[i]
        if ch in " \t":
            if not leading_blanks:
                whitespace.append((ch, i))
        elif not leading_blanks:
            whitespace = []
            leading_break = (_brk(ch), i)
            leading_blanks = True
        else:
            trailing.append((_brk(ch), i))
        i += 1
    return i, leading_blanks, leading_break, whitespace, trailing


def _block(text: str, start: int, value: str) -> list[int] | None:
    """Offsets of a literal (|) or folded (>) scalar's characters. An explicit indentation
    indicator counts from the indentation of the collection around the scalar, which the text
    does not say: each possible one is tried, and only one can give back the value."""
    i = start
    literal = text[i] == "|"
    i += 1
    chomping = increment = 0
    for _ in range(2):
        ch = text[i:i + 1]
        if ch in ("+", "-") and ch and not chomping:
            chomping = 1 if ch == "+" else -1
            i += 1
        elif ch and ch in "123456789" and not increment:
            increment = int(ch)
            i += 1
    while i < len(text) and text[i] in " \t":
        i += 1
    if text[i:i + 1] == "#":
        while i < len(text) and text[i] not in _LINE_BREAKS:
            i += 1
    if i < len(text):
        if text[i] not in _LINE_BREAKS:
            return None
        i += 1
    if not increment:
        out = _block_body(text, i, literal, chomping, 0)
        return out[1] if out is not None and "".join(out[0]) == value else None
    column = start - (text.rfind("\n", 0, start) + 1)
    for parent in range(-1, column + 1):
        out = _block_body(text, i, literal, chomping, parent + increment if parent >= 0 else increment)
        if out is not None and "".join(out[0]) == value:
            return out[1]
    return None


def _block_breaks(text: str, i: int, column: int, indent: int):
    """libyaml's scan_block_scalar_breaks: the indentation and empty lines before a line of
    content; with indent 0, the indentation is found here."""
    trailing = []
    deepest = 0
    n = len(text)
    while True:
        while (not indent or column < indent) and i < n and text[i] == " ":
            i += 1
            column += 1
        deepest = max(deepest, column)
        if (not indent or column < indent) and i < n and text[i] == "\t":
            return None
        if i < n and text[i] in _LINE_BREAKS:
            trailing.append((_brk(text[i]), i))
            i += 1
            column = 0
        else:
            break
    return i, column, indent or max(deepest, 1), trailing


def _block_body(text: str, i: int, literal: bool, chomping: int, indent: int):
    found = _block_breaks(text, i, 0, indent)
    if found is None:
        return None
    i, column, indent, trailing = found
    out: list[str] = []
    src: list[int] = []
    n = len(text)
    leading_break = None
    leading_blank = False
    while column == indent and i < n:
        trailing_blank = text[i] in " \t"
        _breaks(out, src, leading_break, trailing, not literal and leading_break is not None
                and leading_break[0] == "\n" and not leading_blank and not trailing_blank)
        leading_break = None
        leading_blank = text[i] in " \t"
        while i < n and text[i] not in _LINE_BREAKS:
            out.append(text[i])
            src.append(i)
            i += 1
        if i < n:
            leading_break = (_brk(text[i]), i)
            i += 1
        found = _block_breaks(text, i, 0, indent)
        if found is None:
            return None
        i, column, indent, trailing = found
    if chomping != -1 and leading_break is not None:
        out.append(leading_break[0])
        src.append(leading_break[1])
    if chomping == 1:
        for ch, at in trailing:
            out.append(ch)
            src.append(at)
    return out, src
