"""Event identity: whether a new report is of an event already stored, and which.

Two ways to be the same event. By the records: same PLOVER type, dates close, places compatible,
no conflicting parties (`match_score`). By the articles: reports whose articles name the same
people, places and figures (idf-weighted name cosines, `Names`). Everything here reads the store
through a connection and takes hand-built Events, so it is tested without spaCy.
"""

from __future__ import annotations

import contextlib
import json
import math
import sqlite3
from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass, fields, replace
from datetime import date as Date
from datetime import timedelta
from math import cos, radians
from typing import Any

from ..batching import batched
from ..cluster import smooth_idf, sublinear_tf
from ..model import Event, Location
from ..places.distance import haversine_km
from ..settings import DEFAULTS


@dataclass(frozen=True, slots=True)
class MergeRules:
    """The thresholds a report joins a stored event by (docs/settings.md has each). A store keeps
    the digest of the rules it was merged by; `flashpoint remerge` re-decides every merge under
    other ones, as a fresh ingest would.

    - By the records: same PLOVER type, dates at most `date_slack_days` apart, places within
      `place_km` (or the same first-level region when either is only known that precisely), no
      conflicting parties.
    - By the articles: same type, dates at most `text_slack_days` apart, nothing in the records
      in conflict, and articles that name the same people, places and figures (cosine of their
      idf-weighted names, flashpoint.cluster.name_terms) at least `same_names` alike. Reports of
      one shooting share the victim's name and the street; two shootings in one city share only
      the city.
    - A story of the event told later or earlier (an arrest, a charge, a trial), one side dated
      by its publication alone: within `follow_up_days`, names `same_names` alike, and of the
      names that are no place or listed party at least `follow_up_names`."""

    date_slack_days: int = DEFAULTS.merge_date_slack_days
    place_km: float = DEFAULTS.merge_place_km
    text_slack_days: int = DEFAULTS.merge_text_slack_days
    same_names: float = DEFAULTS.merge_same_names
    follow_up_names: float = DEFAULTS.merge_follow_up_names
    follow_up_days: int = DEFAULTS.merge_follow_up_days

    def digest(self) -> str:
        """The rules as the store's meta table keeps them (JSON)."""
        return json.dumps({f.name: getattr(self, f.name) for f in fields(self)}, sort_keys=True)

    @classmethod
    def from_digest(cls, digest: str) -> MergeRules:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in json.loads(digest).items() if k in known})


RULES = MergeRules()


@dataclass(frozen=True, slots=True)
class Parties:
    """A record's actor and recipient country codes, compared with a stored event's."""

    actor: frozenset[str]
    recip: frozenset[str]

    @classmethod
    def of(cls, ev: Event) -> Parties:
        return cls(frozenset(_codes(ev.actor)), frozenset(_codes(ev.recipient)))

    def conflict(self, row: sqlite3.Row) -> bool:
        """Other parties: the stored event names an actor or recipient this record does not."""
        return bool((self.actor and row["actor_code"] and row["actor_code"] not in self.actor)
                    or (self.recip and row["recipient_code"] and row["recipient_code"] not in self.recip))


def _codes(actors: list) -> set[str]:
    return {a.code for a in actors if a.code}


def match_score(ev: Event, parties: Parties, row: sqlite3.Row, rules: MergeRules = RULES) -> float | None:
    """A distance-like score when `ev` can report the stored event, else None."""
    assert ev.date is not None
    if parties.conflict(row):
        return None
    loc = ev.event_loc
    days = abs((Date.fromisoformat(row["date"]) - ev.date).days) if row["date"] else 1
    if loc is not None and loc.lat is not None and loc.lon is not None and row["lat"] is not None:
        if min(loc.resolution or 0, row["resolution"] or 0) >= 3:
            km = haversine_km(loc.lat, loc.lon, row["lat"], row["lon"])
            return None if km > rules.place_km else km / rules.place_km + days
        # A province or a country: the same one, and the same parties named.
        if loc.country_code != row["country"] or ((loc.resolution or 0) >= 2 and (row["resolution"] or 0) >= 2
                                                   and loc.province != row["admin1"]):
            return None
        return 2.0 + days if (parties.actor or parties.recip) else None
    # No place on one side: only a verbal or unlocated event whose parties both sides name.
    if not (parties.actor and row["actor_code"]) or (loc is not None and row["country"] and loc.country_code
                                               and loc.country_code != row["country"]):
        return None
    return 3.0 + days


