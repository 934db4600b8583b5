"""Every field of a row: parties that are agents and resolved, dated roles, the targets of attacks,
places with their basis and precision, dates against the right anchor, counts of the event's own
kind. One small hand-written article per phenomenon."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from flashpoint.errors import DataFileError
from flashpoint.lexicon import ActorTables, Role

from .test_phenomena import codes, only


def test_a_weapon_is_not_an_actor(code):
    e = only(code("Missiles struck the city of Kharkiv overnight, officials said."), "ASSAULT")
    assert e["actor"] == []


def test_a_weapon_of_a_state_is_its_forces(code):
    e = only(code("Israeli jets struck Beirut on Sunday."), "ASSAULT")
    assert [(a["code"], a["sector"]) for a in e["actor"]] == [("ISR", "MIL")]


def test_a_bomb_phrase_is_no_actor_but_says_where(code):
    e = only(code("A roadside bomb at a market in the center of Baghdad killed seven people."), "ASSAULT")
    assert e["actor"] == []
    assert e["event_loc"]["resolved_place"] == "Baghdad"


def test_a_pronoun_with_nothing_before_it_stays_empty(code):
    e = only(code("They attacked the convoy near Kandahar on Monday."), "ASSAULT")
    assert e["actor"] == []


def test_the_ministry_is_the_one_named_before(code):
    evs = code("The Russian Foreign Ministry condemned the strike on Tuesday. Later the ministry accused Kyiv of terrorism.")
    accusations = [e for e in evs if e["event"][0] == "ACCUSE"]
    assert accusations and all(codes(e["actor"]) == ["RUS"] for e in accusations)


def test_the_holder_of_an_attacked_facility_is_the_recipient(code):
    e = only(code("Ukraine struck a command headquarters in Maryno, in Russia's Kursk region, on Wednesday."), "ASSAULT")
    assert codes(e["actor"]) == ["UKR"]
    assert [(r["code"], r["sector"]) for r in e["recipient"]] == [("RUS", "MIL")]


def test_local_police_take_the_country_of_their_own_place(code):
    e = only(code("Police in New York arrested three men on Tuesday."), "COERCE")
    assert [(a["code"], a["sector"]) for a in e["actor"]] == [("USA", "COP")]
    assert e["size"]["arrested"] == 3


def test_gunmen_are_of_where_they_struck_but_soldiers_are_not(code):
    e = only(code("Gunmen opened fire on a bus in Baghdad on Tuesday, killing two passengers."), "ASSAULT")
    assert [(a["code"], a["sector"]) for a in e["actor"]] == [("IRQ", "UAF")]
    e = only(code("Soldiers shelled a market in Kharkiv on Tuesday, killing two people."), "ASSAULT")
    assert e["actor"] and all(a["code"] is None for a in e["actor"])


def test_a_place_says_its_basis_and_acled_precision(code):
    e = only(code("Russian forces shelled Kharkiv on Tuesday, killing three civilians."), "ASSAULT")
    assert (e["event_loc"]["basis"], e["event_loc"]["precision"]) == ("clause", 1)
    e = only(code("Protesters marched through Bavaria on Sunday."), "PROTEST")
    assert e["event_loc"]["precision"] == 3


def test_a_dateline_place_is_marked_as_such(code):
    evs = code("KHARKIV, Ukraine (AP) - Two people were killed when shells hit a market on Tuesday.")
    e = only(evs, "ASSAULT")
    if e["event_loc"]["basis"] != "clause":
        assert e["event_loc"]["basis"] == "dateline" and e["event_loc"]["precision"] == 2


def test_a_day_after_an_earlier_event_is_not_the_day_after_publication(code):
    e = only(code("Ukraine fired British missiles into Russia, just one day after it used American ATACMS."),
             "ASSAULT")
    assert e["date"] <= "2024-11-20"


def test_the_date_next_to_the_trigger_wins(code):
    evs = code("On Tuesday police named a suspect in the April 15 bombing of a bus in Kabul.")
    bombing = [e for e in evs if e["trigger"] == "bombing"]
    assert bombing and bombing[0]["date"] == "2024-04-15"


def test_a_future_event_after_publication_is_flagged_scheduled(code):
    evs = code("Unions will hold a general strike in Athens on Friday, their leaders said.")
    assert evs and all(e["scheduled"] is True for e in evs if e["date"] > "2024-11-20")
    assert any(e["date"] > "2024-11-20" for e in evs)
    e = only(code("Police arrested two men in Athens on Tuesday."), "COERCE")
    assert e["scheduled"] is False


def test_counts_belong_to_event_types_that_have_them(code):
    evs = code("In 1984 the authorities refused to call in the army until thousands of Sikhs were killed.")
    assert all(e["size"]["dead"] is None for e in evs if e["event"][0] != "ASSAULT")


def test_no_one_killed_is_no_death_event(code):
    evs = code("A rocket hit an empty field near Sderot on Monday; no one was killed.")
    assert all(e["size"]["dead"] in (None, 0) for e in evs)


# ------------------------------------------------------------------ dated roles

def _tables(tmp_path: Path, body: str) -> ActorTables:
    path = tmp_path / "mine.yaml"
    path.write_text(body, encoding="utf-8")
    return ActorTables.load(extra_actors=[path])


POROSHENKO = """
actors:
  - name: Petro Exampleenko
    aliases: [Exampleenko]
    code: UKR
    kind: person
    sector: ELI
    roles:
      - {title: President of Ukraine, sector: GOV, from: 2014-06-07, to: 2019-05-20}
      - {title: Opposition leader, sector: OPP, from: 2019-05-21}
