"""The build: a few stage calls in one place (load, validate, resolve, render, write)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from . import cache
from .diagnostics import Diagnostics
from .features import map as drawing
from .progress import Progress
from .stages.ingest import ingest
from .stages.parallel import render_pages
from .stages.render import Renderer, templates_dir
from .stages.resolve import Resolved, resolve
from .stages.write import SiteWriter, WriteError


@dataclass
class Result:
    diagnostics: Diagnostics
    pages: int = 0
    resolved: Resolved | None = None
    timings: dict = field(default_factory=dict)   # stage -> seconds
    unchanged: bool = False                        # nothing changed since the last build


def check(content: Path, strict: bool = False, progress: Progress | None = None) -> Result:
    """Everything but the writing: all diagnostics of the content."""
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

    ingested = ingest(content, diags)
    lap("load", f"{len(ingested.files)} files ")
    dossier = ingested.dossier
    resolved = resolve(dossier, diags)
    lap("resolve")
    if strict:
        diags.items = [d if d.severity == "error" else d.__class__(d.path, d.line, d.col, "error", d.code, d.message)
                       for d in diags.items]
    return Result(diags, resolved=resolved, timings=timings)


def build(content: Path, out: Path, strict: bool = False, use_cache: bool = True,
          progress: Progress | None = None) -> Result:
    """Check, render and write the site; the previous site stays as it was if anything fails.
    With use_cache, a build whose inputs and output are unchanged since the last one is skipped."""
    key = None
    if use_cache and content.is_dir():
        key = cache.fingerprint(content, templates_dir(), strict)
        previous = cache.unchanged(cache.cache_dir(content), out, key) if key else None
        if previous is not None:
            return Result(Diagnostics(previous), unchanged=True)
    progress = progress or Progress(quiet=True)
    result = check(content, strict, progress)
    if result.diagnostics.errors or result.resolved is None:
        return result
    started = time.perf_counter()
    renderer = Renderer(result.resolved)
    try:
        writer = SiteWriter(out)
    except WriteError as e:
        result.diagnostics.error("output", e.problems[0], str(out))
        return result
    try:
        count, total = 0, len(renderer.jobs())
        for path, html, scan in render_pages(renderer):
            writer.write(path, html, scan)
            count += 1
            progress.step("render", count, total)
        for path, text in renderer.data_files():
            writer.write(path, text)
        result.timings["render"] = time.perf_counter() - started
        progress.stage("render", result.timings["render"], f"{count} pages ")
        started = time.perf_counter()
        copy_assets(writer, renderer)
        writer.commit()
        result.timings["write"] = time.perf_counter() - started
        progress.stage("write", result.timings["write"], "and verify ")
    except WriteError as e:
        writer.abort()
        for problem in e.problems:
            result.diagnostics.error("output", problem, str(out))
        return result
    except drawing.BasemapError as e:
        writer.abort()
        result.diagnostics.error("basemap", str(e), str(drawing.BASEMAP_PATH))
        return result
    except BaseException:
        writer.abort()
        raise
    result.pages = count
    if key:
        cache.remember(cache.cache_dir(content), out, key, result.diagnostics.items)
    return result


def copy_assets(writer: SiteWriter, renderer: Renderer) -> None:
    assets = templates_dir() / "assets"
    for path in sorted(assets.rglob("*")):
        if path.is_file():
            writer.copy(path, "assets/" + path.relative_to(assets).as_posix())
    for source, rel in drawing.leaflet_files():
        writer.copy(source, "assets/" + rel)
    writer.write("assets/basemap.js", drawing.basemap_script(renderer.map.basemap))
