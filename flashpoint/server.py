"""The HTTP API: a thin skin over the store and the monitor (FastAPI; OpenAPI at /docs).

Read-only by default. Write endpoints (ingest text, a URL or a feed) are on only when the
operator sets a token, and then need `Authorization: Bearer <token>`. Each request reads through
its own read-only connection, so readers never wait for the one writer (SQLite WAL).
"""

# No `from __future__ import annotations`: FastAPI reads the endpoints' annotations at run time,
# and they name dependencies local to create_app.
import hmac
import os
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import date as Date
from pathlib import Path
from typing import Annotated, Any

import pycountry
from fastapi import Depends, FastAPI, Header, HTTPException, Query
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from . import __version__
from .errors import FlashpointError
from .export import geojson_feature
from .model import Article
from .monitor import alerts, daily_series, escalation
from .sources.files import DEFAULT_MAX_CHARS, check_text
from .store import EventQuery, Store, text_hash

MAX_PAGE = 1000


class IngestRequest(BaseModel):
    text: str | None = None
    url: str | None = None
    feed: str | None = None
    title: str | None = None
    date: Date | None = None


def create_app(db: str | Path, *, token: str | None = None, allow_private: bool = False) -> FastAPI:
    db = str(db)
    writer = _Writer(db, allow_private)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            writer.close()

    app = FastAPI(title="flashpoint", version=__version__, lifespan=lifespan,
                  description="PLOVER events from news: deduplicated events, their reports, series, escalation, alerts.")
    Store.open(db).close()  # create the store if it is new, so that readers find its tables

    @contextmanager
    def reading() -> Iterator[Store]:
        with Store.open(db, readonly=True) as store:
            yield store

    def query(since: Date | None = None, until: Date | None = None, country: str | None = None,
              region: str | None = None, actor: str | None = None, recipient: str | None = None,
              type: str | None = None, mode: str | None = None,
              bbox: str | None = Query(None, description="min_lon,min_lat,max_lon,max_lat"),
              q: str | None = Query(None, description="words in the evidence sentence or the place"),
              limit: int = Query(100, ge=1, le=MAX_PAGE), offset: int = Query(0, ge=0)) -> EventQuery:
        box = None
        if bbox:
            try:
                box = tuple(float(v) for v in bbox.split(","))
            except ValueError:
                box = ()
            if len(box) != 4:
                raise HTTPException(422, "bbox must be four numbers: min_lon,min_lat,max_lon,max_lat")
        return EventQuery(since=since, until=until, country=country, region=region, actor=actor, recipient=recipient,
                          type=type, mode=mode, bbox=box, text=q, limit=limit, offset=offset)

    web = Path(__file__).parent / "web"
    app.mount("/static", StaticFiles(directory=web), name="static")

    @app.get("/", include_in_schema=False)
    def dashboard() -> FileResponse:
        return FileResponse(web / "index.html")

    @app.get("/api/events", summary="Events matching the filters, paginated")
    def events(eq: Annotated[EventQuery, Depends(query)]) -> JSONResponse:
        with reading() as store:
            total, rows = store.search(eq)
            # Straight to JSON: FastAPI's validation of a hundred nested records costs more than the query.
            return JSONResponse({"total": total, "limit": eq.limit, "offset": eq.offset, "events": list(rows)})

    @app.get("/api/events/{event_id}", summary="One event with its reports and their evidence sentences")
    def event(event_id: str) -> dict[str, Any]:
        with reading() as store:
            return _found(store.event(event_id), f"no event {event_id}")

    @app.get("/api/articles", summary="Stored articles, in the order they were stored")
    def articles(since: Date | None = None, until: Date | None = None, limit: int = Query(100, ge=1, le=MAX_PAGE),
                 offset: int = Query(0, ge=0)) -> dict[str, Any]:
        with reading() as store:
            return {"articles": store.articles(since=since, until=until, limit=limit, offset=offset)}

    @app.get("/api/articles/{article_id}", summary="One article, with its text")
    def article(article_id: str) -> dict[str, Any]:
        with reading() as store:
            return _found(store.article(article_id), f"no article {article_id}")

    @app.get("/api/series", summary="Daily events, event_scale, dead and injured by unit, type and quad")
    def series(by: str = Query("country", pattern="^(country|admin1|dyad)$"), unit: str | None = None,
               since: Date | None = None, until: Date | None = None) -> JSONResponse:
        with reading() as store:
            return JSONResponse({"by": by, "rows": daily_series(store, by, since=since, until=until, unit=unit)})

    @app.get("/api/escalation", summary="The escalation index of every country, region or dyad")
    def escalation_table(by: str = Query("country", pattern="^(country|admin1|dyad)$"),
                         as_of: Date | None = None) -> dict[str, Any]:
        with reading() as store:
            rows = escalation(store, by, as_of=as_of)
        out = [e.to_dict() for e in rows]
        if by == "country":
            for row in out:  # world maps key countries by ISO 3166 numeric code
                found = pycountry.countries.get(alpha_3=row["unit"])
                row["iso_numeric"] = found.numeric if found else None
        return {"by": by, "as_of": rows[0].as_of if rows else None, "rows": out}

    @app.get("/api/alerts", summary="Escalations, first-ever event types between countries, new actors")
    def alert_list(since: Date | None = None, until: Date | None = None) -> dict[str, Any]:
        with reading() as store:
            return {"alerts": list(alerts(store, since=since, until=until))}

    @app.get("/api/geojson", summary="Events with coordinates as a GeoJSON FeatureCollection")
    def geojson(eq: Annotated[EventQuery, Depends(query)]) -> JSONResponse:
        with reading() as store:
            _, rows = store.search(eq, count=False)
            features = [f for f in map(geojson_feature, rows) if f is not None]
        return JSONResponse({"type": "FeatureCollection", "features": features})

    def authorised(authorization: str | None = Header(None)) -> None:
        if token is None:
            raise HTTPException(403, "write endpoints are off: start the server with --token (or FLASHPOINT_TOKEN)")
        given = (authorization or "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given, token):
            raise HTTPException(401, "a valid 'Authorization: Bearer <token>' header is required")

    @app.post("/api/ingest", summary="Code and store a text, a page URL or a feed (needs the token)",
              dependencies=[Depends(authorised)])
    def ingest(req: IngestRequest) -> dict[str, Any]:
        given = [k for k in ("text", "url", "feed") if getattr(req, k)]
        if len(given) != 1:
            raise HTTPException(422, "give exactly one of text, url, feed")
        try:
            report = writer.ingest(req)
        except FlashpointError as exc:
            raise HTTPException(422, str(exc)) from None
        return {"read": report.read, "new": report.new, "duplicates": report.duplicates,
                "not_english": report.not_english, "failed": [{"source": s, "reason": r} for s, r in report.failed],
                "mentions": report.mentions, "new_events": report.new_events}

    return app


def _found(item: dict[str, Any] | None, missing: str) -> dict[str, Any]:
    if item is None:
        raise HTTPException(404, missing)
    return item


def app_from_env() -> FastAPI:
    """The app `flashpoint serve --workers N` starts in each worker process, from the settings
    the command put in the environment."""
    return create_app(os.environ["FLASHPOINT_DB"], token=os.environ.get("FLASHPOINT_TOKEN") or None,
                      allow_private=os.environ.get("FLASHPOINT_ALLOW_PRIVATE") == "1")


class _Writer:
    """The one writer: a pipeline and a write connection, both opened on first use and kept, behind a lock."""

    def __init__(self, db: str, allow_private: bool) -> None:
        self.db = db
        self.allow_private = allow_private
        self.lock = threading.Lock()
        self.pipeline = None
        self.store: Store | None = None

    def close(self) -> None:
        with self.lock:
            if self.store is not None:
                self.store.close()
                self.store = None

    def ingest(self, req: IngestRequest):
        from .coding.pipeline import Pipeline
        from .ingest import ingest
        from .sources import read_sources
        from .sources.web import Fetcher

        with self.lock:
            if self.pipeline is None:
                self.pipeline = Pipeline()
            if self.store is None:
                self.store = Store.open(self.db)
            store = self.store
            if req.text is not None:
                check_text(req.text, source="request", max_chars=DEFAULT_MAX_CHARS)
                items = [Article(id="api:" + text_hash(req.text)[:16], text=req.text, title=req.title,
                                 date=req.date, source="api")]
            else:
                items = read_sources([req.url or req.feed], fetcher=Fetcher(allow_private=self.allow_private),
                                     store=store, default_date=req.date)
            return ingest(items, store, self.pipeline)
