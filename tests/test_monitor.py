"""The escalation monitor over a store of hand-made events: one phenomenon a test."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest

from flashpoint.cli import main
from flashpoint.monitor import alerts, category, daily_series, escalation
from flashpoint.store import Store

AS_OF = date(2024, 11, 20)


class Events:
    """Writes event rows straight into a store: the monitor reads only the events and actors tables."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.n = 0

    def add(self, day: date, *, country="UKR", actor="RUS", recipient="UKR", type="ASSAULT", quad=4, scale=-8.0,
            dead=0, injured=0, admin1="Kharkiv", actor_name=None, times=1) -> None:
        for _ in range(times):
            self.n += 1
            eid = f"e{self.n:05}"
            self.store.conn.execute(
                "INSERT INTO events (id, type, quad, scale, date, country, admin1, actor_code, actor_sector, recipient_code,"
                " dead, injured, mentions, sources, coder_version, record) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,1,1,'t','{}')",
                (eid, type, quad, scale, day.isoformat(), country, admin1, actor, "MIL", recipient, dead, injured))
            self.store.conn.execute("INSERT INTO actors VALUES (?, ?, 'actor', 'forces', ?, 'MIL', ?)",
                                    (eid, eid, actor, actor_name))


@pytest.fixture()
def events(tmp_path):
    with Store.open(tmp_path / "m.db") as store:
        yield Events(store)


def steady(events: Events, weeks: int = 52, per_week: int = 4, **kw) -> None:
    for w in range(1, weeks + 1):
        events.add(AS_OF - timedelta(days=7 * w), times=per_week, **kw)


def test_a_surge_against_a_quiet_year_is_a_large_increase(events):
    steady(events)
    events.add(AS_OF - timedelta(days=2), times=20, dead=1)
    (ukr,) = escalation(events.store, "country", as_of=AS_OF)
    assert ukr.category == "large increase" and ukr.last_week == 20 and ukr.mean_4w == 4 and ukr.dead == 20


def test_a_handful_of_events_never_alarms(events):
    events.add(AS_OF - timedelta(days=1), times=3)
    (ukr,) = escalation(events.store, "country", as_of=AS_OF)
    assert ukr.category == "limited change"


def test_a_quiet_week_after_a_busy_month_is_a_large_decrease(events):
    for w in range(1, 5):
        events.add(AS_OF - timedelta(days=7 * w), times=12)
    events.add(AS_OF - timedelta(days=1), times=2)
    assert escalation(events.store, as_of=AS_OF)[0].category == "large decrease"


def test_moderate_increase_and_the_categories_themselves():
    assert category(10, 7, 7, 1) == "moderate increase"
    assert category(8, 8, 8, 1) == "limited change"
    assert category(30, 10, 10, 12) == "moderate increase"  # a year that often sees such weeks


def test_shift_toward_material_conflict(events):
    for w in range(1, 5):
        events.add(AS_OF - timedelta(days=7 * w), times=6, type="THREATEN", quad=3, scale=-4.0)
    events.add(AS_OF - timedelta(days=1), times=6)
    (ukr,) = escalation(events.store, as_of=AS_OF)
    assert ukr.material_shift == 1.0


def test_dyads_and_regions_are_units(events):
    events.add(AS_OF, times=6)
    events.add(AS_OF, times=2, actor="UKR", recipient="RUS", country="RUS", admin1="Kursk")
    assert {e.unit for e in escalation(events.store, "dyad", as_of=AS_OF)} == {"RUS>UKR", "UKR>RUS"}
    assert {e.unit for e in escalation(events.store, "admin1", as_of=AS_OF)} == {"UKR/Kharkiv", "RUS/Kursk"}


def test_daily_series_sums_per_day_type_and_quad(events):
    events.add(AS_OF, times=3, dead=2, injured=1)
    events.add(AS_OF, type="THREATEN", quad=3, scale=-4.0)
    rows = daily_series(events.store, "country", since=AS_OF, until=AS_OF)
    assert rows == [
        {"date": "2024-11-20", "unit": "UKR", "type": "ASSAULT", "quad": 4, "events": 3, "scale": -24.0, "dead": 6, "injured": 3},
        {"date": "2024-11-20", "unit": "UKR", "type": "THREATEN", "quad": 3, "events": 1, "scale": -4.0, "dead": 0, "injured": 0},
    ]


