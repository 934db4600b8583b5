"""Writing articles: exact and near copies, each article with its places, terms and mentions,
and the events those mentions create or update, in one transaction per article."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from ..cluster import headline_and_text, name_terms
from ..model import Article, Event
from ..places.geoparse import PlaceMention
from ..settings import DEFAULTS
from .db import Database, coder_version, now
from .matcher import Names, matching_event

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
        dup = self.seen(article, digest)
        if dup is not None:
            return Stored(article.id, "duplicate", duplicate_of=dup)
        sig = minhash(article.text)
        bands = _band_keys(sig)
        self.terms.check()
        with self._tx(), self.terms.guard():
            near = self._near_duplicate_of(sig, bands)
            article_id = self._unique_id(article, digest)
            self.conn.executemany("INSERT INTO lsh VALUES (?, ?, ?)", [(b, k, article_id) for b, k in bands])
            self.conn.execute(
                "INSERT INTO articles (id, url, text_hash, minhash, near_dup_of, title, date,"
                " source, host, lang, status, error, coder_version, ingested_at, text)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (article_id, article.url, digest, sig.tobytes(), near, article.title,
                 article.date.isoformat() if article.date else None, article.source, _host(article.url), article.lang,
                 status, article.error, coder_version() if status == "coded" else None, now(), article.text))
            mentions, new_events = (self._code(article, article_id) if status == "coded" else (0, 0))
        result = "near_duplicate" if near else ("new" if status == "coded" else status)
        return Stored(article_id, result, mentions, new_events, duplicate_of=near)

    def _code(self, article: Article, article_id: str) -> tuple[int, int]:
        self.conn.executemany(
            "INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [_place_row(article_id, m) for m in article.places])
        bag = name_terms(headline_and_text(article))
        self.conn.executemany("INSERT INTO terms VALUES (?, ?, ?)", [(article_id, t, tf) for t, tf in bag.items()])
        self.conn.executemany("INSERT INTO term_df VALUES (?, 1) ON CONFLICT(term) DO UPDATE SET df = df + 1",
                              [(t,) for t in bag])
        self.terms.added(article_id, bag)
        names = Names(self.conn, article_id, self.terms)
        new_events = 0
        for ev in article.events:
            ev.article_id = article_id
            new_events += self._add_mention(ev, names)
        return len(article.events), new_events

    def _add_mention(self, ev: Event, names: Names) -> int:
        record = json.dumps({**ev.to_plover(), "trigger_start": ev.trigger_start, "date_explicit": ev.date_explicit},
                            ensure_ascii=False)
        target = matching_event(self.conn, ev, names)
        created = target is None
        event_id = target or ev.id
        if created:
            self.conn.execute(
                "INSERT INTO events (id, type, mentions, sources, coder_version, record) VALUES (?, ?, 0, 0, ?, ?)",
                (event_id, ev.event[0], coder_version(), record))
        self.conn.execute(
            "INSERT OR REPLACE INTO mentions VALUES (?,?,?,?,?,?,?,?,?,?)",
            (ev.id, event_id, ev.article_id, ev.date.isoformat() if ev.date else None, ev.evidence.text,
             ev.evidence.start, ev.evidence.end, ev.confidence, coder_version(), record))
        self.conn.executemany("INSERT INTO actors VALUES (?,?,?,?,?,?,?)", [
            (ev.id, event_id, role, a.text, a.code, a.sector, a.name)
            for role, group in (("actor", ev.actor), ("recipient", ev.recipient)) for a in group])
        self._refresh(event_id)
        names.reported.add(event_id)
        return int(created)

    def _refresh(self, event_id: str) -> None:
        """Recompute an event's values from all its mentions (docs/store.md: the most reliable values)."""
        rows = self.conn.execute(
            "SELECT m.record, a.date AS pub, a.host, a.id AS article FROM mentions m JOIN articles a ON a.id = m.article_id"
            " WHERE m.event_id = ? ORDER BY a.seq, m.start", (event_id,)).fetchall()
        records = [json.loads(r["record"]) for r in rows]
        rep = _representative(records)
        pubs = sorted(r["pub"] for r in rows if r["pub"])
        sources = len({r["host"] or r["article"] for r in rows})
        loc = rep.get("event_loc") or {}
        actor = (rep.get("actor") or [{}])[0] if rep.get("actor") else {}
        recip = (rep.get("recipient") or [{}])[0] if rep.get("recipient") else {}
        size = rep.get("size") or {}
        self.conn.execute(
            "UPDATE events SET mode = ?, quad = ?, scale = ?, date = ?, country = ?, admin1 = ?, place = ?, lat = ?, lon = ?,"
            " resolution = ?, actor_code = ?, actor_sector = ?, recipient_code = ?, recipient_sector = ?, dead = ?,"
            " injured = ?, arrested = ?, troops = ?, confidence = ?, mentions = ?, sources = ?, first_seen = ?,"
            " last_seen = ?, coder_version = ?, record = ? WHERE id = ?",
            (";".join(rep.get("mode") or []), rep.get("quad_code"), rep.get("event_scale"), rep.get("date"),
             loc.get("country_code"), loc.get("province"), loc.get("resolved_place") or loc.get("extracted_place"),
             loc.get("lat"), loc.get("lon"), loc.get("resolution"), actor.get("code"), actor.get("sector"),
             recip.get("code"), recip.get("sector"), size.get("dead"), size.get("injured"), size.get("arrested"),
             size.get("troops"), max(r.get("confidence") or 0 for r in records), len(records), sources,
             pubs[0] if pubs else None, pubs[-1] if pubs else None, coder_version(),
             json.dumps({**rep, "id": event_id}, ensure_ascii=False), event_id))


def _place_row(article_id: str, m: PlaceMention) -> tuple:
    p = m.place
    return (article_id, m.start, m.end, m.text, p.name if p else None, p.geonameid if p else None,
            p.lat if p else None, p.lon if p else None, p.feature_code if p else None, p.admin1 if p else None,
            p.country_code if p else None, p.population if p else None, round(m.score, 3))


def _mode(values: Iterable[Any]) -> Any:
    """The value most reports give; a tie goes to the latest report."""
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    counts = Counter(vals)
    top = max(counts.values())
    return next(v for v in reversed(vals) if counts[v] == top)


def _representative(records: list[dict[str, Any]]) -> dict[str, Any]:
    """One record for the event: the most precise place (most reported among equals), the date
    the most reports state (explicit dates first), and for each figure the value the most reports
    give, ties to the latest. The evidence and parties are those of the first report of that place."""
    best_res = max(((r.get("event_loc") or {}).get("resolution") or 0) for r in records)
    at_best = [r for r in records if ((r.get("event_loc") or {}).get("resolution") or 0) == best_res]
    keys = [json.dumps(r.get("event_loc"), sort_keys=True) for r in at_best]
    base = at_best[keys.index(_mode(keys))]
    explicit = [r["date"] for r in records if r.get("date_explicit") and r.get("date")]
    date = _mode(explicit) or _mode(r.get("date") for r in records)
    size = {k: _mode((r.get("size") or {}).get(k) for r in records) for k in ("dead", "injured", "arrested", "troops")}
    return {**base, "date": date, "size": size}
