"""Place mentions resolved with the article's own context; the real offline gazetteer."""

from __future__ import annotations

import pytest

from flashpoint.coding.registry import STAGES
from flashpoint.model import Article
from flashpoint.places.gazetteer import Gazetteer, Place


@pytest.fixture(scope="module")
def places(pipeline):
    def run(text: str):
        art = Article(id="t", text=text)
        for name in ("parse", "events", "places"):
            STAGES[name].fn([art], pipeline.resources)
        return {m.text: m for m in art.places}

    return run


def test_paris_texas_versus_paris_france(places):
    tx = places("A tornado damaged homes in Paris, Texas, on Sunday.")
    assert (tx["Paris"].place.country_code, tx["Paris"].place.admin1) == ("USA", "TX")
    fr = places("Protesters marched in Paris on Saturday against the pension reform.")
    assert fr["Paris"].place.country_code == "FRA"


def test_georgia_the_state_after_a_town(places):
    ga = places("Police in Atlanta, Georgia, arrested two men.")
    assert ga["Georgia"].place.feature == "admin1" and ga["Georgia"].place.country_code == "USA"
    geo = places("Georgia accused Russia of occupying its territory.")
    assert geo["Georgia"].place.country_code == "GEO"


def test_state_abbreviation_gives_the_state(places):
    got = places("Alexandria woman charged after a fire in Alexandria, La., on Monday.")
    assert got["La."].place.name == "Louisiana"
    assert got["Alexandria"].place.admin1 == "LA"


def test_demonym_is_a_place_mention_of_the_country(places):
    got = places("Sudanese troops clashed with rebels near the border.")
    assert got["Sudanese"].place.country_code == "SDN" and got["Sudanese"].place.feature == "country"


def test_offsets_point_into_the_text(places):
    text = "Shelling hit Kharkiv and Zaporizhzhia overnight, Ukrainian officials said."
    for m in places(text).values():
        assert text[m.start:m.end] == m.text


def test_place_used_as_actor_is_not_the_event_location(code):
    (ev,) = [e for e in code("Moscow said Ukrainian drones struck an oil depot in Bryansk on Monday.") if e["event"][0] == "ASSAULT"]
    assert ev["event_loc"]["resolved_place"] == "Bryansk"


def test_in_memory_gazetteer_is_a_drop_in():
    kyiv = Place(703448, "Kyiv", 50.45, 30.52, "UKR", "12", 2_797_553, "city", "PPLC")
    ukraine = Place(None, "Ukraine", 49.0, 32.0, "UKR", None, 0, "country", "PCLI")
    gaz = Gazetteer({"kyiv": [kyiv], "ukraine": [ukraine]})
    assert gaz.candidates("Kyiv") == [kyiv] and gaz.country("UKR") == ukraine


def test_village_unknown_falls_back_to_its_region(code):
    text = ("Ukrainian forces struck a command headquarters in the village of Maryno, in Russia's Kursk region, "
            "on Wednesday.")
    (ev,) = [e for e in code(text) if e["event"][0] == "ASSAULT"]
    loc = ev["event_loc"]
    assert loc["extracted_place"] == "Maryno" and loc["country_code"] == "RUS"
    assert loc["resolution"] == 2 and loc["province"].startswith("Kursk")
    assert 50 < loc["lat"] < 53 and 34 < loc["lon"] < 38


def test_region_words_make_regions(places):
    got = places("Russian shelling hit villages in the Kharkiv region and Idlib province on Monday.")
    assert got["Kharkiv region"].place.feature == "admin1" and got["Kharkiv region"].place.country_code == "UKR"
    assert got["Idlib province"].place.country_code == "SYR"


def test_county_is_placed_in_its_state(places):
    got = places("Deputies in Cooke County, Texas, arrested a man on Friday.")
    p = got["Cooke County"].place
    assert p.feature == "admin2" and (p.country_code, p.admin1) == ("USA", "TX")


def test_region_of_another_country_by_its_own_name(places):
    got = places("Russia sent more troops to Dagestan and Ontario sent aid.")
    assert got["Dagestan"].place.feature == "admin1" and got["Dagestan"].place.country_code == "RUS"
    assert got["Ontario"].place.feature == "admin1" and got["Ontario"].place.country_code == "CAN"


def test_bare_name_of_a_town_and_its_region_means_the_town(places):
    got = places("Airstrikes hit Idlib on Monday.")
    assert got["Idlib"].place.feature == "city"
    got = places("Airstrikes hit Idlib province on Monday.")
    assert got["Idlib province"].place.feature == "admin1"


def test_place_an_organisation_is_named_after(places):
    got = places("The Laurel County Detention Center in London, Ky., said the inmate escaped.")
    assert got["Laurel County"].place.admin1 == "KY"


def test_capitalised_dateline(places):
    got = places("DAYTON -- Police arrested two men after a robbery in Ohio on Sunday.")
    assert (got["DAYTON"].place.country_code, got["DAYTON"].place.admin1) == ("USA", "OH")


def test_part_of_a_region_is_placed_at_the_region(places):
    got = places("Storms flooded roads across North Texas on Sunday.")
    assert got["North Texas"].place.name == "Texas"


def test_nearby_names_pick_the_local_town(places):
    # Paris alone is France; with Henry County and Murray, Tennessee's Paris.
    got = places("The Paris City Council met Monday. Henry County deputies and Murray police joined the search near Paris.")
    assert got["Paris"].place.admin1 == "TN"


def test_dateline_state_places_the_town(places):
    got = places("CHARLESTOWN, IN (WAVE) - A teenager was shot outside a school on Tuesday.")
    assert got["CHARLESTOWN"].place.admin1 == "IN" and got["IN"].place.name == "Indiana"


def test_dateline_does_not_place_another_countrys_troops(code):
    text = ("KYIV, Nov 21 (flashpoint example) - More than 10,000 North Korean troops have been massed, "
            "South Korea's intelligence agency said.")
    (mob,) = [e for e in code(text, date="2024-11-21") if e["event"][0] == "MOBILIZE"]
    assert mob["event_loc"] is None or mob["event_loc"]["country_code"] != "UKR"


def test_demonym_is_not_the_event_location(code):
    (ev,) = [e for e in code("Rebels shelled an army command post with British missiles.") if e["event"][0] == "ASSAULT"]
    assert ev["event_loc"] is None


@pytest.mark.parametrize("text, not_places", [
    ("Sen. John Smith (D) spoke at the rally on Monday.", {"D"}),
    ("Rep. Wendell Gilliard, D-Charleston, said the bill failed.", {"D"}),
    ("Soldiers at Fort Hood were attacked on Monday.", {"Fort"}),
    ("Police Chief Harrison condemned the shooting.", {"Harrison"}),
    ("Matthew Wilson was convicted in Manhattan, Kansas. Wilson apologized to the victims.", {"Wilson"}),
])
def test_people_party_codes_and_name_fragments_are_not_places(places, text, not_places):
    assert not set(places(text)) & not_places


def test_a_dateline_in_text_that_lost_its_case(places):
    got = places("lucknow: the vishwa hindu parishad on thursday called a bandh.")
    assert got["lucknow"].place.name == "Lucknow" and got["lucknow"].place.country_code == "IND"
