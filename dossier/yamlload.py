"""A strict YAML reader for content that arrives in pull requests.

``yaml.compose`` with libyaml gives a node tree that remembers every value's line and column.
We never let PyYAML construct Python objects: the schema (``schema.py``) types each scalar from
the text the contributor wrote, so ``2025-13-01`` or ``no`` are never silently converted.
Refused here: syntax errors, tags other than the plain core ones, anchors and aliases (the
"billion laughs" bomb needs them), duplicate keys, documents that are too large or too deep.
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


def _char_at(text: str, line: int, column: int) -> str:
    """The character at a 0-based line and column ('' when there is none)."""
    start = 0
    for _ in range(line):
        start = text.find("\n", start) + 1
        if start == 0:
            return ""
    return text[start + column:start + column + 1]


def _line_col(text: str, index: int) -> tuple[int, int]:
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


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
               *_line_col(before, len(before)))
        return None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        message = " ".join(str(part) for part in (e.context, e.problem) if part) or "invalid YAML"
        if mark and _char_at(text, mark.line, mark.column) == "\t":
            message += " (a tab: YAML indents with spaces only)"
        report("yaml-syntax", f"YAML syntax error: {message}",
               (mark.line + 1) if mark else 1, (mark.column + 1) if mark else 1)
        return None
    except yaml.YAMLError as e:
        report("yaml-syntax", f"YAML error: {' '.join(str(e).split())}", 1, 1)
        return None
    except UnicodeError as e:  # a lone surrogate: only from text that did not come from a file
        start = getattr(e, "start", 0)
        report("encoding", "the text holds a lone surrogate code point, which UTF-8 cannot encode",
               *_line_col(text, start if isinstance(start, int) else 0))
        return None
    if root is None:
        return None
    if not _check_tree(root, path, diags, line_offset, text):
        return None
    if line_offset:
        _shift_lines(root, line_offset)
    return root


def _shift_lines(root: Node, offset: int) -> None:
    """Make every node's position count from the top of the file, not of the front matter."""
    stack = [root]
    while stack:
        node = stack.pop()
        m = node.start_mark  # libyaml's marks are read-only: replace them
        node.start_mark = yaml.Mark(m.name, m.index, m.line + offset, m.column, None, None)
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
    duplicates = 0
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
            for key, value in node.value:
                if not isinstance(key, ScalarNode):
                    line, col = pos(key)
                    diags.error("yaml-key", "mapping keys must be plain text", path, line + line_offset, col)
                    ok = False
                    continue
                if key.value in keys:
                    duplicates += 1
                    first, _ = pos(keys[key.value])
                    line, col = pos(key)
                    if duplicates <= MAX_REPORTED_DUPLICATES:
                        diags.error("duplicate-key", f"duplicate key {key.value!r} (first defined on line {first + line_offset})",
                                    path, line + line_offset, col)
                    elif first_unlisted is None:
                        first_unlisted = (line, col)
                    ok = False
                keys[key.value] = key
                stack.append((value, child_depth))
                stack.append((key, child_depth))
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


def _has_anchor(text: str) -> bool:
    # Cheap pre-check; the event stream decides. An unused anchor is refused too, for one clear rule.
    return "&" in text and _alias_positions(text) != []
