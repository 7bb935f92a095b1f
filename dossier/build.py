"""The build: a few stage calls in one place (load, validate, resolve, render, write)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Diagnostics
from .features import map as drawing
from .stages.load import load
from .stages.parallel import render_pages
from .stages.render import Renderer, templates_dir
from .stages.resolve import Resolved, resolve
from .stages.validate import validate
from .stages.write import SiteWriter, WriteError


@dataclass
class Result:
    diagnostics: Diagnostics
    pages: int = 0
    resolved: Resolved | None = None


def check(content: Path, strict: bool = False) -> Result:
    """Everything but the writing: all diagnostics of the content."""
    diags = Diagnostics()
    if not content.is_dir():
        diags.error("missing-content", "content folder not found", str(content))
        return Result(diags)
    raws = load(content, diags)
    dossier = validate(raws, diags)
    if dossier is None:
        return Result(diags)
    dossier.content_dir = str(content)
    resolved = resolve(dossier, diags)
    if strict:
        diags.items = [d if d.severity == "error" else d.__class__(d.path, d.line, d.col, "error", d.code, d.message)
                       for d in diags.items]
    return Result(diags, resolved=resolved)


def build(content: Path, out: Path, strict: bool = False) -> Result:
    result = check(content, strict)
    if result.diagnostics.errors or result.resolved is None:
        return result
    renderer = Renderer(result.resolved)
    writer = SiteWriter(out)
    try:
        count = 0
        for path, html in render_pages(renderer):
            writer.write(path, html)
            count += 1
        for path, text in renderer.data_files():
            writer.write(path, text)
        copy_assets(writer, renderer)
        writer.commit()
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
    return result


def copy_assets(writer: SiteWriter, renderer: Renderer) -> None:
    assets = templates_dir() / "assets"
    for path in sorted(assets.rglob("*")):
        if path.is_file():
            writer.copy(path, "assets/" + path.relative_to(assets).as_posix())
    for source, rel in drawing.leaflet_files():
        writer.copy(source, "assets/" + rel)
    writer.write("assets/basemap.js", drawing.basemap_script(renderer.map.basemap))
