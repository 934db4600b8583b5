"""`flashpoint ingest`, `watch`, `export` and `recode`: sources, idempotence, crash safety, bad input."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from flashpoint.cli import EXIT_CODES, main
from flashpoint.coding.pipeline import Pipeline
from flashpoint.coding.registry import STAGES, Stage
from flashpoint.coding.stages import DEFAULT_STAGES
from flashpoint.errors import StoreError
from flashpoint.ingest import ingest, parse_every, read_sources, recode, watch
from flashpoint.model import Article
from flashpoint.sources.web import FakeTransport, Fetcher, Response
from flashpoint.store import Store

CITIES = ["Kharkiv", "Odesa", "Dnipro", "Sumy", "Kherson", "Zaporizhzhia", "Mykolaiv", "Poltava", "Chernihiv", "Lviv"]


def story(i: int) -> str:
    city = CITIES[i % len(CITIES)]
    return (f"{city.upper()}, Nov {1 + i % 27} - Russian forces shelled {city} on Tuesday, killing {i % 7 + 2} civilians "
            f"and wounding {i % 5 + 1} others, regional officials said. It was attack number {i} on the region this "
            f"month; police in {city} arrested {i % 3 + 1} men suspected of spotting targets for the artillery.")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def snapshot(db: Path) -> dict:
    """What a store holds, independent of when rows were written."""
    conn = sqlite3.connect(db)
    try:
        return {
            "articles": sorted(conn.execute("SELECT id, text_hash, status, near_dup_of FROM articles")),
            "events": sorted(conn.execute("SELECT id, type, date, place, dead, injured, mentions, sources FROM events")),
            "mentions": sorted(conn.execute("SELECT record_id, event_id, article_id FROM mentions")),
        }
    finally:
        conn.close()


@pytest.fixture()
def folder(tmp_path):
    root = tmp_path / "news"
    (root / "2024" / "11").mkdir(parents=True)
    for i in range(6):
        (root / "2024" / "11" / f"story{i:02}.txt").write_text(story(i), encoding="utf-8")
    (root / "batch.jsonl").write_text("\n".join(
        json.dumps({"id": f"j{i}", "text": story(100 + i), "date": "2024-11-20"}) for i in range(3)) + "\n",
        encoding="utf-8")
    (root / "notes.pdf").write_bytes(b"%PDF-1.4 not an article")
    return root


def test_folder_is_read_recursively_and_the_same_run_again_adds_nothing(folder, tmp_path):
    db = tmp_path / "s.db"
    code, _, err = run("ingest", str(folder), "--db", str(db), "--date", "2024-11-20")
    assert code == 0, err
    assert "9 read, 9 new" in err
    first = snapshot(db)
    assert len(first["articles"]) == 9 and first["events"]
    code, _, err = run("ingest", str(folder), "--db", str(db), "--date", "2024-11-20")
    assert code == 0 and "0 new, 9 duplicate(s)" in err
    assert snapshot(db) == first


def test_glob_names_the_files(folder, tmp_path):
    code, _, err = run("ingest", str(folder / "2024" / "**" / "story0[0-2].txt"), "--db", str(tmp_path / "g.db"),
                       "--date", "2024-11-20")
    assert code == 0 and "3 read, 3 new" in err


def test_bad_inputs_are_reported_and_the_rest_is_stored(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(story(1), encoding="utf-8")
    (src / "b.txt").write_bytes(b"\x00\x01\x02binary\x00")
    (src / "c.txt").write_text("   \n", encoding="utf-8")
    (src / "d.jsonl").write_text('{"id": "ok", "text": "' + story(2) + '"}\n{not json\n', encoding="utf-8")
    code, _, err = run("ingest", str(src), str(tmp_path / "missing.txt"), "--db", str(tmp_path / "s.db"))
    assert code == 1
    assert "b.txt" in err and "binary" in err
    assert "c.txt" in err and "empty" in err.lower()
    assert "line 2 is not valid JSON" in err
    assert "missing.txt: no such file" in err
    assert "2 new" in err and len(snapshot(tmp_path / "s.db")["articles"]) == 2


def test_hundred_megabyte_file_is_refused_without_reading_it_all(tmp_path):
    big = tmp_path / "big.txt"
    with big.open("wb") as fh:
        fh.truncate(100 * 1024 * 1024)
    (tmp_path / "ok.txt").write_text(story(3), encoding="utf-8")
    code, _, err = run("ingest", str(big), str(tmp_path / "ok.txt"), "--db", str(tmp_path / "s.db"))
    assert code == 1 and "big.txt" in err and "--max-chars" in err and "1 new" in err


def test_article_in_another_language_is_kept_marked_and_not_coded(tmp_path):
    src = tmp_path / "fr.txt"
    src.write_text("Les forces russes ont bombardé la ville de Kharkiv mardi, tuant trois civils, selon le gouverneur "
                   "régional. Les secours ont travaillé toute la matinée pour dégager les habitants des décombres.",
                   encoding="utf-8")
    code, _, err = run("ingest", str(src), "--db", str(tmp_path / "s.db"))
    assert code == 0 and "1 not English" in err
    row = sqlite3.connect(tmp_path / "s.db").execute("SELECT status, lang FROM articles").fetchone()
    assert row == ("not_english", "fr")
    assert snapshot(tmp_path / "s.db")["mentions"] == []


PAGE = ("<html><head><title>Shelling in Kharkiv</title><meta property='article:published_time' content='2024-11-19'>"
        "</head><body><article><h1>Shelling in Kharkiv</h1><p>{}</p><p>Rescue teams searched the rubble of two "
        "apartment blocks through the night, and the city's mayor said power had been cut to thousands of homes."
        "</p></article></body></html>")
FEED = ("<?xml version='1.0'?><rss version='2.0'><channel><title>Wire</title>"
        "<item><title>One</title><link>https://news.example/1</link></item>"
        "<item><title>Two</title><link>https://news.example/2</link></item></channel></rss>")


def fake_web(extra: dict | None = None) -> Fetcher:
    def page(i: int) -> Response:
        return Response(f"https://news.example/{i}", 200, {"content-type": "text/html; charset=utf-8"},
                        PAGE.format(story(i)).encode())
    pages = {"https://news.example/1": page(1), "https://news.example/2": page(2), "https://news.example/3": page(3),
             "https://news.example/feed": Response("https://news.example/feed", 200, {"content-type": "application/rss+xml"},
                                                   FEED.encode()),
             "https://news.example/garbage": Response("https://news.example/garbage", 200,
                                                      {"content-type": "application/rss+xml"}, b"\x89PNG\r\n garbage"),
             **(extra or {})}
    return Fetcher(FakeTransport(pages), resolver=lambda host: ["93.184.216.34"])


def test_urls_and_feeds_are_ingested_and_bad_ones_reported(tmp_path, pipeline):
    with Store.open(tmp_path / "s.db") as store:
        items = read_sources(["https://news.example/feed", "https://news.example/3", "https://news.example/garbage",
                              "http://192.168.1.10/admin", "http://localhost:8080/"], fetcher=fake_web(), store=store)
        report = ingest(items, store, pipeline)
        assert report.new == 3
        reasons = " ".join(r for _, r in report.failed)
        assert "not an RSS or Atom feed" in reasons
        assert reasons.count("--allow-private") == 2
        assert store.conn.execute("SELECT date FROM articles WHERE url = 'https://news.example/3'").fetchone()[0] == "2024-11-19"


def test_watch_never_ingests_an_entry_twice(tmp_path, pipeline):
    naps: list[float] = []
    polls: list = []
    with Store.open(tmp_path / "s.db") as store:
        watch(["https://news.example/feed"], store, pipeline, fake_web(), every=parse_every("15m"), polls=3,
              on_poll=lambda n, r: polls.append(r), sleep=naps.append)
    assert [r.new for r in polls] == [2, 0, 0] and [r.read for r in polls] == [2, 0, 0]
    assert naps == [900.0, 900.0]


def test_every_accepts_durations():
    assert parse_every("90s") == 90 and parse_every("1h30m") == 5400 and parse_every("15") == 900
    with pytest.raises(ValueError):
        parse_every("soon")


def test_full_disk_stops_cleanly_and_keeps_what_was_stored(folder, tmp_path):
    db = tmp_path / "s.db"
    Store.open(db).close()
    # Every connection to the file fails, as a full disk does, on the sixth event it would write.
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TRIGGER full_disk BEFORE INSERT ON events WHEN (SELECT COUNT(*) FROM events) >= 5"
                     " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    code, _, err = run("ingest", str(folder), "--db", str(db), "--date", "2024-11-20")
    assert code == EXIT_CODES[StoreError] and "disk is full" in err
    # The message names the article whose write failed ("cannot write article F: ...; nothing of article F was stored").
    named = re.search(r"cannot write article (\S+): .*; nothing of article (\S+) was stored", err)
    assert named and named.group(1) == named.group(2) and Path(named.group(1)).is_relative_to(folder)
    kept = snapshot(db)
    assert 0 < len(kept["articles"]) < 9 and len(kept["events"]) <= 5
    assert {m[2] for m in kept["mentions"]} == {a[0] for a in kept["articles"] if a[2] == "coded"}
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TRIGGER full_disk")
    code, _, err = run("ingest", str(folder), "--db", str(db), "--date", "2024-11-20")
    assert code == 0 and f"{9 - len(kept['articles'])} new, {len(kept['articles'])} duplicate(s)" in err


@pytest.mark.slow
def test_two_ingests_of_one_folder_at_once_store_each_article_once(tmp_path):
    # One batch of stories: the process that starts storing second skips what the first has
    # stored, catches up with it, and the two then store the same article at the same moment.
    src = tmp_path / "stories"
    src.mkdir()
    for i in range(32):
        (src / f"s{i:02}.txt").write_text(story(i), encoding="utf-8")
    db = tmp_path / "s.db"
    cmd = [sys.executable, "-m", "flashpoint.cli", "ingest", str(src), "--date", "2024-11-20", "--db", str(db)]
    procs = [subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    done = [(p.communicate(timeout=600)[1], p.returncode) for p in procs]
    assert [code for _, code in done] == [0, 0], done
    assert sorted(a[0] for a in snapshot(db)["articles"]) == [f"s{i:02}.txt" for i in range(32)]
    # Each article was stored by one of them and counted a duplicate by the other.
    counts = [re.search(r"32 read, (\d+) new, (\d+) duplicate", err).groups() for err, _ in done]
    assert sum(int(new) for new, _ in counts) == 32 and all(int(new) + int(dup) == 32 for new, dup in counts)


def boom_on(pipeline, monkeypatch, word: str) -> Pipeline:
    """The coder with one more stage, which fails on every article whose text has `word`."""
    def boom(articles, res):
        if any(word in a.text for a in articles):
            raise RuntimeError("kaboom")

    monkeypatch.setitem(STAGES, "boom", Stage("boom", boom, ("text",), ()))
    return Pipeline(stages=[*DEFAULT_STAGES, "boom"], resources=pipeline.resources)


def three_stories() -> list[Article]:
    return [Article(id=f"s{i}", text=story(i) + (" Bang." if i == 1 else ""), date=date(2024, 11, 20)) for i in range(3)]


def test_an_article_a_stage_fails_on_is_stored_as_failed_and_the_rest_of_its_batch_coded(tmp_path, pipeline,
                                                                                          monkeypatch):
    failing = boom_on(pipeline, monkeypatch, "Bang")
    with Store.open(tmp_path / "s.db", coder=failing.coder_version) as store:
        report = ingest(three_stories(), store, failing)
        statuses = dict(store.conn.execute("SELECT id, status FROM articles"))
        reported = {r[0] for r in store.conn.execute("SELECT DISTINCT article_id FROM mentions")}
    assert statuses == {"s0": "coded", "s1": "failed", "s2": "coded"} and reported == {"s0", "s2"}
    assert report.new == 2 and [source for source, _ in report.failed] == ["s1"]
    assert "boom" in report.failed[0][1] and "kaboom" in report.failed[0][1]


def test_recode_keeps_an_article_the_new_coder_fails_on_as_failed_and_codes_the_rest(tmp_path, pipeline,
                                                                                     monkeypatch):
    with Store.open(tmp_path / "s.db") as store:
        ingest(three_stories(), store, pipeline)
    failing = boom_on(pipeline, monkeypatch, "Bang")  # another coder: its version is not the store's events'
    with Store.open(tmp_path / "s.db", coder=failing.coder_version) as store:
        report = recode(store, failing)
        rows = {r[0]: tuple(r)[1:] for r in store.conn.execute("SELECT id, status, error FROM articles")}
        reported = {r[0] for r in store.conn.execute("SELECT DISTINCT article_id FROM mentions")}
    assert rows["s0"] == rows["s2"] == ("coded", None) and rows["s1"][0] == "failed" and "kaboom" in rows["s1"][1]
    assert reported == {"s0", "s2"} and report.read == 3 and [source for source, _ in report.failed] == ["s1"]
    with Store.open(tmp_path / "s.db", coder=failing.coder_version) as store:
        assert recode(store, failing).read == 0  # the same coder would fail on it again
    # A coder that no longer fails on it (here: the built-in one) codes it again, and only it.
    with Store.open(tmp_path / "s.db") as store:
        again = recode(store, pipeline)
        rows = {r[0]: tuple(r)[1:] for r in store.conn.execute("SELECT id, status, error FROM articles")}
        reported = {r[0] for r in store.conn.execute("SELECT DISTINCT article_id FROM mentions")}
    assert again.read == 3 and not again.failed and set(rows.values()) == {("coded", None)}
    assert reported == {"s0", "s1", "s2"}


@pytest.mark.slow
def test_kill_during_ingest_then_rerun_gives_the_clean_store(tmp_path):
    src = tmp_path / "many"
    src.mkdir()
    for i in range(60):
        (src / f"s{i:03}.txt").write_text(story(i), encoding="utf-8")
    clean, crashed = tmp_path / "clean.db", tmp_path / "crashed.db"
    cmd = [sys.executable, "-m", "flashpoint.cli", "ingest", str(src), "--date", "2024-11-20", "--quiet", "--db"]
    env = {**os.environ}
    subprocess.run([*cmd, str(clean)], check=True, env=env, timeout=600)

    proc = subprocess.Popen([*cmd, str(crashed)], env=env)
    stored = 0
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if crashed.exists():
            try:
                with sqlite3.connect(f"file:{crashed}?mode=ro", uri=True) as conn:
                    stored = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
            except sqlite3.OperationalError:
                stored = 0
            if stored >= 20:
                break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 0 < stored < 60, "the run was not interrupted mid-way"
    subprocess.run([*cmd, str(crashed)], check=True, env=env, timeout=600)
    assert snapshot(crashed) == snapshot(clean)


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    db = tmp_path_factory.mktemp("exp") / "s.db"
    src = db.parent / "src"
    src.mkdir()
    for i in range(8):
        (src / f"s{i}.txt").write_text(story(i), encoding="utf-8")
    (src / "copy.txt").write_text("Another outlet reports: " + story(0), encoding="utf-8")
    assert run("ingest", str(src), "--db", str(db), "--date", "2024-11-20")[0] == 0
    return db


def test_export_plover_has_event_level_fields(filled):
    code, out, _ = run("export", "--db", str(filled))
    recs = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and recs
    assert all({"mentions", "sources", "first_seen", "last_seen", "mention_ids"} <= r.keys() for r in recs)
    assert max(r["sources"] for r in recs) >= 2


def test_export_filters_by_country_and_dates(filled):
    _, out, _ = run("export", "--db", str(filled), "--country", "ukr", "--since", "2024-11-01", "--until", "2024-11-30")
    recs = [json.loads(line) for line in out.splitlines()]
    assert recs and all(r["event_loc"]["country_code"] == "UKR" and "2024-11-01" <= r["date"] <= "2024-11-30" for r in recs)
    _, out, _ = run("export", "--db", str(filled), "--since", "2030-01-01")
    assert out == ""


def test_export_acled_csv_parquet_and_geojson(filled, tmp_path):
    _, out, _ = run("export", "--db", str(filled), "--format", "acled")
    df = pd.read_csv(io.StringIO(out))
    assert {"event_id_cnty", "event_type", "fatalities", "mentions", "sources"} <= set(df.columns) and len(df)
    pq = tmp_path / "e.parquet"
    assert run("export", "--db", str(filled), "--format", "parquet", "-o", str(pq))[0] == 0
    assert len(pd.read_parquet(pq)) == len(df)
    _, out, err = run("export", "--db", str(filled), "--format", "geojson")
    gj = json.loads(out)
    assert gj["type"] == "FeatureCollection" and gj["features"]
    assert all(f["geometry"]["type"] == "Point" for f in gj["features"])
    code, _, err = run("export", "--db", str(filled), "--format", "parquet")
    assert code == 2 and "-o FILE.parquet" in err


def test_export_of_a_missing_store_says_how_to_make_one(tmp_path):
    code, _, err = run("export", "--db", str(tmp_path / "none.db"))
    assert code == EXIT_CODES[StoreError] and "flashpoint ingest" in err


def test_recode_rebuilds_without_duplicating(filled, tmp_path):
    db = tmp_path / "r.db"
    db.write_bytes(filled.read_bytes())
    before = snapshot(db)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE events SET coder_version = 'old'")
        conn.execute("UPDATE articles SET coder_version = 'old' WHERE status = 'coded'")
    code, _, err = run("recode", "--db", str(db))
    assert code == 0 and "recoded 9 article(s)" in err
    assert snapshot(db) == before
    code, _, err = run("recode", "--db", str(db))
    assert "already coded" in err


def test_html_file_takes_its_publication_date_from_the_page(tmp_path):
    page = tmp_path / "p.html"
    page.write_text(PAGE.format(story(4)), encoding="utf-8")
    code, _, err = run("ingest", str(page), "--db", str(tmp_path / "s.db"), "--date", "2024-12-31")
    assert code == 0, err
    assert sqlite3.connect(tmp_path / "s.db").execute("SELECT date FROM articles").fetchone()[0] == "2024-11-19"
