#!/usr/bin/env python3
"""Where a dossier build spends its time: seconds and memory per stage, and a cProfile.

Run with the project's interpreter (it imports the engine):

    .venv/bin/python benchmarks/profile_build.py --content benchmarks/work/e10000-s1/content \
        [--out /tmp/site] [--cprofile /tmp/build.prof] [--top 25] [--serial]

The stages before rendering are timed inside dossier.build.check, whatever they are. Rendering
is done as dossier/build.py does it, with render_pages: in forked workers that render, write and
scan each page (the workers' CPU is its own column), unless --serial, where "render" is the
templates and Markdown and "write" is SiteWriter.write (bytes to disk and the per-page scan).
"verify + commit" is the whole-site link check and the swap. With --cprofile the whole build
runs serially under cProfile and the top functions by cumulative and by own time are printed.
Peak memory is this process's max RSS after each stage (it only grows; forked workers are not
included: benchmarks/run.py measures the whole process tree).
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


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)   # workers that have been joined
    return usage.ru_utime + usage.ru_stime


class Clock:
    """Rows of (stage, wall s, CPU s here, CPU s in workers, max RSS MB); also a Progress for
    dossier.build.check, which reports each of its stages as it ends."""

    quiet = True

    def __init__(self):
        self.rows: list[tuple[str, float, float, float, float]] = []
        self.reset()

    def reset(self) -> None:
        self.wall, self.cpu, self.workers = time.perf_counter(), time.process_time(), children_cpu()

    def mark(self, name: str) -> None:
        self.rows.append((name, time.perf_counter() - self.wall, time.process_time() - self.cpu,
                          children_cpu() - self.workers, rss_mb()))
        self.reset()

    def stage(self, stage: str, seconds: float, what: str = "") -> None:
        self.mark(f"{stage} {what}".strip())

    def step(self, *args) -> None:
        pass


def build_by_stage(content: Path, out: Path, serial: bool) -> list[tuple[str, float, float, float, float]]:
    from dossier.build import check, copy_assets
    from dossier.stages.parallel import render_pages
    from dossier.stages.render import Renderer
    from dossier.stages.write import SiteWriter

    clock = Clock()
    result = check(content, progress=clock)
    if result.resolved is None or result.diagnostics.errors:
        raise SystemExit("content errors: " + "; ".join(d.text() for d in result.diagnostics.sorted()[:5]))
    renderer = Renderer(result.resolved)
    writer = SiteWriter(out)
    clock.reset()
    pages = 0
    if serial:
        render_s = render_cpu = 0.0
        for job in renderer.jobs():
            t0, c0 = time.perf_counter(), time.process_time()
            path, html, _keys = renderer.render_recorded(job)
            t1, c1 = time.perf_counter(), time.process_time()
            writer.write(path, html)
            render_s, render_cpu = render_s + t1 - t0, render_cpu + c1 - c0
            pages += 1
        wall, cpu = time.perf_counter() - clock.wall, time.process_time() - clock.cpu
        clock.rows.append((f"render ({pages:,} pages, serial)", render_s, render_cpu, 0.0, rss_mb()))
        clock.rows.append(("write pages (and scan them)", wall - render_s, cpu - render_cpu, 0.0, rss_mb()))
        clock.reset()
    else:
        for _ in render_pages(renderer, writer):
            pages += 1
        forked = clock.workers != children_cpu()
        clock.mark(f"render, write and scan ({pages:,} pages, {'in forked workers' if forked else 'serial: too few to fork'})")
    for path, write_to in renderer.data_files():
        writer.write_from(path, write_to)
    copy_assets(writer, renderer)
    clock.mark("data files + assets")
    writer.commit()
    clock.mark("verify + commit")
    return clock.rows


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

    start, cpu0, workers0 = time.perf_counter(), time.process_time(), children_cpu()
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
    print("| stage | wall s | CPU s | workers' CPU s | share | max RSS after, MB |\n|---|---:|---:|---:|---:|---:|")
    for name, wall, cpu, workers, rss in rows:
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {workers:.2f} | {100 * wall / total:.0f}% | {rss:,.0f} |")
    print(f"| **total** | **{total:.2f}** | **{total_cpu:.2f}** | **{children_cpu() - workers0:.2f}** | | **{rss_mb():,.0f}** |")
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
