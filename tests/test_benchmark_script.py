"""benchmarks/run.py answers a wrong argument with a usage message, never a traceback. (The
benchmark itself is a script, not a test: nothing here builds or times anything.)"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


@pytest.mark.parametrize("args, says", [
    (["--sizes", "abc"], "'abc' is not a list of whole numbers"),
    (["--sizes", "0"], "entity counts of at least 10"),
    (["--sizes", ""], "entity counts of at least 10"),
    (["--repeat", "0"], "a whole number of at least 1"),
    (["--tools", "nosuchtool"], "unknown tool(s): nosuchtool"),
    (["--report", "/nonexistent/run.json"], "--report /nonexistent/run.json: "),
    (["--tools="], "--tools: name at least one of dossier, hugo, mkdocs"),
    (["--tools", "dossier", "--json", "/nonexistent/run.json"], "--json /nonexistent/run.json: cannot write in /nonexistent"),
    (["--tools", "dossier", "--dossier-args=--title 'x"], "No closing quotation"),
    (["--report", str(RUN)], "not a run saved with --json"),
])
def test_a_wrong_argument_gets_a_usage_message(args, says):
    done = subprocess.run([sys.executable, str(RUN), *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and says in done.stderr and "Traceback" not in done.stderr, done.stderr
