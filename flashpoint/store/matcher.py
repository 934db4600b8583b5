"""Event identity: whether a new report is of an event already stored, and which.

Two ways to be the same event. By the records: same PLOVER type, dates close, places compatible,
no conflicting parties (`match_score`). By the articles: reports whose articles name the same
people, places and figures (idf-weighted name cosines, `Names`). Everything here reads the store
through a connection and takes hand-built Events, so it is tested without spaCy.
"""

from __future__ import annotations

import contextlib
import math
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date as Date
from datetime import timedelta
from math import cos, radians
from typing import Any

from ..batching import batched
from ..cluster import smooth_idf, sublinear_tf
from ..model import Event, Location
from ..places.distance import haversine_km
from ..settings import DEFAULTS

# Same event, by what the records say: same PLOVER type, dates at most a day apart, places within
# 40 km (or the same first-level region when either is only known that precisely), no
# conflicting parties.
DATE_SLACK = timedelta(days=DEFAULTS.merge_date_slack_days)
SAME_PLACE_KM = DEFAULTS.merge_place_km
# Same event, by what the articles say: same type, dates at most three days apart, nothing in the
# records in conflict, and articles that name the same people, places and figures (cosine of
# their idf-weighted names, flashpoint.cluster.name_terms) at least this alike. Reports of one
# shooting share the victim's name and the street; two shootings in one city share only the city.
TEXT_SLACK = timedelta(days=DEFAULTS.merge_text_slack_days)
SAME_NAMES = DEFAULTS.merge_same_names
# Articles this alike are about one event even when their records disagree on the place, or on
# the day when the new report states none (a town mis-resolved; a follow-up story, dated by its
# publication, about an arrest or a trial): parties must still agree.
SURE_NAMES = DEFAULTS.merge_sure_names
SURE_SLACK = timedelta(days=DEFAULTS.merge_sure_slack_days)


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


def match_score(ev: Event, parties: Parties, row: sqlite3.Row) -> float | None:
    """A distance-like score when `ev` can report the stored event, else None."""
    assert ev.date is not None
    if parties.conflict(row):
        return None
    loc = ev.event_loc
    days = abs((Date.fromisoformat(row["date"]) - ev.date).days) if row["date"] else 1
    if loc is not None and loc.lat is not None and loc.lon is not None and row["lat"] is not None:
        if min(loc.resolution or 0, row["resolution"] or 0) >= 3:
            km = haversine_km(loc.lat, loc.lon, row["lat"], row["lon"])
            return None if km > SAME_PLACE_KM else km / SAME_PLACE_KM + days
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


def places_conflict(loc: Location | None, row: sqlite3.Row) -> bool:
    """The places cannot be of one event: other countries, other provinces, or towns far apart."""
    if loc is None or loc.lat is None or loc.lon is None or row["lat"] is None:
        return False
    if loc.country_code and row["country"] and loc.country_code != row["country"]:
        return True
    both = min(loc.resolution or 0, row["resolution"] or 0)
    if both >= 2 and loc.province and row["admin1"] and loc.province != row["admin1"]:
        return True  # Kursk Oblast and Bryansk: other provinces
    return both >= 3 and haversine_km(loc.lat, loc.lon, row["lat"], row["lon"]) > SAME_PLACE_KM


class TermCache:
    """Articles' name terms and their document frequencies, read from the store once and then
    kept in step with what this connection writes; emptied when another connection writes (SQLite's
    data_version moves), when a transaction fails, and on recode. Comparing an article with the
    reports of its candidate events reads the terms of some eighty articles; from SQLite each time,
    that was most of the cost of storing."""

    MAX_ARTICLES, MAX_TERMS = DEFAULTS.term_cache_articles, DEFAULTS.term_cache_terms

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        # Article -> (term, 1 + log tf): what never changes of an article's vector.
        self.tfs: dict[str, list[tuple[str, float]]] = {}
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

    def added(self, article_id: str, bag: Mapping[str, float]) -> None:
        if len(self.tfs) >= self.MAX_ARTICLES or len(self.dfs) >= self.MAX_TERMS:
            self.clear()
        self.tfs[article_id] = [(t, sublinear_tf(tf)) for t, tf in bag.items()]
        for t in bag:
            if t in self.dfs:
                self.dfs[t] += 1

    def tf(self, article_ids: list[str]) -> dict[str, list[tuple[str, float]]]:
        """Each article's (term, 1 + log tf)."""
        missing = [a for a in article_ids if a not in self.tfs]
        for a in missing:
            self.tfs[a] = []
        for part in batched(missing, 500):
            marks = ",".join("?" * len(part))
            for article_id, term, tf in self.conn.execute(
                    f"SELECT article_id, term, tf FROM terms WHERE article_id IN ({marks})", part):
                self.tfs[article_id].append((term, sublinear_tf(tf)))
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

    def __init__(self, conn: sqlite3.Connection, article_id: str, terms: TermCache) -> None:
        self.conn = conn
        self.article_id = article_id
        self.terms = terms
        # Articles stored so far, for the idf: the highest sequence number, read from the index
        # (counting the terms table would scan it for every article ingested).
        self.n = conn.execute("SELECT MAX(seq) FROM articles").fetchone()[0] or 0
        self.vectors: dict[str, dict[str, float]] = {}
        self.idf: dict[str, float] = {}
        self._load_vectors([article_id])
        self.mine = self.vectors[article_id]
        self.related: list[sqlite3.Row] | None = None
        # The events this article's reports went to so far.
        self.reported: set[str] = set()
        self.cosines: dict[str, float] = {}

    # The rarest names of an article that are looked up to find the events it may report too.
    KEY_NAMES = DEFAULTS.match_key_names

    def related_rows(self, cols: str) -> list[sqlite3.Row]:
        """Events reported by other articles that share one of this article's rarest names, as
        they were before this article (its own reports go to `reported`, read fresh)."""
        if self.related is None:
            keys = sorted(self.mine, key=lambda t: -self.mine[t])[:self.KEY_NAMES]
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
            self.cosines[event_id] = max((self._cosine(self.vectors[a]) for a in arts), default=0.0)

    def _load_vectors(self, article_ids: list[str]) -> None:
        tfs = self.terms.tf(article_ids)
        new_terms = {t for a in article_ids for t, _ in tfs[a]} - self.idf.keys()
        if new_terms:
            df = self.terms.df(new_terms)
            # Every term's idf as it stands while this article is stored.
            self.idf.update({t: smooth_idf(self.n, df[t]) for t in new_terms})
        idf = self.idf
        for article_id in article_ids:
            vec = {t: ltf * idf[t] for t, ltf in tfs[article_id]}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            self.vectors[article_id] = {t: v / norm for t, v in vec.items()}

    def _cosine(self, vec: dict[str, float]) -> float:
        return sum(self.mine[t] * vec[t] for t in self.mine.keys() & vec.keys())

    def similarity(self, event_id: str) -> tuple[float, bool]:
        """The best cosine with the event's reports in other articles, and whether this article
        reports the event already (its own reports name the same things, whatever they report)."""
        self.prefetch([event_id])
        return self.cosines[event_id], event_id in self.reported


