"""Render pages on every core when the dossier is large enough for that to pay.

Workers are forked after resolve, so they share the resolved dossier without pickling it; each
returns (path, html) for a page index, and ``imap`` hands them back in order, so the output is
the same bytes as a serial build. Where fork is not available, rendering stays serial.
"""
from __future__ import annotations

import multiprocessing
import os

PARALLEL_FROM_PAGES = 400
CHUNK = 16

_renderer = None
_jobs: list = []


def _render(index: int):
    return _renderer.render_job(_jobs[index])


def render_pages(renderer, workers: int | None = None):
    """Yield (path, html) for every page, in order."""
    global _renderer, _jobs
    jobs = renderer.jobs()
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if workers < 2 or len(jobs) < PARALLEL_FROM_PAGES or "fork" not in multiprocessing.get_all_start_methods():
        for job in jobs:
            yield renderer.render_job(job)
        return
    renderer.map.basemap  # load shared data before forking, once
    _renderer, _jobs = renderer, jobs
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield from pool.imap(_render, range(len(jobs)), chunksize=CHUNK)
    finally:
        _renderer, _jobs = None, []