"""


def test_a_role_holds_from_the_day_taken_to_the_day_left(tmp_path):
    entry = _tables(tmp_path, POROSHENKO).surfaces["Exampleenko"]
    assert entry.at(date(2013, 1, 1)) == ("UKR", "ELI")
    assert entry.at(date(2014, 6, 7)) == ("UKR", "GOV")
    assert entry.at(date(2019, 5, 20)) == ("UKR", "GOV")
    assert entry.at(date(2020, 1, 1)) == ("UKR", "OPP")
    assert entry.at(None) == ("UKR", "OPP")  # undated: the role still held


def test_a_role_of_another_body_carries_its_code(tmp_path):
    entry = _tables(tmp_path, """
actors:
  - {name: Ann Example, code: PRT, kind: person, sector: ELI,
     roles: [{title: UN Secretary-General, code: UNO, sector: GOV, from: 2017-01-01}]}
""").surfaces["Ann Example"]
    assert entry.at(date(2010, 1, 1)) == ("PRT", "ELI")
    assert entry.at(date(2018, 1, 1)) == ("UNO", "GOV")


def test_the_article_date_picks_the_role(tmp_path):
    from flashpoint.api import extract
    from flashpoint.coding.pipeline import Pipeline
    from flashpoint.coding.registry import Resources

    path = tmp_path / "mine.yaml"
    path.write_text(POROSHENKO, encoding="utf-8")
    mine = Pipeline(resources=Resources(actor_files=[path]))
    for day, sector in (("2016-03-01", "GOV"), ("2021-03-01", "OPP")):
        evs = [e.to_plover() for e in extract("Exampleenko accused Moscow of shelling Mariupol.", date=day, pipeline=mine)]
        e = only(evs, "ACCUSE")
        assert [(a["code"], a["sector"]) for a in e["actor"]] == [("UKR", sector)], day


@pytest.mark.parametrize("role, message", [
    ("{title: President, sector: GOV, from: 2019-13-01}", "month must be in 1..12"),
    ("{title: President, sector: GOV, from: spring 2019}", "not a date"),
    ("{title: President, sector: GOV, from: 2019-05-01, to: 2018-01-01}", "ends"),
    ("{title: President, sector: XYZ, from: 2019-05-01}", "not a PLOVER sector"),
    ("{sector: GOV, from: 2019-05-01}", "needs a `title`"),
])
def test_a_bad_role_is_named(tmp_path, role, message):
    with pytest.raises(DataFileError, match=message):
        _tables(tmp_path, f"actors:\n  - {{name: X Y, code: UKR, kind: person, roles: [{role}]}}\n")


def test_role_holds_on_is_inclusive_and_open_ended():
    r = Role("President", None, "GOV", date(2020, 1, 1), None)
    assert r.holds_on(date(2020, 1, 1)) and r.holds_on(date(2099, 1, 1)) and not r.holds_on(date(2019, 12, 31))


def test_text_that_lost_its_case_still_names_its_actors(code):
    e = only(code("moscow: putin on thursday criticised nato."), "ACCUSE")
    assert codes(e["actor"]) == ["RUS"] and codes(e["recipient"]) == ["IGO"]
    # With case, lower-case words are words: "us" is not the United States.
    evs = code("They told us the Kremlin criticised NATO on Thursday.")
    assert all("USA" not in codes(e["actor"]) for e in evs)


def test_the_acled_row_carries_precision_and_basis(pipeline):
    from flashpoint.api import ACLED_COLUMNS, extract, to_acled_row

    ev = only_event(extract("Russian forces shelled Kharkiv on Tuesday, killing three civilians.",
                            date="2024-11-20", pipeline=pipeline), "ASSAULT")
    row = to_acled_row(ev)
    assert list(row) == ACLED_COLUMNS
    assert (row["geo_precision"], row["geo_basis"], row["location"]) == (1, "clause", "Kharkiv")


def only_event(events, etype):
    found = [e for e in events if e.event[0] == etype]
    assert found, [e.event for e in events]
    return found[0]


def test_shots_fired_are_not_people_hit(code):
    e = only(code("A 3-year-old was shot on Sunday night, where neighbors said at least 20 shots were fired."), "ASSAULT")
    assert e["size"]["injured"] == 1


def test_another_counts_one(code):
    e = only(code("A standoff killed one police officer and injured another, the sheriff said."), "ASSAULT")
    assert (e["size"]["dead"], e["size"]["injured"]) == (1, 1)


def test_field_scores_judge_each_field_against_the_gold():
    from flashpoint.evaluate import field_scores
    from flashpoint.model import Actor, Event, Evidence, Location, Size

    row = Event(article_id="a", event=["ASSAULT"], evidence=Evidence("x", 0, 1), trigger="struck", trigger_start=0,
                actor=[Actor("Ukraine", "UKR", "GOV")], recipient=[Actor("a base", "RUS", "MIL")],
                date=date(2024, 11, 20), size=Size(dead=2),
                event_loc=Location("Maryno", "Kursk Oblast", lat=51.7, lon=36.2, province="Kursk Oblast",
                                   country_code="RUS", resolution=2))
    gold = {"actor": "Ukraine|UKR|GOV", "recipient": "|RUS|MIL", "date": "2024-11-20",
            "place": {"name": "Maryno", "admin1": "Kursk Oblast", "country": "RUS", "lat": 51.36, "lon": 35.33,
                      "precision": 1},
            "counts": {"dead": 2, "injured": None, "arrested": None, "troops": None}}
    assert field_scores(row, gold) == {"actor": True, "recipient": True, "place": True, "date": True,
                                       "counts": True, "every_field": True}
    wrong = {**gold, "actor": "Ukraine|UKR|MIL", "date": "2024-11-19", "counts": {"dead": 3},
             "place": {**gold["place"], "lat": 55.75, "lon": 37.6, "admin1": "Moscow"}}
    assert field_scores(row, wrong) == {"actor": False, "recipient": True, "place": False, "date": False,
                                        "counts": False, "every_field": False}
    # A date the article does not give cannot be judged; nobody known must not be invented.
    unknown = {**gold, "date": None, "actor": ""}
    scores = field_scores(row, unknown)
    assert scores["date"] is None and scores["actor"] is False
