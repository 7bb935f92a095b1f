"""Render pages on every core when the dossier is large enough for that to pay.

Workers are forked after resolve, so they share the resolved dossier without pickling it; each
returns (path, html) for a page index, and ``imap`` hands them back in order, so the output is
the same bytes as a serial build. Where fork is not available, rendering stays serial.
"""
from __future__ import annotations

import multiprocessing
import os

from .verify import scan_page

PARALLEL_FROM_PAGES = 400
CHUNK = 16

_renderer = None
_jobs: list = []


def _render(index: int):
    """In a worker: the page and its scan, so the parent only writes bytes and merges results."""
    path, html = _renderer.render_job(_jobs[index])
    return path, html, scan_page(html)


def render_pages(renderer, workers: int | None = None):
    """Yield (path, html, scan) for every page, in order; scan is None when the page was rendered
    in this process (the writer scans it then)."""
    global _renderer, _jobs
    jobs = renderer.jobs()
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if workers < 2 or len(jobs) < PARALLEL_FROM_PAGES or "fork" not in multiprocessing.get_all_start_methods():
        for job in jobs:
            yield (*renderer.render_job(job), None)
        return
    renderer.map.basemap  # load shared data before forking, once
    _renderer, _jobs = renderer, jobs
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield from pool.imap(_render, range(len(jobs)), chunksize=CHUNK)
    finally:
        _renderer, _jobs = None, []