def matching_event(conn: sqlite3.Connection, ev: Event, names: Names) -> str | None:
    """The stored event this record reports too, if any: the nearest one that passes every test."""
    if ev.date is None:
        return None
    cols = "id, date, country, admin1, lat, lon, resolution, actor_code, recipient_code"
    parties = Parties.of(ev)
    rows = record_candidates(conn, ev, parties, cols)
    # By the names: events this article reports already, and those reported by articles that
    # share one of its rarest names (names alike enough to pass share one of those), within
    # three days, or a year for a report with no date of its own (a late follow-up).
    slack = TEXT_SLACK if ev.date_explicit else SURE_SLACK
    lo, hi = (ev.date - slack).isoformat(), (ev.date + slack).isoformat()
    named = [r for r in names.related_rows(cols) if r["type"] == ev.event[0] and r["date"] and lo <= r["date"] <= hi]
    if names.reported:
        marks = ",".join("?" * len(names.reported))
        named += conn.execute(f"SELECT {cols}, type FROM events WHERE id IN ({marks}) AND type = ? AND date BETWEEN ? AND ?",
                                   (*sorted(names.reported), ev.event[0], lo, hi)).fetchall()
    rows += named
    named_set = {r["id"] for r in named}
    names.prefetch(sorted(named_set))
    best: tuple[float, str] | None = None
    for row in sorted({r["id"]: r for r in rows}.values(), key=lambda r: r["id"]):
        days = abs((Date.fromisoformat(row["date"]) - ev.date).days) if row["date"] else 0
        score = match_score(ev, parties, row) if days <= DATE_SLACK.days else None
        if score is None and row["id"] in named_set and not parties.conflict(row):
            sim, own = names.similarity(row["id"])
            # The article's own earlier report: the same event unless the records disagree
            # ("struck Maryno, in the Kursk region ... a day earlier it hit Bryansk": two).
            near = days <= TEXT_SLACK.days and (sim >= SAME_NAMES or own) and not places_conflict(ev.event_loc, row)
            sure = sim >= SURE_NAMES and (days <= TEXT_SLACK.days or not ev.date_explicit)
            score = 2.0 - max(sim, 0.5 * own) + days / 10 if near or sure else None
        if score is not None and (best is None or score < best[0]):
            best = (score, row["id"])
    return best[1] if best else None

def record_candidates(conn: sqlite3.Connection, ev: Event, parties: Parties, cols: str) -> list[sqlite3.Row]:
    """The stored events that can pass match_score with `ev`, read with what rules the others
    out in SQL (a day's news has thousands of events of one type): the type within a day; the
    record's country or none; for a town, towns within 40 km (a box around it) or places
    known less precisely; without coordinates, only when the record names an actor."""
    assert ev.date is not None
    loc = ev.event_loc
    if (loc is None or loc.lat is None) and not parties.actor:
        return []
    sql = f"SELECT {cols} FROM events WHERE type = ? AND date BETWEEN ? AND ?"
    params: list[Any] = [ev.event[0], (ev.date - DATE_SLACK).isoformat(), (ev.date + DATE_SLACK).isoformat()]
    if loc is not None and loc.country_code:
        sql += " AND (country = ? OR country IS NULL)"
        params.append(loc.country_code)
    if loc is not None and loc.lat is not None and loc.lon is not None and (loc.resolution or 0) >= 3 and abs(loc.lat) < 80:
        dlat = SAME_PLACE_KM / 110.0  # a degree of latitude is at least 110.5 km
        dlon = dlat / cos(radians(abs(loc.lat) + dlat))
        if -180 < loc.lon - dlon and loc.lon + dlon < 180:
            sql += (" AND (lat IS NULL OR resolution IS NULL OR resolution < 3"
                    " OR (lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?))")
            params += [loc.lat - dlat, loc.lat + dlat, loc.lon - dlon, loc.lon + dlon]
    return conn.execute(sql, params).fetchall()
