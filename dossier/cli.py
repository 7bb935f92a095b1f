"""Command line: dossier build | check | serve | schema | new | import.

Exit status: 0 success, 1 content errors (or an input that cannot be read), 2 usage errors (bad
arguments, an unknown kind, a malformed or taken id, a missing content folder). A bad content file
never ends in a traceback: problems are printed as diagnostics (text, github or json).

Where the output goes:
- ``--format text`` (default): compiler-style lines on stderr, ``path:line:col: error: message [code]``;
- ``--format github`` (the default when ``$GITHUB_ACTIONS`` is ``true``): GitHub Actions workflow
  commands on stdout (``::error file=...::...``), and,
  when ``$GITHUB_STEP_SUMMARY`` is set, every diagnostic as a table on the run's summary page;
- ``--format json``: one JSON document on stdout, ``{"errors", "warnings", "diagnostics": [...]}``.
The closing summary line ("dossier: 2 errors, 1 warning") always goes to stderr.
"""
from __future__ import annotations

import argparse
import datetime
import errno
import json
import os
import re
import sys
import time
from pathlib import Path

from . import diagnostics as fmt
from .progress import Progress

EXIT_OK, EXIT_CONTENT, EXIT_USAGE, EXIT_SYSTEM = 0, 1, 2, 3   # system: the machine refused (disk full...)


class UsageError(Exception):
    """A command line that cannot be carried out as asked (exit 2)."""


class InputError(Exception):
    """An input file that cannot be read or used (exit 1)."""


