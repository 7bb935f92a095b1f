#!/usr/bin/env python3
"""Where a dossier build spends its time: seconds and memory per stage, and a cProfile.

Run with the project's interpreter (it imports the engine):

    .venv/bin/python benchmarks/profile_build.py --content benchmarks/work/e10000-s1/content \
        [--out /tmp/site] [--cprofile /tmp/build.prof] [--top 25]

The stages are called the way dossier/build.py calls them; "render" is the time spent producing
pages (templates, Markdown; in worker processes where the engine renders in parallel, unless
--serial), "write" the time spent in SiteWriter.write (bytes to disk and the
per-page link scan), "verify+commit" the whole-site link check and the swap. With --cprofile the
whole build runs under cProfile and the top functions by cumulative and by own time are printed.
Peak memory is this process's max RSS after each stage (it only grows; forked render workers are
not included: benchmarks/run.py measures the whole process tree).
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_by_stage(content: Path, out: Path, serial: bool) -> list[tuple[str, float, float, float]]:
    from dossier.build import copy_assets
    from dossier.diagnostics import Diagnostics
    from dossier.stages.load import load
    from dossier.stages.render import Renderer
    from dossier.stages.resolve import resolve
    from dossier.stages.validate import validate
    from dossier.stages.write import SiteWriter

    rows = []
    clock = [time.perf_counter(), time.process_time()]

    def mark(name: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        rows.append((name, now - clock[0], cpu - clock[1], rss_mb()))
        clock[:] = [time.perf_counter(), time.process_time()]

    diags = Diagnostics()
    raws = load(content, diags)
    mark("load")
    dossier = validate(raws, diags)
    mark("validate")
    if dossier is None:
        raise SystemExit("validation failed: " + "; ".join(d.text() for d in diags.items[:5]))
    dossier.content_dir = str(content)
    resolved = resolve(dossier, diags)
    mark("resolve")
    if diags.errors:
        raise SystemExit("content errors: " + "; ".join(d.text() for d in diags.sorted()[:5]))

    renderer = Renderer(resolved)
    writer = SiteWriter(out)
    render_s = write_s = render_cpu = write_cpu = 0.0
    pages = 0
    try:
        from dossier.stages.parallel import render_pages
    except ImportError:  # an engine without parallel rendering
        render_pages = None
    it = iter(renderer.pages() if serial or render_pages is None else render_pages(renderer))
    while True:
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            path, html = next(it)
        except StopIteration:
            break
        t1, c1 = time.perf_counter(), time.process_time()
        writer.write(path, html)
        t2, c2 = time.perf_counter(), time.process_time()
        render_s, render_cpu = render_s + t1 - t0, render_cpu + c1 - c0
        write_s, write_cpu = write_s + t2 - t1, write_cpu + c2 - c1
        pages += 1
    how = "serial" if serial or render_pages is None else "parallel: CPU of workers not counted"
    rows.append((f"render ({pages:,} pages, {how})", render_s, render_cpu, rss_mb()))
    rows.append(("write pages", write_s, write_cpu, rss_mb()))
    clock[:] = [time.perf_counter(), time.process_time()]
    for path, text in renderer.data_files():
        writer.write(path, text)
    copy_assets(writer, renderer)
    mark("data files + assets")
    writer.commit()
    mark("verify + commit")
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--content", type=Path, required=True)
    ap.add_argument("--out", type=Path, help="output folder (default: a temporary folder)")
    ap.add_argument("--cprofile", type=Path, help="run under cProfile and save the stats here")
    ap.add_argument("--serial", action="store_true", help="render in this process even where the engine would fork workers "
                    "(always so under --cprofile, which sees only this process)")
    ap.add_argument("--top", type=int, default=25, help="rows of the cProfile tables (default 25)")
    args = ap.parse_args(argv)
    tmp = None
    if args.out is None:
        tmp = tempfile.TemporaryDirectory(prefix="dossier-profile-")
        args.out = Path(tmp.name) / "site"

    start, cpu0 = time.perf_counter(), time.process_time()
    if args.cprofile:
        prof = cProfile.Profile()
        prof.enable()
        rows = build_by_stage(args.content, args.out, serial=True)
        prof.disable()
        prof.dump_stats(args.cprofile)
    else:
        rows = build_by_stage(args.content, args.out, serial=args.serial)
    total, total_cpu = time.perf_counter() - start, time.process_time() - cpu0

    print(f"## Stages ({args.content}){' under cProfile: times inflated' if args.cprofile else ''}\n")
    print("| stage | wall s | CPU s | share | max RSS after, MB |\n|---|---:|---:|---:|---:|")
    for name, wall, cpu, rss in rows:
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {100 * wall / total:.0f}% | {rss:,.0f} |")
    print(f"| **total** | **{total:.2f}** | **{total_cpu:.2f}** | | **{rss_mb():,.0f}** |")
    if args.cprofile:
        for order in ("cumulative", "tottime"):
            buf = io.StringIO()
            pstats.Stats(str(args.cprofile), stream=buf).strip_dirs().sort_stats(order).print_stats(args.top)
            text = buf.getvalue()
            print(f"\n## Top {args.top} by {order}\n\n```\n{text[text.index('   ncalls'):].rstrip()}\n```")
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    gc.collect()
    sys.exit(main())
