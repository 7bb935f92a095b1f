"""The build: a few stage calls in one place (ingest, resolve, render, write).

A build remembers what it did (cache.save_state): the typed record of every file, what each
source's text says, and what each page read. The next build reads again only the files whose
bytes changed, and renders again only the pages whose inputs changed; every other page is
kept in the previous site as it is, and the site is updated in place (stages/incremental.py,
stages/write.py). The result is the same bytes as a cold build (tests/test_incremental.py).
"""
from __future__ import annotations

import gc
import hashlib
import os
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from . import cache, collector
from .diagnostics import Diagnostics
from .features import map as drawing
from .progress import Progress
from .stages import incremental
from .stages.incremental import PageRecord, State
from .stages.ingest import Ingested, ingest
from .stages.parallel import DataFiles, render_pages
from .stages.render import Renderer, templates_dir
from .stages.resolve import Resolved, resolve
from .stages.write import Checked, SiteWriter, WriteError, users_entries


@dataclass
class Result:
    diagnostics: Diagnostics
    pages: int = 0
    resolved: Resolved | None = None
    timings: dict = field(default_factory=dict)   # stage -> seconds
    unchanged: bool = False                        # nothing changed since the last build
    ingested: Ingested | None = None
    readings: dict = field(default_factory=dict)   # resolve's reading of each source, for reuse
    rendered: int = 0                              # pages rendered (the others were reused)
    state: State | None = None                     # what the next build can reuse (a built site's)


def check(content: Path, strict: bool = False, progress: Progress | None = None,
          previous: State | None = None, digests: dict | None = None, base_url: str | None = None) -> Result:
    """Everything but the writing: all diagnostics of the content. previous: the state of an
    earlier build, whose records are reused for files that did not change (digests: of the
    files this build has already read, by path). base_url: where the site is published, in
    place of dossier.yaml's (a workflow knows it: `dossier build --base-url`)."""
    progress = progress or Progress(quiet=True)
    diags = Diagnostics()
    if not content.is_dir():
        diags.error("missing-content", "content folder not found", str(content))
        return Result(diags)
    timings = {}
    clock = time.perf_counter()

    def lap(stage, what=""):
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = now - clock
        progress.stage(stage, timings[stage], what)
        clock = now

    ingested = ingest(content, diags, previous.files if previous else None, digests)
    if base_url:
        ingested.dossier.config = replace(ingested.dossier.config, base_url=base_url)
    lap("load", f"{len(ingested.files)} files ")
    readings = dict(previous.readings) if previous else {}
    resolved = resolve(ingested.dossier, diags, readings, previous.names if previous is not None else None)
    lap("resolve")
    if strict:
        diags.items = [d if d.severity == "error" else d.__class__(d.path, d.line, d.col, "error", d.code, d.message)
                       for d in diags.items]
    return Result(diags, resolved=resolved, timings=timings, ingested=ingested, readings=readings)


def build(content: Path, out: Path, strict: bool = False, use_cache: bool = True,
          progress: Progress | None = None, state: State | None = None,
          written: Callable[[Result], None] | None = None, base_url: str | None = None) -> Result:
    """Check, render and write the site (base_url: as check has it); the previous site stays as
    it was if anything fails. With use_cache, a build whose inputs and output are unchanged since
    the last one is skipped, and otherwise only what changed is read and rendered again. state:
    the state of this process's last build (Result.state), used instead of the one saved on
    disk, which takes a second to read at 10,000 entities (`dossier serve` keeps it); it is
    checked as a saved one is: it must describe the site that is in `out` now. written: called
    with the result as soon as a new site is in place, before what the next build needs is saved
    (a preview reloads the page meanwhile); not called when the build fails."""
    # What lives now (in `dossier serve`, the last build's state), then the saved state and the
    # dossier, live to the end: the collector need not walk them. Left to it, one pass over a
    # preview's state took 1.5 s at 10,000 entities, in the middle of the build that happened to
    # trigger it; the preview collects the garbage of its builds while idle (serve.Preview).
    progress = progress or Progress(quiet=True)

    def waiting():
        progress.note(f"waiting for another build of {content} to finish")

    with collector.frozen(), cache.one_build_at_a_time(content, waiting):
        key, saved, digests, seen = None, None, {}, {}
        engine = cache.engine_key(templates_dir(), strict)
        if use_cache and content.is_dir():
            record = cache.last_record(cache.cache_dir(content), out)
            built_with = engine if base_url is None else f"{engine}\nbase_url {base_url}"   # not read from content
            key = cache.fingerprint(content, built_with, digests, record.get("content"), seen)
            found = cache.unchanged(record, out, key) if key else None
            if found is not None:
                return Result(Diagnostics(found), unchanged=True)
            saved = state if state is not None else cache.load_state(cache.state_path(content, out), engine)
            if not isinstance(saved, State) or saved.engine != engine:
                saved = None   # records typed by another engine are not reused
        gc.freeze()   # the saved state too
        return _build(content, out, strict, progress, key, engine, saved, digests, seen, written, base_url)


