"""Diagnostics are data: where (file, line, column), how bad, a stable code and a message.

They are printed like a compiler (``path:line:col: error: message``), as GitHub Actions workflow
commands, or as JSON. Every stage appends to one ``Diagnostics`` list so a run reports all
problems, not the first.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int
    col: int
    severity: str  # "error" or "warning"
    code: str
    message: str

    def text(self) -> str:
        where = self.path
        if self.line:
            where += f":{self.line}:{self.col or 1}"
        return f"{where}: {self.severity}: {self.message} [{self.code}]"


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


def _escape_data(value: str) -> str:
    # As the Actions toolkit does (issueCommand): the message may not break the command line.
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def format_github(d: Diagnostic) -> str:
    props = [f"file={_escape_property(d.path)}"]
    if d.line:
        props += [f"line={d.line}", f"col={d.col or 1}"]
    props.append(f"title={_escape_property(d.code)}")
    return f"::{d.severity} {','.join(props)}::{_escape_data(d.message)}"


def format_json(items: list[Diagnostic]) -> str:
    return json.dumps([asdict(d) for d in items], ensure_ascii=False, indent=2)


def summary_line(items: list[Diagnostic]) -> str:
    errors = sum(1 for d in items if d.severity == "error")
    warnings = len(items) - errors
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
