"""Stored events in the formats analysts load: PLOVER JSONL, ACLED-style CSV, Parquet, GeoJSON;
and their mentions as GDELT's mentions table (JSONL, CSV or Parquet).

Each event row is one deduplicated event with its representative record (docs/store.md) and the
event-level fields: `mentions` (sentences), `articles`, `sources` (distinct outlets),
`first_seen`, `last_seen`, `first_reported`, `first_outlet`, `mention_ids`, `article_ids`.
Parquet columns are typed: dates are dates and lists are lists, so DuckDB and pandas read them
without parsing strings.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Generator, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

from .api import ACLED_COLUMNS, to_acled_row, to_dataframe

if TYPE_CHECKING:
    from datetime import date as Date

    import pandas as pd
    import pyarrow as pa

    from .store import MentionExport, MentionRow, StoredEvent

EVENT_COLUMNS = ["mentions", "articles", "sources", "first_seen", "last_seen", "first_reported", "first_outlet"]
MENTION_EXPORT_COLUMNS = ["event_id", "article_id", "url", "outlet", "published", "sentence", "start", "end", "confidence"]
MENTION_COLUMNS = ["event_id", "url", "title", "published"]


def _iso(day: Date | None) -> str | None:
    return day.isoformat() if day else None


def _event_columns(rec: StoredEvent) -> dict[str, Any]:
    return {"mentions": rec.mentions, "articles": rec.articles, "sources": rec.sources, "first_seen": _iso(rec.first_seen),
            "last_seen": _iso(rec.last_seen), "first_reported": _iso(rec.first_reported), "first_outlet": rec.first_outlet}


def acled_row(rec: StoredEvent) -> dict[str, Any]:
    row = to_acled_row(rec.to_event())
    # The Event would have a mention's id (made from a trigger offset events do not keep).
    row["event_id_cnty"] = rec.id
    row["source"] = f"{rec.sources} source(s), {rec.articles} article(s), {rec.mentions} mention(s)"
    return {**row, **_event_columns(rec)}


def geojson_feature(rec: StoredEvent) -> dict[str, Any] | None:
    loc = rec.event_loc
    if loc is None or loc.lat is None or loc.lon is None:
        return None
    size = rec.size
    props = {
        "id": rec.id, "date": _iso(rec.date), "event": rec.event[0], "mode": ";".join(rec.mode),
        "quad_code": rec.quad_code, "event_scale": rec.event_scale,
        "actor": ";".join(a.code or a.text for a in rec.actor),
        "recipient": ";".join(a.code or a.text for a in rec.recipient),
        "place": loc.resolved_place or loc.extracted_place, "country_code": loc.country_code,
        "resolution": loc.resolution, "precision": loc.precision, "date_stated": rec.date_stated, "dead": size.dead,
        "injured": size.injured, "arrested": size.arrested,
        "troops": size.troops, "confidence": rec.confidence, "evidence": rec.evidence.text, **_event_columns(rec),
    }
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [loc.lon, loc.lat]},
            "properties": props}


def event_frame(recs: list[StoredEvent]) -> pd.DataFrame:
    """Stored events as flat columns (flashpoint.to_dataframe's, with the event's id and counts)."""
    df = to_dataframe(r.to_event() for r in recs)
    df["id"] = [r.id for r in recs]
    columns = [_event_columns(r) for r in recs]
    for k in EVENT_COLUMNS:
        df[k] = [c[k] for c in columns]
    return df


def mention_frame(recs: list[MentionRow]) -> pd.DataFrame:
    """Stored mention records (Store.mentions) as flat columns, each with its event's id and its article."""
    df = to_dataframe(r.to_event() for r in recs)
    columns = [{"event_id": r.event_id, "url": r.url, "title": r.title, "published": _iso(r.published)} for r in recs]
    for k in MENTION_COLUMNS:
        df[k] = [c[k] for c in columns]
    return df


