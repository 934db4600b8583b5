"""One event, many outlets: outlets and sources, follow-ups, merge decisions and their
explanation, re-merging, and the mentions table."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import date, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flashpoint.cli import main
from flashpoint.errors import StoreError
from flashpoint.sources.files import article_from_dict
from flashpoint.sources.outlets import outlet_of, registered_domain
from flashpoint.store import EventQuery, Store
from flashpoint.store.matcher import RULES, MergeRules

from .handmade import DAY, KHARKIV, ODESA, article, event, toponym

SHOOTING = ("Jamal Carter, 17, was shot outside the Elmwood Avenue barbershop in Kharkiv on Tuesday, and "
            "Destiny Moore was wounded, police said.")
ARREST = ("Police arrested Marcus Reed on Friday in the killing of Jamal Carter outside the Elmwood Avenue "
          "barbershop in Kharkiv; Destiny Moore survived.")
NEXT_SHELLING = "Russian forces shelled Kharkiv again, the Russian army said; Kharkiv officials counted the damage."


@pytest.mark.parametrize(("url", "domain"), [
    ("https://news.bbc.co.uk/2/hi/world.stm", "bbc.co.uk"),
    ("https://www.reuters.com/world/x", "reuters.com"),
    ("http://web.archive.org/web/20160617212336/http://fox59.com:80/2014/02/04/update/", "fox59.com"),
    ("https://archive.ph/2019.01.01-000000/https://www.nytimes.com/a", "nytimes.com"),
    ("http://127.0.0.1:8000/page", "127.0.0.1"),
    ("https://darfur-wire.example/2024/10/28/x", "darfur-wire.example"),
    ("not a url", None),
    (None, None),
])
def test_an_outlet_is_its_registered_domain(url, domain):
    assert registered_domain(url) == domain


def test_an_outlet_named_by_the_input_comes_first_and_a_file_only_last():
    assert outlet_of(named=" Associated  Press ", url="https://apnews.com/x") == "Associated Press"
    assert outlet_of(url="https://www.aljazeera.com/news/1", file="feed.jsonl:3") == "aljazeera.com"
    assert outlet_of(feed="https://rss.dw.com/xml/rss-en-all") == "dw.com"
    assert outlet_of(file="/data/in/reports.jsonl:12") == "file:reports.jsonl"
    assert outlet_of() is None


def test_a_jsonl_record_names_its_outlet_as_gdelt_and_acled_do():
    rec = article_from_dict({"text": "x" * 20, "source": "Sudan Tribune"}, source="a.jsonl:1", default_id="a:1")
    assert rec.outlet == "Sudan Tribune" and rec.source == "a.jsonl:1"
    with pytest.raises(Exception, match="'outlet' must be a string"):
        article_from_dict({"text": "x" * 20, "outlet": 3}, source="a.jsonl:2", default_id="a:2")


def one(store) -> dict:
    (ev,) = list(store.events())
    return ev


def test_sources_count_outlets_and_articles_count_articles(tmp_path):
    with Store.open(tmp_path / "s.db") as store:
        store.add(article("a", SHOOTING, event("a", place=KHARKIV), url="https://www.one.example/1", day=DAY))
        store.add(article("b", "Police said " + SHOOTING, event("b", place=KHARKIV), url="https://one.example/2",
                          day=DAY - timedelta(days=1)))
        ev = one(store)
        assert (ev.mentions, ev.articles, ev.sources) == (2, 2, 1)
        assert (ev.first_reported, ev.first_outlet) == (DAY - timedelta(days=1), "one.example")
        assert ev.article_ids == ("a", "b")
        store.add(article("c", "Officials said " + SHOOTING, event("c", place=KHARKIV), outlet="Kharkiv Daily"))
        ev = one(store)
        assert (ev.articles, ev.sources) == (3, 2)
        assert [e.id for e in store.search(EventQuery(min_sources=2))[1]] == [ev.id]
        assert store.search(EventQuery(min_sources=3))[0] == 0


def test_a_follow_up_weeks_later_joins_its_event_without_moving_its_date(tmp_path):
    later = DAY + timedelta(days=24)
    with Store.open(tmp_path / "s.db") as store:
        store.add(article("a", SHOOTING, event("a", place=KHARKIV, actors=()), places=(toponym("Kharkiv", KHARKIV, 70),)))
        store.add(article("b", ARREST, event("b", place=KHARKIV, actors=(), day=later, explicit=False), day=later,
                          places=(toponym("Kharkiv", KHARKIV, 99),)))
        ev = one(store)
        assert ev.date == DAY and ev.mentions == 2
        (why,) = [r for r in store.explain(ev.id)["reports"] if r["article_id"] == "b"]
        assert why["merge"]["rule"] == "follow_up" and why["merge"]["days"] == 24
        assert "does not move the event's" in why["reason"]


def test_a_follow_up_stored_first_gives_way_to_the_earlier_story_s_date(tmp_path):
    later = DAY + timedelta(days=24)
    with Store.open(tmp_path / "s.db") as store:
        store.add(article("b", ARREST, event("b", place=KHARKIV, actors=(), day=later, explicit=False), day=later,
                          places=(toponym("Kharkiv", KHARKIV, 99),)))
        store.add(article("a", SHOOTING, event("a", place=KHARKIV, actors=()), places=(toponym("Kharkiv", KHARKIV, 70),)))
        assert one(store).date == DAY


def test_a_later_story_that_states_its_own_day_is_another_event(tmp_path):
    later = DAY + timedelta(days=24)
    with Store.open(tmp_path / "s.db") as store:
        store.add(article("a", SHOOTING, event("a", place=KHARKIV, actors=())))
        # "Police said a man was shot on Friday": the sentence says which day; weeks on, another shooting.
        store.add(article("b", ARREST, event("b", place=KHARKIV, actors=(), day=later, explicit=True), day=later))
        assert len(list(store.events())) == 2


def test_a_city_s_next_shelling_by_the_same_army_is_another_event(tmp_path):
    week = DAY + timedelta(days=7)
    army = replace(event("a", place=KHARKIV).actor[0], name="Russian Armed Forces", text="Russian army")
    with Store.open(tmp_path / "s.db") as store:
        for i, day in (("a", DAY), ("b", week)):
            ev = event(i, place=KHARKIV, day=day, explicit=i == "a")
            ev.actor = [army]
            store.add(article(i, f"{NEXT_SHELLING} ({day:%B %d})", ev, day=day, places=(toponym("Kharkiv", KHARKIV, 25),)))
        assert len(list(store.events())) == 2


def test_an_unknown_day_never_stretches_an_event_over_a_year(tmp_path):
    with Store.open(tmp_path / "s.db") as store:
        store.add(article("a", SHOOTING, event("a", place=KHARKIV)))
        late = DAY + timedelta(days=RULES.follow_up_days + 5)
        store.add(article("b", SHOOTING + " A year on.", event("b", place=KHARKIV, day=late, explicit=False), day=late))
        assert len(list(store.events())) == 2


def corpus() -> list:
    later = DAY + timedelta(days=20)
    return [
        article("a", SHOOTING, event("a", place=KHARKIV, actors=()), url="https://one.example/a",
                places=(toponym("Kharkiv", KHARKIV, 70),)),
        article("b", "Officials said " + SHOOTING, event("b", place=None, actors=()), url="https://two.example/b"),
        article("c", ARREST, event("c", place=KHARKIV, actors=(), day=later, explicit=False), day=later, url="https://three.example/c",
                places=(toponym("Kharkiv", KHARKIV, 99),)),
        article("d", NEXT_SHELLING, event("d", place=KHARKIV, day=DAY + timedelta(days=7)), url="https://one.example/d"),
        article("e", "Russian forces shelled Odesa.", event("e", place=ODESA), url="https://two.example/e"),
    ]


def dump(store) -> tuple[list, list, list, list]:
    """The events and mentions, and what the triggers keep of them (each event's parties and
    words), by event id; the parties also as the actors table says they are."""
    events = [tuple(r) for r in store.conn.execute("SELECT * FROM events ORDER BY id")]
    mentions = [tuple(r) for r in store.conn.execute("SELECT record_id, event_id, merge FROM mentions ORDER BY record_id")]
    parties = [tuple(r) for r in store.conn.execute(
        "SELECT e.id, p.role, p.key FROM event_parties p JOIN events e ON e.rowid = p.event_rowid ORDER BY 1, 2, 3")]
    assert parties == [tuple(r) for r in store.conn.execute(
        "SELECT DISTINCT event_id, role, 'c:' || code FROM actors WHERE code IS NOT NULL UNION"
        " SELECT DISTINCT event_id, role, 'n:' || lower(name) FROM actors WHERE name IS NOT NULL ORDER BY 1, 2, 3")]
    words = [tuple(r) for r in store.conn.execute(
        "SELECT e.id, t.text FROM events_text t JOIN events e ON e.rowid = t.rowid ORDER BY 1")]
    assert len(words) == len(events)
    return events, mentions, parties, words


def test_a_remerge_under_other_rules_is_a_fresh_ingest_under_them(tmp_path):
    strict = MergeRules(same_names=0.99, follow_up_names=0.99)
    with Store.open(tmp_path / "fresh.db", rules=strict) as fresh:
        for a in corpus():
            fresh.add(a)
        want = dump(fresh)
    with Store.open(tmp_path / "s.db") as store:
        for a in corpus():
            store.add(a)
        merged = dump(store)
        assert len(merged[0]) < len(want[0])  # the default rules merge more
    with Store.open(tmp_path / "s.db") as store:
        with pytest.raises(StoreError, match="remerge"):
            store.rules = strict
            store._rules_checked = False
            store.add(article("f", "Shelling in Izium.", event("f", place=KHARKIV)))
        assert store.remerge() == (5, len(want[0]))
        assert dump(store) == want
    # The store keeps the rules it was merged by: the next writer uses them.
    with Store.open(tmp_path / "s.db") as store:
        assert store.rules == strict
        assert store.remerge() == (5, len(want[0])) and dump(store) == want
    with Store.open(tmp_path / "s.db", rules=RULES) as store:
        store.remerge()
        assert dump(store) == merged
        assert store.counts()["mentions"] == 5


def test_cli_remerge_explain_and_min_sources(tmp_path):
    db = str(tmp_path / "s.db")
    with Store.open(db) as store:
        for a in corpus():
            store.add(a)
        (shooting,) = [e.id for e in store.events() if "a" in e.article_ids]
    out, err = io.StringIO(), io.StringIO()
    assert main(["explain", shooting, "--db", db], out, err) == 0
    text = out.getvalue()
    assert "3 article(s) from 3 source(s)" in text and "started the event" in text and "as a story of the event" in text
    out = io.StringIO()
    assert main(["explain", shooting, "--db", db, "--json"], out, err) == 0
    assert [r["merge"]["rule"] for r in json.loads(out.getvalue())["reports"]] == ["new", "names", "follow_up"]
    err = io.StringIO()
    assert main(["explain", "nope", "--db", db], io.StringIO(), err) == 2 and "no such event" in err.getvalue()
    out = io.StringIO()
    assert main(["export", "--db", db, "--min-sources", "2", "--quiet"], out, io.StringIO()) == 0
    assert [json.loads(line)["id"] for line in out.getvalue().splitlines()] == [shooting]
    err = io.StringIO()
    assert main(["remerge", "--db", db, "--same-names", "0.99", "--follow-up-names", "0.99"], io.StringIO(), err) == 0
    assert "5 mention(s) merged again into 5 event(s) (before: 3)" in err.getvalue()
    assert main(["remerge", "--db", db, "--same-names", "-1"], io.StringIO(), io.StringIO()) == 2


def test_the_mentions_table_as_jsonl_csv_and_typed_parquet(tmp_path):
    db = str(tmp_path / "s.db")
    with Store.open(db) as store:
        for a in corpus():
            store.add(a)
    out = io.StringIO()
    assert main(["export", "--db", db, "--format", "mentions", "--quiet"], out, io.StringIO()) == 0
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert list(rows[0]) == ["event_id", "article_id", "url", "outlet", "published", "sentence", "start", "end",
                             "confidence"]
    assert [(r["article_id"], r["outlet"]) for r in rows][:2] == [("a", "one.example"), ("b", "two.example")]
    assert main(["export", "--db", db, "--format", "mentions", "-o", str(tmp_path / "m.csv")], io.StringIO(),
                io.StringIO()) == 0
    with open(tmp_path / "m.csv", encoding="utf-8") as fh:
        assert [r["article_id"] for r in csv.DictReader(fh)] == [r["article_id"] for r in rows]
    assert main(["export", "--db", db, "--format", "mentions", "-o", str(tmp_path / "m.parquet")], io.StringIO(),
                io.StringIO()) == 0
    table = pq.read_table(tmp_path / "m.parquet")
    assert str(table.schema.field("published").type) == "date32[day]" and table.num_rows == 5
    assert main(["export", "--db", db, "--format", "parquet", "-o", str(tmp_path / "e.parquet")], io.StringIO(),
                io.StringIO()) == 0
    events = pq.read_table(tmp_path / "e.parquet")
    assert str(events.schema.field("date").type) == "date32[day]"
    assert pa.types.is_list(events.schema.field("article_ids").type)
    first = events.to_pylist()[0]
    assert isinstance(first["date"], date) and isinstance(first["mention_ids"], list)


def test_a_fetched_page_is_named_by_its_url_in_the_mentions_table(tmp_path):
    with Store.open(tmp_path / "s.db") as store:
        store.add(article("url:0123456789abcdef", SHOOTING, event("url:0123456789abcdef", place=KHARKIV),
                          url="https://www.one.example/story"))
        (m,) = list(store.mention_exports())
        assert (m.article_id, m.outlet) == ("https://www.one.example/story", "one.example")


def test_a_schema_2_store_gets_outlets_and_article_counts_when_opened(tmp_path):
    path = tmp_path / "old.db"
    with Store.open(path) as store:
        for a in corpus():
            store.add(a)
        want = [tuple(r) for r in store.conn.execute("SELECT id, mentions, articles, sources, first_reported FROM events"
                                                     " ORDER BY id")]
        store.conn.execute("UPDATE events SET articles = 0, first_reported = NULL, first_outlet = NULL")
        store.conn.execute("UPDATE articles SET outlet = NULL")
        store.conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema'")
    with Store.open(path) as store:
        got = [tuple(r) for r in store.conn.execute("SELECT id, mentions, articles, sources, first_reported FROM events"
                                                    " ORDER BY id")]
        assert got == want
        assert store.conn.execute("SELECT outlet FROM articles WHERE id = 'a'").fetchone()[0] == "one.example"


def test_the_demo_store_s_events_are_reported_by_the_articles_about_them(tmp_path, pipeline):
    from importlib import resources

    from flashpoint.ingest import ingest
    from flashpoint.sources import read_sources
    from flashpoint.sources.web import Fetcher

    with resources.as_file(resources.files("flashpoint") / "demo" / "articles.jsonl") as path, \
            Store.open(tmp_path / "demo.db", coder=pipeline.coder_version) as store:
        ingest(read_sources([str(path)], fetcher=Fetcher(), store=store), store, pipeline)
        events = list(store.events())
        for ev in events:
            why = store.explain(ev.id)
            for r in why["reports"]:
                # A report of the event's own days, unless it says it is a later story of it.
                if r["merge"]["rule"] != "follow_up" and r["date"]:
                    assert abs((date.fromisoformat(r["date"]) - ev.date).days) <= RULES.text_slack_days, (ev.id, r)
            outlets = {r["outlet"] for r in why["reports"]}
            assert ev.sources == len(outlets) and ev.articles == len({r["article_id"] for r in why["reports"]})
        # The shelling of 28 October is demo-01's alone: the reports of 4 and 21 November are other fighting.
        (shelling,) = [e for e in events if e.date == date(2024, 10, 28)]
        assert shelling.article_ids == ("demo-01",) and shelling.first_outlet == "darfur-wire.example"


def test_a_schema_3_store_gets_the_monitor_s_columns_indexes_and_word_search_when_opened(tmp_path):
    path = tmp_path / "old.db"
    with Store.open(path) as store:
        for a in corpus():
            store.add(a)
        want = {r[0]: r[1] for r in store.conn.execute("SELECT id, acled_type FROM events")}
        # As a schema 3 store had it: no ACLED column, no covering indexes, no words indexed.
        for index in ("events_scan", "events_country"):
            store.conn.execute(f"DROP INDEX {index}")
        store.conn.execute("CREATE INDEX events_date ON events(date)")
        store.conn.execute("DELETE FROM events_text")
        store.conn.execute("DELETE FROM event_parties")
        store.conn.execute("ALTER TABLE events DROP COLUMN acled_type")
        store.conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema'")
    with Store.open(path) as store:
        assert {r[0]: r[1] for r in store.conn.execute("SELECT id, acled_type FROM events")} == want
        indexes = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"events_scan", "events_country"} <= indexes and "events_date" not in indexes
        word = store.conn.execute("SELECT json_extract(record, '$.evidence.text') FROM events LIMIT 1").fetchone()[0].split()[0]
        assert store.search(EventQuery(text=word))[0] >= 1
        dump(store)  # the parties and the words of every event, as the triggers would have kept them
        (code,) = store.conn.execute("SELECT code FROM actors WHERE role = 'actor' AND code IS NOT NULL").fetchone()
        assert store.search(EventQuery(actor=code.lower()))[0] == store.conn.execute(
            "SELECT COUNT(DISTINCT event_id) FROM actors WHERE role = 'actor' AND code = ?", (code,)).fetchone()[0]
