"""The event store: idempotent, deduplicating, consistent when a write fails; one phenomenon a test."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flashpoint.errors import StoreError
from flashpoint.model import Article
from flashpoint.store import Store
from tests.handmade import BRYANSK, KHARKIV, ODESA, article, event

STRIKE_A = ("KHARKIV, Nov 20 - Russian forces shelled Kharkiv on Tuesday, killing three civilians, "
            "regional governor Oleh Syniehubov said.")
STRIKE_B = ("Three civilians were killed when Russian artillery shelled the Ukrainian city of Kharkiv on Tuesday, "
            "local officials told reporters.")
OTHER_CITY = "Russian forces shelled Odesa on Tuesday, killing two civilians, officials said."


@pytest.fixture()
def store(tmp_path):
    with Store.open(tmp_path / "t.db") as s:
        yield s


def coded(pipeline, text: str, *, id: str, url: str | None = None, day: str = "2024-11-20") -> Article:
    (art,) = pipeline.run_batch([Article(id=id, text=text, date=date.fromisoformat(day), url=url)])
    return art


def test_same_text_under_another_url_is_stored_once(store, pipeline):
    assert store.add(coded(pipeline, STRIKE_A, id="a", url="https://a.example/1")).status == "new"
    again = store.add(coded(pipeline, STRIKE_A, id="b", url="https://b.example/9"))
    assert again.status == "duplicate" and again.duplicate_of == "a"
    assert store.counts()["articles"] == 1


def test_same_url_is_stored_once(store, pipeline):
    store.add(coded(pipeline, STRIKE_A, id="a", url="https://a.example/1"))
    assert store.add(coded(pipeline, STRIKE_B, id="b", url="https://a.example/1")).status == "duplicate"


WIRE_BODY = (
    "KHARKIV, Nov 20 - Russian forces shelled Kharkiv on Tuesday, killing three civilians and wounding "
    "eleven others, regional governor Oleh Syniehubov said on Telegram. The strikes hit a residential "
    "district in the north of the city shortly after dawn, damaging two apartment blocks, a school and a "
    "bus depot. Emergency crews worked through the morning to pull residents from the rubble, and the "
    "city's mayor said power had been cut to several thousand homes. Ukraine's air force said Russia had "
    "launched guided aerial bombs and artillery at the city, which lies some 30 kilometres from the "
    "Russian border and has been shelled almost daily since the start of the full-scale invasion. "
    "Moscow did not comment on the strike. Kyiv has urged its allies to send more air defence systems "
    "to protect cities in the east, where attacks on civilian infrastructure have intensified before winter."
)


def test_wire_copy_with_a_new_headline_is_linked_to_its_original(store, pipeline):
    body = WIRE_BODY
    store.add(coded(pipeline, "Kharkiv shelled\n\n" + body, id="wire", url="https://wire.example/1"))
    copy = store.add(coded(pipeline, "Russia shells Kharkiv, three dead\n\n" + body, id="copy",
                           url="https://paper.example/7"))
    assert copy.status == "near_duplicate" and copy.duplicate_of == "wire"
    assert store.add(coded(pipeline, OTHER_CITY, id="other")).status == "new"


def test_two_reports_of_one_strike_are_one_event_with_two_mentions(store, pipeline):
    store.add(coded(pipeline, STRIKE_A, id="a", url="https://a.example/1"))
    store.add(coded(pipeline, STRIKE_B, id="b", url="https://b.example/2"))
    (ev,) = [e for e in store.events() if e.event[0] == "ASSAULT"]
    assert ev.mentions >= 2 and ev.sources == 2
    assert ev.size.dead == 3 and ev.event_loc.resolved_place == "Kharkiv"
    assert ev.first_seen == ev.last_seen == date(2024, 11, 20)


def test_same_kind_in_another_city_is_another_event(store, pipeline):
    store.add(coded(pipeline, STRIKE_A, id="a"))
    store.add(coded(pipeline, OTHER_CITY, id="b"))
    places = sorted(e.event_loc.resolved_place for e in store.events() if e.event[0] == "ASSAULT")
    assert places == ["Kharkiv", "Odesa"]


def test_same_place_a_week_apart_is_another_event(store, pipeline):
    store.add(coded(pipeline, STRIKE_A, id="a", day="2024-11-20"))
    store.add(coded(pipeline, STRIKE_A.replace("KHARKIV, Nov 20 - ", ""), id="b", day="2024-11-27"))
    assert len([e for e in store.events() if e.event[0] == "ASSAULT"]) == 2


def fail_writes(store, *, after_events: int) -> None:
    """Make the store's connection fail as a full disk does when it inserts an event beyond the first ones."""
    store.conn.execute(f"CREATE TEMP TRIGGER full_disk BEFORE INSERT ON events WHEN (SELECT COUNT(*) FROM events)"
                       f" >= {after_events} BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")


