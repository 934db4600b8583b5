"""Stored events in the formats analysts load: PLOVER JSONL, ACLED-style CSV, Parquet, GeoJSON.

Each row is one deduplicated event with its representative record (docs/store.md) and the
event-level fields: `mentions`, `sources`, `first_seen`, `last_seen`, `mention_ids`.
"""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

from .api import ACLED_COLUMNS, to_acled_row, to_dataframe

if TYPE_CHECKING:
    from datetime import date as Date

    import pandas as pd

    from .store import MentionRow, StoredEvent

EVENT_COLUMNS = ["mentions", "sources", "first_seen", "last_seen"]
MENTION_COLUMNS = ["event_id", "url", "title", "published"]


def _iso(day: Date | None) -> str | None:
    return day.isoformat() if day else None


def _event_columns(rec: StoredEvent) -> dict[str, Any]:
    return {"mentions": rec.mentions, "sources": rec.sources, "first_seen": _iso(rec.first_seen),
            "last_seen": _iso(rec.last_seen)}


def acled_row(rec: StoredEvent) -> dict[str, Any]:
    row = to_acled_row(rec.to_event())
    # The Event would have a mention's id (made from a trigger offset events do not keep).
    row["event_id_cnty"] = rec.id
    row["source"] = f"{rec.sources} source(s), {rec.mentions} mention(s)"
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
        "resolution": loc.resolution, "dead": size.dead, "injured": size.injured, "arrested": size.arrested,
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


@contextlib.contextmanager
def sink(path: str | None, out: TextIO, newline: str | None = None) -> Iterator[TextIO]:
    """The output file when one is given, else `out` (standard output); the file is closed after."""
    if path is None:
        yield out
        return
    with open(path, "w", encoding="utf-8", newline=newline) as fh:
        yield fh


def write_export(events: Iterable[StoredEvent], fmt: str, path: str | None, out: TextIO) -> tuple[int, int]:
    """Write events; returns (written, left out for want of coordinates)."""
    if fmt == "parquet":
        recs = list(events)
        event_frame(recs).to_parquet(path, index=False)
        return len(recs), 0
    with sink(path or None, out, newline="") as fh:
        if fmt == "acled":
            writer = csv.DictWriter(fh, fieldnames=ACLED_COLUMNS + EVENT_COLUMNS)
            writer.writeheader()
            n = 0
            for rec in events:
                writer.writerow(acled_row(rec))
                n += 1
            return n, 0
        if fmt == "geojson":
            features, skipped = [], 0
            for rec in events:
                f = geojson_feature(rec)
                if f is None:
                    skipped += 1
                else:
                    features.append(f)
            json.dump({"type": "FeatureCollection", "features": features}, fh, ensure_ascii=False)
            fh.write("\n")
            return len(features), skipped
        n = 0
        for rec in events:
            fh.write(json.dumps(rec.to_dict(), ensure_ascii=False) + "\n")
            n += 1
        return n, 0
