"""The environment of a child process that runs the engine."""
from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def engine_env(**more: str) -> dict[str, str]:
    """os.environ with this checkout first on the child's path. Without it, a child started in
    another folder imports whatever copy the virtualenv installed (an editable install of another
    checkout), and the test checks that code, not this one's."""
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, **more}