def _build(content: Path, out: Path, strict: bool, progress: Progress, key: str | None, engine: str,
           saved: State | None, digests: dict, seen: dict, written, base_url: str | None) -> Result:
    result = check(content, strict, progress, saved, digests, base_url)
    if result.diagnostics.errors or result.resolved is None:
        return result
    gc.freeze()
    started = time.perf_counter()
    incremental.watch(result.resolved)   # first: the templates' globals must be the watched dicts
    renderer = Renderer(result.resolved)
    try:
        writer = SiteWriter(out)
    except WriteError as e:
        result.diagnostics.error("output", e.problems[0], str(out))
        return result
    for path, base in renderer.served_anywhere.items():   # before any page is rendered (in workers)
        writer.served_anywhere(path, base)
    data_files = None

    def abort():
        if data_files is not None:
            data_files.cancel()   # before the folder it writes into goes
        writer.abort()

    try:
        files = _file_digests(content, result.ingested.files)
        global_key, site = _global_key(renderer, files), str(out.resolve())
        # What was made from the same dossier.yaml and navigation is reused where its inputs are
        # unchanged: the data files' pieces from any such state, pages only from the very site
        # the state describes, unchanged since. Such pages are then kept where they are, not even
        # looked at, and the site is updated in place: this comparison, file by file, is what
        # vouches for them (and a site that a build left half-updated never passes it: see
        # SiteWriter._update_in_place).
        usable = saved if saved and saved.key == global_key else None
        previous = usable if usable and usable.out == site and cache.output_state(out) == usable.output else None

        def start_data_files(pieces: incremental.Pieces) -> DataFiles:
            # With nothing to reuse, every page is rendered, and the first page worker free makes
            # the data files. After a small edit they are what the build waits for: a process of
            # their own starts once the pages to keep are taken, and this process, with few
            # pages to render, writes the exports while the forked one makes the search index
            # (two busy processes on two cores). Not before: taking the pages reads the record
            # of every page, and once a process shares this one's memory, each memory page read
            # (a reference counted) is copied: 0.1 to 0.2 s at 10,000 entities.
            renderer.pieces = pieces
            return DataFiles(renderer, writer, len(result.resolved.site.targets), here=("exports",) if previous else (),
                             in_worker=usable is None)

        if usable is None:   # the data files need no digests
            data_files = start_data_files(incremental.Pieces())
        state = State(engine, global_key, site, result.ingested.files, _used_readings(result), result.resolved.matcher.words,
                      incremental.digests(result.resolved, files, renderer), shards=saved.shards if saved else {})
        changed = incremental.changed_keys(usable.digests, state.digests) if usable else set()
        jobs, todo, reused = renderer.jobs(), [], []
        writer.expect(renderer.job_paths(), _other_files(renderer))
        for job, path in zip(jobs, renderer.job_paths()):
            record = incremental.reusable(previous, job, path, changed)
            if record is None:
                todo.append(job)
            else:
                reused.append((path, record))
        count, kept = 0, {path for path, _ in reused}
        for path, record in reused:
            writer.reuse(path, record.scan, kept)
            state.pages[path] = record
            count += 1
            progress.step("render", count, len(jobs))
        if usable is not None:
            data_files = start_data_files(incremental.Pieces(usable.pieces, changed))
        # strict: the pages taken to the last, so that render_pages also waits for the data files
        for job, (path, checked, keys) in zip(todo, render_pages(renderer, writer, todo, data_files=data_files), strict=True):
            record = _page_record(job, keys, checked)
            before = saved.pages.get(path) if saved else None
            # Rendered again with the same result (a list page whose list is back as it was):
            # keep that object, so the state's shard that holds it need not be written again.
            state.pages[path] = before if before == record else record
            count += 1
            progress.step("render", count, len(jobs))
        data_files.wait()
        state.pieces = renderer.pieces.now()
        result.timings["render"] = time.perf_counter() - started
        result.rendered = len(todo)
        progress.stage("render", result.timings["render"], f"{len(todo)} of {count} pages ")
        started = time.perf_counter()
        copy_assets(writer, renderer)
        writer.commit()
        result.timings["write"] = time.perf_counter() - started
        progress.stage("write", result.timings["write"], "and verify ")
        kept = users_entries(out)
        if kept and writer.moved is None:   # a whole new site: say what of the old one it kept
            progress.note(f"kept {', '.join(kept[:5])}{' and more' if len(kept) > 5 else ''} in {out} as it was: "
                          "hidden entries and a CNAME are yours, and builds keep them (docs/architecture.md)")
    except WriteError as e:
        abort()
        for problem in e.problems:
            result.diagnostics.error("output", problem, str(out))
        return result
    except drawing.BasemapError as e:
        abort()
        result.diagnostics.error("basemap", str(e), str(drawing.BASEMAP_PATH))
        return result
    except BaseException:
        abort()
        raise
    result.pages = count
    if written is not None:
        written(result)
    # Recorded only now that the site is whole. Until these are saved, the saved ones still
    # describe the previous site, which the folder no longer matches (files written anew; while
    # an in-place commit is under way, the marker of a site being updated): a build killed
    # before this point leaves a next build that is cold.
    if writer.moved is None or previous is None:   # swapped in whole, or every file moved in
        state.output = cache.output_state(out)
    else:   # updated in place: what was not moved in is as the check at the start found it
        state.output = cache.output_state_after(out, previous.output, writer.files, writer.moved)
    _hosting_limits(result.diagnostics, state.output, out, strict)
    unsaved = cache.save_state(cache.state_path(content, out), state)
    if unsaved:   # a read-only checkout: say why every build will be a whole one
        progress.note(f"the build's cache could not be saved ({unsaved}): the next build reads and renders everything again")
    result.state = state
    if key:
        cache.remember(cache.cache_dir(content), out, key, result.diagnostics.items, state.output, seen)
    return result


