"""Writing articles: exact and near copies, each article with its places, terms and mentions,
and the events those mentions create or update, in one transaction per article."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import numpy as np

from ..cluster import headline_and_text, name_terms
from ..model import Article, Event
from ..settings import DEFAULTS
from ..sources.outlets import outlet_of
from .db import Database, now
from .matcher import Decision, Names, matching_event

if TYPE_CHECKING:
    from ..places.geoparse import PlaceMention

# Near copies: word 4-gram sets with an estimated Jaccard similarity of 0.8 or more (a changed
# headline or byline on a wire story), found through MinHash signatures banded for lookup.
NEAR_DUP_JACCARD = DEFAULTS.near_dup_jaccard
_PERMS, _BANDS = 64, 16
_MERSENNE = (1 << 31) - 1


def text_hash(text: str) -> str:
    return hashlib.sha1(" ".join(text.split()).lower().encode("utf-8")).hexdigest()


_WORD = re.compile(r"\w+")


@functools.cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(20241124)  # fixed: signatures must compare across runs
    return (rng.integers(1, _MERSENNE, _PERMS, dtype=np.uint64), rng.integers(0, _MERSENNE, _PERMS, dtype=np.uint64))


def minhash(text: str) -> np.ndarray:
    """MinHash signature (64 values) of the text's word 4-grams."""
    words = _WORD.findall(text.lower())
    grams = {" ".join(words[i:i + 4]) for i in range(max(1, len(words) - 3))}
    h = np.fromiter((int.from_bytes(hashlib.blake2b(g.encode("utf-8"), digest_size=4).digest(), "big") % _MERSENNE
                     for g in grams), dtype=np.uint64, count=len(grams))
    a, b = _permutations()
    return ((a[:, None] * h[None, :] + b[:, None]) % _MERSENNE).min(axis=1).astype(np.uint32)


def _band_keys(sig: np.ndarray) -> list[tuple[int, int]]:
    rows = _PERMS // _BANDS
    return [(i, int.from_bytes(hashlib.blake2b(sig[i * rows:(i + 1) * rows].tobytes(), digest_size=7).digest(), "big"))
            for i in range(_BANDS)]


