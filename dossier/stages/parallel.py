"""Render pages on every core when the dossier is large enough for that to pay.

Workers are forked after resolve, so they share the resolved dossier and the site writer without
pickling them. A worker renders a page, writes it into the writer's temporary folder itself and
checks it (``SiteWriter.check_page``); only (path, what was checked, keys) travels back. The parent records the pages in job order
(``imap``), so the files are the same bytes as a serial build's and the checks run in the same
order. Where fork is not available, or for a small site, pages are rendered here.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import pickle
import tempfile
import traceback

from .. import collector
from .pool import Pool, cores

PARALLEL_FROM_PAGES = 400
CHUNK = 16
POLL_S = 1.0   # while waiting for the workers, how often to look whether one died

_renderer = None
_writer = None
_jobs: list = []
_parent = 0
_data_task = None   # (parts, spill) of the data files a page worker makes (DataFiles.task)


def _render_chunk(indices: range) -> list:
    """In a worker: _render of a chunk of pages (one task of the pool)."""
    return [_render(i) for i in indices]


def _render(index: int):
    """In a worker: render, write and check one page; the parent only records it."""
    path, html, keys = _renderer.render_recorded(_jobs[index])
    if os.getppid() != _parent:   # the build was killed: write nothing more into its folder
        os._exit(1)
    _writer.put(path, html.encode("utf-8"))
    return path, _writer.check_page(path, html), keys


def render_pages(renderer, writer, jobs: list | None = None, workers: int | None = None, data_files=None):
    """Render, write and check each job (default: every page of the site), in order, and yield
    (path, what the writer checked of it, keys) once the writer holds the page; keys are the
    shared data the page read (Renderer.render_recorded). data_files: a DataFiles whose parts
    are left to a page worker (DataFiles.task), made by the first one free when pages are
    rendered on several cores (else DataFiles.wait makes them here)."""
    global _renderer, _writer, _jobs, _parent, _data_task
    jobs = renderer.jobs() if jobs is None else jobs
    workers = cores() if workers is None else workers
    if workers < 2 or len(jobs) < PARALLEL_FROM_PAGES or "fork" not in multiprocessing.get_all_start_methods():
        for job in jobs:
            path, html, keys = renderer.render_recorded(job)
            yield path, writer.write(path, html), keys
        return
    renderer.map.basemap  # load shared data before forking, once
    task = data_files.task if data_files is not None else None
    _renderer, _writer, _jobs, _parent, _data_task = renderer, writer, jobs, os.getpid(), task
    try:
        with Pool(workers, context=multiprocessing.get_context("fork"), initializer=_yield_to_data_files) as pool:
            started = list(pool._pool)   # its worker processes
            if task is not None:
                made, data_files.task = pool.apply_async(_data_files_in_worker), None   # queued first
            # Chunks of pages as tasks (imap's own chunks come through a generator that cannot wait
            # with a time limit, and between two waits the workers are looked at).
            results = pool.imap(_render_chunk, [range(i, min(i + CHUNK, len(jobs))) for i in range(0, len(jobs), CHUNK)])
            while True:
                try:
                    chunk = results.next(timeout=POLL_S)
                except StopIteration:
                    break
                except multiprocessing.TimeoutError:
                    _check_workers(pool, started)
                    continue
                for path, checked, keys in chunk:
                    yield path, writer.record_written(path, checked), keys
            if task is not None:   # (so the caller must take every page, or the pool is stopped first)
                while not made.ready():
                    made.wait(POLL_S)
                    _check_workers(pool, started)
                data_files.outcome = made.get()   # before the pool, and the worker, are gone
    finally:
        _renderer, _writer, _jobs, _data_task = None, None, [], None


def _check_workers(pool, started: list) -> None:
    """Raise if a worker died (the kernel's out-of-memory killer, a signal): multiprocessing's
    Pool starts another in its place, and waits for ever for the task the dead one held. Or if
    what a worker sent back could not be read: the Pool's thread reading results then stops,
    and it too waits for ever."""
    dead = [p.exitcode for p in started if p.exitcode is not None]
    if dead:
        raise RuntimeError(f"a page worker died (exit code {dead[0]}) while rendering pages or making the data files")
    if not pool._result_handler.is_alive():
        raise RuntimeError("what a page worker sent back could not be read")


def _data_files_in_worker():
    parts, spill = _data_task
    try:
        return _make_data_files(parts, spill)
    finally:
        _give_back_memory()


def _give_back_memory() -> None:
    """In the worker that made the data files, before it renders pages to the end of the build:
    return to the system what the C allocator still holds of the index's large strings, freed
    but kept (glibc's malloc_trim; elsewhere nothing). The build's peak is at its end, the sum of
    the processes: 10 to 30 MB less at 10,000 entities."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):   # not glibc
        pass


def _yield_to_data_files() -> None:
    """In a render worker: let the process making the data files (after an edit, see DataFiles)
    go first. On two cores it shares them with two render workers; ahead of them it ends
    sooner, while they are still small: each grows as it reads the dossier (its copy of the
    parent's pages), and the peak memory of a build is the sum of the processes. The same work
    is done either way."""
    try:
        os.nice(2)
    except OSError:   # not allowed here: only the order of the work changes
        pass


class DataFiles:
    """The data files (exports, search index), made in another process when the site is large
    enough for that to pay, else here when waited for.

    In a cold build they are a task for the page workers (``in_worker``): the first one free
    makes them, then renders pages. A process of their own would be a third copy of the dossier
    beside the two workers' (a process that reads every record writes to the memory pages that
    hold them, if only to count references, and so copies them: 140 MB at 10,000 entities), and
    the peak memory of a build is the sum of its processes.

    After a small edit there are few pages to render, and no workers: a forked process starts
    once the pages to keep are taken (build.py says why not sooner), and this process, once its
    few pages are rendered, writes the exports itself (``here``) while the forked one makes the
    search index. It exits as soon as its files are written: its memory is not held to the end
    of the build, and no idle process keeps the parent's memory pages shared (every page the
    parent then writes would be copied)."""

    def __init__(self, renderer, writer, pages: int, here: tuple = (), in_worker: bool = False):
        """here: the parts (Renderer.DATA_PARTS) made in this process when waited for, even when
        the others are made elsewhere. in_worker: leave the others to a page worker (the
        ``data_files`` of render_pages), not to a process of their own."""
        global _renderer, _writer, _parent
        self.renderer, self.writer, self.process, self.receive, self.spill = renderer, writer, None, None, None
        self.task = None      # (parts, spill) for a page worker, until render_pages gives it to one
        self.in_worker = False   # whether the task was made for a page worker
        self.outcome = None   # (the exception that stopped it or None, the paths written), sent back
        self.here = renderer.DATA_PARTS
        elsewhere = tuple(part for part in renderer.DATA_PARTS if part not in here)
        if not elsewhere or pages < PARALLEL_FROM_PAGES or cores() < 2 or "fork" not in multiprocessing.get_all_start_methods():
            return
        self.here = tuple(part for part in renderer.DATA_PARTS if part in here)
        # The pieces made elsewhere come back through a file (unnamed: gone when closed), written
        # as they are made: the maker need not hold them, and a process of their own exits as
        # soon as its files are written, where through the pipe they would wait, with the whole
        # process, until the parent reads them once the pages are rendered. Beside the site, on
        # the disk that holds it (a hundred megabytes at 10,000 entities: more than a small /tmp).
        self.spill = tempfile.TemporaryFile(dir=writer.tmp.parent) if renderer.pieces is not None else None
        if in_worker:
            self.task, self.in_worker = (elsewhere, self.spill), True
            return
        context = multiprocessing.get_context("fork")
        _renderer, _writer, _parent = renderer, writer, os.getpid()
        try:
            self.receive, send = context.Pipe(duplex=False)
            self.process = context.Process(target=_put_data_files, args=(elsewhere, send, self.spill), daemon=True)
            self.process.start()
            send.close()   # the child's end: its closing is how a dead child shows
        finally:
            _renderer, _writer = None, None

    def wait(self) -> None:
        """Every data file is in the writer's folder and recorded."""
        try:
            if self.here:
                for path, write_to in self.renderer.data_files(self.here):
                    self.writer.write_from(path, write_to)
            if self.task is not None:   # no page worker took them (the pages were rendered here)
                self.cancel()   # no spill: the pieces made here stay in self.renderer.pieces
                for path, write_to in self.renderer.data_files(self.task[0]):
                    self.writer.write_from(path, write_to)
                return
            if self.process is not None:
                try:
                    self.outcome = self.receive.recv()
                except EOFError:
                    raise RuntimeError(f"the process making the data files died (exit code {self.process.exitcode})") from None
            if self.outcome is None:
                if self.in_worker:   # given to one, stopped before it was done (render_pages left early)
                    raise RuntimeError("the page workers were stopped before the data files were written")
                return
            failure, paths = self.outcome
            if failure is not None:
                raise failure
            for path in paths:
                self.writer.record_put(path)
            if self.spill is not None:
                self.spill.seek(0)
                with collector.paused():   # hundreds of thousands of strings and tuples, no cycle
                    self.renderer.pieces.load(self.spill)
        finally:
            self.cancel()

    def cancel(self) -> None:
        """Stop the process if it still runs (the build failed): it must not write on. (A page
        worker making them is stopped with the others when render_pages ends.)"""
        if self.process is not None:
            if self.process.is_alive():
                self.process.terminate()
            self.process.join()
            self.receive.close()
            self.process = None
        if self.spill is not None:
            self.spill.close()
            self.spill = None


def _put_data_files(parts: tuple, send, spill) -> None:
    """In the forked process: _make_data_files, and send what it returns."""
    send.send(_make_data_files(parts, spill))


def _make_data_files(parts: tuple, spill) -> tuple:
    """In another process (forked: see _renderer): write the data files of those parts, and the
    pieces it made and kept into spill. Returns (None, their paths), or (the exception that
    stopped it, None)."""
    paths = []
    try:
        if spill is not None:
            _renderer.pieces.spill_to(spill)
        for path, write_to in _renderer.data_files(parts):
            if os.getppid() != _parent:   # the build was killed: write nothing more into its folder
                os._exit(1)
            _writer.put_from(path, write_to)
            paths.append(path)
        if spill is not None:   # what it made and kept goes back, to be saved with the state
            _renderer.pieces.close_spill()
    except Exception as e:   # (not an interrupt: a worker of a pool must stop on one, as the others do)
        try:
            pickle.loads(pickle.dumps(e))
        except Exception:   # an exception that cannot be sent back whole: its text is enough
            e = RuntimeError("".join(traceback.format_exception(e)))
        return e, None
    return None, paths