def test_alerts_first_strike_new_actor_and_escalation(events):
    steady(events)
    events.add(AS_OF - timedelta(days=2), times=20)
    events.add(AS_OF - timedelta(days=3), actor="PRK", recipient="UKR", actor_name="Korean People's Army")
    got = list(alerts(events.store, since=AS_OF - timedelta(days=6), until=AS_OF))
    kinds = [(a["alert"], a.get("unit") or a.get("actor")) for a in got]
    assert ("first_event", "PRK") in kinds and ("new_actor", "Korean People's Army") in kinds
    assert ("escalation", "UKR") in kinds and ("escalation", "RUS>UKR") in kinds
    assert ("first_event", "RUS") not in kinds  # Russia has struck Ukraine all year
    assert [a["date"] for a in got] == sorted(a["date"] for a in got)


def test_cli_monitor_and_alerts(events, tmp_path):
    steady(events)
    events.add(AS_OF - timedelta(days=2), times=20)
    events.store.close()
    out, err = io.StringIO(), io.StringIO()
    assert main(["monitor", "--db", str(tmp_path / "m.db")], out=out, err=err) == 0
    assert "large increase" in out.getvalue() and "UKR" in out.getvalue()
    out = io.StringIO()
    assert main(["alerts", "--db", str(tmp_path / "m.db"), "--since", "2024-11-14"], out=out, err=err) == 0
    assert any(json.loads(line)["alert"] == "escalation" for line in out.getvalue().splitlines())
    out = io.StringIO()
    assert main(["monitor", "--db", str(tmp_path / "m.db"), "--by", "dyad", "--json"], out=out, err=err) == 0
    assert json.loads(out.getvalue().splitlines()[0])["unit"] == "RUS>UKR"


def test_demo_builds_its_store_from_the_bundled_articles(tmp_path):
    from importlib import resources

    n = len(resources.files("flashpoint").joinpath("demo", "articles.jsonl").read_text(encoding="utf-8").splitlines())
    out, err = io.StringIO(), io.StringIO()
    assert main(["demo", "--db", str(tmp_path / "demo.db"), "--no-serve"], out=out, err=err) == 0, err.getvalue()
    assert f"{n} new" in err.getvalue() and "conflict events by country" in out.getvalue()
    # The demo tells a story on first load: Sudan's week of Darfur attacks is a large increase, with its reasons.
    (sdn,) = [line for line in out.getvalue().splitlines() if line.startswith("SDN ")]
    assert "large increase" in sdn
    db = str(tmp_path / "demo.db")
    out = io.StringIO()
    assert main(["monitor", "--db", db, "--by", "dyad", "--json"], out=out, err=err) == 0
    top = json.loads(out.getvalue().splitlines()[0])
    assert top["unit"] == "SDN>SDN" and top["category"] == "large increase" and top["reasons"]
    out = io.StringIO()
    assert main(["alerts", "--db", db], out=out, err=err) == 0
    found = [json.loads(line) for line in out.getvalue().splitlines()]
    assert {(a["kind"], a["unit"]) for a in found if a["alert"] == "escalation"} >= {("country", "SDN"), ("dyad", "SDN>SDN")}
    assert any(a["alert"] == "first_event" for a in found)


@pytest.mark.parametrize("argv", [["monitor", "--as-of", "0001-01-01"], ["alerts", "--until", "9999-12-31"],
                                  ["alerts", "--since", "0001-01-01"], ["alerts", "--until", "0001-12-31"]])
def test_days_the_monitor_cannot_look_back_from_are_refused_by_name(events, tmp_path, argv):
    steady(events, weeks=2)
    events.store.close()
    err = io.StringIO()
    assert main([argv[0], "--db", str(tmp_path / "m.db"), *argv[1:]], out=io.StringIO(), err=err) == 2
    assert "outside the days the monitor can judge" in err.getvalue()


def test_the_api_answers_such_days_with_422(events, tmp_path):
    from fastapi.testclient import TestClient

    from flashpoint.server import create_app

    steady(events, weeks=2)
    client = TestClient(create_app(tmp_path / "m.db"))
    assert client.get("/api/escalation", params={"as_of": "0001-01-01"}).status_code == 422
    assert client.get("/api/alerts", params={"until": "9999-12-31"}).status_code == 422
    assert client.get("/api/alerts", params={"since": "0001-01-01"}).status_code == 422
