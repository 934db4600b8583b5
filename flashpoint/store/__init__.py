"""The event store: one SQLite file in WAL mode, no server.

GDELT's idea: `articles` (each story once; exact copies refused, near copies linked to their
original), `events` (one row per real-world event), `mentions` (one row per article sentence that
reports an event, with its evidence offsets and full record), `actors` (each mention's actors and
recipients with their codes) and `places` (every toponym of every article). docs/store.md has the
rest.

Each article is written in one transaction with its mentions and the events they update, so a
process killed at any moment leaves the store as it was after the last whole article; running the
same ingest again codes only what was not stored. Event deduplication is order-dependent, and
ingest always goes through its sources in the same order, so an interrupted run that is resumed
ends with the same store as a clean one.
"""

from __future__ import annotations

from ..coding.version import coder_version
from .articles import ArticleWriter, Stored, text_hash
from .db import SCHEMA_VERSION
from .queries import EventQuery, Queries, date_range
from .records import ArticleSummary, DroppedInput, EventDetail, MentionExport, MentionRow, PloverRecord, Report, StoredArticle, StoredEvent
from .runs import Runs


class Store(Runs, ArticleWriter, Queries):
    """The SQLite event store. Open with Store.open(path); use as a context manager."""


__all__ = ["SCHEMA_VERSION", "ArticleSummary", "DroppedInput", "EventDetail", "EventQuery", "MentionExport", "MentionRow", "PloverRecord", "Report", "Store",
           "Stored", "StoredArticle", "StoredEvent", "coder_version", "date_range", "text_hash"]
