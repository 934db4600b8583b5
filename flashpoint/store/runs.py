"""Batch runs (flashpoint.engine) and recoding: which blocks are stored, what was dropped, and
rebuilding every event with the current coder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date as Date

from ..cluster import headline_and_text
from ..model import Article, Dropped
from .articles import ArticleWriter, Origin
from .db import now
from .records import DroppedInput, record_event

# An article another coder coded, or failed on: a new coder may do better. One this coder failed
# on carries its version and waits for the next.
_NOT_THIS_CODER = "status IN ('coded', 'failed') AND (coder_version IS NULL OR coder_version != ?)"


class Runs(ArticleWriter):
    """Batch-run bookkeeping and recoding."""

    def block_done(self, block_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM run_blocks WHERE id = ?", (block_id,)).fetchone() is not None

    def finish_block(self, block_id: str, articles: int, dropped: list[Dropped]) -> None:
        """Mark a block of a batch run stored, with the inputs in it that were not articles."""
        with self._tx():
            self.conn.execute("INSERT OR REPLACE INTO run_blocks VALUES (?, ?, ?, ?)", (
                block_id, articles, json.dumps([asdict(d) for d in dropped], ensure_ascii=False), now()))

    def dropped(self) -> Iterator[DroppedInput]:
        """The inputs of batch runs that were not articles, each with its reason and code."""
        for block_id, dropped in self.conn.execute("SELECT id, dropped FROM run_blocks ORDER BY id"):
            for d in json.loads(dropped):
                yield DroppedInput(block=block_id, **d)

    def articles_to_recode(self) -> Iterator[Article]:
        """Articles coded, or failed, by another coder than this one, in the order they were stored."""
        rows = self.conn.execute(
            f"SELECT id, url, title, date, source, lang, text FROM articles WHERE {_NOT_THIS_CODER} ORDER BY seq",
            (self.coder,))
        for r in rows:
            yield Article(id=r["id"], text=r["text"], title=r["title"],
                          date=Date.fromisoformat(r["date"]) if r["date"] else None,
                          url=r["url"], source=r["source"], lang=r["lang"])

    def start_recode(self) -> bool:
        """Drop every event and mention made by another coder, so the current one rebuilds them in
        the order the articles were stored. False when there is nothing to recode."""
        stale = self.conn.execute("SELECT COUNT(*) FROM events WHERE coder_version != ?", (self.coder,)).fetchone()[0]
        pending = self.conn.execute(f"SELECT COUNT(*) FROM articles WHERE {_NOT_THIS_CODER}", (self.coder,)).fetchone()[0]
        if not stale and not pending:
            return False
        if stale:
            with self._tx():
                self.conn.execute("DELETE FROM actors")
                self.conn.execute("DELETE FROM event_parties")
                self.conn.execute("DELETE FROM tallies")
                self.conn.execute("DELETE FROM mentions")
                self.conn.execute("DELETE FROM events")
                self.conn.execute("DELETE FROM places")
                self.conn.execute("DELETE FROM terms")
                self.conn.execute("DELETE FROM term_df")
                # Every event is gone, so every coded article is coded again; a failed one is tried
                # again when another coder failed on it (_NOT_THIS_CODER).
                self.conn.execute("UPDATE articles SET coder_version = NULL WHERE status = 'coded'")
            self.terms.clear()
        return True

    def remerge(self) -> tuple[int, int]:
        """Re-decide every merge under this store's rules (Store.open(rules=...)), as a fresh
        ingest of the same articles in the same order would decide them: every event, tally and
        name term is dropped and each coded article's mentions are merged again from its stored
        records, in the order the articles were stored. One transaction: a killed remerge leaves
        the store as it was. Returns (mentions, events)."""
        with self._tx("the store's events"), self.terms.guard():
            self.conn.execute("DROP TABLE IF EXISTS temp.old_mentions")
            self.conn.execute("CREATE TEMP TABLE old_mentions AS SELECT rowid AS n, article_id, record FROM mentions")
            self.conn.execute("CREATE INDEX temp.old_mentions_article ON old_mentions(article_id, n)")
            for table in ("actors", "event_parties", "tallies", "mentions", "events", "terms", "term_df"):
                self.conn.execute(f"DELETE FROM {table}")
            self.terms.clear()
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('merge_rules', ?)", (self.rules.digest(),))
            self._rules_checked = True
            mentions = 0
            for a in self.conn.execute("SELECT id, seq, date, outlet, title, text FROM articles WHERE status = 'coded'"
                                       " ORDER BY seq").fetchall():
                events = [record_event(json.loads(r[0])) for r in self.conn.execute(
                    "SELECT record FROM old_mentions WHERE article_id = ? ORDER BY n", (a["id"],))]
                places = [p[0] for p in self.conn.execute("SELECT text FROM places WHERE article_id = ? ORDER BY rowid",
                                                          (a["id"],))]
                report = Origin(a["seq"], a["date"], a["outlet"], a["id"])
                text = headline_and_text(Article(id=a["id"], text=a["text"], title=a["title"]))
                n, _ = self._merge(report, text, places, events)
                mentions += n
            self.conn.execute("DROP TABLE temp.old_mentions")
            events_now = self.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        return mentions, events_now

    def recode(self, article: Article, *, status: str = "coded") -> tuple[int, int]:
        """Store the current coder's events for an article already stored; one the coder failed on
        (status "failed") is kept, marked with its error and this coder, as ingest keeps it, and
        tried again by the next coder."""
        with self._tx(f"article {article.id}"), self.terms.guard():
            if status == "failed":
                self.conn.execute("UPDATE articles SET status = 'failed', error = ?, coder_version = ? WHERE id = ?",
                                  (article.error, self.coder, article.id))
                return 0, 0
            self.terms.check()
            (seq,) = self.conn.execute("SELECT seq FROM articles WHERE id = ?", (article.id,)).fetchone()
            mentions, new_events = self._code(article, article.id, seq)
            self.conn.execute("UPDATE articles SET status = 'coded', coder_version = ?, error = NULL WHERE id = ?",
                              (self.coder, article.id))
        return mentions, new_events