def _host(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host[4:] if host.startswith("www.") else host or None


def article_outlet(article: Article) -> str | None:
    """The outlet an article is counted under (flashpoint.sources.outlets)."""
    return outlet_of(named=article.outlet, url=article.url, file=article.source)


_WORDS = re.compile(r"[^\W_]+")


def general_terms(place_texts: list[str], events: list[Event]) -> set[str]:
    """The name terms that are words of an article's toponyms or of its events' listed parties
    (a government, an armed group): what stories of one city's or one group's different events
    share. The people a story names are specific to its event."""
    texts = place_texts + [t for ev in events for a in (*ev.actor, *ev.recipient) if a.name for t in (a.text, a.name)]
    return {w.lower() for text in texts for w in _WORDS.findall(text)}


# The figures of a report, each tallied and decided on its own.
SIZE_FIELDS = ("dead", "injured", "arrested", "troops")


@dataclass(slots=True)
class Stored:
    """What storing one article did."""

    article_id: str
    status: str  # "new", "duplicate", "near_duplicate", "not_english", "failed"
    mentions: int = 0
    new_events: int = 0
    duplicate_of: str | None = None


class ArticleWriter(Database):
    """The write side of the Store: articles, their mentions, and the events they report."""

    def seen(self, article: Article, digest: str | None = None) -> str | None:
        """The id of the stored article this one repeats (same URL or same text), else None;
        `digest` is the text's hash when the caller has it."""
        if article.url:
            row = self.conn.execute("SELECT id FROM articles WHERE url = ?", (article.url,)).fetchone()
            if row:
                return row[0]
        row = self.conn.execute("SELECT id FROM articles WHERE text_hash = ?", (digest or text_hash(article.text),)).fetchone()
        return row[0] if row else None

    def has_url(self, url: str) -> bool:
        return self.conn.execute("SELECT 1 FROM articles WHERE url = ? UNION SELECT 1 FROM feed_entries WHERE url = ?",
                                 (url, url)).fetchone() is not None

    def mark_feed_entry(self, url: str, feed: str) -> None:
        with self._tx():
            self.conn.execute("INSERT OR IGNORE INTO feed_entries VALUES (?, ?, ?)", (url, feed, now()))

    def _near_duplicate_of(self, sig: np.ndarray, bands: list[tuple[int, int]]) -> str | None:
        where = " OR ".join(["(l.band = ? AND l.key = ?)"] * len(bands))
        rows = self.conn.execute(
            f"SELECT DISTINCT a.id, a.minhash, a.near_dup_of, a.seq FROM lsh l JOIN articles a ON a.id = l.article_id"
            f" WHERE {where} ORDER BY a.seq", [v for pair in bands for v in pair]).fetchall()
        for row in rows:
            if float(np.mean(np.frombuffer(row["minhash"], dtype=np.uint32) == sig)) >= NEAR_DUP_JACCARD:
                return row["near_dup_of"] or row["id"]  # a copy of a copy links to the original
        return None

    def _unique_id(self, article: Article, digest: str) -> str:
        taken = self.conn.execute("SELECT 1 FROM articles WHERE id = ?", (article.id,)).fetchone()
        return f"{article.id}#{digest[:8]}" if taken else article.id

    def add(self, article: Article, *, status: str = "coded") -> Stored:
        """Store one coded article (status "coded"), or one kept but not coded ("not_english",
        "failed"), with its mentions and the events they update, in one transaction."""
        digest = text_hash(article.text)
        # A cheap look first, so that a repeat costs no signature and no write lock; the look
        # that decides is the one inside the transaction, where no other writer can store the
        # same article between it and the insert.
        dup = self.seen(article, digest)
        if dup is not None:
            return Stored(article.id, "duplicate", duplicate_of=dup)
        sig = minhash(article.text)
        bands = _band_keys(sig)
        with self._tx(f"article {article.source or article.id}"), self.terms.guard():
            dup = self.seen(article, digest)
            if dup is not None:
                return Stored(article.id, "duplicate", duplicate_of=dup)
            self.terms.check()
            self.check_rules()
            near = self._near_duplicate_of(sig, bands)
            article_id = self._unique_id(article, digest)
            self.conn.executemany("INSERT INTO lsh VALUES (?, ?, ?)", [(b, k, article_id) for b, k in bands])
            (seq,) = self.conn.execute(
                "INSERT INTO articles (id, url, text_hash, minhash, near_dup_of, title, date,"
                " source, host, lang, status, error, coder_version, ingested_at, text, outlet, given_id)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING seq",
                (article_id, article.url, digest, sig.tobytes(), near, article.title,
                 article.date.isoformat() if article.date else None, article.source, _host(article.url), article.lang,
                 status, article.error, self.coder if status in ("coded", "failed") else None, now(),
                 article.text, article_outlet(article), article.id)).fetchone()
            mentions, new_events = (self._code(article, article_id, seq) if status == "coded" else (0, 0))
        result = "near_duplicate" if near else ("new" if status == "coded" else status)
        return Stored(article_id, result, mentions, new_events, duplicate_of=near)

    def _code(self, article: Article, article_id: str, seq: int) -> tuple[int, int]:
        rows = [_place_row(article_id, m) for m in article.places]
        self.conn.executemany("INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        events = [ev if ev.article_id == article_id else replace(ev, article_id=article_id) for ev in article.events]
        # The stored id (made unique with a #digest) names the mentions; the caller's events stay as given.
        report = Origin(seq, article.date.isoformat() if article.date else None, article_outlet(article), article_id)
        return self._merge(report, headline_and_text(article), [m.text for m in article.places], events)

    def _merge(self, report: Origin, text: str, place_texts: list[str], events: list[Event]) -> tuple[int, int]:
        """Store an article's name terms and each of its events' mentions, merged into the stored
        events they report: what ingest and remerge share, from what the store keeps of an article
        (its text, its toponyms, its mention records), so both decide alike."""
        bag = name_terms(text)
        general = general_terms(place_texts, events)
        self.conn.executemany("INSERT INTO terms VALUES (?, ?, ?, ?)",
                              [(report.article, t, tf, t not in general) for t, tf in bag.items()])
        self.conn.executemany("INSERT INTO term_df VALUES (?, 1) ON CONFLICT(term) DO UPDATE SET df = df + 1",
                              [(t,) for t in bag])
        self.terms.added(report.article, bag, general)
        names = Names(self.conn, report.article, self.terms, report.seq)
        new_events = sum(self._add_mention(ev, names, report) for ev in events)
        return len(events), new_events

    def _add_mention(self, ev: Event, names: Names, report: Origin) -> int:
        record = {**ev.to_plover(), "trigger_start": ev.trigger_start, "date_explicit": ev.date_explicit}
        encoded = json.dumps(record, ensure_ascii=False)
        decision = matching_event(self.conn, ev, names, self.rules)
        created = decision.event_id is None
        event_id = decision.event_id or ev.id
        if created:
            self.conn.execute(
                "INSERT INTO events (id, type, mentions, sources, coder_version, record) VALUES (?, ?, 0, 0, ?, ?)",
                (event_id, ev.event[0], self.coder, encoded))
        replaced = self.conn.execute("SELECT event_id FROM mentions WHERE record_id = ?", (ev.id,)).fetchone()
        (rowid,) = self.conn.execute(
            "INSERT OR REPLACE INTO mentions VALUES (?,?,?,?,?,?,?,?,?,?,?) RETURNING rowid",
            (ev.id, event_id, ev.article_id, ev.date.isoformat() if ev.date else None, ev.evidence.text,
             ev.evidence.start, ev.evidence.end, ev.confidence, self.coder, encoded,
             json.dumps(decision.to_dict()))).fetchone()
        self.conn.executemany("INSERT INTO actors VALUES (?,?,?,?,?,?,?)", [
            (ev.id, event_id, role, a.text, a.code, a.sector, a.name)
            for role, group in (("actor", ev.actor), ("recipient", ev.recipient)) for a in group])
        if replaced is None:
            self._refresh(event_id, record, ev.id, _position(report.seq, ev.evidence.start, rowid), report, decision)
        else:
            # The same report again (same sentence, trigger and type) took the first one's row;
            # tallies cannot take a report back, so its events are counted again from their mentions.
            for stale in sorted({replaced[0], event_id}):
                self._recount(stale, refresh=True)
        names.reported.add(event_id)
        return int(created)

    def _refresh(self, event_id: str, record: dict[str, Any], record_id: str, position: str, report: Origin,
                 decision: Decision) -> None:
        """Update an event's values with one new report (docs/store.md: the most reliable values),
        from its tallies and its current row: nothing is read of its earlier reports."""
        fields, new = self._tally(event_id, record, record_id, position, report, decision.date_rank)
        row = self.conn.execute("SELECT mentions, sources, articles, confidence, first_seen, last_seen, first_reported,"
                                " first_outlet, record FROM events WHERE id = ?", (event_id,)).fetchone()
        if row["mentions"]:
            seen = _Seen(row["mentions"], row["sources"], row["articles"], row["confidence"], row["first_seen"],
                         row["last_seen"], row["first_reported"], row["first_outlet"])
            before = json.loads(row["record"])
        else:
            seen, before = _Seen(), {}
        seen.add(record, new, report)
        self._update(event_id, fields, seen, before, record, record_id)

    def _tally(self, event_id: str, record: dict[str, Any], record_id: str, position: str,
               report: Origin, date_rank: int | None) -> tuple[set[str], set[str]]:
        """Count one report into its event's tallies: the fields it gives a value, and which of
        "source" (its outlet) and "article" are new to the event. A follow-up's date is its own
        (an arrest weeks later), not a vote on the event's."""
        loc = record.get("event_loc")
        rows = [("place", json.dumps(loc, sort_keys=True), (loc or {}).get("resolution") or 0),
                ("source", report.source, 0), ("article", report.article, 0)]
        if record.get("date") and date_rank is not None:
            if record.get("date_explicit"):
                rows.append(("explicit", record["date"], date_rank))
            rows.append(("date", record["date"], date_rank))
        size = record.get("size") or {}
        rows += [(k, json.dumps(size[k]), 0) for k in SIZE_FIELDS if size.get(k) is not None]
        counts = self.conn.execute(
            "INSERT INTO tallies VALUES " + ",".join(["(?, ?, ?, ?, 1, ?, ?, ?)"] * len(rows)) +
            " ON CONFLICT (event_id, field, value) DO UPDATE SET n = n + 1, last = max(last, excluded.last),"
            " first = min(first, excluded.first),"
            " first_record = CASE WHEN excluded.first < first THEN excluded.first_record ELSE first_record END"
            " RETURNING field, n",
            [v for field, value, rank in rows for v in (event_id, field, value, rank, position, position, record_id)],
        ).fetchall()
        return ({field for field, _, _ in rows} - {"source", "article"},
                {f for f, n in counts if f in ("source", "article") and n == 1})

    def _update(self, event_id: str, fields: set[str], seen: _Seen, before: dict[str, Any],
                record: dict[str, Any] | None, record_id: str | None) -> None:
        """Write an event's values: the tallies' winners for `fields`, its values `before` for the
        others (no report has changed them), and the counts `seen`."""
        asked = ["place", *(("explicit", "date") if "date" in fields else ()), *(k for k in SIZE_FIELDS if k in fields)]
        won = {field: (value, first) for field, value, first in self.conn.execute(
            " UNION ALL ".join(["SELECT * FROM (SELECT field, value, first_record FROM tallies WHERE event_id = ?"
                                " AND field = ? ORDER BY rank DESC, n DESC, last DESC LIMIT 1)"] * len(asked)),
            [v for field in asked for v in (event_id, field)])}
        first = won["place"][1]
        base = record if record is not None and first == record_id else json.loads(
            self.conn.execute("SELECT record FROM mentions WHERE record_id = ?", (first,)).fetchone()[0])
        date = (won.get("explicit") or won.get("date") or (before.get("date"),))[0] if "date" in fields else before.get("date")
        size = {k: json.loads(won[k][0]) if k in won else (before.get("size") or {}).get(k) for k in SIZE_FIELDS}
        # Whether the day is one a report states (not only its publication day), for the dashboard's precision.
        stated = "explicit" in won if "date" in fields else bool(before.get("date_explicit"))
        rep = {**base, "date": date, "size": size, "date_explicit": stated}
        loc = rep.get("event_loc") or {}
        actor = (rep.get("actor") or [{}])[0] if rep.get("actor") else {}
        recip = (rep.get("recipient") or [{}])[0] if rep.get("recipient") else {}
        self.conn.execute(
            "UPDATE events SET mode = ?, quad = ?, scale = ?, date = ?, country = ?, admin1 = ?, place = ?, lat = ?, lon = ?,"
            " resolution = ?, actor_code = ?, actor_sector = ?, recipient_code = ?, recipient_sector = ?, dead = ?,"
            " injured = ?, arrested = ?, troops = ?, confidence = ?, mentions = ?, sources = ?, articles = ?,"
            " first_seen = ?, last_seen = ?, first_reported = ?, first_outlet = ?, acled_type = ?, coder_version = ?,"
            " record = ? WHERE id = ?",
            (";".join(rep.get("mode") or []), rep.get("quad_code"), rep.get("event_scale"), date,
             loc.get("country_code"), loc.get("province"), loc.get("resolved_place") or loc.get("extracted_place"),
             loc.get("lat"), loc.get("lon"), loc.get("resolution"), actor.get("code"), actor.get("sector"),
             recip.get("code"), recip.get("sector"), size["dead"], size["injured"], size["arrested"],
             size["troops"], seen.confidence, seen.mentions, seen.sources, seen.articles, seen.first, seen.last,
             seen.first_reported, seen.first_outlet, (rep.get("acled") or {}).get("event_type"), self.coder,
             json.dumps({**rep, "id": event_id}, ensure_ascii=False), event_id))

    def _recount(self, event_id: str, *, refresh: bool) -> None:
        """Count an event's tallies again from all its mentions; with `refresh`, its values too."""
        self.conn.execute("DELETE FROM tallies WHERE event_id = ?", (event_id,))
        fields: set[str] = set()
        seen = _Seen()
        for r in self.conn.execute(
                "SELECT m.record_id, m.record, m.start, m.rowid AS rowid, m.merge, a.seq, a.date AS pub, a.outlet,"
                " a.id AS article FROM mentions m JOIN articles a ON a.id = m.article_id WHERE m.event_id = ?"
                " ORDER BY a.seq, m.start, m.rowid", (event_id,)).fetchall():
            record = json.loads(r["record"])
            report = Origin(r["seq"], r["pub"], r["outlet"], r["article"])
            rank = 0 if r["merge"] is None else Decision.from_dict(json.loads(r["merge"])).date_rank
            given, new = self._tally(event_id, record, r["record_id"], _position(r["seq"], r["start"], r["rowid"]),
                                     report, rank)
            fields |= given
            seen.add(record, new, report)
        if refresh and seen.mentions:
            self._update(event_id, fields, seen, {}, None, None)

    def _upgrade(self, found: int) -> None:
        super()._upgrade(found)
        if found < 3:
            # Outlets as this flashpoint tells them; then every event counted again (its articles,
            # sources and first report), schema 1 stores' tallies with them.
            rows = self.conn.execute("SELECT id, url, source FROM articles").fetchall()
            self.conn.executemany("UPDATE articles SET outlet = ?, given_id = id WHERE id = ?",
                                  [(outlet_of(url=r["url"], file=r["source"]), r["id"]) for r in rows])
            for (event_id,) in self.conn.execute("SELECT id FROM events").fetchall():
                self._recount(event_id, refresh=True)


@dataclass(frozen=True, slots=True)
class Origin:
    """What every mention of one stored article shares: its place in the store, its publication
    day, its outlet (else the article itself) and its id."""

    seq: int
    pub: str | None
    outlet: str | None
    article: str

    @property
    def source(self) -> str:
        """What the event's sources are counted by: the outlet, else the article itself."""
        return self.outlet or self.article


@dataclass(slots=True)
class _Seen:
    """An event's counts that need no tally: mentions, sources (outlets), articles, the best
    confidence, first and last seen, and the first report's day and outlet."""

    mentions: int = 0
    sources: int = 0
    articles: int = 0
    confidence: float | None = None
    first: str | None = None
    last: str | None = None
    first_reported: str | None = None
    first_outlet: str | None = None

    def add(self, record: dict[str, Any], new: set[str], report: Origin) -> None:
        self.mentions += 1
        self.sources += "source" in new
        self.articles += "article" in new
        confidence = record.get("confidence") or 0
        self.confidence = confidence if self.confidence is None else max(self.confidence, confidence)
        pub = report.pub
        if pub:
            self.first = pub if self.first is None else min(self.first, pub)
            self.last = pub if self.last is None else max(self.last, pub)
            # Reports come in the order they were stored: of one day's, the first stored is first.
            if self.first_reported is None or pub < self.first_reported:
                self.first_reported, self.first_outlet = pub, report.outlet


def _position(seq: int, start: int, rowid: int) -> str:
    """A report's place among its event's reports, as text that sorts like (article seq, start,
    mention rowid): the order in which a tie in a tally goes to the latest report."""
    return f"{seq:012}{start:012}{rowid:012}"


def _place_row(article_id: str, m: PlaceMention) -> tuple:
    p = m.place
    return (article_id, m.start, m.end, m.text, p.name if p else None, p.geonameid if p else None,
            p.lat if p else None, p.lon if p else None, p.feature_code if p else None, p.admin1 if p else None,
            p.country_code if p else None, p.population if p else None, round(m.score, 3))
