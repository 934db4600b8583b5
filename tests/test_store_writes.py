"""Writing to the store on hand-built articles: concurrent writers, the caller's records left alone,
and event values kept by running tallies that agree with recomputing them from every report."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from flashpoint.model import Location
from flashpoint.store import SCHEMA_VERSION, Store
from tests.handmade import DAY, KHARKIV, ODESA, TSIRKUNY, article, event


def test_an_article_another_writer_stores_while_this_one_waits_to_write_is_a_duplicate(tmp_path):
    path = tmp_path / "t.db"
    with Store.open(path) as a, Store.open(path) as b:
        def other_writer_first(sql: str) -> None:
            # Called as `a` starts its write transaction, after it looked for the article and
            # found none: `b` stores the same article first.
            if sql.startswith("BEGIN IMMEDIATE"):
                a.conn.set_trace_callback(None)
                assert b.add(article("s1", "shelling in the city", event("s1", place=KHARKIV))).status == "new"

        a.conn.set_trace_callback(other_writer_first)
        done = a.add(article("s1", "shelling in the city", event("s1", place=KHARKIV)))
        assert done.status == "duplicate" and done.duplicate_of == "s1"
        assert a.counts() == {"articles": 1, "events": 1, "mentions": 1}


def test_storing_leaves_the_callers_events_as_they_were(tmp_path):
    with Store.open(tmp_path / "t.db") as store:
        store.add(article("story.txt", "shelling in the city", event("story.txt", place=KHARKIV)))
        # Another text under the same name is stored as story.txt#<digest>, and so are its mentions.
        same_name = article("story.txt", "shelling in the port", event("story.txt", place=ODESA))
        done = store.add(same_name)
        assert done.article_id.startswith("story.txt#")
        assert [ev.article_id for ev in same_name.events] == ["story.txt"]
        (stored,) = store.conn.execute("SELECT record_id, record FROM mentions WHERE article_id = ?", (done.article_id,))
        assert stored["record_id"] == replace(same_name.events[0], article_id=done.article_id).id
        assert json.loads(stored["record"])["article_id"] == done.article_id


# What the store computed from every report of an event each time one joined, before it kept
# tallies (docs/store.md: the most reliable values); the tallies must give the same.

def _mode(values: Iterable[Any]) -> Any:
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    counts = Counter(vals)
    top = max(counts.values())
    return next(v for v in reversed(vals) if counts[v] == top)


def _representative(records: list[dict[str, Any]]) -> dict[str, Any]:
    best_res = max(((r.get("event_loc") or {}).get("resolution") or 0) for r in records)
    at_best = [r for r in records if ((r.get("event_loc") or {}).get("resolution") or 0) == best_res]
    keys = [json.dumps(r.get("event_loc"), sort_keys=True) for r in at_best]
    base = at_best[keys.index(_mode(keys))]
    explicit = [r["date"] for r in records if r.get("date_explicit") and r.get("date")]
    date = _mode(explicit) or _mode(r.get("date") for r in records)
    size = {k: _mode((r.get("size") or {}).get(k) for r in records) for k in ("dead", "injured", "arrested", "troops")}
    # The event's day is a stated one when any report states one (the dashboard shows which).
    return {**base, "date": date, "size": size, "date_explicit": bool(explicit)}


def from_every_report(store: Store, event_id: str) -> dict[str, Any]:
    """The event's row as recomputed from all its mentions, in the order they are stored."""
    rows = store.conn.execute(
        "SELECT m.record, a.date AS pub, a.host, a.id AS article FROM mentions m JOIN articles a ON a.id = m.article_id"
        " WHERE m.event_id = ? ORDER BY a.seq, m.start, m.rowid", (event_id,)).fetchall()
    records = [json.loads(r["record"]) for r in rows]
    pubs = sorted(r["pub"] for r in rows if r["pub"])
    return {"record": {**_representative(records), "id": event_id}, "mentions": len(records),
            "sources": len({r["host"] or r["article"] for r in rows}),
            "confidence": max(r.get("confidence") or 0 for r in records),
            "first_seen": pubs[0] if pubs else None, "last_seen": pubs[-1] if pubs else None}


def as_stored(store: Store, event_id: str) -> dict[str, Any]:
    row = store.conn.execute("SELECT record, mentions, sources, confidence, first_seen, last_seen FROM events"
                             " WHERE id = ?", (event_id,)).fetchone()
    return {**dict(row), "record": json.loads(row["record"])}


# Places without coordinates, so that every report joins the one event (same actor, same
# country), at every precision and under other names.
PLACES = [None, Location("Kharkiv", country_code="UKR", resolution=4), Location("Kharkiv city", country_code="UKR", resolution=4),
          Location("Kharkiv Oblast", province="Kharkiv Oblast", country_code="UKR", resolution=2),
          Location("Ukraine", country_code="UKR", resolution=1), Location("a town", country_code="UKR")]

report_st = st.fixed_dictionaries({
    "start": st.sampled_from([0, 40, 80]), "place": st.sampled_from(PLACES), "late": st.booleans(),
    "explicit": st.booleans(), "dead": st.sampled_from([None, 0, 2, 3]), "injured": st.sampled_from([None, 5, 7]),
    "confidence": st.sampled_from([0.0, 0.4, 0.75, 0.9])})
