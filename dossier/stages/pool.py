"""Run one function over many items on every core, when there are enough items for it to pay.

Workers are forked, so they see the parent's data (a name matcher, the templates) without it
being pickled; only each item and its result cross between processes. Results come back in the
order of the items, so whatever is built from them does not depend on scheduling. Where fork is
not available, or with one core, the items are done here, in order.
"""
from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import os

PARALLEL_FROM = 200
CHUNK = 16

_call = None   # (function, extra arguments) for the forked workers


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def fork_map(function, items: list, extra: tuple = (), chunk: int = CHUNK) -> list:
    """[function(item, *extra) for item in items], on every core when there are enough items."""
    global _call
    workers = cores()
    if workers < 2 or len(items) < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return [function(item, *extra) for item in items]
    _call = (function, extra)
    try:
        with Pool(workers, context=multiprocessing.get_context("fork")) as pool:
            return pool.map(_run, items, chunksize=chunk)
    finally:
        _call = None


class Pool(multiprocessing.pool.Pool):
    """multiprocessing's Pool, but its worker-handler thread no longer wakes up while a result
    waits in the pipe: it spun there until the result-handler thread read it, fighting that
    thread for the interpreter (a third of the parent's time with large results). It still
    wakes when a worker exits or the pool changes state, which is all it acts on (as in
    multiprocessing's own ThreadPool, which waits on the same single sentinel)."""

    def _get_sentinels(self):
        return [self._change_notifier._reader]


def _run(item):
    function, extra = _call
    return function(item, *extra)
