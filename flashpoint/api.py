"""The library surface: what the CLI, the HTTP API and the engines call."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from datetime import date as Date
from typing import TYPE_CHECKING, Any

from .coding.pipeline import Pipeline
from .model import Article, Dropped, Event
from .sources.files import DEFAULT_MAX_CHARS, check_text, parse_iso_date, read_path

if TYPE_CHECKING:
    import pandas as pd

@functools.cache
def default_pipeline() -> Pipeline:
    """The pipeline extract() uses when given none: built on first use and kept, so repeated
    calls load spaCy once. Pass your own Pipeline for other models or actor files."""
    return Pipeline()


def extract(text: str, date: Date | str | None = None, *, article_id: str = "text",
            title: str | None = None, pipeline: Pipeline | None = None) -> list[Event]:
    """Code one article's text into PLOVER events.

    >>> events = extract("Russian forces shelled Kharkiv on Monday.", date="2024-11-20")
    """
    check_text(text, source=article_id, max_chars=DEFAULT_MAX_CHARS)
    pub = parse_iso_date(date, source=article_id) if date is not None else None
    article = Article(id=article_id, text=text, title=title, date=pub)
    (done,) = (pipeline or default_pipeline()).run_batch([article])
    return done.events


def extract_articles(articles: Iterable[Article], pipeline: Pipeline | None = None) -> Iterator[Article]:
    return (pipeline or default_pipeline()).run(articles)


def read_inputs(names: Iterable[str], *, default_date: Date | None = None,
                max_chars: int = DEFAULT_MAX_CHARS) -> Iterator[Article | Dropped]:
    for name in names:
        yield from read_path(name, default_date=default_date, max_chars=max_chars)


ACLED_COLUMNS = [
    "event_id_cnty", "event_date", "year", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction",
    "country", "iso3", "admin1", "location", "latitude", "longitude", "geo_precision", "geo_basis", "source",
    "notes", "fatalities", "plover_event", "plover_mode", "confidence",
]
_INTER = {"MIL": 1, "GOV": 1, "COP": 1, "REB": 2, "PRM": 3, "UAF": 3, "PTY": 3, "CVL": 7, "JRN": 7,
          "EDU": 7, "MED": 7, "REL": 7, "REF": 7, "LAB": 6, "AGR": 7, "SOC": 7}
_PRECISION = {5: 1, 4: 1, 3: 2, 2: 2, 1: 3}


def _actor_label(a) -> str:
    if a.name and a.sector:
        return f"{a.name} ({a.code or '?'} {a.sector})"
    if a.code or a.sector:
        return " ".join(x for x in (a.code, a.sector) if x) + f": {a.text}"
    return a.text


def _country_name(iso3: str) -> str:
    import pycountry

    found = pycountry.countries.get(alpha_3=iso3)
    return getattr(found, "common_name", None) or (found.name if found else iso3)


def to_acled_row(ev: Event) -> dict[str, Any]:
    """ACLED-style columns for one event (ACLED's names, flashpoint's values)."""
    loc = ev.event_loc
    acled = ev.acled or {}
    actors, recips = ev.actor, ev.recipient
    inter1 = _INTER.get(actors[0].sector or "", 0) if actors else 0
    inter2 = _INTER.get(recips[0].sector or "", 0) if recips else 0
    return {
        "event_id_cnty": ev.id,
        "event_date": ev.date.isoformat() if ev.date else "",
        "year": ev.date.year if ev.date else "",
        "disorder_type": {"Protests": "Demonstrations", "Riots": "Demonstrations",
                          "Strategic developments": "Strategic developments"}.get(
                              acled.get("event_type", ""), "Political violence" if acled else ""),
        "event_type": acled.get("event_type", ""),
        "sub_event_type": acled.get("sub_event_type", ""),
        "actor1": _actor_label(actors[0]) if actors else "",
        "assoc_actor_1": "; ".join(_actor_label(a) for a in actors[1:]),
        "inter1": inter1,
        "actor2": _actor_label(recips[0]) if recips else "",
        "assoc_actor_2": "; ".join(_actor_label(r) for r in recips[1:]),
        "inter2": inter2,
        "interaction": int(f"{min(inter1, inter2)}{max(inter1, inter2)}") if inter1 and inter2 else inter1 * 10,
        "country": _country_name(loc.country_code) if loc and loc.country_code else "",
        "iso3": (loc.country_code if loc else "") or "",
        "admin1": (loc.province if loc else "") or "",
        "location": ((loc.resolved_place or loc.extracted_place) if loc else "") or "",
        "latitude": loc.lat if loc and loc.lat is not None else "",
        "longitude": loc.lon if loc and loc.lon is not None else "",
        "geo_precision": (loc.precision or _PRECISION.get(loc.resolution or 0, "")) if loc else "",
        "geo_basis": (loc.basis or "") if loc else "",
        "source": ev.article_id,
        "notes": ev.evidence.text,
        "fatalities": ev.size.dead if ev.size.dead is not None else 0,
        "plover_event": ev.event[0],
        "plover_mode": ";".join(ev.mode),
        "confidence": round(ev.confidence, 3),
    }


def to_dataframe(events: Iterable[Event]) -> pd.DataFrame:
    """Flat columns for analysis: one row per event, actors and recipients joined by ';'."""
    import pandas as pd

    columns = ["id", "article_id", "date", "event", "mode", "context", "quad_code", "event_scale", "actor_code",
               "actor_sector", "actor_text", "recipient_code", "recipient_sector", "recipient_text", "place",
               "country_code", "lat", "lon", "dead", "injured", "arrested", "troops", "acled_event_type",
               "acled_sub_event_type", "confidence", "evidence", "evidence_start", "evidence_end"]
    rows = []
    for ev in events:
        r = ev.to_plover()
        rows.append({
            "id": r["id"], "article_id": r["article_id"], "date": r["date"],
            "event": r["event"][0], "mode": ";".join(r["mode"]), "context": ";".join(r["context"]),
            "quad_code": r["quad_code"], "event_scale": r["event_scale"],
            "actor_code": ";".join(a["code"] or "" for a in r["actor"]),
            "actor_sector": ";".join(a["sector"] or "" for a in r["actor"]),
            "actor_text": ";".join(a["text"] for a in r["actor"]),
            "recipient_code": ";".join(a["code"] or "" for a in r["recipient"]),
            "recipient_sector": ";".join(a["sector"] or "" for a in r["recipient"]),
            "recipient_text": ";".join(a["text"] for a in r["recipient"]),
            "place": (r["event_loc"] or {}).get("resolved_place") or (r["event_loc"] or {}).get("extracted_place"),
            "country_code": (r["event_loc"] or {}).get("country_code"),
            "lat": (r["event_loc"] or {}).get("lat"), "lon": (r["event_loc"] or {}).get("lon"),
            **{k: r["size"][k] for k in ("dead", "injured", "arrested", "troops")},
            "acled_event_type": (r["acled"] or {}).get("event_type"),
            "acled_sub_event_type": (r["acled"] or {}).get("sub_event_type"),
            "confidence": r["confidence"], "evidence": r["evidence"]["text"],
            "evidence_start": r["evidence"]["start"], "evidence_end": r["evidence"]["end"],
        })
    return pd.DataFrame(rows, columns=columns)