def places_conflict(loc: Location | None, row: sqlite3.Row, rules: MergeRules = RULES) -> bool:
    """The places cannot be of one event: other countries, other provinces, or towns far apart."""
    if loc is None or loc.lat is None or loc.lon is None or row["lat"] is None:
        return False
    if loc.country_code and row["country"] and loc.country_code != row["country"]:
        return True
    both = min(loc.resolution or 0, row["resolution"] or 0)
    if both >= 2 and loc.province and row["admin1"] and loc.province != row["admin1"]:
        return True  # Kursk Oblast and Bryansk: other provinces
    return both >= 3 and haversine_km(loc.lat, loc.lon, row["lat"], row["lon"]) > rules.place_km


class TermCache:
    """Articles' name terms and their document frequencies, read from the store once and then
    kept in step with what this connection writes; emptied when another connection writes (SQLite's
    data_version moves), when a transaction fails, and on recode. Comparing an article with the
    reports of its candidate events reads the terms of some eighty articles; from SQLite each time,
    that was most of the cost of storing."""

    MAX_ARTICLES, MAX_TERMS = DEFAULTS.term_cache_articles, DEFAULTS.term_cache_terms

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        # Article -> (term, 1 + log tf, specific): what never changes of an article's vectors.
        self.tfs: dict[str, list[tuple[str, float, bool]]] = {}
        self.dfs: dict[str, int] = {}
        self.version: int | None = None

    def clear(self) -> None:
        self.tfs.clear()
        self.dfs.clear()

    def check(self) -> None:
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self.version:
            self.clear()
            self.version = version

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        try:
            yield
        except BaseException:
            self.clear()  # the transaction is rolled back: what was added here never happened
            raise

    def added(self, article_id: str, bag: Mapping[str, float], general: Container[str]) -> None:
        if len(self.tfs) >= self.MAX_ARTICLES or len(self.dfs) >= self.MAX_TERMS:
            self.clear()
        self.tfs[article_id] = [(t, sublinear_tf(tf), t not in general) for t, tf in bag.items()]
        for t in bag:
            if t in self.dfs:
                self.dfs[t] += 1

    def tf(self, article_ids: list[str]) -> dict[str, list[tuple[str, float, bool]]]:
        """Each article's (term, 1 + log tf, whether it is specific: no word of a place or a party)."""
        missing = [a for a in article_ids if a not in self.tfs]
        for a in missing:
            self.tfs[a] = []
        for part in batched(missing, 500):
            marks = ",".join("?" * len(part))
            for article_id, term, tf, specific in self.conn.execute(
                    f"SELECT article_id, term, tf, specific FROM terms WHERE article_id IN ({marks})", part):
                self.tfs[article_id].append((term, sublinear_tf(tf), bool(specific)))
        return {a: self.tfs[a] for a in article_ids}

    def df(self, terms: set[str]) -> dict[str, int]:
        missing = sorted(terms - self.dfs.keys())
        for part in batched(missing, 500):
            marks = ",".join("?" * len(part))
            self.dfs.update(self.conn.execute(f"SELECT term, df FROM term_df WHERE term IN ({marks})", part))
        return self.dfs