def _print(items, style: str, command: str) -> None:
    if style == "json":
        print(fmt.printable(fmt.format_json(items)), file=sys.stdout)
        return
    if style == "github":
        for d in items:
            print(fmt.printable(fmt.format_github(d)), file=sys.stdout)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            try:
                with open(summary, "a", encoding="utf-8") as f:
                    f.write(fmt.printable(fmt.step_summary(items, command)))
            except OSError as e:
                print(f"dossier: warning: cannot write the step summary {summary}: {e.strerror or e}", file=sys.stderr)
        sys.stdout.flush()
        return
    for d in items:
        print(fmt.printable(d.text()), file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dossier", description="Build an annotated dossier into a static site.")
    sub = parser.add_subparsers(dest="command", metavar="{build,check,serve,schema,new,import}")
    for name, help_text in (("build", "build the site"), ("check", "check the content without writing")):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--content", default="content", help="content folder (default: content)")
        p.add_argument("--format", choices=("text", "github", "json"), default=None,
                       help="how to print diagnostics (default: github in GitHub Actions, else text)")
        p.add_argument("--strict", action="store_true", help="treat warnings as errors")
        p.add_argument("--quiet", action="store_true", help="print diagnostics only: no progress, no summary")
        if name == "build":
            p.add_argument("--out", default="site", help="output folder (default: site)")
            p.add_argument("--force", action="store_true",
                           help="rebuild everything, reusing nothing from the last build")
            p.add_argument("--base-url", metavar="URL",
                           help="where the site is published, in place of base_url in dossier.yaml (a GitHub "
                                "Pages workflow passes its address: sitemap.xml, canonical links, a 404 page that "
                                "works at any address)")

    p = sub.add_parser("serve", help="preview the site locally, rebuilding on every change",
                       description="Serve a preview on http://127.0.0.1:PORT that rebuilds when content changes.")
    p.add_argument("--content", default="content", help="content folder (default: content)")
    p.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default: 8000; 0 picks a free one)")
    p.add_argument("--out", help="where to build the preview (default: a temporary folder)")

    p = sub.add_parser("schema", help="write the JSON Schemas of the content format",
                       description="Write the JSON Schemas (draft-07) that editors use to check content as you type.")
    p.add_argument("--out", default="schemas", help="folder for the schema files (default: schemas)")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 when the files in --out differ from what the engine defines")

    from .scaffold import KIND_NAMES
    p = sub.add_parser("new", help="write a skeleton entity, source or page file",
                       description="Write a skeleton file for a new entity, source or page, with comments "
                                   "saying what to fill in. KIND is one of: " + ", ".join(KIND_NAMES) +
                                   " (folder names such as 'people' work too).")
    p.add_argument("kind", help="person, organization, country, place, crossing, event, document, source or page")
    p.add_argument("id", help="the new id: lowercase letters, digits and single hyphens (it becomes the file name)")
    p.add_argument("--content", default="content", help="content folder (default: content)")
    p.add_argument("--name", help="the name (or title) to write; default: made from the id")
    p.add_argument("--date", help="for an event or document: its date (YYYY, YYYY-MM or YYYY-MM-DD)")

    p = sub.add_parser("import", help="turn a saved web page (.html) or a text copy (.txt) into a source",
                       description="Turn a saved web page (.html, .htm) or a plain-text copy of an article (.txt) "
                                   "into content/sources/<id>.md: the article's text as Markdown, and front matter "
                                   "filled from what the page says of itself.")
    p.add_argument("file", help="the saved page or text file")
    p.add_argument("--id", help="the source id (default: made from the title)")
    p.add_argument("--content", default="content", help="content folder (default: content)")
    p.add_argument("--force", action="store_true", help="overwrite a source file of the same id")
    p.add_argument("--accessed", help="the date the article was read (default: today), YYYY-MM-DD")
    p.add_argument("--url", help="the article's address, when the file does not say it")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    if argv is None:
        argv = sys.argv[1:]
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["build", *argv]  # `dossier` alone builds
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse has printed the usage and the problem
        return EXIT_USAGE if e.code else EXIT_OK
    try:
        if args.command == "schema":
            return _schema(args)
        if args.command == "new":
            return _new(args)
        if args.command == "import":
            return _import(args)
        if args.command == "serve":
            return _serve(args)
        return _build_or_check(args)
    except UsageError as e:
        print(f"dossier {args.command}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except InputError as e:
        print(f"dossier {args.command}: error: {e}", file=sys.stderr)
        return EXIT_CONTENT
    except KeyboardInterrupt:
        print("dossier: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:   # what reads the output went away (`dossier check | head`): say no more
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())   # so the last flush is quiet
        except (OSError, ValueError):
            pass
        return 128 + 13   # as a shell reports a command ended by SIGPIPE
    except OSError as e:   # the machine refused (a full disk, a name too long): said, with no traceback
        where = f": {e.filename}" if e.filename else ""
        print(f"dossier {args.command}: error: {e.strerror or e}{where}", file=sys.stderr)
        return EXIT_SYSTEM


def _schema(args) -> int:
    from .schema import json_schemas
    out = Path(args.out)
    schemas = {f"{name}.schema.json": json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
               for name, schema in sorted(json_schemas().items())}
    if args.check:
        stale = [name for name, text in schemas.items()
                 if not (out / name).is_file() or (out / name).read_text(encoding="utf-8") != text]
        if stale:
            print(f"dossier schema: {len(stale)} schema file(s) in {out} are missing or out of date: "
                  f"{', '.join(stale)}; run `dossier schema --out {out}`", file=sys.stderr)
            return EXIT_CONTENT
        print(f"dossier schema: the {len(schemas)} schemas in {out} are up to date", file=sys.stderr)
        return EXIT_OK
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in schemas.items():
            (out / name).write_text(text, encoding="utf-8")
    except OSError as e:
        raise InputError(f"cannot write the schemas to {out}: {e.strerror or e}") from None
    print(f"wrote {len(schemas)} schemas to {out}", file=sys.stderr)
    return EXIT_OK


def _base_url(url: str | None) -> str | None:
    """--base-url as dossier.yaml's base_url must be; the slash at its end may be left out (GitHub's
    configure-pages gives the address without it)."""
    if url is None:
        return None
    from .schema import DOSSIER
    field = DOSSIER.fields["base_url"].type
    given, url = url, url if url.endswith("/") else url + "/"
    if not re.match(field.pattern, url) or len(url) > field.max_len:
        raise UsageError(f"--base-url {given!r} is not an http(s) URL such as https://example.github.io/dossier/ (the "
                         f"'/' at its end may be left out), in ASCII (escape other characters as %XX), of at most "
                         f"{field.max_len} characters")
    return url


def _content_folder(given: str) -> Path:
    """--content, which must name a folder."""
    from .scaffold import content_folder_problem
    content = Path(given)
    problem = content_folder_problem(content)
    if problem:
        raise UsageError(problem)
    return content


def _build_or_check(args) -> int:
    from .build import build, check
    content = _content_folder(args.content)
    start = time.perf_counter()
    if args.format is None:   # in a workflow, problems show on the pull request without --format
        args.format = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    progress = Progress(quiet=args.quiet or args.format != "text")
    if args.command == "check":
        result = check(content, args.strict, progress)
    else:
        out = Path(args.out)
        _apart(out, content)
        _writable(out)
        result = build(content, out, args.strict, use_cache=not args.force, progress=progress,
                       base_url=_base_url(args.base_url))
    items = result.diagnostics.sorted()
    _print(items, args.format, args.command)
    if args.quiet:
        pass
    elif result.diagnostics.errors:
        tail = "; nothing was written" if args.command == "build" else ""
        print(f"dossier: {fmt.summary_line(items)}{tail}", file=sys.stderr)
    elif result.unchanged:
        print(f"dossier: nothing changed since the last build; {args.out} is up to date "
              f"({fmt.summary_line(items)}; --force rebuilds)", file=sys.stderr)
    elif args.command == "build":
        stages = ", ".join(f"{stage} {seconds:.2f}" for stage, seconds in result.timings.items())
        reused = f" ({result.pages - result.rendered} unchanged)" if result.rendered < result.pages else ""
        print(f"dossier: built {result.pages} pages{reused} into {args.out} in {time.perf_counter() - start:.2f} s "
              f"({stages}; {fmt.summary_line(items)}); open {args.out}/index.html", file=sys.stderr)
    else:
        print(f"dossier: content is valid ({fmt.summary_line(items)})", file=sys.stderr)
    return EXIT_CONTENT if result.diagnostics.errors else EXIT_OK


def _apart(out: Path, content: Path) -> None:
    """The output folder and the content folder may not hold one another: a build replaces the
    output folder, so a content folder inside it (even a hidden one, such as .content) would go."""
    if out.resolve() == content.resolve() or content.resolve() in out.resolve().parents:
        raise UsageError(f"the output folder {out} must not be inside the content folder")
    if out.resolve() in content.resolve().parents:
        raise UsageError(f"the output folder {out} holds the content folder: each build replaces the whole output folder")


def _writable(out: Path) -> None:
    """A site may be written into out: said before the content is checked, as a usage error."""
    from .stages.write import refused
    problem = refused(out)
    if problem:
        raise UsageError(problem)


def _serve(args) -> int:
    from .serve import serve
    content = _content_folder(args.content)
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port} is not a port number")
    out = Path(args.out) if args.out else None
    if out:
        _apart(out, content)
        _writable(out)
    try:
        return serve(content, args.port, out)
    except OSError as e:
        if e.errno in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):   # the port: choose another
            raise UsageError(f"cannot serve on 127.0.0.1:{args.port}: {e.strerror or e} (choose another --port)") from None
        raise


