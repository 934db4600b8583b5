"""Event identity on hand-built records, without the coder: when a report is of a stored event."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flashpoint.model import Location
from flashpoint.store import Store
from flashpoint.store.matcher import Names, Parties, match_score, matching_event, places_conflict
from tests.handmade import BRYANSK, DAY, IZIUM, KHARKIV, KURSK_REGION, ODESA, TSIRKUNY, article, event


def row(loc: Location | None, *, day=DAY, actor: str | None = "RUS", recipient: str | None = None) -> dict:
    """A stored event's row, as matching reads it."""
    return {"id": "e", "date": day.isoformat() if day else None, "country": loc.country_code if loc else None,
            "admin1": loc.province if loc else None, "lat": loc.lat if loc else None, "lon": loc.lon if loc else None,
            "resolution": loc.resolution if loc else None, "actor_code": actor, "recipient_code": recipient}


def score(ev, r):
    return match_score(ev, Parties.of(ev), r)


def test_towns_within_40_km_match_and_a_day_apart_scores_a_day_more():
    ev = event("a", place=KHARKIV)
    same_day = score(ev, row(TSIRKUNY))
    assert same_day is not None and 0 < same_day < 1
    assert score(ev, row(TSIRKUNY, day=DAY + timedelta(days=1))) == pytest.approx(same_day + 1)


def test_towns_farther_apart_do_not_match():
    assert score(event("a", place=KHARKIV), row(IZIUM)) is None


def test_other_parties_do_not_match_and_an_unnamed_one_is_no_conflict():
    ev = event("a", place=KHARKIV, actors=("RUS",), recipients=("UKR",))
    assert score(ev, row(KHARKIV, actor="UKR")) is None
    assert score(ev, row(KHARKIV, recipient="USA")) is None
    assert score(ev, row(KHARKIV, actor=None)) is not None


def test_a_province_matches_a_place_in_it_only_when_parties_are_named():
    town_in_kursk = Location("Sudzha", "Sudzha", 487928, 51.19, 35.27, "Kursk Oblast", "RUS", 4)
    assert score(event("a", place=KURSK_REGION, actors=("UKR",)), row(town_in_kursk, actor="UKR")) == 2.0
    assert score(event("a", place=KURSK_REGION, actors=()), row(town_in_kursk, actor=None)) is None
    assert score(event("a", place=KURSK_REGION, actors=("UKR",)), row(BRYANSK, actor="UKR")) is None


def test_a_record_without_a_place_matches_only_an_event_of_its_actor_in_its_country():
    assert score(event("a", place=None), row(KHARKIV)) == 3.0
    assert score(event("a", place=None), row(KHARKIV, actor=None)) is None
    assert score(event("a", place=None, actors=()), row(KHARKIV)) is None
    unresolved_in_russia = Location("somewhere", country_code="RUS", resolution=1)
    assert score(event("a", place=unresolved_in_russia), row(KHARKIV)) is None


@pytest.mark.parametrize(("loc", "other", "conflict"), [
    (KHARKIV, TSIRKUNY, False),
    (KHARKIV, IZIUM, True),  # one province, towns 120 km apart
    (KURSK_REGION, BRYANSK, True),  # other provinces
    (KHARKIV, BRYANSK, True),  # other countries
    (None, BRYANSK, False),
    (Location("Kharkiv"), ODESA, False),  # an unresolved place says nothing
])
def test_places_conflict(loc, other, conflict):
    assert places_conflict(loc, row(other)) is conflict


@pytest.fixture()
def store(tmp_path):
    with Store.open(tmp_path / "m.db") as s:
        yield s


def event_ids(store) -> list[str]:
    return [r[0] for r in store.conn.execute("SELECT id FROM events ORDER BY id")]


def select(store, sql: str) -> list[tuple]:
    return [tuple(r) for r in store.conn.execute(sql)]


def test_matching_event_finds_the_stored_event_a_record_agrees_with(store):
    store.add(article("a", "shelling in the city", event("a", place=KHARKIV)))
    names = Names(store.conn, "new", store.terms)
    (stored,) = event_ids(store)
    found = matching_event(store.conn, event("new", place=TSIRKUNY), names)
    assert (found.event_id, found.rule) == (stored, "records")
    assert {"type", "date", "region", "place"} <= set(found.agreed)
    for other in (event("new", place=TSIRKUNY, day=DAY + timedelta(days=2)), event("new", "PROTEST", place=KHARKIV),
                  event("new", place=KHARKIV, day=None)):
        assert matching_event(store.conn, other, names).event_id is None


