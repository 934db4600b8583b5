"""Consistency checks for the curated data files: countries.csv, actors.yaml, sectors.yaml."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from pathlib import Path

import pycountry
import pytest
import yaml

from flashpoint.lexicon import ActorTables, shipped_actor_files

DATA = Path(__file__).resolve().parents[1] / "flashpoint" / "data"

INTERNATIONAL_CODES = {"IGO", "UNO", "EUR", "NGO", "ISM", "IMG", "MNC"}
PLOVER_SECTORS = {
    "GOV", "MIL", "COP", "JUD", "LEG", "PTY", "REB", "SPY", "PRM", "UAF", "CRM", "CVL",
    "EDU", "ELI", "JRN", "LAB", "MED", "REF", "OPP", "REL", "SOC", "BUS", "AGR",
}
EXTRA_ISO3 = {"XKX"}  # Kosovo: user-assigned code, not in ISO 3166-1
COUNTRY_COLUMNS = ("name", "aliases", "demonyms", "capitals")


def _split(cell: str | None) -> list[str]:
    return [s for s in (cell or "").split("|") if s]


@pytest.fixture(scope="module")
def countries() -> list[dict[str, str]]:
    with (DATA / "countries.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["iso3", "name", "aliases", "demonyms", "capitals"]
        return list(reader)


@pytest.fixture(scope="module")
def actors() -> list[dict]:
    """Every shipped actor entry: actors.yaml and the dated lists of actor_lists/."""
    out = []
    for path in shipped_actor_files():
        with path.open(encoding="utf-8") as fh:
            raw = yaml.safe_load(fh)
        assert isinstance(raw, dict) and isinstance(raw.get("actors"), list), path
        if path.parent.name == "actor_lists":
            assert raw.get("sources"), f"{path.name} names no sources"
        out.extend(raw["actors"])
    return out


@pytest.fixture(scope="module")
def sectors() -> dict[str, list[str]]:
    with (DATA / "sectors.yaml").open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    assert isinstance(raw, dict) and isinstance(raw.get("sectors"), dict)
    return raw["sectors"]


def _surfaces(actor: dict) -> list[str]:
    return [actor["name"], *(actor.get("aliases") or [])]


# ------------------------------------------------------------------ countries.csv

def test_countries_rows_are_well_formed(countries):
    assert len(countries) >= 195
    for row in countries:
        assert None not in row, f"extra columns in row {row}"
        assert row["name"], row
        for col in COUNTRY_COLUMNS:
            for s in _split(row[col]):
                assert s == s.strip(), f"{row['iso3']} {col}: stray whitespace in {s!r}"
            assert "||" not in (row[col] or ""), f"{row['iso3']} {col}: empty item"


def test_countries_sorted_and_unique(countries):
    codes = [r["iso3"] for r in countries]
    assert codes == sorted(codes)
    assert len(codes) == len(set(codes))


def test_country_codes_are_iso3(countries):
    valid = {c.alpha_3 for c in pycountry.countries} | EXTRA_ISO3
    bad = [r["iso3"] for r in countries if r["iso3"] not in valid]
    assert not bad, f"not ISO 3166-1 alpha-3: {bad}"


def test_expected_states_present(countries):
    codes = {r["iso3"] for r in countries}
    for code in ("RUS", "UKR", "USA", "GBR", "CHN", "PRK", "KOR", "ISR", "PSE", "XKX", "TWN", "VAT",
                 "COD", "COG", "SSD", "SDN", "IRN", "SYR", "YEM", "AFG", "MMR"):
        assert code in codes, code


def test_no_surface_form_maps_to_two_countries(countries):
    owners: dict[str, set[str]] = defaultdict(set)
    for row in countries:
        for col in COUNTRY_COLUMNS:
            for s in _split(row[col]):
                owners[s].add(row["iso3"])
    clashes = {s: sorted(c) for s, c in owners.items() if len(c) > 1}
    assert not clashes, f"surface forms shared by several countries: {clashes}"


def test_excluded_demonyms_absent(countries):
    demonyms = {s for r in countries for s in _split(r["demonyms"])}
    for word in ("Arab", "Arabs", "Kurdish", "Kurd", "Kurds", "Jewish", "Jew", "Muslim", "Muslims", "Korean"):
        assert word not in demonyms, word


def test_country_spot_checks(countries):
    by_code = {r["iso3"]: r for r in countries}
    assert "Russian" in _split(by_code["RUS"]["demonyms"])
    assert "Russians" in _split(by_code["RUS"]["demonyms"])
    assert "North Korean" in _split(by_code["PRK"]["demonyms"])
    assert "DPRK" in _split(by_code["PRK"]["aliases"])
    assert "U.S." in _split(by_code["USA"]["aliases"])
    assert "US" in _split(by_code["USA"]["aliases"])
    assert "Washington" in _split(by_code["USA"]["capitals"])
    assert "UK" in _split(by_code["GBR"]["aliases"])
    assert "Kyiv" in _split(by_code["UKR"]["capitals"])
    assert "Burma" in _split(by_code["MMR"]["aliases"])
    assert "Türkiye" in _split(by_code["TUR"]["aliases"])
    assert "Ivory Coast" in (by_code["CIV"]["name"], *_split(by_code["CIV"]["aliases"]))
    assert by_code["GEO"]["name"] == "Georgia"
    assert not by_code["BEL"]["capitals"], "Brussels belongs to the EU in actors.yaml"


# ------------------------------------------------------------------ actors.yaml

def test_actor_entries_are_well_formed(actors):
    assert len(actors) >= 200
    for a in actors:
        assert isinstance(a, dict), a
        assert set(a) <= {"name", "aliases", "code", "sector", "kind", "role", "roles"}, a
        assert isinstance(a["name"], str) and a["name"].strip() == a["name"] and a["name"], a
        aliases = a.get("aliases") or []
        assert isinstance(aliases, list), a
        for s in aliases:
            assert isinstance(s, str) and s and s.strip() == s, (a["name"], s)
        assert a.get("kind") in ("person", "organization"), a
        if "role" in a:
            assert isinstance(a["role"], str) and a["role"], a


def test_actor_codes_are_known(actors, countries):
    known = {r["iso3"] for r in countries} | INTERNATIONAL_CODES
    bad = [(a["name"], a.get("code")) for a in actors if a.get("code") not in known]
    assert not bad, f"unknown actor codes: {bad}"


def test_actor_sectors_are_plover(actors):
    bad = [(a["name"], a.get("sector")) for a in actors if a.get("sector") not in PLOVER_SECTORS]
    assert not bad, f"unknown actor sectors: {bad}"


def test_no_alias_shared_by_two_actors(actors):
    owners: dict[str, set[str]] = defaultdict(set)
    for a in actors:
        for s in _surfaces(a):
            owners[s].add(a["name"])
    clashes = {s: sorted(n) for s, n in owners.items() if len(n) > 1}
    assert not clashes, f"surface forms shared by several actors: {clashes}"


def test_actor_names_unique(actors):
    names = [a["name"] for a in actors]
    dupes = sorted({n for n in names if names.count(n) > 1})
    assert not dupes, dupes


def test_actor_surfaces_do_not_shadow_countries(actors, countries):
    country_surfaces = {s for r in countries for col in COUNTRY_COLUMNS for s in _split(r[col])}
    shadowed = sorted(s for a in actors for s in _surfaces(a) if s in country_surfaces)
    assert not shadowed, f"actor surface forms that hide a country surface form: {shadowed}"


def test_actor_spot_checks():
    tables = ActorTables.load()

    def at(surface: str, day: date | None = None) -> tuple[str | None, str | None]:
        return tables.surfaces[surface].at(day)

    assert tables.surfaces["Lavrov"] is tables.surfaces["Sergei Lavrov"]
    assert at("Sergei Lavrov") == ("RUS", "GOV") and tables.surfaces["Lavrov"].kind == "person"
    assert at("Kremlin") == ("RUS", "GOV")
    assert at("NATO")[0] == "IGO"
    assert tables.surfaces["Zelenskyy"].name == "Volodymyr Zelensky"
    assert at("Hamas")[0] == "PSE"
    assert at("Hemedti")[0] == "SDN"
    assert at("Guterres") == ("UNO", "GOV")
    assert at("Brussels")[0] == "EUR"
    assert at("IDF")[1] == "MIL"
    assert at("Islamic State")[0] == "IMG"


@pytest.mark.parametrize("surface, day, expected", [
    ("Poroshenko", date(2016, 1, 1), ("UKR", "GOV")),   # president 2014-2019
    ("Poroshenko", date(2021, 1, 1), ("UKR", "OPP")),
    ("Taliban", date(2010, 1, 1), ("AFG", "REB")),
    ("Taliban", date(2022, 1, 1), ("AFG", "GOV")),      # from 2021-08-15
    ("Kuleba", date(2022, 1, 1), ("UKR", "GOV")),       # foreign minister 2020-2024
    ("Kuleba", None, ("UKR", "ELI")),
    ("Guterres", date(2000, 1, 1), ("PRT", "GOV")),     # prime minister of Portugal
    ("RSF", date(2020, 1, 1), ("SDN", "MIL")),          # a state force until April 2023
    ("RSF", date(2024, 1, 1), ("SDN", "REB")),
])
def test_dated_roles_code_the_actor_of_the_day(surface, day, expected):
    assert ActorTables.load().surfaces[surface].at(day) == expected


def test_dated_roles_are_well_formed(actors):
    for a in actors:
        for r in a.get("roles") or []:
            assert set(r) <= {"title", "code", "sector", "from", "to"}, (a["name"], r)
            start, end = r.get("from"), r.get("to")
            assert start is None or isinstance(start, (str, date)), (a["name"], r)
            if start and end:
                assert str(start) <= str(end), (a["name"], r)


# ------------------------------------------------------------------ sectors.yaml

def test_sector_codes_are_plover(sectors):
    bad = [code for code in sectors if code not in PLOVER_SECTORS]
    assert not bad, f"unknown sector codes: {bad}"


def test_sector_words_are_lowercase_strings(sectors):
    for code, words in sectors.items():
        assert isinstance(words, list) and words, code
        for w in words:
            assert isinstance(w, str) and w == w.strip().lower() and w, (code, w)
            assert "  " not in w, (code, w)


def test_no_word_under_two_sectors(sectors):
    owners: dict[str, list[str]] = defaultdict(list)
    for code, words in sectors.items():
        for w in words:
            owners[w].append(code)
    clashes = {w: c for w, c in owners.items() if len(c) > 1}
    assert not clashes, f"words listed more than once: {clashes}"


def test_sector_spot_checks(sectors):
    lookup = {w: code for code, words in sectors.items() for w in words}
    expected = {
        "soldier": "MIL", "troop": "MIL", "armed forces": "MIL", "police": "COP",
        "security forces": "COP", "foreign minister": "GOV", "government": "GOV",
        "rebel": "REB", "militia": "PRM", "gunman": "UAF", "lawmaker": "LEG", "court": "JUD",
        "party": "PTY", "opposition": "OPP", "spy": "SPY", "protester": "CVL",
        "journalist": "JRN", "doctor": "MED", "student": "EDU", "worker": "LAB",
        "farmer": "AGR", "company": "BUS", "smuggler": "CRM", "refugee": "REF",
        "cleric": "REL", "aid worker": "SOC",
    }
    for word, code in expected.items():
        assert lookup.get(word) == code, (word, lookup.get(word), code)
    assert "leader" not in lookup


# ------------------------------------------------------------------ region_aliases.csv


def test_region_aliases_are_well_formed():
    with (DATA / "region_aliases.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["country", "admin1", "alias"]
        rows = list(reader)
    assert rows
    known = {c.alpha_3 for c in pycountry.countries}
    seen: dict[str, tuple[str, str]] = {}
    for row in rows:
        assert row["country"] in known and row["admin1"] and row["alias"].strip() == row["alias"] != ""
        key = (row["country"], row["alias"].lower())
        assert key not in seen or seen[key] == (row["country"], row["admin1"]), f"{row['alias']!r} names two regions"
        seen[key] = (row["country"], row["admin1"])