def _new(args) -> int:
    from .scaffold import ScaffoldError, new
    try:
        path, todo = new(args.kind, args.id, Path(args.content), name=args.name, date=args.date)
    except ScaffoldError as e:
        raise UsageError(str(e)) from None
    except OSError as e:
        raise InputError(f"cannot write the file: {e.strerror or e}") from None
    print(f"dossier: wrote {path}", file=sys.stderr)
    for line in todo:
        print(f"  next: {line}", file=sys.stderr)
    return EXIT_OK


def _import(args) -> int:
    from .importer import ImportFailed, ImportUsage, import_file
    accessed = args.accessed or datetime.date.today().isoformat()
    try:
        path, notes = import_file(Path(args.file), Path(args.content), source_id=args.id, force=args.force,
                                  accessed=accessed, url=args.url)
    except ImportUsage as e:
        raise UsageError(str(e)) from None
    except ImportFailed as e:
        raise InputError(str(e)) from None
    print(f"dossier: wrote {path}", file=sys.stderr)
    for line in notes:
        print(f"  note: {line}", file=sys.stderr)
    return EXIT_OK


def run() -> None:
    """The console command: main(), then exit at once. A large build leaves millions of objects
    in memory (module caches, the interpreter's last collection) and freeing them one by one at
    interpreter exit took seconds; everything is written and closed by now but the standard
    streams, flushed here."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):   # a closed pipe: nothing more can reach the reader anyway
            pass
    os._exit(code)


if __name__ == "__main__":
    run()