def test_two_outlets_reporting_one_strike_give_one_event(store):
    store.add(article("a", "shelling in the city", event("a", place=KHARKIV, dead=3), url="https://one.example/1"))
    done = store.add(article("b", "artillery hit a suburb", event("b", place=TSIRKUNY, dead=3),
                             url="https://two.example/7"))
    assert done.status == "new" and done.new_events == 0
    assert select(store, "SELECT mentions, sources, dead FROM events") == [(2, 2, 3)]


def test_another_city_or_another_week_is_another_event(store):
    store.add(article("a", "shelling in the city", event("a", place=KHARKIV)))
    store.add(article("b", "shelling in the port", event("b", place=ODESA)))
    store.add(article("c", "shelling again", event("c", place=KHARKIV, day=DAY + timedelta(days=7)), day=None))
    assert len(event_ids(store)) == 3


def test_an_articles_own_earlier_report_takes_a_record_with_no_place_or_actor(store):
    done = store.add(article("a", "Shelling hit Kharkiv. Three people died.",
                             event("a", place=KHARKIV, sentence="Shelling hit Kharkiv."),
                             event("a", place=None, actors=(), sentence="Three people died.", start=22, dead=3)))
    assert done.new_events == 1 and select(store, "SELECT mentions, dead FROM events") == [(2, 3)]


def test_an_articles_two_strikes_in_other_provinces_stay_two_events(store):
    text = "Ukraine struck Maryno, in the Kursk region. A day earlier it hit Bryansk."
    done = store.add(article("k", text, event("k", place=KURSK_REGION, actors=("UKR",), sentence="Ukraine struck Maryno."),
                             event("k", place=BRYANSK, actors=("UKR",), day=DAY - timedelta(days=1), start=44,
                                   sentence="A day earlier it hit Bryansk.")))
    assert done.new_events == 2


NAMED = ("Russian glide bombs hit the Saltivskyi district, governor Oleh Syniehubov said, and the "
         "Karazin University dormitory burned.")


def test_articles_naming_the_same_people_and_places_are_one_event_though_a_place_is_misread(store):
    store.add(article("a", NAMED, event("a", place=KHARKIV), url="https://one.example/1"))
    # The second outlet's town was resolved to another city: the names still say it is the same strike.
    done = store.add(article("b", "Officials said " + NAMED, event("b", place=ODESA), url="https://two.example/2"))
    assert done.new_events == 0 and len(event_ids(store)) == 1


def test_articles_naming_other_people_are_not_joined_by_their_names(store):
    store.add(article("a", NAMED, event("a", place=KHARKIV)))
    store.add(article("b", "Police said Ivan Petrenko of Chornomorsk was wounded by a drone.", event("b", place=ODESA)))
    assert len(event_ids(store)) == 2


def test_a_follow_up_with_no_date_of_its_own_joins_within_a_year(store):
    store.add(article("a", NAMED, event("a", place=KHARKIV)))
    later = DAY + timedelta(days=60)
    store.add(article("b", "Two months on, " + NAMED, event("b", place=KHARKIV, day=later, explicit=False), day=later))
    assert len(event_ids(store)) == 1
    store.add(article("c", "Again, " + NAMED, event("c", place=KHARKIV, day=later, explicit=True), day=later))
    assert len(event_ids(store)) == 2


def test_same_text_under_another_url_is_a_duplicate_and_a_new_id_is_kept_apart(store):
    store.add(article("a", NAMED, event("a", place=KHARKIV), url="https://one.example/1"))
    again = store.add(article("b", NAMED, event("b", place=KHARKIV), url="https://two.example/9"))
    assert again.status == "duplicate" and again.duplicate_of == "a"
    other = store.add(article("a", "Another story under the same file name.", event("a", place=ODESA)))
    assert other.status == "new" and other.article_id.startswith("a#")
    assert store.counts() == {"articles": 2, "events": 2, "mentions": 2}
