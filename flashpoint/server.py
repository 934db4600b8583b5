"""The HTTP API: a thin skin over the store and the monitor (FastAPI; its OpenAPI schema at
/openapi.json, Swagger UI at /docs from the package's vendored copy: nothing is loaded from a CDN,
so it works offline; there is no /redoc).

Read-only by default. Write endpoints (ingest text, a URL or a feed) are on only when the
operator sets a token, and then need `Authorization: Bearer <token>`; they fetch http(s) URLs and
never read the server's own files. Each request reads through its own read-only connection, so
readers never wait for the one writer (SQLite WAL).

Requests must name this server in their Host header (the loopback names, and those the operator
allows), so that a web page whose own name was rebound to this address (DNS rebinding) cannot
read it; request bodies are capped before they are read.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoints' annotations at run time,
# and they name dependencies local to create_app.
import hmac
import json
import os
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import date as Date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import pycountry
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import __version__
from .errors import ConfigError, FlashpointError, InputError, StoreError
from .export import acled_csv, geojson_feature, geojson_text
from .lexicon import PLOVER_TYPES, load_acled_rules
from .model import Article, Dropped
from .monitor import alerts, daily_series, escalation, overview, unit_label
from .places.countries import Countries
from .settings import DEFAULTS
from .sources.files import DEFAULT_MAX_CHARS, check_text
from .sources.web import is_url
from .store import EventDetail, EventQuery, Store, StoredArticle, text_hash
from .store.queries import BINS, SORTS, auto_bin

if TYPE_CHECKING:
    from .coding.pipeline import Pipeline

MAX_PAGE = DEFAULTS.api_max_page
# A map draws more points than a table shows rows: a feature is small and the page clusters them.
MAX_FEATURES = 10 * MAX_PAGE
# SQLite's integers are 64-bit: a larger offset fails in the query, and no store holds this many rows.
MAX_OFFSET = 2**62
# A LIKE pattern SQLite takes (it refuses those over 50,000 bytes); no search needs more.
MAX_FILTER = 1000
# The longest article allowed (DEFAULT_MAX_CHARS) is at most 4 MB as UTF-8, and 6 MB with every
# character \u-escaped in JSON; the rest is room for the other fields.
MAX_BODY = DEFAULTS.api_max_body_bytes
# The names a client on this machine reaches the server by; "testserver" is what Starlette's TestClient sends.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "testserver")
QUADS = {1: "verbal cooperation", 2: "material cooperation", 3: "verbal conflict", 4: "material conflict"}
# The ACLED event types the coder can give, in the order of its rules.
ACLED_TYPES = list(dict.fromkeys(r.acled[0] for r in load_acled_rules() if r.acled))


class IngestRequest(BaseModel):
    text: str | None = None
    url: str | None = None
    feed: str | None = None
    title: str | None = None
    date: Date | None = None


def create_app(db: str | Path, *, token: str | None = None, allow_private: bool = False, create: bool = False,
               allowed_hosts: Iterable[str] = (), max_body: int = MAX_BODY) -> FastAPI:
    """The API over the store `db`; `create` starts an empty store there when there is none.

    `allowed_hosts` are the names requests may give in their Host header besides LOCAL_HOSTS:
    the host the server is bound to, and any name clients reach it by."""
    db = str(db)
    if not create and not Path(db).exists():
        raise StoreError("no such store; check the path, or pass --create to start an empty one", source=db)
    writer = _Writer(db, allow_private)
    countries = Countries.load()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # What the monitor opens on is read once now, in the background, so that the first
        # analyst of the day does not wait for it.
        threading.Thread(target=warm, name="flashpoint-warm", daemon=True).start()
        try:
            yield
        finally:
            writer.close()
            memo.close()

    app = FastAPI(title="flashpoint", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  exception_handlers={FlashpointError: _flashpoint_error, RequestValidationError: _validation_error},
                  description="PLOVER events from news: deduplicated events, their reports, series, escalation, alerts.")
    # The last added runs first: a request for another host is refused before its body is read.
    app.add_middleware(_BodyCap, cap=max_body)
    app.add_middleware(_HostCheck, hosts=[*LOCAL_HOSTS, *allowed_hosts])
    Store.open(db).close()  # create the store if it is new, so that readers find its tables

    @contextmanager
    def reading() -> Iterator[Store]:
        with Store.open(db, readonly=True) as store:
            yield store

    memo = _Memo(db)

    def warm() -> None:
        try:
            with reading() as store:
                memo.get(("overview", "country", None, 20), lambda: overview_of(store, "country", None, 20))
                memo.get(("timeline", (("bin", "auto"),)), lambda: timeline_of(store, EventQuery(), "auto"))
        except FlashpointError:
            pass  # a store that cannot be read now says so to the first request instead

    def overview_of(store: Store, by: str, as_of: Date | None, limit: int) -> dict[str, Any]:
        out = overview(store, by, as_of=as_of, limit=limit)
        for row in out["rows"]:
            row["label"] = unit_label(by, row["unit"], countries)
        return out

    def timeline_of(store: Store, eq: EventQuery, bin: str) -> dict[str, Any]:
        if bin == "auto":
            bin = auto_bin(*store.date_span(eq))
        return {"bin": bin, "rows": store.timeline(eq, bin)}

    def query(since: Date | None = None, until: Date | None = None,
              country: str | None = Query(None, max_length=MAX_FILTER, description="ISO 3166 alpha-3 code or name"),
              region: str | None = Query(None, max_length=MAX_FILTER),
              actor: str | None = Query(None, max_length=MAX_FILTER, description="code or name"),
              recipient: str | None = Query(None, max_length=MAX_FILTER, description="code or name"),
              type: str | None = Query(None, max_length=MAX_FILTER, description="PLOVER types, comma-separated: any of them"),
              quad: str | None = Query(None, pattern="^[1-4](,[1-4])*$", description="quad codes, comma-separated"),
              acled: str | None = Query(None, max_length=MAX_FILTER, description="ACLED event type"),
              mode: str | None = Query(None, max_length=MAX_FILTER),
              bbox: str | None = Query(None, description="min_lon,min_lat,max_lon,max_lat"),
              q: str | None = Query(None, max_length=MAX_FILTER, description="words in the evidence sentence or the place"),
              min_sources: int | None = Query(None, ge=1, description="only events reported by at least this many outlets"),
              min_confidence: float | None = Query(None, ge=0, le=1),
              sort: str = Query("-date", description=f"one of {', '.join(SORTS)}; '-' before it for descending"),
              limit: int = Query(100, ge=1, le=MAX_PAGE), offset: int = Query(0, ge=0, le=MAX_OFFSET)) -> EventQuery:
        """The filters every event endpoint takes; `limit` and `offset` page /api/events."""
        box = None
        if bbox:
            try:  # not four numbers, or not numbers
                min_lon, min_lat, max_lon, max_lat = (float(v) for v in bbox.split(","))
            except ValueError:
                raise HTTPException(422, "bbox must be four numbers: min_lon,min_lat,max_lon,max_lat") from None
            box = (min_lon, min_lat, max_lon, max_lat)
        types = tuple(t.strip().upper() for t in (type or "").split(",") if t.strip())
        unknown = [t for t in types if t not in PLOVER_TYPES]
        if unknown:
            raise HTTPException(422, f"unknown PLOVER type(s) {', '.join(unknown)}; use {', '.join(PLOVER_TYPES)}")
        eq = EventQuery(since=since, until=until, country=countries.code_of(country) if country else None,
                        region=region, actor=actor, recipient=recipient, types=types,
                        quads=tuple(int(x) for x in quad.split(",")) if quad else (), acled_type=acled, mode=mode,
                        bbox=box, text=q, min_sources=min_sources, min_confidence=min_confidence, sort=sort,
                        limit=limit, offset=offset)
        eq.order()  # an unknown sort is the request's error, before anything is read
        return eq

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
            return JSONResponse({"total": total, "limit": eq.limit, "offset": eq.offset, "events": [e.to_dict() for e in rows]})

    @app.get("/api/events/{event_id}", summary="One event with its reports and their evidence sentences")
    def event(event_id: str) -> dict[str, Any]:
        with reading() as store:
            return _found(store.event(event_id), f"no event {event_id}")

    @app.get("/api/events/{event_id}/explain", summary="Why an event is one event: each report and why it joined")
    def explain(event_id: str) -> dict[str, Any]:
        with reading() as store:
            why = store.explain(event_id)
        if why is None:
            raise HTTPException(404, f"no event {event_id}")
        return why

    @app.get("/api/articles", summary="Stored articles, in the order they were stored")
    def articles(since: Date | None = None, until: Date | None = None, limit: int = Query(100, ge=1, le=MAX_PAGE),
                 offset: int = Query(0, ge=0, le=MAX_OFFSET)) -> dict[str, Any]:
        with reading() as store:
            return {"articles": [a.to_dict() for a in store.articles(since=since, until=until, limit=limit, offset=offset)]}

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
                row["iso_numeric"] = _numeric(row["unit"])
        return {"by": by, "as_of": rows[0].as_of if rows else None, "rows": out}

    @app.get("/api/alerts", summary="Escalations, first-ever event types between countries, new actors")
    def alert_list(since: Date | None = None, until: Date | None = None) -> dict[str, Any]:
        with reading() as store:
            return {"alerts": list(alerts(store, since=since, until=until))}

    def features_query(eq: Annotated[EventQuery, Depends(query)],
                       features: int = Query(1000, ge=1, le=MAX_FEATURES, description="at most this many features")
                       ) -> EventQuery:
        eq.limit = features
        return eq

    @app.get("/api/points", summary="The located events the map draws: compact rows, the first `features`")
    def points(eq: Annotated[EventQuery, Depends(features_query)]) -> JSONResponse:
        with reading() as store:
            rows = store.points(eq, eq.limit or MAX_FEATURES)
        return JSONResponse({"columns": ["id", "lon", "lat", "quad", "type", "date", "place", "dead", "resolution"],
                             "points": rows, "capped": len(rows) == eq.limit})

    @app.get("/api/geojson", summary="Events with coordinates as a GeoJSON FeatureCollection (the first `features`)")
    def geojson(eq: Annotated[EventQuery, Depends(features_query)]) -> JSONResponse:
        with reading() as store:
            _, rows = store.search(eq, count=False)
            features = [f for f in map(geojson_feature, rows) if f is not None]
        return JSONResponse({"type": "FeatureCollection", "features": features})

    @app.get("/api/overview", summary="The week judged: the most escalating units with their reasons, and its alerts")
    def overview_page(by: str = Query("country", pattern="^(country|admin1|dyad)$"), as_of: Date | None = None,
                      limit: int = Query(20, ge=1, le=MAX_PAGE)) -> JSONResponse:
        with reading() as store:
            return JSONResponse(memo.get(("overview", by, as_of, limit), lambda: overview_of(store, by, as_of, limit)))

    @app.get("/api/timeline", summary="Events matching the filters by day, week or month and quad")
    def timeline(request: Request, eq: Annotated[EventQuery, Depends(query)],
                 bin: str = Query("auto", pattern=f"^(auto|{'|'.join(BINS)})$",
                                  description="auto: days up to 120 days, weeks up to three years, else months")
                 ) -> JSONResponse:
        with reading() as store:
            key = ("timeline", tuple(sorted(request.query_params.multi_items())))
            return JSONResponse(memo.get(key, lambda: timeline_of(store, eq, bin)))

    @app.get("/api/summary", summary="What the events matching the filters add up to, by country and quad")
    def summary(eq: Annotated[EventQuery, Depends(query)],
                detail: bool = Query(False, description="the days, the dead and the events by quad too"),
                parties: int = Query(0, ge=0, le=50, description="this many of the most frequent actors and recipients")
                ) -> JSONResponse:
        with reading() as store:
            out = store.summary(eq, detail=detail, parties=parties)
        out["country_names"] = {c: countries.name_of(c) for c in out["by_country"]}
        out["numeric"] = {c: _numeric(c) for c in out["by_country"]}
        return JSONResponse(out)

    @app.get("/api/suggest", summary="Completions for a filter: countries, regions, actors or recipients")
    def suggest(field: str = Query(..., pattern="^(country|region|actor|recipient)$"),
                q: str = Query("", max_length=100), limit: int = Query(10, ge=1, le=50)) -> dict[str, Any]:
        if field == "country":
            found = [{"value": code, "label": f"{name} ({code})"} for name, code in countries.matching(q, limit)]
        else:
            with reading() as store:
                if field == "region":
                    found = [{"value": r["region"], "label": f"{r['region']}, {countries.name_of(r['country']) or r['country']}",
                              "events": r["events"]} for r in store.regions(q, limit)]
                else:
                    found = [{"value": r["actor"], "label": r["actor"] if r["actor"] == r["code"] or not r["code"]
                              else f"{r['actor']} ({r['code']})", "events": r["events"]}
                             for r in store.parties(field, q, limit)]
        return {"field": field, "q": q, "suggestions": found}

    @app.get("/api/meta", summary="What the filters can take, and the latest event's day")
    def meta() -> dict[str, Any]:
        with reading() as store:
            latest = store.latest_event_date()
        return {"version": __version__, "types": list(PLOVER_TYPES), "quads": QUADS, "acled_types": ACLED_TYPES,
                "sorts": list(SORTS), "bins": list(BINS), "latest": latest.isoformat() if latest else None,
                "max_page": MAX_PAGE}

    @app.get("/api/export", summary="Every event matching the filters, as ACLED-style CSV or GeoJSON (no paging)")
    def export(eq: Annotated[EventQuery, Depends(query)],
               format: str = Query("csv", pattern="^(csv|geojson)$")) -> StreamingResponse:
        eq.limit, eq.offset = None, 0
        name = f"flashpoint-events.{format}"
        media = "text/csv; charset=utf-8" if format == "csv" else "application/geo+json"
        return StreamingResponse(_export_rows(eq, format), media_type=media,
                                 headers={"Content-Disposition": f'attachment; filename="{name}"'})

    def _export_rows(eq: EventQuery, fmt: str) -> Iterator[str]:
        # The store stays open while the rows stream; each is written as soon as it is read.
        with reading() as store:
            _, rows = store.search(eq, count=False)
            yield from (acled_csv if fmt == "csv" else geojson_text)(rows)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        # Swagger UI from the package's own copy (web/vendor/swagger-ui), not a CDN.
        return get_swagger_ui_html(openapi_url="/openapi.json", title="flashpoint API",
                                   swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
                                   swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
                                   swagger_favicon_url="/static/vendor/swagger-ui/favicon-32x32.png",
                                   swagger_ui_parameters={"validatorUrl": None})

    def authorised(authorization: str | None = Header(None)) -> None:
        if token is None:
            raise HTTPException(403, "write endpoints are off: start the server with --token (or FLASHPOINT_TOKEN)")
        scheme, _, given = (authorization or "").partition(" ")
        # As bytes: compare_digest refuses non-ASCII strings, and a header arrives decoded as Latin-1.
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode("latin-1"), token.encode()):
            raise HTTPException(401, "a valid 'Authorization: Bearer <token>' header is required")

    @app.post("/api/ingest", summary="Code and store a text, a page URL or a feed (needs the token)",
              dependencies=[Depends(authorised)])
    def ingest(req: IngestRequest) -> dict[str, Any]:
        given = [k for k in ("text", "url", "feed") if getattr(req, k)]
        if len(given) != 1:
            raise HTTPException(422, "give exactly one of text, url, feed")
        _check_request(req)
        report = writer.ingest(req)
        return {"read": report.read, "new": report.new, "duplicates": report.duplicates,
                "not_english": report.not_english, "failed": [{"source": s, "reason": r} for s, r in report.failed],
                "mentions": report.mentions, "new_events": report.new_events}

    return app


def _numeric(code: str) -> str | None:
    found = pycountry.countries.get(alpha_3=code)
    return found.numeric if found else None


def _found(item: EventDetail | StoredArticle | None, missing: str) -> dict[str, Any]:
    if item is None:
        raise HTTPException(404, missing)
    return item.to_dict()


def _check_request(req: IngestRequest) -> None:
    """Refuse, before anything is read, what SQLite cannot store and what would make the server
    read its own files: a path (or "-", its standard input) is no URL."""
    for field in ("text", "title", "url", "feed"):
        try:
            (getattr(req, field) or "").encode("utf-8")
        except UnicodeEncodeError as exc:
            raise HTTPException(422, f"{field} is not valid Unicode (lone surrogate at {exc.start})") from None
    for field in ("url", "feed"):
        if getattr(req, field) and not is_url(getattr(req, field)):
            raise HTTPException(422, f"{field} must be an http:// or https:// URL")
    if req.text is not None:
        check_text(req.text, source="request", max_chars=DEFAULT_MAX_CHARS)


async def _flashpoint_error(_: Request, exc: FlashpointError) -> JSONResponse:
    """An error raised on purpose, as the status that says whose it is: the request's (422), a
    busy or broken store's (503, try again), or flashpoint's (500)."""
    if isinstance(exc, (InputError, ConfigError)):
        status, headers = 422, None
    elif isinstance(exc, StoreError):
        status, headers = 503, {"Retry-After": "5"}
    else:
        status, headers = 500, None
    detail = f"{exc.source}: {exc.message}" if exc.source else exc.message
    return JSONResponse({"detail": detail, "code": exc.code}, status, headers=headers)


async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    # FastAPI's own response, as ASCII: the errors echo the input, which may hold a lone
    # surrogate that UTF-8 cannot encode.
    return _AsciiJSON({"detail": jsonable_encoder(exc.errors())}, 422)


class _AsciiJSON(JSONResponse):
    def render(self, content: Any) -> bytes:
        return json.dumps(content, separators=(",", ":")).encode("ascii")


class _Memo:
    """Answers that take long to compute on a large store (the overview, timelines), kept until
    the store changes: SQLite's data_version, read on a connection of the memo's own, moves
    whenever another connection commits."""

    SIZE = 64

    def __init__(self, db: str) -> None:
        self.store = Store.open(db, readonly=True)
        self.lock = threading.Lock()
        self.version: int | None = None
        self.values: dict[Any, Any] = {}

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        with self.lock:
            version = self.store.conn.execute("PRAGMA data_version").fetchone()[0]
            if version != self.version:
                self.values.clear()
                self.version = version
            if key in self.values:
                return self.values[key]
        value = compute()
        with self.lock:
            if self.version == version:
                if len(self.values) >= self.SIZE:
                    self.values.pop(next(iter(self.values)))
                self.values[key] = value
        return value

    def close(self) -> None:
        self.store.close()


class _HostCheck:
    """Answer only requests whose Host header names this server: a page whose own name was
    rebound to this address still sends that name."""

    def __init__(self, app: ASGIApp, hosts: Iterable[str]) -> None:
        self.app = app
        self.hosts = frozenset(h.strip("[]").lower() for h in hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            header = Headers(scope=scope).get("host", "")
            # "[::1]:8000" is an IPv6 address and a port; "example.org:8000" a name and a port.
            host = header[1:].partition("]")[0] if header.startswith("[") else header.partition(":")[0]
            if host.lower() not in self.hosts:
                refusal = JSONResponse({"detail": f"host {host!r} is not served here; allow it with --allowed-host"}, 400)
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)


class _BodyCap:
    """Refuse a request body over `cap` bytes with 413: unread when its Content-Length says so,
    and as soon as a streamed (chunked) one passes the cap."""

    def __init__(self, app: ASGIApp, cap: int) -> None:
        self.app = app
        self.cap = cap

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > self.cap:
            await self.refuse(scope, receive, send)
            return
        seen = 0
        refused = False

        async def counted() -> Message:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.cap:
                    # Answer now, and tell the app the client left, so that it stops reading;
                    # what it then sends is dropped.
                    refused = True
                    await self.refuse(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def unless_refused(message: Message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, counted, unless_refused)

    async def refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        await JSONResponse({"detail": f"the request body is over {self.cap:,} bytes; an article may have at most "
                                      f"{DEFAULT_MAX_CHARS:,} characters"}, 413)(scope, receive, send)


def app_from_env() -> FastAPI:
    """The app `flashpoint serve --workers N` starts in each worker process, from the settings
    the command put in the environment."""
    hosts = os.environ.get("FLASHPOINT_ALLOWED_HOSTS", "").split(",")
    return create_app(os.environ["FLASHPOINT_DB"], token=os.environ.get("FLASHPOINT_TOKEN") or None,
                      allow_private=os.environ.get("FLASHPOINT_ALLOW_PRIVATE") == "1",
                      create=os.environ.get("FLASHPOINT_CREATE") == "1", allowed_hosts=[h.strip() for h in hosts if h.strip()])


class _Writer:
    """The one writer: a pipeline and a write connection, both opened on first use and kept, behind a lock."""

    def __init__(self, db: str, allow_private: bool) -> None:
        self.db = db
        self.allow_private = allow_private
        self.lock = threading.Lock()
        self.pipeline: Pipeline | None = None
        self.store: Store | None = None

    def close(self) -> None:
        with self.lock:
            if self.store is not None:
                self.store.close()
                self.store = None

    def ingest(self, req: IngestRequest):
        from .coding.pipeline import Pipeline
        from .ingest import ingest
        from .sources.feeds import read_url
        from .sources.web import Fetcher

        with self.lock:
            if self.pipeline is None:
                self.pipeline = Pipeline()
            if self.store is None:
                self.store = Store.open(self.db, coder=self.pipeline.coder_version)
            store = self.store
            if req.text is not None:
                items: Iterable[Article | Dropped] = [Article(id="api:" + text_hash(req.text)[:16], text=req.text, title=req.title,
                                 date=req.date, source="api")]
            else:
                url = req.url or req.feed
                assert url is not None, "the endpoint lets exactly one of text, url, feed through"
                # Never read_sources: it opens any name that is not a URL as a file of the server's.
                items = read_url(url, Fetcher(allow_private=self.allow_private), store, DEFAULT_MAX_CHARS)
            return ingest(items, store, self.pipeline)
