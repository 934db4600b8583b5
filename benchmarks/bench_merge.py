"""What storing a new article costs as the store grows: 10k, 100k and 1M stored events.

    ./.venv/bin/python benchmarks/bench_merge.py [--sizes 10000 100000 1000000] [--new 200] [--warmup 10]
        [--check-fill 1000] [--json out.json]

Times `Store.add` of coded articles (built by hand, no spaCy), as ingest calls it: each article's minhash and
near-copy look-up, its terms and places, and for each of its events the match against the stored events
(flashpoint.store.matcher: the type/date/place SQL, the events of the articles sharing its rarest names,
the events it reports already), then the new event or the merge with its tallies, one transaction per
article. For each size, `--new` further articles of the same synthetic stream are stored one by one on a
copy of a store filled to that many events, after `--warmup` untimed ones (the connection's term cache
starts empty). Merging should be sub-linear in the store's size: the per-article cost at 1M near that at
10k, where a scan of the events would make it 100x.

The synthetic news: articles published uniformly over three years (in random order, so that each store is
a prefix of the next one's stream and covers the same period less densely), ~5 events each over 8 PLOVER
types; ~3,000 towns (with their provinces and countries, resolved as toponyms of the article) in 150
countries, whose shares of the news and actor codes follow a Zipf law; ~200k made-up names, Zipf too, of
which an article names ~10-30 (its incidents' people, places, parties, and people in the background), in
sentences of made-up words. Three events in ten report again an incident of the last three days (the more
reported the likelier, with the incident's names, now and then only its province or a day off), so stored
events have several mentions and new reports merge into them; the others are new incidents.

Filling: store.add one article at a time is too slow for this (12 ms an article at 3k events, growing with
the store, as the table shows), so BulkFill writes the rows add writes, thousands to a transaction, and
takes the matcher's decision from the stream: a report of an incident goes to the incident's event. It
inserts the articles, their lsh bands, places, terms and term_df, mentions and actors as add does, and each
new event's first row; it then has every event counted from its mentions by the store's own
ArticleWriter._recount (what a schema upgrade does), which writes the tallies and event values that add's
report-by-report updates leave. `--check-fill N` first stores N articles both ways, add with its matcher
monkeypatched to the stream's decisions, and compares every table (all but articles.ingested_at): run it
after a change to the store. The fill costs ~4 ms an article and ~1 ms an event here (300k events: 11 min;
1M: about 35). Filled stores are cached in /tmp/bench_merge/ (store-g<generator>-<size>.db, the stream's
state and the fill's time beside it); a missing size is filled on from the largest smaller one cached.

Columns: the store (events, articles, mentions, the fill's seconds), the timed articles' ms (median, mean,
90th percentile) and ms per event, the share of their events merged into a stored event, the share that
went where the stream says (its incident's event, or a new one), and the store file's size.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import pickle
import random
import shutil
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flashpoint.cluster import headline_and_text, name_terms  # noqa: E402
from flashpoint.model import Actor, Article, Event, Evidence, Location, Size  # noqa: E402
from flashpoint.places.gazetteer import Place  # noqa: E402
from flashpoint.places.geoparse import PlaceMention  # noqa: E402
from flashpoint.store import Store, text_hash  # noqa: E402
from flashpoint.store.articles import _band_keys, _host, _place_row, article_outlet, general_terms, minhash  # noqa: E402
from flashpoint.store.db import now  # noqa: E402
from flashpoint.store.matcher import Decision  # noqa: E402

CACHE = Path("/tmp/bench_merge")
# Bumped whenever the stream below changes, so a cached store never mixes two streams.
GENERATOR = 1
SEED = 20250101
CODER = "bench-merge"
START, DAYS = date(2022, 1, 1), 3 * 365
N_COUNTRIES, N_TOWNS, N_NAMES, N_WORDS, N_OUTLETS = 150, 3000, 200_000, 6000, 400
REPEAT = 0.3  # share of an article's events that report an incident already in the news
RECENT_DAYS = 3

# PLOVER type: (share of events, triggers, quad code, actor sectors, recipient sectors)
TYPES: dict[str, tuple[float, tuple[str, ...], int, tuple[str, ...], tuple[str, ...]]] = {
    "ASSAULT": (0.22, ("shelled", "attacked", "bombed", "struck", "shot"), 4, ("MIL", "REB"), ("CVL", "MIL")),
    "PROTEST": (0.14, ("protested", "marched", "rallied", "demonstrated"), 3, ("OPP", "CVL", "LAB"), ("GOV",)),
    "ACCUSE": (0.14, ("accused", "blamed", "condemned", "denounced"), 3, ("GOV", "OPP"), ("GOV", "MIL")),
    "COERCE": (0.10, ("arrested", "detained", "raided", "expelled"), 4, ("COP", "GOV"), ("OPP", "CVL")),
    "CONSULT": (0.16, ("met", "hosted", "visited", "called"), 1, ("GOV",), ("GOV",)),
    "REQUEST": (0.08, ("urged", "asked", "appealed", "demanded"), 1, ("GOV", "IGO"), ("GOV",)),
    "AGREE": (0.08, ("agreed", "signed", "pledged", "endorsed"), 1, ("GOV",), ("GOV",)),
    "MOBILIZE": (0.08, ("deployed", "massed", "mobilised", "reinforced"), 3, ("MIL",), ()),
}
TYPE_NAMES = list(TYPES)
TYPE_CUM = list(itertools.accumulate(TYPES[t][0] for t in TYPE_NAMES))


def zipf_cum(n: int, s: float = 1.0) -> list[float]:
    return list(itertools.accumulate(1.0 / (r + 1) ** s for r in range(n)))


def made_up_words(rng: random.Random, n: int, *, syllables: tuple[int, int], capital: bool) -> list[str]:
    """n distinct pronounceable words; capitalised ones that name_terms does not take for names
    (stop and calendar words, however unlikely) are left out."""
    onsets = "b c d f g h j k l m n p r s t v z br dr gr kr tr st sh ch".split()
    vowels = "a e i o u ai ei ou".split()
    codas = ["", "", "", "n", "r", "s", "l", "k", "v", "sk"]
    words: dict[str, None] = {}
    while len(words) < n:
        k = rng.randint(*syllables)
        w = "".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(k)) + rng.choice(codas)
        words[w.capitalize() if capital else w] = None
    out = list(words)
    if capital:
        kept = name_terms("The " + " ".join(out))
        out = [w for w in out if w.lower() in kept]
    return out


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    name: str
    loc: Location  # the country itself (resolution 1)
    provinces: tuple[Location, ...]  # resolution 2
    towns: tuple[Location, ...]  # resolution 4


class World:
    """Countries, their provinces and towns, the names and words articles are written with: all drawn from one seed."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)
        proper = made_up_words(rng, N_NAMES + N_COUNTRIES * 12 + N_TOWNS + 2000, syllables=(2, 4), capital=True)
        rng.shuffle(proper)
        self.names = proper[:N_NAMES]
        self.name_cum = zipf_cum(len(self.names))
        places = iter(proper[N_NAMES:])
        self.words = made_up_words(rng, N_WORDS, syllables=(1, 3), capital=False)
        self.word_cum = zipf_cum(len(self.words))
        self.outlets = [f"{w}.{rng.choice(('com', 'com', 'org', 'net', 'co.uk', 'de', 'in'))}"
                        for w in made_up_words(rng, N_OUTLETS, syllables=(2, 3), capital=False)]
        self.outlet_cum = zipf_cum(N_OUTLETS, 0.8)
        codes: list[str] = []
        while len(codes) < N_COUNTRIES:
            code = "".join(rng.choice("ABCDEFGHIJKLMNOPRSTUVWYZ") for _ in range(3))
            if code not in codes:
                codes.append(code)
        # The news is about a few countries most of the time; towns less unevenly so.
        weights = [1.0 / (r + 1) ** 0.9 for r in range(N_COUNTRIES)]
        town_share = [w ** 0.5 for w in weights]
        towns_of = [max(2, round(N_TOWNS * s / sum(town_share))) for s in town_share]
        self.countries: list[Country] = []
        geonameid = itertools.count(1_000_000)
        for code, n_towns in zip(codes, towns_of, strict=True):
            name = next(places)
            lat, lon = rng.uniform(-45, 62), rng.uniform(-170, 170)
            country = Location(name, name, next(geonameid), round(lat, 4), round(lon, 4), None, code, 1, 3, "clause")
            provinces = []
            for _ in range(rng.randint(3, 12)):
                p = next(places) + " Province"
                plat, plon = lat + rng.gauss(0, 2.5), lon + rng.gauss(0, 2.5)
                provinces.append(Location(p, p, next(geonameid), round(max(-75.0, min(75.0, plat)), 4),
                                          round(max(-179.0, min(179.0, plon)), 4), p, code, 2, 3, "clause"))
            towns = []
            for _ in range(n_towns):
                t, prov = next(places), rng.choice(provinces)
                tlat, tlon = prov.lat + rng.gauss(0, 1.0), prov.lon + rng.gauss(0, 1.0)  # type: ignore[operator]
                towns.append(Location(t, t, next(geonameid), round(max(-75.0, min(75.0, tlat)), 4),
                                      round(max(-179.0, min(179.0, tlon)), 4), prov.province, code, 4, 1, "clause"))
            self.countries.append(Country(code, name, country, tuple(provinces), tuple(towns)))
        self.country_cum = list(itertools.accumulate(weights))
        self.province = {p.province or "": p for c in self.countries for p in c.provinces}
        # The gazetteer's entry of each place, for the articles' resolved toponyms.
        feature = {1: ("country", "PCLI"), 2: ("admin1", "ADM1"), 4: ("city", "PPL")}
        self.gazetteer = {loc.geonameid: Place(loc.geonameid, loc.resolved_place or "", loc.lat, loc.lon, loc.country_code, loc.province,
                                               rng.randint(5_000, 2_000_000), *feature[loc.resolution or 4])
                          for c in self.countries for loc in (c.loc, *c.provinces, *c.towns)}

    def country(self, rng: random.Random) -> Country:
        return self.countries[bisect.bisect(self.country_cum, rng.random() * self.country_cum[-1])]

    def name_list(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.names, cum_weights=self.name_cum, k=k)

    def prose(self, rng: random.Random, k: int) -> str:
        return " ".join(rng.choices(self.words, cum_weights=self.word_cum, k=k))