class Names:
    """An article's names and numbers, compared with those of the articles that report a stored event."""

    # The reports compared for an event: its first ones are enough to know it by.
    REPORTS = DEFAULTS.match_reports

    def __init__(self, conn: sqlite3.Connection, article_id: str, terms: TermCache, seq: int | None = None) -> None:
        self.conn = conn
        self.article_id = article_id
        self.terms = terms
        # Articles stored so far, for the idf: the article's sequence number, else the highest one
        # (counting the terms table would scan it for every article ingested). A remerge reads
        # the articles after it as not yet stored.
        self.n = seq if seq is not None else conn.execute("SELECT MAX(seq) FROM articles").fetchone()[0] or 0
        self.vectors: dict[str, tuple[dict[str, float], dict[str, float]]] = {}
        self.idf: dict[str, float] = {}
        self.df: dict[str, int] = {}
        self._load_vectors([article_id])
        self.mine, self.mine_specific = self.vectors[article_id]
        self.related: list[sqlite3.Row] | None = None
        # The events this article's reports went to so far.
        self.reported: set[str] = set()
        self.cosines: dict[str, tuple[float, float]] = {}

    # The rarest names of an article that are looked up to find the events it may report too.
    KEY_NAMES = DEFAULTS.match_key_names
    KEY_DF = DEFAULTS.match_key_df

    def related_rows(self, cols: str) -> list[sqlite3.Row]:
        """Events reported by other articles that share one of this article's rarest names, as
        they were before this article (its own reports go to `reported`, read fresh)."""
        if self.related is None:
            # A name in more articles than KEY_DF (a capital, a country, a wire's byline) would
            # bring in events by the thousand in a large store, and says little of which one.
            keys = sorted((t for t in self.mine if self.df.get(t, 0) <= self.KEY_DF),
                          key=lambda t: (-self.mine[t], t))[:self.KEY_NAMES]
            marks = ",".join("?" * len(keys))
            self.related = self.conn.execute(
                f"SELECT {cols}, type FROM events WHERE id IN (SELECT m.event_id FROM terms t JOIN mentions m"
                f" ON m.article_id = t.article_id WHERE t.term IN ({marks}) AND t.article_id != ?)",
                (*keys, self.article_id)).fetchall() if keys else []
        return [r for r in self.related if r["id"] not in self.reported]

    def prefetch(self, event_ids: list[str]) -> None:
        """Compute, in two queries, the cosines `similarity` will be asked for."""
        todo = [e for e in event_ids if e not in self.cosines]
        if not todo:
            return
        reports: dict[str, list[tuple[int, str]]] = {e: [] for e in todo}
        for part in batched(todo, 500):
            marks = ",".join("?" * len(part))
            for event_id, article_id, seq in self.conn.execute(
                    f"SELECT DISTINCT m.event_id, m.article_id, a.seq FROM mentions m JOIN articles a ON a.id = m.article_id"
                    f" WHERE m.event_id IN ({marks}) AND m.article_id != ?", (*part, self.article_id)):
                reports[event_id].append((seq, article_id))
        firsts = {e: [a for _, a in sorted(r)[:self.REPORTS]] for e, r in reports.items()}
        self._load_vectors(sorted({a for arts in firsts.values() for a in arts} - self.vectors.keys()))
        for event_id, arts in firsts.items():
            pairs = [(_cosine(self.mine, self.vectors[a][0]), _cosine(self.mine_specific, self.vectors[a][1])) for a in arts]
            self.cosines[event_id] = (max((p[0] for p in pairs), default=0.0), max((p[1] for p in pairs), default=0.0))

    def _load_vectors(self, article_ids: list[str]) -> None:
        tfs = self.terms.tf(article_ids)
        new_terms = {t for a in article_ids for t, _, _ in tfs[a]} - self.idf.keys()
        if new_terms:
            df = self.terms.df(new_terms)
            self.df.update({t: df[t] for t in new_terms})
            # Every term's idf as it stands while this article is stored.
            self.idf.update({t: smooth_idf(self.n, df[t]) for t in new_terms})
        idf = self.idf
        for article_id in article_ids:
            terms = tfs[article_id]
            self.vectors[article_id] = (_unit({t: ltf * idf[t] for t, ltf, _ in terms}),
                                        _unit({t: ltf * idf[t] for t, ltf, specific in terms if specific}))

    def similarity(self, event_id: str) -> tuple[float, float, bool]:
        """The best cosines with the event's reports in other articles, of all names and of the
        specific ones (no word of a place or a party), and whether this article reports the event
        already (its own reports name the same things, whatever they report)."""
        self.prefetch([event_id])
        sim, specific = self.cosines[event_id]
        return sim, specific, event_id in self.reported

    def states_day(self, event_id: str) -> bool:
        """Whether a report of the stored event states its day in its own sentence."""
        return self.conn.execute("SELECT 1 FROM tallies WHERE event_id = ? AND field = 'explicit' LIMIT 1",
                                 (event_id,)).fetchone() is not None


