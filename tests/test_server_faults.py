"""The HTTP API's edges: what it refuses, and how. Each test builds its own small store by hand,
with no coding, so none of them loads the NLP pipeline."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from flashpoint import server
from flashpoint.errors import ConfigError, DataFileError, StoreError
from flashpoint.model import Event, Evidence, Location
from flashpoint.server import app_from_env, create_app
from flashpoint.sources.files import DEFAULT_MAX_CHARS
from flashpoint.store import Store

AUTH = {"Authorization": "Bearer T"}


def store_with(path, events=()):
    """A store at `path` holding `events`, each (id, modes, evidence sentence), as the store keeps them."""
    def record(i, mode, text):
        return Event(article_id=i, event=["ASSAULT"], evidence=Evidence(text, 0, len(text)), trigger="shelling",
                     trigger_start=0, mode=mode.split(";"), date=date(2024, 11, 20),
                     event_loc=Location("Kharkiv", "Kharkiv")).to_plover()

    with Store.open(path) as store:
        store.conn.executemany(
            "INSERT INTO events (id, type, mode, date, place, mentions, sources, coder_version, record)"
            " VALUES (?, 'ASSAULT', ?, '2024-11-20', 'Kharkiv', 1, 1, 'test', ?)",
            [(i, mode, json.dumps(record(i, mode, text))) for i, mode, text in events])
    return path


@pytest.fixture()
def client(tmp_path):
    return TestClient(create_app(store_with(tmp_path / "s.db"), token="T"))


def test_ingest_refuses_a_path_or_another_scheme_as_url_or_feed(client, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("Police in Lagos arrested 45 protesters on Wednesday, witnesses said.")
    for field, value in [("url", str(secret)), ("feed", str(secret)), ("url", "-"), ("url", f"file://{secret}")]:
        r = client.post("/api/ingest", json={field: value}, headers=AUTH)
        assert r.status_code == 422 and r.json()["detail"] == f"{field} must be an http:// or https:// URL"
    assert client.get("/api/articles").json()["articles"] == []


@pytest.mark.parametrize("path", ["/api/events", "/api/articles", "/api/geojson"])
def test_an_offset_past_sqlite_integers_is_422(client, path):
    assert client.get(path, params={"offset": 2**63}).status_code == 422
    assert client.get(path, params={"offset": 2**62}).status_code == 200


def test_a_non_ascii_authorization_header_is_401(client):
    r = client.post("/api/ingest", json={}, headers={"Authorization": "Bearer ü".encode("latin-1")})
    assert r.status_code == 401


def test_the_token_needs_the_bearer_scheme(client):
    assert client.post("/api/ingest", json={}, headers={"Authorization": "T"}).status_code == 401
    assert client.post("/api/ingest", json={}, headers={"Authorization": "Basic T"}).status_code == 401
    # The scheme is case-insensitive (RFC 7235): past the check, the empty request is refused.
    assert client.post("/api/ingest", json={}, headers={"Authorization": "bearer T"}).status_code == 422


def test_like_wildcards_in_q_and_mode_match_themselves(tmp_path):
    db = store_with(tmp_path / "s.db", [("pct", "ground", "Prices rose 5% after the shelling."),
                                        ("plain", "air;ground", "Shelling hit the market.")])
    client = TestClient(create_app(db))
    found = lambda **params: [e["id"] for e in client.get("/api/events", params=params).json()["events"]]  # noqa: E731
    assert found(q="%") == ["pct"]
    assert found(q="_") == [] and found(q="\\") == []
    assert found(mode="%") == [] and found(mode="_ir") == []
    assert found(mode="air") == ["plain"]


def test_q_finds_words_and_their_beginnings_in_the_evidence_and_the_place(tmp_path):
    db = store_with(tmp_path / "s.db", [("m", "ground", "Shelling hit the markets of Bakhmút."),
                                        ("t", "air", "Talks resumed after the shelling.")])
    client = TestClient(create_app(db))
    found = lambda q: sorted(e["id"] for e in client.get("/api/events", params={"q": q}).json()["events"])  # noqa: E731
    assert found("market") == ["m"]  # the beginning of a word
    assert found("BAKHMUT markets") == ["m"]  # every word, in any case, with or without its accent
    assert found("shelling") == ["m", "t"] and found("kharkiv") == ["m", "t"]  # the place too
    assert found("markets talks") == [] and found("arket") == []
    with Store.open(db) as store:  # an event changed is searched by its new sentence
        store.conn.execute("UPDATE events SET record = json_set(record, '$.evidence.text', 'Drones hit a depot.')"
                           " WHERE id = 'm'")
    assert found("market") == [] and found("depot") == ["m"]


def test_a_body_over_the_cap_is_413_before_it_is_read(client):
    r = client.post("/api/ingest", content=b"x" * 30_000_000, headers={"content-type": "application/json"})
    assert r.status_code == 413
    # The longest article allowed, every character \u-escaped, still fits (refused only for the token).
    longest = json.dumps({"text": "é" * DEFAULT_MAX_CHARS}).encode()
    assert len(longest) < server.MAX_BODY
    assert client.post("/api/ingest", content=longest, headers={"content-type": "application/json"}).status_code == 401


def test_a_streamed_body_is_refused_once_past_the_cap(tmp_path):
    app = create_app(store_with(tmp_path / "s.db"), token="T", max_body=1000)
    pulled, sent = [], []

    async def receive():
        pulled.append(1)
        return {"type": "http.request", "body": b"x" * 400, "more_body": len(pulled) < 100}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/ingest", "raw_path": b"/api/ingest", "query_string": b"", "root_path": "",
             "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"),
                         (b"transfer-encoding", b"chunked")], "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    asyncio.run(app(scope, receive, send))
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [413]
    assert len(pulled) == 3


@pytest.mark.parametrize("field", ["text", "title"])
def test_a_lone_surrogate_is_422_naming_the_field(client, field):
    body = {"text": "Police arrested 45 protesters.", field: "x\ud800"}
    r = client.post("/api/ingest", content=json.dumps(body), headers={**AUTH, "content-type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"].startswith(f"{field} is not valid Unicode (lone surrogate at 1)")


def test_a_lone_surrogate_in_a_field_that_fails_validation_is_422(client):
    r = client.post("/api/ingest", content=json.dumps({"date": "\ud800"}), headers={**AUTH, "content-type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "date"]


def test_flashpoint_errors_map_to_http_statuses(client, monkeypatch):
    too_long = {"text": "x" * (DEFAULT_MAX_CHARS + 1)}
    r = client.post("/api/ingest", json=too_long, headers=AUTH)
    assert r.status_code == 422 and r.json()["code"] == "E105" and "1,000,001 characters" in r.json()["detail"]
    for error, status in [(StoreError("cannot write: database is locked", source="s.db"), 503),
                          (ConfigError("bad option"), 422), (DataFileError("bad lexicon"), 500)]:
        def fail(*args, error=error, **kwargs):
            raise error

        monkeypatch.setattr(Store, "search", fail)
        r = client.get("/api/events")
        assert r.status_code == status and r.json() == {"detail": error.message if error.source is None
                                                        else f"{error.source}: {error.message}", "code": error.code}
        assert ("retry-after" in r.headers) == (status == 503)


def test_docs_are_served_from_the_package_and_openapi_stays(client):
    page = client.get("/docs")
    assert page.status_code == 200
    # Every script, style and icon from the server itself: none from a CDN.
    assets = re.findall(r'(?:src|href)=["\']([^"\']+)', page.text)
    assert assets and all(a.startswith("/static/vendor/swagger-ui/") for a in assets), assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    assert "https://" not in page.text
    assert client.get("/redoc").status_code == 404
    assert "/api/events" in client.get("/openapi.json").json()["paths"]


def test_only_hosts_the_server_serves_are_answered(tmp_path):
    db = store_with(tmp_path / "s.db")
    client = TestClient(create_app(db))
    for host in ["127.0.0.1:8000", "localhost", "[::1]:8000", "testserver"]:
        assert client.get("/api/articles", headers={"Host": host}).status_code == 200, host
    for host in ["evil.example", "evil.example:8000", ""]:
        assert client.get("/api/articles", headers={"Host": host}).status_code == 400, host
    named = TestClient(create_app(db, allowed_hosts=["News.Example"]))
    assert named.get("/api/articles", headers={"Host": "news.example:8080"}).status_code == 200
    assert named.get("/api/articles", headers={"Host": "localhost"}).status_code == 200


def test_a_missing_store_is_refused_unless_created(tmp_path):
    missing = tmp_path / "typo.db"
    with pytest.raises(StoreError, match="--create"):
        create_app(missing)
    assert not missing.exists()
    TestClient(create_app(missing, create=True)).get("/api/events").raise_for_status()


def test_app_from_env_reads_create_and_allowed_hosts(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASHPOINT_DB", str(tmp_path / "new.db"))
    with pytest.raises(StoreError):
        app_from_env()
    monkeypatch.setenv("FLASHPOINT_CREATE", "1")
    monkeypatch.setenv("FLASHPOINT_ALLOWED_HOSTS", "a.example, b.example")
    client = TestClient(app_from_env())
    assert client.get("/api/events", headers={"Host": "b.example"}).status_code == 200
    assert client.get("/api/events", headers={"Host": "c.example"}).status_code == 400


def test_an_overlong_text_filter_is_422_not_500(tmp_path):
    client = TestClient(create_app(store_with(tmp_path / "s.db", [("e1", "ground", "Shelling hit the market.")])))
    for name in ("q", "mode"):
        assert client.get("/api/events", params={name: "a" * 50_001}).status_code == 422