@dataclass(slots=True)
class Incident:
    """A real-world event of the stream, which one or more articles report."""

    kind: str
    day: int
    where: Location | None
    actor: tuple[str, str, str]  # code, sector, text
    recipient: tuple[str, str, str] | None
    names: list[str]
    dead: int | None
    # The stored event that should hold its reports: the id of its first report's record.
    event_id: str | None = None


@dataclass
class Stream:
    """The articles, in publication order of the stream (random dates), and the incidents they report."""

    world: World
    seed: int
    index: int = 0
    recent: dict[int, list[Incident]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def __getstate__(self) -> dict[str, Any]:
        # Pickled without the world, which is rebuilt from its seed (it is most of the memory).
        return {**self.__dict__, "world": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def _incident(self, rng: random.Random, day: int) -> Incident:
        w = self.world
        kind = TYPE_NAMES[bisect.bisect(TYPE_CUM, rng.random() * TYPE_CUM[-1])]
        _, _, _, actor_sectors, recip_sectors = TYPES[kind]
        home = w.country(rng)
        r = rng.random()
        where = (rng.choice(home.towns) if r < 0.75 else rng.choice(home.provinces) if r < 0.9
                 else home.loc if r < 0.97 else None)
        by = home if rng.random() < 0.7 else w.country(rng)
        sector = rng.choice(actor_sectors)
        actor = (by.code, sector, f"{by.name} {sector.lower()}")
        recipient = None
        if recip_sectors and rng.random() < 0.6:
            to = home if rng.random() < 0.5 else w.country(rng)
            rs = rng.choice(recip_sectors)
            recipient = (to.code, rs, f"{to.name} {rs.lower()}")
        dead = rng.choice((1, 1, 2, 3, 4, 5, 7, 12, 30)) if kind == "ASSAULT" and rng.random() < 0.4 else None
        return Incident(kind, day, where, actor, recipient, w.name_list(rng, rng.randint(1, 2)), dead)

    def next_article(self) -> tuple[Article, list[Incident]]:
        """The next article, and the incident each of its events reports."""
        rng = self.rng
        i = self.index
        self.index += 1
        day = rng.randrange(DAYS)
        reports: list[tuple[Incident, bool]] = []
        for _ in range(min(10, max(1, 1 + _poisson(rng, 4.0)))):
            days = [self.recent.get(d, []) for d in range(day - RECENT_DAYS, day + 1)]
            total = sum(map(len, days))
            inc = None
            if total and rng.random() < REPEAT:
                k = rng.randrange(total)
                for seen in days:
                    if k < len(seen):
                        inc = seen[k]
                        break
                    k -= len(seen)
            # Not one this article reports already: the coder's coref stage makes those one record.
            if inc is not None and all(inc is not other for other, _ in reports):
                again = True
            else:
                inc, again = self._incident(rng, max(0, day - rng.choice((0, 0, 1)))), False
            self.recent[inc.day].append(inc)  # a reported incident is likelier to be reported again
            reports.append((inc, again))
        return self._render(i, day, reports, rng), [inc for inc, _ in reports]

    def _render(self, i: int, day: int, reports: list[tuple[Incident, bool]], rng: random.Random) -> Article:
        w = self.world
        article_id = f"bench-{i:08d}"
        outlet = w.outlets[bisect.bisect(w.outlet_cum, rng.random() * w.outlet_cum[-1])]
        sentences: list[str] = []
        events: list[Event] = []
        places: list[PlaceMention] = []
        offset = 0

        def add(sentence: str) -> int:
            nonlocal offset
            start = offset
            sentences.append(sentence)
            offset += len(sentence) + 1
            return start

        add(f"The {w.prose(rng, 3)} {' '.join(w.name_list(rng, 2))} {w.prose(rng, 6)}.")
        for inc, again in reports:
            _, triggers, quad, _, _ = TYPES[inc.kind]
            trigger = rng.choice(triggers)
            where = inc.where
            if again and where is not None and where.resolution == 4 and rng.random() < 0.2:
                # A later report that gives only the province.
                where = w.province[where.province or ""]
            ev_day = inc.day + (rng.choice((-1, 1)) if again and rng.random() < 0.15 else 0)
            names = inc.names + w.name_list(rng, rng.randint(0, 1))
            place = f" near {where.extracted_place}" if where is not None else ""
            recip = f" {inc.recipient[2]}" if inc.recipient else ""
            head = f"On {(START + timedelta(days=ev_day)).strftime('%A')} {inc.actor[2]} "
            tail = f"{recip}{place} {w.prose(rng, 4)} {' '.join(names)} {w.prose(rng, 5)}"
            if inc.dead is not None:
                tail += f" {inc.dead} {w.prose(rng, 2)}"
            sentence = f"{head}{trigger}{tail}."
            start = add(sentence)
            if where is not None and where.extracted_place:
                # The geoparser's resolved toponym, which the matcher's follow-up rule looks for.
                at = start + len(head) + len(trigger) + len(recip) + len(" near ")
                places.append(PlaceMention(where.extracted_place, at, at + len(where.extracted_place),
                                           w.gazetteer[where.geonameid], round(rng.uniform(0.6, 1.0), 3)))
            events.append(Event(
                article_id=article_id, event=[inc.kind], evidence=Evidence(sentence, start, start + len(sentence)),
                trigger=trigger, trigger_start=start + len(head), actor=[Actor(inc.actor[2], inc.actor[0], inc.actor[1])],
                recipient=[Actor(inc.recipient[2], inc.recipient[0], inc.recipient[1])] if inc.recipient else [],
                date=START + timedelta(days=max(0, min(DAYS - 1, ev_day))), event_loc=replace(where) if where else None,
                size=Size(dead=inc.dead), confidence=round(rng.uniform(0.5, 0.95), 3), quad_code=quad,
                event_scale=round(rng.uniform(-10, 10), 1), date_explicit=rng.random() < 0.6))
            if rng.random() < 0.5:
                add(f"Officials {w.prose(rng, 5)} {' '.join(w.name_list(rng, rng.randint(1, 2)))} {w.prose(rng, 7)}.")
        text = " ".join(sentences)
        c = events[0].event_loc
        title = f"Report {w.prose(rng, 2)} {c.extracted_place if c else w.name_list(rng, 1)[0]} {w.prose(rng, 2)}"
        return Article(id=article_id, text=text, title=title, date=START + timedelta(days=day),
                       url=f"https://{outlet}/news/{i}", source=outlet, lang="en", events=events, places=places)


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's: means here are small.
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p < limit:
            return k
        k += 1


class BulkFill:
    """Writes coded articles into a store with the rows `store.add` writes, thousands to a transaction,
    taking the matcher's decision from the stream (each incident is one event, as add makes it when its
    matcher decides right). Articles, their terms, places, mentions and actors are inserted as add inserts
    them, and each new event's first row as add creates it; `settle` then counts every event that got
    reports again from its mentions with the store's own ArticleWriter._recount (what a schema upgrade
    does), which writes its tallies and values as add's report-by-report updates leave them."""

    def __init__(self, store: Store) -> None:
        self.store, self.conn = store, store.conn
        self.seq = self.conn.execute("SELECT COALESCE(MAX(seq), 0) FROM articles").fetchone()[0]
        self.rowid = self.conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM mentions").fetchone()[0]
        self.rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        self.df: Counter[str] = Counter()
        self.dirty: dict[str, None] = {}  # events with reports since the last settle, as an ordered set

    def add(self, article: Article, incidents: list[Incident]) -> int:
        """Stage one article (status "coded", never a copy: the stream makes none); the events it creates."""
        coder, article_id = self.store.coder, article.id
        sig = minhash(article.text)
        self.seq += 1
        self.rows["articles"].append((self.seq, article_id, article.url, text_hash(article.text), sig.tobytes(), None, article.title,
                                      article.date.isoformat() if article.date else None, article.source, _host(article.url),
                                      article.lang, "coded", None, coder, now(), article.text, article_outlet(article), article_id))
        self.rows["lsh"] += [(b, k, article_id) for b, k in _band_keys(sig)]
        self.rows["places"] += [_place_row(article_id, m) for m in article.places]
        bag, general = name_terms(headline_and_text(article)), general_terms([m.text for m in article.places], article.events)
        self.rows["terms"] += [(article_id, t, tf, t not in general) for t, tf in bag.items()]
        self.df.update(bag.keys())
        created = 0
        for ev, inc in zip(article.events, incidents, strict=True):
            encoded = json.dumps({**ev.to_plover(), "trigger_start": ev.trigger_start, "date_explicit": ev.date_explicit},
                                 ensure_ascii=False)
            decision = Decision(inc.event_id, "records") if inc.event_id else Decision(None, "new")
            if inc.event_id is None:
                inc.event_id = ev.id
                self.rows["events"].append((ev.id, ev.event[0], coder, encoded))
                created += 1
            self.rowid += 1
            self.rows["mentions"].append((self.rowid, ev.id, inc.event_id, article_id, ev.date.isoformat() if ev.date else None,
                                          ev.evidence.text, ev.evidence.start, ev.evidence.end, ev.confidence, coder, encoded,
                                          json.dumps(decision.to_dict())))
            self.rows["actors"] += [(ev.id, inc.event_id, role, a.text, a.code, a.sector, a.name)
                                    for role, group in (("actor", ev.actor), ("recipient", ev.recipient)) for a in group]
            self.dirty[inc.event_id] = None
        return created

    def flush(self) -> None:
        c, rows = self.conn, self.rows
        c.execute("BEGIN IMMEDIATE")
        c.executemany("INSERT INTO articles (seq, id, url, text_hash, minhash, near_dup_of, title, date, source, host, lang, status,"
                      " error, coder_version, ingested_at, text, outlet, given_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                      rows["articles"])
        c.executemany("INSERT INTO lsh VALUES (?, ?, ?)", rows["lsh"])
        c.executemany("INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows["places"])
        c.executemany("INSERT INTO terms (article_id, term, tf, specific) VALUES (?, ?, ?, ?)", rows["terms"])
        c.executemany("INSERT INTO term_df VALUES (?, ?) ON CONFLICT(term) DO UPDATE SET df = df + excluded.df", self.df.items())
        c.executemany("INSERT INTO events (id, type, mentions, sources, coder_version, record) VALUES (?, ?, 0, 0, ?, ?)", rows["events"])
        c.executemany("INSERT INTO mentions (rowid, record_id, event_id, article_id, date, evidence, start, end, confidence,"
                      " coder_version, record, merge) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows["mentions"])
        c.executemany("INSERT INTO actors VALUES (?,?,?,?,?,?,?)", rows["actors"])
        c.execute("COMMIT")
        rows.clear()
        self.df.clear()

    def settle(self) -> None:
        self.flush()
        self.conn.execute("BEGIN IMMEDIATE")
        for event_id in self.dirty:
            self.store._recount(event_id, refresh=True)
        self.conn.execute("COMMIT")
        self.dirty.clear()


def _paths(size: int) -> tuple[Path, Path, Path]:
    stem = CACHE / f"store-g{GENERATOR}-{size}"
    return stem.with_suffix(".db"), stem.with_suffix(".state.pkl"), stem.with_suffix(".json")


def _cached() -> list[int]:
    sizes = (int(p.name.split("-")[2].split(".")[0]) for p in CACHE.glob(f"store-g{GENERATOR}-*.json"))
    return sorted(s for s in sizes if all(p.exists() for p in _paths(s)))


def _remove(db: Path) -> None:
    for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        p.unlink(missing_ok=True)


def fill(sizes: list[int], world: World) -> dict[int, dict[str, Any]]:
    """The cached stores of these sizes (stored events): the missing ones filled in one pass of the stream,
    on from the largest smaller one cached, each a copy of the store when it first held that many events."""
    todo = sorted(set(sizes) - set(_cached()))
    if todo:
        live = CACHE / "filling.db"
        _remove(live)
        base = max((s for s in _cached() if s < todo[0]), default=None)
        if base is None:
            stream, spent = Stream(world, SEED), 0.0
        else:
            shutil.copyfile(_paths(base)[0], live)
            with _paths(base)[1].open("rb") as f:
                stream = pickle.load(f)
            stream.world = world
            spent = json.loads(_paths(base)[2].read_text())["fill_seconds"]
        with Store.open(live, coder=CODER) as store:
            store.conn.execute("PRAGMA synchronous=OFF")  # a scratch file: no content changes
            store.conn.execute("PRAGMA cache_size=-262144")
            bulk = BulkFill(store)
            events = store.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
            for size in todo:
                print(f"filling to {size:,} events" + (f" on from {base:,}" if base else ""), flush=True)
                t0 = lap = time.perf_counter()
                lap_index = stream.index
                while events < size:
                    events += bulk.add(*stream.next_article())
                    if stream.index % 5000 == 0:
                        bulk.flush()
                    if stream.index % 20_000 == 0:
                        t = time.perf_counter()
                        print(f"  {events:,} events, {stream.index:,} articles, {(t - lap) / (stream.index - lap_index) * 1e3:.2f} ms/article"
                              " (before counting the events)", flush=True)
                        lap, lap_index = t, stream.index
                bulk.settle()
                spent += time.perf_counter() - t0
                store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                db, state, meta = _paths(size)
                shutil.copyfile(live, db)
                with state.open("wb") as f:
                    pickle.dump(stream, f)
                counts = {f"stored_{t}": store.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("articles", "events", "mentions")}
                meta.write_text(json.dumps({"size": size, "fill_seconds": round(spent, 1), **counts}, indent=2) + "\n")
                base = size
        _remove(live)
    return {s: json.loads(_paths(s)[2].read_text()) for s in sizes}


def check_fill(n_articles: int, world: World) -> bool:
    """Whether the bulk fill of the stream's first articles writes what `store.add` writes for them, when
    add's matcher (monkeypatched here, and only here) takes the stream's incidents for events."""
    import flashpoint.store.articles as writer

    paths = CACHE / "check-bulk.db", CACHE / "check-add.db"
    for p in paths:
        _remove(p)
    with Store.open(paths[0], coder=CODER) as store:
        bulk, stream = BulkFill(store), Stream(world, SEED)
        for _ in range(n_articles):
            bulk.add(*stream.next_article())
        bulk.settle()
    expected: dict[str, str | None] = {}

    def oracle(conn: Any, ev: Event, names: Any) -> Decision:
        event_id = expected.pop(ev.id)
        return Decision(event_id, "records") if event_id else Decision(None, "new")

    matcher = writer.matching_event
    writer.matching_event = oracle
    try:
        with Store.open(paths[1], coder=CODER) as store:
            stream = Stream(world, SEED)
            for _ in range(n_articles):
                article, incidents = stream.next_article()
                for ev, inc in zip(article.events, incidents, strict=True):
                    expected[ev.id] = inc.event_id
                    inc.event_id = inc.event_id or ev.id
                store.add(article)
    finally:
        writer.matching_event = matcher
    same = True
    with Store.open(paths[0], coder=CODER) as a, Store.open(paths[1], coder=CODER) as b:
        for (table,) in a.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall():
            order = "event_id, field, value" if table == "tallies" else "rowid"
            cols = [r[1] for r in a.conn.execute(f"PRAGMA table_info({table})")]
            # When each article was stored differs, and is all that may.
            select = ", ".join("NULL" if (table, c) == ("articles", "ingested_at") else c for c in cols)
            rows = [[tuple(r) for r in s.conn.execute(f"SELECT {select} FROM {table} ORDER BY {order}")] for s in (a, b)]
            if rows[0] != rows[1]:
                same = False
                at = next((i for i, (x, y) in enumerate(zip(*rows, strict=False)) if x != y), min(map(len, rows)))
                print(f"check-fill: {table} differs from row {at} ({len(rows[0])} bulk, {len(rows[1])} add rows)")
                if at < min(map(len, rows)):
                    for c, x, y in zip(cols, rows[0][at], rows[1][at], strict=True):
                        if x != y:
                            print(f"  {c}: bulk {str(x)[:200]!r}, add {str(y)[:200]!r}")
            else:
                print(f"check-fill: {table} same ({len(rows[0])} rows)")
    for p in paths:
        _remove(p)
    return same


def measure(size: int, world: World, n_new: int, warmup: int) -> dict[str, Any]:
    """Time `n_new` more articles of the stream, one store.add each, on a copy of the filled store."""
    db, state, _ = _paths(size)
    work = CACHE / f"work-{size}.db"
    _remove(work)
    shutil.copyfile(db, work)
    with state.open("rb") as f:
        stream: Stream = pickle.load(f)
    stream.world = world
    batch = [stream.next_article() for _ in range(warmup + n_new)]
    # The event each record should go to: its incident's, else a new one of its own.
    truth: dict[str, str] = {}
    for article, incidents in batch:
        for ev, inc in zip(article.events, incidents, strict=True):
            truth[ev.id] = inc.event_id = inc.event_id or ev.id
    times: list[float] = []
    mentions = new_events = right = 0
    try:
        with Store.open(work, coder=CODER) as store:
            for article, _ in batch[:warmup]:
                store.add(article)
            for article, _ in batch[warmup:]:
                t = time.perf_counter()
                stored = store.add(article)
                times.append(time.perf_counter() - t)
                assert stored.status == "new", stored
                mentions += stored.mentions
                new_events += stored.new_events
            for article, _ in batch[warmup:]:
                for ev in article.events:
                    (got,) = store.conn.execute("SELECT event_id FROM mentions WHERE record_id = ?", (ev.id,)).fetchone()
                    right += got == truth[ev.id]
    finally:
        _remove(work)
    return {"timed_articles": n_new, "timed_events": mentions, "timed_merged": mentions - new_events, "timed_right": right,
            "ms_per_article_median": round(statistics.median(times) * 1e3, 2),
            "ms_per_article_mean": round(statistics.fmean(times) * 1e3, 2),
            "ms_per_article_p90": round(statistics.quantiles(times, n=10)[-1] * 1e3, 2),
            "ms_per_event": round(sum(times) / mentions * 1e3, 3), "store_mb": round(db.stat().st_size / 1e6, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000], help="stored events")
    ap.add_argument("--new", type=int, default=200, help="articles timed at each size")
    ap.add_argument("--warmup", type=int, default=10, help="articles stored untimed first at each size")
    ap.add_argument("--check-fill", type=int, metavar="ARTICLES",
                    help="first check that the bulk fill writes what store.add does, on this many articles")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    world = World(SEED)
    if args.check_fill and not check_fill(args.check_fill, world):
        sys.exit("the bulk fill no longer writes what store.add does: see above")
    metas = fill(args.sizes, world)
    rows = [{**metas[size], **measure(size, world, args.new, args.warmup)} for size in sorted(args.sizes)]
    print(f"\n{'events':>9} {'articles':>8} {'mentions':>9} {'fill s':>7} {'ms/art med':>10} {'mean':>7} {'p90':>7} {'ms/event':>8}"
          f" {'merged':>7} {'right':>6} {'store MB':>8}")
    for r in rows:
        print(f"{r['stored_events']:>9,} {r['stored_articles']:>8,} {r['stored_mentions']:>9,} {r['fill_seconds']:>7.0f}"
              f" {r['ms_per_article_median']:>10.2f} {r['ms_per_article_mean']:>7.2f} {r['ms_per_article_p90']:>7.2f}"
              f" {r['ms_per_event']:>8.3f} {r['timed_merged'] / r['timed_events']:>7.0%} {r['timed_right'] / r['timed_events']:>6.0%}"
              f" {r['store_mb']:>8.1f}")
    if args.json:
        args.json.write_text(json.dumps({"new_articles": args.new, "warmup": args.warmup, "results": rows}, indent=2) + "\n",
                             encoding="utf-8")


if __name__ == "__main__":
    main()