article_st = st.fixed_dictionaries({
    "host": st.sampled_from([None, "one.example", "two.example", "three.example"]),
    "pub": st.sampled_from([None, DAY, DAY + timedelta(days=1), DAY + timedelta(days=4)]),
    "reports": st.lists(report_st, min_size=1, max_size=3)})


def _report(start: int, late: bool) -> dict[str, Any]:
    return {"start": start, "place": None, "late": late, "explicit": True, "dead": None, "injured": None,
            "confidence": 0.5}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(articles=st.lists(article_st, min_size=1, max_size=10))
# Two dates two reports each, tied: the latest in text order wins, not the latest stored (the
# article's reports are stored out of text order).
@example(articles=[{"host": None, "pub": DAY, "reports": [_report(0, False)]},
                   {"host": None, "pub": DAY, "reports": [_report(80, True), _report(40, False), _report(0, True)]}])
def test_event_values_from_tallies_are_those_recomputed_from_every_report(tmp_path_factory, articles):
    with Store.open(tmp_path_factory.mktemp("tally") / "t.db") as store:
        for i, spec in enumerate(articles):
            aid = f"a{i}"
            # Reports of one sentence (same start) and out of text order, as well as in it.
            events = [event(aid, place=r["place"], day=DAY + timedelta(days=r["late"]), start=r["start"],
                            trigger_start=r["start"] + j, explicit=r["explicit"], dead=r["dead"], injured=r["injured"],
                            confidence=r["confidence"]) for j, r in enumerate(spec["reports"])]
            url = f"https://{spec['host']}/{i}" if spec["host"] else None
            store.add(article(aid, f"report number {i} of the shelling", *events, url=url, day=spec["pub"]))
        (event_id,) = [r[0] for r in store.conn.execute("SELECT id FROM events")]
        assert as_stored(store, event_id) == from_every_report(store, event_id)


def test_a_report_stored_again_in_its_article_counts_once(tmp_path):
    with Store.open(tmp_path / "t.db") as store:
        # Two records of one sentence, trigger and type have one id: the second takes the first's place.
        first, again = event("a", place=KHARKIV, dead=3), event("a", place=KHARKIV, dead=5)
        assert first.id == again.id
        store.add(article("a", "shelling in the city", first, again))
        (event_id,) = [r[0] for r in store.conn.execute("SELECT id FROM events")]
        assert as_stored(store, event_id) == from_every_report(store, event_id)
        assert as_stored(store, event_id)["mentions"] == 1


def reports(n: int, *, start: int = 0) -> list:
    """`n` one-report articles of one strike in Kharkiv, in texts that share no names and no
    word sequences (so neither name matching nor near-copy lookup finds anything)."""
    words = [f"{a}{b}" for a in ("ka", "lo", "mi", "nu", "pe", "ro", "su", "ti") for b in ("bar", "dun", "fel", "gos")]
    out = []
    for i in range(start, start + n):
        rng = random.Random(i)
        place = KHARKIV if i % 3 else TSIRKUNY
        out.append(article(f"r{i}", " ".join(rng.choice(words) for _ in range(30)),
                           event(f"r{i}", place=place, dead=3 + i % 2, explicit=bool(i % 4)),
                           url=f"https://outlet{i % 50}.example/{i}"))
    return out


@pytest.mark.slow
def test_storing_a_report_costs_the_same_however_many_the_event_has(tmp_path):
    with Store.open(tmp_path / "t.db") as store:
        ticks = [0]

        def cost(art) -> int:
            """SQLite virtual-machine steps (in tens) to store the article: grows with the rows read."""
            ticks[0] = 0
            store.conn.set_progress_handler(lambda: ticks.__setitem__(0, ticks[0] + 1), 10)
            store.add(art)
            store.conn.set_progress_handler(None, 10)
            return ticks[0]

        batch = reports(2000)
        for a in batch[:100]:
            store.add(a)
        early = [cost(a) for a in batch[100:110]]
        for a in batch[110:1990]:
            store.add(a)
        late = [cost(a) for a in batch[1990:]]
        assert store.counts() == {"articles": 2000, "events": 1, "mentions": 2000}
        assert sum(late) < 1.2 * sum(early)
        (event_id,) = [r[0] for r in store.conn.execute("SELECT id FROM events")]
        assert as_stored(store, event_id) == from_every_report(store, event_id)


def test_a_store_of_schema_1_gets_its_tallies_counted_when_opened(tmp_path):
    straight, upgraded = tmp_path / "straight.db", tmp_path / "upgraded.db"
    with Store.open(straight) as s:
        for a in reports(30):
            s.add(a)
    with Store.open(upgraded) as s:
        for a in reports(20):
            s.add(a)
        # What a schema-1 flashpoint left: the same tables, no tallies.
        s.conn.execute("DELETE FROM tallies")
        s.conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema'")
    with Store.open(upgraded) as s:
        assert s.conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()[0] == str(SCHEMA_VERSION)
        for a in reports(10, start=20):
            s.add(a)
    dump = "SELECT * FROM events"
    with Store.open(straight) as a, Store.open(upgraded) as b:
        assert [tuple(r) for r in a.conn.execute(dump)] == [tuple(r) for r in b.conn.execute(dump)]