# What GitHub takes: a Pages site of at most 1 GB, and no file over 100 MiB in a push (to publish
# from a branch). A dossier of 10,000 entities with the benchmark's sources makes about 520 MB.
PAGES_SITE_LIMIT = 1_000_000_000
GIT_FILE_LIMIT = 100 * 1024 * 1024


def _hosting_limits(diags: Diagnostics, output: dict, out: Path, strict: bool = False) -> None:
    """Warn when the site is past what GitHub Pages publishes (output: cache.output_state); with
    strict, as every warning, an error (check() turned the others; the site is written by now)."""
    report = diags.error if strict else diags.warning
    total = sum(entry[0] for entry in output.values())
    if total > PAGES_SITE_LIMIT:
        report("site-size", f"the site is {total / 1e9:.2f} GB: GitHub Pages publishes sites of at most 1 GB "
               "(docs/performance.md, \"Publishing a large dossier\")", str(out))
    for rel in sorted(rel for rel, entry in output.items() if entry[0] > GIT_FILE_LIMIT):
        report("site-size", f"{rel} is {output[rel][0] / 2**20:.0f} MiB: git refuses files over 100 MiB, "
               "so it cannot be pushed to a branch that Pages publishes from", str(out))


def _file_digests(content: Path, files: dict) -> dict[str, str]:
    """Path as diagnostics show it -> the file's place in the content folder and the digest of
    its bytes: what a record is. Not the path as shown, which is relative to the working
    directory: a build run from another folder than the last one would render every page again."""
    root = str(content) + os.sep
    out = {}
    for job, digest, result in files.values():
        path = job.path
        within = path[len(root):] if path.startswith(root) else os.path.relpath(path, content)
        out[result.path] = f"{within}\n{digest}"
    return out


def _global_key(renderer: Renderer, files: dict[str, str]) -> str:
    """What every page shows: dossier.yaml and the navigation (not where dossier.yaml is shown from)."""
    config = renderer.config
    nav = [(p.slug, p.title, p.order) for p in renderer.nav_pages]
    more = len(renderer.pages_sorted) > len(renderer.nav_pages)
    text = f"{files.get(config.path)}\n{replace(config, path='')!r}\n{renderer.kinds_present}\n{nav!r}\n{more}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _page_record(job, keys: tuple[str, ...], checked: Checked) -> PageRecord:
    """What the next build needs to reuse the page: the keys it read (interned: thousands of
    pages read the same ones, and the saved state then holds each once) and what the writer
    checked of it."""
    return PageRecord(job, tuple(map(sys.intern, keys)), checked)


def _used_readings(result: Result) -> dict:
    """The source readings this build used (older ones are dropped, so the cache does not grow)."""
    used = result.resolved.reading_keys
    return {k: v for k, v in result.readings.items() if k in used}


def _asset_files():
    """(source, path in the site) of each asset copied into every site."""
    assets = templates_dir() / "assets"
    for path in sorted(assets.rglob("*")):
        if path.is_file():
            yield path, "assets/" + path.relative_to(assets).as_posix()
    for source, rel in drawing.leaflet_files():
        yield source, "assets/" + rel


BASEMAP = "assets/basemap.js"


def copy_assets(writer: SiteWriter, renderer: Renderer) -> None:
    for source, rel in _asset_files():
        writer.copy(source, rel)
    writer.write(BASEMAP, drawing.basemap_script(renderer.map.basemap))


def _other_files(renderer: Renderer) -> list[str]:
    """The files every build writes that are not pages: assets and data files."""
    return [rel for _, rel in _asset_files()] + [BASEMAP] + [path for path, _ in renderer.data_files()]
