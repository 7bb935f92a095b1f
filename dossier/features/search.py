"""Full-text search index (being written: see the search issue)."""
from __future__ import annotations


def files(res):
    yield "data/search-index.js", "window.DOSSIER_SEARCH = {\"docs\": []};\n"
