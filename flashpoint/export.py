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
from .model import Event

if TYPE_CHECKING:
    import pandas as pd

EVENT_COLUMNS = ["mentions", "sources", "first_seen", "last_seen"]
MENTION_COLUMNS = ["event_id", "url", "title", "published"]


def acled_row(rec: dict[str, Any]) -> dict[str, Any]:
    row = to_acled_row(Event.from_plover(rec))
    row["event_id_cnty"] = rec["id"]
    row["source"] = f"{rec['sources']} source(s), {rec['mentions']} mention(s)"
    return {**row, **{k: rec[k] for k in EVENT_COLUMNS}}


def geojson_feature(rec: dict[str, Any]) -> dict[str, Any] | None:
    loc = rec.get("event_loc") or {}
    if loc.get("lat") is None or loc.get("lon") is None:
        return None
    size = rec.get("size") or {}
    props = {
        "id": rec["id"], "date": rec.get("date"), "event": rec["event"][0], "mode": ";".join(rec.get("mode") or []),
        "quad_code": rec.get("quad_code"), "event_scale": rec.get("event_scale"),
        "actor": ";".join(a["code"] or a["text"] for a in rec.get("actor") or []),
        "recipient": ";".join(a["code"] or a["text"] for a in rec.get("recipient") or []),
        "place": loc.get("resolved_place") or loc.get("extracted_place"), "country_code": loc.get("country_code"),
        "resolution": loc.get("resolution"), **{k: size.get(k) for k in ("dead", "injured", "arrested", "troops")},
        "confidence": rec.get("confidence"), "evidence": (rec.get("evidence") or {}).get("text"),
        **{k: rec.get(k) for k in EVENT_COLUMNS},
    }
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [loc["lon"], loc["lat"]]},
            "properties": props}


def event_frame(recs: list[dict[str, Any]]) -> pd.DataFrame:
    """Stored events as flat columns (flashpoint.to_dataframe's, with the event's id and counts)."""
    df = to_dataframe(Event.from_plover(r) for r in recs)
    df["id"] = [r["id"] for r in recs]
    for k in EVENT_COLUMNS:
        df[k] = [r[k] for r in recs]
    return df


def mention_frame(recs: list[dict[str, Any]]) -> pd.DataFrame:
    """Stored mention records (Store.mentions) as flat columns, each with its event's id and its article."""
    df = to_dataframe(Event.from_plover(r) for r in recs)
    for k in MENTION_COLUMNS:
        df[k] = [r[k] for r in recs]
    return df


@contextlib.contextmanager
def sink(path: str | None, out: TextIO, newline: str | None = None) -> Iterator[TextIO]:
    """The output file when one is given, else `out` (standard output); the file is closed after."""
    if path is None:
        yield out
        return
    with open(path, "w", encoding="utf-8", newline=newline) as fh:
        yield fh


def write_export(events: Iterable[dict[str, Any]], fmt: str, path: str | None, out: TextIO) -> tuple[int, int]:
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
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
        return n, 0
