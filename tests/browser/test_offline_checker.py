"""The independent offline checker from shared/tools (not ours, not the engine's) on the built site.

Runs when DOSSIER_SHARED_TOOLS names its folder (scripts/run-tests sets it when shared/ lies beside
the repo) or when <repo>/../shared/tools/check-offline-site exists. Needs no browser.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _checker() -> Path | None:
    candidates = []
    if os.environ.get("DOSSIER_SHARED_TOOLS"):
        candidates.append(Path(os.environ["DOSSIER_SHARED_TOOLS"]) / "check-offline-site")
    candidates.append(REPO.parent / "shared" / "tools" / "check-offline-site")
    return next((c for c in candidates if c.is_file()), None)


def test_offline_checker_finds_no_problems(built_site):
    checker = _checker()
    if checker is None:
        pytest.skip("shared/tools/check-offline-site is not beside the repo (set DOSSIER_SHARED_TOOLS)")
    proc = subprocess.run(
        [sys.executable, str(checker), str(built_site)],
        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )
    output = (proc.stdout + proc.stderr).strip()
    last = output.splitlines()[-1] if output else ""
    assert proc.returncode == 0 and re.search(r"\b0 problems\b", last), (
        f"{checker} {built_site} exited {proc.returncode}:\n{output[-20000:]}"
    )