def every_table(store) -> dict[str, int]:
    names = [r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {n: store.conn.execute(f"SELECT COUNT(*) FROM {n}").fetchone()[0] for n in names}


def test_failed_write_stores_nothing_of_the_article(store):
    store.add(article("a", "Shelling hit Kharkiv.", event("a", place=KHARKIV)))
    before = every_table(store)
    # The second article's second event fails, after its first event and mention were written.
    two_strikes = article("b", "Shelling hit Odesa. Missiles hit Bryansk.", event("b", place=ODESA),
                          event("b", place=BRYANSK, start=20, sentence="Missiles hit Bryansk."))
    fail_writes(store, after_events=2)
    with pytest.raises(StoreError, match="disk is full"):
        store.add(two_strikes)
    assert every_table(store) == before
    store.conn.execute("DROP TRIGGER full_disk")
    assert store.add(two_strikes).status == "new"
    assert store.counts() == {"articles": 2, "events": 3, "mentions": 3}


def test_store_from_a_newer_flashpoint_is_refused_and_left_as_it_was(tmp_path):
    path = tmp_path / "new.db"
    with Store.open(path) as s:
        s.conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema'")
        s.conn.execute("DROP TABLE tallies")  # as if the newer schema had no such table
    with pytest.raises(StoreError, match="newer flashpoint"):
        Store.open(path)
    with sqlite3.connect(path) as conn:  # nothing of this flashpoint's schema was written into it
        assert conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'tallies'").fetchone() is None


def test_reading_a_missing_store_says_how_to_make_one(tmp_path):
    with pytest.raises(StoreError, match="flashpoint ingest"):
        Store.open(tmp_path / "none.db", readonly=True)


text_st = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=200).filter(str.strip)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=text_st, title=st.none() | st.text(max_size=40), day=st.none() | st.dates(),
       url=st.none() | st.from_regex(r"https://[a-z]{1,10}\.example/[a-z0-9]{0,12}", fullmatch=True))
def test_articles_round_trip(tmp_path_factory, text, title, day, url):
    path = tmp_path_factory.mktemp("rt") / "rt.db"
    with Store.open(path) as s:
        s.add(Article(id="x", text=text, title=title, date=day, url=url), status="not_english")
    with Store.open(path, readonly=True) as s:
        row = s.conn.execute("SELECT id, text, title, date, url, status FROM articles").fetchone()
    assert tuple(row) == ("x", text, title, day.isoformat() if day else None, url, "not_english")


def test_event_records_round_trip_through_the_store(store, pipeline):
    art = coded(pipeline, STRIKE_A, id="a")
    store.add(art)
    want = {e.id: e.to_plover() for e in art.events}
    for row in store.conn.execute("SELECT record_id, record FROM mentions"):
        got = json.loads(row["record"])
        assert {k: got[k] for k in want[row["record_id"]]} == want[row["record_id"]]


def test_actors_are_stored_with_their_codes(store, pipeline):
    store.add(coded(pipeline, STRIKE_A, id="a"))
    rows = store.conn.execute("SELECT role, code, sector FROM actors").fetchall()
    assert ("actor", "RUS", "MIL") in [tuple(r) for r in rows]


def test_two_strikes_in_one_article_stay_two_events(store, pipeline):
    text = ("Ukraine struck a command post in the village of Maryno, in Russia's Kursk region, on Wednesday. "
            "A day earlier it hit a weapons depot in Bryansk with American missiles, killing two soldiers.")
    store.add(coded(pipeline, text, id="k", day="2024-11-21"))
    places = sorted(e.event_loc.resolved_place for e in store.events() if e.event[0] == "ASSAULT")
    assert len(places) == 2 and "Bryansk" in places


def test_term_cache_follows_another_connections_writes(tmp_path, pipeline):
    from flashpoint.cluster import name_terms

    term = next(t for t in name_terms(OTHER_CITY) if "odesa" in t)
    with Store.open(tmp_path / "t.db") as a, Store.open(tmp_path / "t.db") as b:
        a.add(coded(pipeline, OTHER_CITY, id="a1"))
        assert a.terms.df({term})[term] == 1
        b.add(coded(pipeline, OTHER_CITY.replace("two", "three"), id="b1"))
        a.terms.check()  # what every add does first
        assert a.terms.df({term})[term] == 2


def test_term_cache_forgets_a_failed_article(store):
    store.add(article("a", "Shelling hit the Saltivskyi district of Kharkiv.", event("a", place=KHARKIV)))
    assert store.terms.dfs
    fail_writes(store, after_events=1)
    with pytest.raises(StoreError):
        store.add(article("b", "Shelling hit the Peresyp district of Odesa.", event("b", place=ODESA)))
    assert "b" not in store.terms.tfs and not store.terms.dfs
