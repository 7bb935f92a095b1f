"""Command line: dossier build | check | schema.

Exit status: 0 success, 1 content errors, 2 usage errors. A bad content file never ends in a
traceback: problems are printed as diagnostics (text, github or json).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from . import diagnostics as fmt
from .build import build, check


def _print(diags, style: str, stream=sys.stderr) -> None:
    items = diags.sorted()
    if style == "json":
        print(fmt.format_json(items), file=sys.stdout)
        return
    for d in items:
        print(fmt.format_github(d) if style == "github" else d.text(), file=stream)
    if style == "github" and os.environ.get("GITHUB_STEP_SUMMARY") and items:
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as f:
            f.write(f"### dossier: {fmt.summary_line(items)}\n\n")
            for d in items:
                f.write(f"- `{d.path}:{d.line}:{d.col}` **{d.severity}** {d.message.replace(chr(10), ' ')} ({d.code})\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dossier", description="Build an annotated dossier into a static site.")
    sub = parser.add_subparsers(dest="command")
    for name, help_text in (("build", "build the site"), ("check", "check the content without writing")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--content", default="content", help="content folder (default: content)")
        p.add_argument("--format", choices=("text", "github", "json"), default="text", help="how to print diagnostics")
        p.add_argument("--strict", action="store_true", help="treat warnings as errors")
        if name == "build":
            p.add_argument("--out", default="site", help="output folder (default: site)")
    p = sub.add_parser("schema", help="write the JSON Schemas of the content format")
    p.add_argument("--out", default="schemas", help="folder for the schema files (default: schemas)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    if args.command is None:
        args = parser.parse_args(["build", *(argv or [])])

    if args.command == "schema":
        from .schema import json_schemas
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for name, schema in json_schemas().items():
            (out / f"{name}.schema.json").write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {len(json_schemas())} schemas to {out}", file=sys.stderr)
        return 0

    content = Path(args.content)
    start = time.perf_counter()
    if args.command == "check":
        result = check(content, args.strict)
    else:
        out = Path(args.out)
        if out.resolve() == content.resolve() or content.resolve() in out.resolve().parents:
            print(f"dossier: error: the output folder {out} must not be inside the content folder", file=sys.stderr)
            return 2
        result = build(content, out, args.strict)
    _print(result.diagnostics, args.format)
    items = result.diagnostics.items
    if args.format != "json":
        if result.diagnostics.errors:
            print(f"dossier: {fmt.summary_line(items)}; nothing was written" if args.command == "build" else f"dossier: {fmt.summary_line(items)}", file=sys.stderr)
        elif args.command == "build":
            print(f"dossier: built {result.pages} pages into {args.out} in {time.perf_counter() - start:.2f} s ({fmt.summary_line(items)}); open {args.out}/index.html", file=sys.stderr)
        else:
            print(f"dossier: content is valid ({fmt.summary_line(items)})", file=sys.stderr)
    return 1 if result.diagnostics.errors else 0


if __name__ == "__main__":
    sys.exit(main())