def event_table(recs: list[StoredEvent]) -> pa.Table:
    """Stored events as a typed Arrow table: one row an event, dates as dates, parties and ids as lists."""
    import pyarrow as pa

    texts = pa.list_(pa.string())
    schema = pa.schema([
        ("id", pa.string()), ("date", pa.date32()), ("event", pa.string()), ("mode", texts), ("context", texts),
        ("quad_code", pa.int8()), ("event_scale", pa.float64()),
        ("actor_code", texts), ("actor_sector", texts), ("actor_text", texts),
        ("recipient_code", texts), ("recipient_sector", texts), ("recipient_text", texts),
        ("place", pa.string()), ("province", pa.string()), ("country_code", pa.string()), ("lat", pa.float64()),
        ("lon", pa.float64()), ("resolution", pa.int8()), ("precision", pa.int8()),
        ("dead", pa.int64()), ("injured", pa.int64()), ("arrested", pa.int64()), ("troops", pa.int64()),
        ("confidence", pa.float64()), ("scheduled", pa.bool_()), ("evidence", pa.string()),
        ("mentions", pa.int32()), ("articles", pa.int32()), ("sources", pa.int32()), ("first_seen", pa.date32()),
        ("last_seen", pa.date32()), ("first_reported", pa.date32()), ("first_outlet", pa.string()),
        ("mention_ids", texts), ("article_ids", texts), ("coder_version", pa.string())])
    rows = []
    for r in recs:
        loc = r.event_loc
        rows.append({
            "id": r.id, "date": r.date, "event": r.event[0], "mode": list(r.mode), "context": list(r.context),
            "quad_code": r.quad_code, "event_scale": r.event_scale,
            "actor_code": [a.code for a in r.actor], "actor_sector": [a.sector for a in r.actor],
            "actor_text": [a.text for a in r.actor], "recipient_code": [a.code for a in r.recipient],
            "recipient_sector": [a.sector for a in r.recipient], "recipient_text": [a.text for a in r.recipient],
            "place": (loc.resolved_place or loc.extracted_place) if loc else None,
            "province": loc.province if loc else None, "country_code": loc.country_code if loc else None,
            "lat": loc.lat if loc else None, "lon": loc.lon if loc else None,
            "resolution": loc.resolution if loc else None, "precision": loc.precision if loc else None,
            "dead": r.size.dead, "injured": r.size.injured, "arrested": r.size.arrested, "troops": r.size.troops,
            "confidence": r.confidence, "scheduled": r.scheduled, "evidence": r.evidence.text,
            "mentions": r.mentions, "articles": r.articles, "sources": r.sources, "first_seen": r.first_seen,
            "last_seen": r.last_seen, "first_reported": r.first_reported, "first_outlet": r.first_outlet,
            "mention_ids": list(r.mention_ids), "article_ids": list(r.article_ids), "coder_version": r.coder_version})
    return pa.Table.from_pylist(rows, schema=schema)


def mention_table(rows: Iterable[MentionExport]) -> pa.Table:
    import pyarrow as pa

    schema = pa.schema([("event_id", pa.string()), ("article_id", pa.string()), ("url", pa.string()),
                        ("outlet", pa.string()), ("published", pa.date32()), ("sentence", pa.string()),
                        ("start", pa.int64()), ("end", pa.int64()), ("confidence", pa.float64())])
    return pa.Table.from_pylist([{k: getattr(m, k) for k in MENTION_EXPORT_COLUMNS} for m in rows], schema=schema)


def write_mentions(rows: Iterable[MentionExport], path: str | None, out: TextIO) -> int:
    """The mentions table: JSONL on `out`, or to `path` as CSV (.csv), Parquet (.parquet) or JSONL
    (any other name)."""
    suffix = (path or "").lower().rsplit(".", 1)[-1] if path and "." in path else ""
    if suffix == "parquet":
        import pyarrow.parquet as pq

        table = mention_table(rows)
        pq.write_table(table, path)
        return table.num_rows
    n = 0
    with sink(path, out, newline="") as fh:
        if suffix == "csv":
            writer = csv.DictWriter(fh, fieldnames=MENTION_EXPORT_COLUMNS)
            writer.writeheader()
            for m in rows:
                writer.writerow(m.to_dict())
                n += 1
            return n
        for m in rows:
            fh.write(json.dumps(m.to_dict(), ensure_ascii=False) + "\n")
            n += 1
    return n


@contextlib.contextmanager
def sink(path: str | None, out: TextIO, newline: str | None = None) -> Iterator[TextIO]:
    """The output file when one is given, else `out` (standard output); the file is closed after."""
    if path is None:
        yield out
        return
    with open(path, "w", encoding="utf-8", newline=newline) as fh:
        yield fh


def acled_csv(events: Iterable[StoredEvent]) -> Generator[str, None, tuple[int, int]]:
    """Events as ACLED-style CSV, the header and then a row at a time, as text to write or stream;
    returns (written, 0)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=ACLED_COLUMNS + EVENT_COLUMNS)
    writer.writeheader()
    n = 0
    for rec in events:
        writer.writerow(acled_row(rec))
        n += 1
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if not n:
        yield buffer.getvalue()
    return n, 0


def geojson_text(events: Iterable[StoredEvent]) -> Generator[str, None, tuple[int, int]]:
    """Events with coordinates as a GeoJSON FeatureCollection, a feature at a time, as text to
    write or stream; returns (written, left out for want of coordinates)."""
    yield '{"type": "FeatureCollection", "features": ['
    n = skipped = 0
    for rec in events:
        feature = geojson_feature(rec)
        if feature is None:
            skipped += 1
            continue
        yield (", " if n else "") + json.dumps(feature, ensure_ascii=False)
        n += 1
    yield "]}\n"
    return n, skipped


def _write_all(chunks: Generator[str, None, tuple[int, int]], fh: TextIO) -> tuple[int, int]:
    while True:
        try:
            fh.write(next(chunks))
        except StopIteration as done:
            return done.value


def write_export(events: Iterable[StoredEvent], fmt: str, path: str | None, out: TextIO) -> tuple[int, int]:
    """Write events; returns (written, left out for want of coordinates)."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        recs = list(events)
        pq.write_table(event_table(recs), path)
        return len(recs), 0
    with sink(path or None, out, newline="") as fh:
        if fmt == "acled":
            return _write_all(acled_csv(events), fh)
        if fmt == "geojson":
            return _write_all(geojson_text(events), fh)
        n = 0
        for rec in events:
            fh.write(json.dumps(rec.to_dict(), ensure_ascii=False) + "\n")
            n += 1
        return n, 0
