"""Diagnostics are data: where (file, line, column), how bad, a stable code and a message.

They are printed like a compiler (``path:line:col: error: message``), as GitHub Actions workflow
commands, or as JSON. Every stage appends to one ``Diagnostics`` list so a run reports all
problems, not the first.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")   # what would break a diagnostic's one line


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int
    col: int
    severity: str  # "error" or "warning"
    code: str
    message: str

    def text(self) -> str:
        where = _CONTROL.sub(lambda m: repr(m.group())[1:-1], self.path)   # a file named 'a\n.yaml'
        if self.line:
            where += f":{self.line}:{self.col or 1}"
        # One diagnostic, one line: a message that spans lines continues indented.
        message = self.message.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\n    ")
        return f"{where}: {self.severity}: {message} [{self.code}]"


@dataclass
class Diagnostics:
    items: list[Diagnostic] = field(default_factory=list)

    def add(self, severity: str, code: str, message: str, path: str, line: int = 0, col: int = 0) -> None:
        self.items.append(Diagnostic(str(path), line, col, severity, code, message))

    def error(self, code: str, message: str, path: str, line: int = 0, col: int = 0) -> None:
        self.add("error", code, message, path, line, col)

    def warning(self, code: str, message: str, path: str, line: int = 0, col: int = 0) -> None:
        self.add("warning", code, message, path, line, col)

    def extend(self, other: "Diagnostics") -> None:
        self.items.extend(other.items)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "warning"]

    def sorted(self) -> list[Diagnostic]:
        return sorted(set(self.items))


# --- GitHub Actions ------------------------------------------------------------------------------
# Workflow commands are lines of the form ``::error file=F,line=L,col=C,title=T::message``. The
# runner reads every line of a step's output, so a value that contains a newline could start a
# command of its own: values are escaped exactly as the Actions toolkit does (@actions/core,
# command.ts): in the message % CR LF, in properties also ':' and ','.

GITHUB_ANNOTATION_LIMIT = 10  # GitHub shows at most 10 errors and 10 warnings of one step


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def printable(text: str) -> str:
    """text with any lone surrogate (a file name that is not UTF-8) escaped: printed as it is, it
    stops the output with an error."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _github_path(path: str) -> str:
    """GitHub matches annotations to files by their path from the repository root, with slashes.
    Diagnostics name files from the working directory, which is the root when the workflow runs
    from there; from a folder below it (``working-directory:``) they are made relative to
    ``$GITHUB_WORKSPACE``, the checkout, so that the annotations still land on their files."""
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if workspace and path:
        # The checkout as named, then with its symbolic links followed: the working directory,
        # which a relative path is taken from, is known only so (os.getcwd).
        for base in dict.fromkeys((os.path.abspath(workspace), os.path.realpath(workspace))):
            try:
                rel = os.path.relpath(os.path.abspath(path), base)
            except ValueError:   # another drive on Windows
                continue
            if rel != os.curdir and rel != os.pardir and not rel.startswith(os.pardir + os.sep):
                path = rel
                break
    return path.replace(os.sep, "/") if os.sep != "/" else path


def format_github(d: Diagnostic) -> str:
    """One diagnostic as a GitHub Actions workflow command (``::error ...::`` / ``::warning ...::``)."""
    command = "error" if d.severity == "error" else "warning"
    props = [f"file={_escape_property(_github_path(d.path))}"]
    if d.line:
        props += [f"line={d.line}", f"col={d.col or 1}"]
    props.append(f"title={_escape_property(d.code)}")
    return f"::{command} {','.join(props)}::{_escape_data(d.message)}"


def _escape_cell(value: str) -> str:
    """Text for one cell of a Markdown table: no HTML, no Markdown, no row breaks."""
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = re.sub(r"([\\`*_\[\]|~!#])", r"\\\1", value)
    return value.replace("\r\n", "<br>").replace("\r", "<br>").replace("\n", "<br>")


# GitHub refuses a step summary over 1 MiB, all of it ("upload aborted"): the table stops short of that.
STEP_SUMMARY_LIMIT = 1_000_000   # bytes of UTF-8


def step_summary(items: list[Diagnostic], command: str = "check", limit: int = STEP_SUMMARY_LIMIT) -> str:
    """Every diagnostic as a Markdown table, for ``$GITHUB_STEP_SUMMARY`` (the run's summary page).

    Annotations beyond GitHub's limit of ten per type are not shown on the pull request; this
    table lists them all, as far as GitHub takes a summary (limit, in bytes): the rows that would
    pass it are left out, and counted."""
    errors = sum(1 for d in items if d.severity == "error")
    warnings = len(items) - errors
    head = [f"### dossier {command}: {summary_line(items)}", ""]
    if not items:
        return "\n".join(head)
    rows, size = [], 2000   # bytes: room for the lines around the table
    for d in items:
        row = "| " + " | ".join((
            _escape_cell(_github_path(d.path)), str(d.line or ""), str((d.col or 1) if d.line else ""),
            d.severity, _escape_cell(d.code), _escape_cell(d.message))) + " |"
        size += len(printable(row).encode("utf-8")) + 1   # as cli._print writes it
        if size > limit:
            break
        rows.append(row)
    left = items[len(rows):]
    if errors > GITHUB_ANNOTATION_LIMIT or warnings > GITHUB_ANNOTATION_LIMIT:
        listed = "all of them are listed here" if not left else f"the first {len(rows)} are listed here"
        head += [f"GitHub shows at most {GITHUB_ANNOTATION_LIMIT} errors and {GITHUB_ANNOTATION_LIMIT} warnings "
                 f"as annotations on the pull request; {listed}.", ""]
    lines = head + ["| File | Line | Column | Severity | Code | Message |", "|---|---:|---:|---|---|---|"] + rows
    if left:
        lines += ["", f"{len(left)} more ({summary_line(left)}) are not listed: GitHub takes at most 1 MiB "
                      "of summary. Run `dossier check` on the branch to see them all."]
    return "\n".join(lines) + "\n"


# --- JSON and text --------------------------------------------------------------------------------

def format_json(items: list[Diagnostic]) -> str:
    """The diagnostics as data: counts and a list of {path, line, col, severity, code, message}."""
    errors = sum(1 for d in items if d.severity == "error")
    return json.dumps({"errors": errors, "warnings": len(items) - errors,
                       "diagnostics": [asdict(d) for d in items]}, ensure_ascii=False, indent=2)


def summary_line(items: list[Diagnostic]) -> str:
    errors = sum(1 for d in items if d.severity == "error")
    warnings = len(items) - errors
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