def _unit(vec: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {t: v / norm for t, v in vec.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(b) < len(a):
        a, b = b, a
    return sum(v * b[t] for t, v in a.items() if t in b)


@dataclass(frozen=True, slots=True)
class Decision:
    """Why a report went to the event it did, as `flashpoint explain` shows it.

    `rule` is "new" (no stored event passed), "records" (type, date, place and parties agree),
    "names" (dates close and the articles name the same people, places and figures),
    "same_article" (its article reports the event already, nothing in conflict) or "follow_up"
    (a story of the event told days or months apart, one side dated by its publication alone:
    the articles' names are alike and some are no place or party; a later one's date does not
    move the event's)."""

    event_id: str | None
    rule: str
    score: float | None = None
    similarity: float | None = None
    specific_similarity: float | None = None
    days: int | None = None  # the report's date minus the event's, in days
    agreed: tuple[str, ...] = ()
    candidates: int = 0

    @property
    def date_rank(self) -> int | None:
        """How the report's date counts towards its event's: None not at all (a follow-up told
        later: the arrest's day is not the shooting's), 1 above the others' (the earlier story of
        a follow-up stored first: its day is the event's), else 0."""
        if self.rule != "follow_up":
            return 0
        return 1 if (self.days or 0) < 0 else None

    def reason(self) -> str:
        """The decision in a sentence, for `flashpoint explain`."""
        agreed = ", ".join(self.agreed) or "nothing named on both sides"
        days = abs(self.days or 0)
        apart = "the same day" if not days else f"{days} day(s) {'after' if (self.days or 0) > 0 else 'before'} the event"
        if self.rule == "new":
            return f"started the event: none of the {self.candidates} stored event(s) compared passed a rule"
        if self.rule == "records":
            return f"joined by its record, dated {apart}: {agreed} agree (distance {self.score:.2f})"
        if self.rule == "names":
            return (f"joined by its article's names (cosine {self.similarity:.2f} with the event's reports), dated {apart};"
                    f" agreed: {agreed}")
        if self.rule == "same_article":
            return f"joined: its article reports the event already, dated {apart}, nothing in conflict; agreed: {agreed}"
        return (f"joined as a story of the event told {apart}: names that are no place or party alike (cosine"
                f" {self.specific_similarity:.2f}) and it names the event's place; "
                + ("its date does not move the event's" if (self.days or 0) > 0 else "its earlier date is the event's"))

    def to_dict(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "rule": self.rule,
                "score": None if self.score is None else round(self.score, 4),
                "similarity": None if self.similarity is None else round(self.similarity, 4),
                "specific_similarity": None if self.specific_similarity is None else round(self.specific_similarity, 4),
                "days": self.days, "agreed": list(self.agreed), "candidates": self.candidates}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Decision:
        return cls(d["event_id"], d["rule"], d.get("score"), d.get("similarity"), d.get("specific_similarity"),
                   d.get("days"), tuple(d.get("agreed") or ()), d.get("candidates") or 0)


def _agreed(ev: Event, parties: Parties, row: sqlite3.Row, days: int, rules: MergeRules) -> tuple[str, ...]:
    loc = ev.event_loc
    out = ["type"]
    if days <= rules.date_slack_days:
        out.append("date")
    if loc is not None and row["country"] and loc.country_code == row["country"]:
        out.append("country")
        if loc.province and loc.province == row["admin1"]:
            out.append("region")
        if (loc.lat is not None and loc.lon is not None and row["lat"] is not None
                and haversine_km(loc.lat, loc.lon, row["lat"], row["lon"]) <= rules.place_km):
            out.append("place")
    if parties.actor and row["actor_code"] in parties.actor:
        out.append("actor")
    if parties.recip and row["recipient_code"] in parties.recip:
        out.append("recipient")
    return tuple(out)


def matching_event(conn: sqlite3.Connection, ev: Event, names: Names, rules: MergeRules = RULES) -> Decision:
    """The stored event this record reports too, with why: the nearest one that passes a rule
    (Decision), or a "new" decision when none does."""
    if ev.date is None:
        return Decision(None, "new")
    cols = "id, date, country, admin1, lat, lon, resolution, actor_code, recipient_code"
    parties = Parties.of(ev)
    rows = record_candidates(conn, ev, parties, cols, rules)
    # By the names: events this article reports already, and those reported by articles that
    # share one of its rarest names (names alike enough to pass share one of those), within
    # three days, or a year before for a follow-up.
    reach = timedelta(days=max(rules.follow_up_days, rules.text_slack_days))
    lo, hi = (ev.date - reach).isoformat(), (ev.date + reach).isoformat()
    named = [r for r in names.related_rows(cols) if r["type"] == ev.event[0] and r["date"] and lo <= r["date"] <= hi]
    if names.reported:
        marks = ",".join("?" * len(names.reported))
        # By id, then type and dates here: with them in SQL, SQLite scans a year of the type's events.
        named += [r for r in conn.execute(f"SELECT {cols}, type FROM events WHERE id IN ({marks})", sorted(names.reported))
                  if r["type"] == ev.event[0] and r["date"] and lo <= r["date"] <= hi]
    rows += named
    named_set = {r["id"] for r in named}
    names.prefetch(sorted(named_set))
    candidates = {r["id"]: r for r in rows}
    best: Decision | None = None
    for row in sorted(candidates.values(), key=lambda r: r["id"]):
        decision = _decide(ev, parties, row, names, row["id"] in named_set, rules)
        if decision is not None and (best is None or decision.score < best.score):  # type: ignore[operator]
            best = decision
    if best is None:
        return Decision(None, "new", candidates=len(candidates))
    return replace(best, candidates=len(candidates))


def _decide(ev: Event, parties: Parties, row: sqlite3.Row, names: Names, named: bool, rules: MergeRules) -> Decision | None:
    """Whether `ev` reports the stored event `row`, by which rule and how near (lower is nearer)."""
    assert ev.date is not None
    signed = (ev.date - Date.fromisoformat(row["date"])).days if row["date"] else 0
    days = abs(signed)
    score = match_score(ev, parties, row, rules) if days <= rules.date_slack_days else None
    if score is not None:
        return Decision(row["id"], "records", score, days=signed, agreed=_agreed(ev, parties, row, days, rules))
    if not named or parties.conflict(row):
        return None
    sim, specific, own = names.similarity(row["id"])
    # Dates close: articles this alike are about one event even when a town was misread; the
    # article's own earlier report is, unless the records disagree ("struck Maryno, in the Kursk
    # region ... a day earlier it hit Bryansk": two).
    if days <= rules.text_slack_days and (sim >= rules.same_names
                                          or (own and not places_conflict(ev.event_loc, row, rules))):
        rule = "names" if sim >= rules.same_names else "same_article"
        return Decision(row["id"], rule, 2.0 - max(sim, 0.5 * own) + days / 10, sim, specific, signed,
                        _agreed(ev, parties, row, days, rules))
    # A story of the event told days or months apart (the shooting, then the arrest, the
    # charge, the trial; stored in any order) where one side states no day of its own, dated by
    # its publication: a sentence that states its day, weeks from the event's, is of another one.
    # Its names must be alike and some of them specific, no place or listed party (a city's next
    # shelling shares only the city and the armed group).
    if (days <= rules.follow_up_days and sim >= rules.same_names and specific >= rules.follow_up_names
            and (not ev.date_explicit or not names.states_day(row["id"]))):
        return Decision(row["id"], "follow_up", 3.0 - sim + days / 1000, sim, specific, signed,
                        _agreed(ev, parties, row, days, rules))
    return None


def record_candidates(conn: sqlite3.Connection, ev: Event, parties: Parties, cols: str,
                      rules: MergeRules = RULES) -> list[sqlite3.Row]:
    """The stored events that can pass match_score with `ev`, read with what rules the others
    out in SQL (a day's news has thousands of events of one type): the type within a day; the
    record's country or none; for a town, towns within 40 km (a box around it) or places
    known less precisely; without coordinates, only when the record names an actor."""
    assert ev.date is not None
    loc = ev.event_loc
    if (loc is None or loc.lat is None) and not parties.actor:
        return []
    sql = f"SELECT {cols} FROM events WHERE type = ? AND date BETWEEN ? AND ?"
    slack = timedelta(days=rules.date_slack_days)
    params: list[Any] = [ev.event[0], (ev.date - slack).isoformat(), (ev.date + slack).isoformat()]
    if loc is not None and loc.country_code:
        sql += " AND (country = ? OR country IS NULL)"
        params.append(loc.country_code)
    if loc is not None and loc.lat is not None and loc.lon is not None and (loc.resolution or 0) >= 3 and abs(loc.lat) < 80:
        dlat = rules.place_km / 110.0  # a degree of latitude is at least 110.5 km
        dlon = dlat / cos(radians(abs(loc.lat) + dlat))
        if -180 < loc.lon - dlon and loc.lon + dlon < 180:
            sql += (" AND (lat IS NULL OR resolution IS NULL OR resolution < 3"
                    " OR (lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?))")
            params += [loc.lat - dlat, loc.lat + dlat, loc.lon - dlon, loc.lon + dlon]
    return conn.execute(sql, params).fetchall()
