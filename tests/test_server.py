"""The HTTP API over a small store: filters, one event with its reports, series, escalation,
alerts, GeoJSON, OpenAPI, and write endpoints that are off without a token."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from flashpoint.model import Article
from flashpoint.server import create_app
from flashpoint.store import Store

STORIES = [
    ("a", "2024-11-19", "Russian forces shelled Kharkiv on Tuesday, killing three civilians, officials said."),
    ("b", "2024-11-19", "Three civilians were killed when Russian artillery shelled Kharkiv on Tuesday, the governor said."),
    ("c", "2024-11-20", "Police in Lagos arrested 45 protesters on Wednesday, witnesses said."),
    ("d", "2024-11-20", "The Kremlin accused Washington of escalating the war on Wednesday."),
]


@pytest.fixture(scope="module")
def db(tmp_path_factory, pipeline):
    path = tmp_path_factory.mktemp("api") / "s.db"
    with Store.open(path) as store:
        for art in pipeline.run_batch([Article(id=i, text=t, date=date.fromisoformat(d), url=f"https://n{i}.example/x")
                                       for i, d, t in STORIES]):
            store.add(art)
    return path


@pytest.fixture(scope="module")
def client(db):
    return TestClient(create_app(db))


def test_events_filtered_by_country_type_and_dates(client):
    got = client.get("/api/events", params={"country": "UKR", "type": "ASSAULT", "since": "2024-11-19"}).json()
    assert got["total"] == 1 and got["events"][0]["mentions"] >= 2 and got["events"][0]["sources"] == 2
    assert client.get("/api/events", params={"country": "NGA"}).json()["total"] >= 1
    assert client.get("/api/events", params={"until": "2024-11-01"}).json()["total"] == 0


def test_events_by_actor_recipient_text_and_bbox(client):
    assert {e["event"][0] for e in client.get("/api/events", params={"actor": "rus"}).json()["events"]} >= {"ASSAULT", "ACCUSE"}
    assert client.get("/api/events", params={"recipient": "USA"}).json()["events"][0]["event"][0] == "ACCUSE"
    assert client.get("/api/events", params={"q": "protesters"}).json()["total"] >= 1
    box = client.get("/api/events", params={"bbox": "35,49,38,51"}).json()
    assert box["total"] == 1 and box["events"][0]["event_loc"]["resolved_place"] == "Kharkiv"
    assert client.get("/api/events", params={"bbox": "1,2,3"}).status_code == 422


def test_pages(client):
    first = client.get("/api/events", params={"limit": 1}).json()
    second = client.get("/api/events", params={"limit": 1, "offset": 1}).json()
    assert first["total"] == second["total"] > 1 and first["events"][0]["id"] != second["events"][0]["id"]
    assert client.get("/api/events", params={"limit": 100000}).status_code == 422


def test_one_event_with_its_reports_and_evidence(client):
    ev = client.get("/api/events", params={"type": "ASSAULT"}).json()["events"][0]
    got = client.get(f"/api/events/{ev['id']}").json()
    reports = got["reports"]
    assert {r["article_id"] for r in reports} == {"a", "b"}
    art = client.get(f"/api/articles/{reports[0]['article_id']}").json()
    assert art["text"][reports[0]["start"]:reports[0]["end"]] == reports[0]["evidence"]
    assert client.get("/api/events/nope").status_code == 404


def test_series_escalation_alerts_geojson_and_openapi(client):
    rows = client.get("/api/series", params={"by": "country", "unit": "UKR"}).json()["rows"]
    assert rows and rows[0]["unit"] == "UKR"
    esc = client.get("/api/escalation", params={"by": "dyad"}).json()
    assert {r["unit"] for r in esc["rows"]} >= {"RUS>USA"}
    assert client.get("/api/alerts", params={"since": "2024-11-01"}).json()["alerts"]
    gj = client.get("/api/geojson").json()
    assert gj["type"] == "FeatureCollection" and gj["features"]
    assert "/api/events" in client.get("/openapi.json").json()["paths"]
    assert client.get("/api/series", params={"by": "planet"}).status_code == 422


def test_write_endpoints_are_off_without_a_token(client):
    r = client.post("/api/ingest", json={"text": "Gunmen killed five people in Borno on Monday."})
    assert r.status_code == 403 and "--token" in r.json()["detail"]


def test_write_needs_the_token_and_then_stores(db, tmp_path):
    path = tmp_path / "w.db"
    path.write_bytes(db.read_bytes())
    client = TestClient(create_app(path, token="s3cret"))
    body = {"text": "Gunmen killed five people in Maiduguri on Monday, police said.", "date": "2024-11-18"}
    assert client.post("/api/ingest", json=body).status_code == 401
    assert client.post("/api/ingest", json=body, headers={"Authorization": "Bearer wrong"}).status_code == 401
    r = client.post("/api/ingest", json=body, headers={"Authorization": "Bearer s3cret"})
    assert r.status_code == 200 and r.json()["new"] == 1
    again = client.post("/api/ingest", json=body, headers={"Authorization": "Bearer s3cret"}).json()
    assert again["duplicates"] == 1
    assert client.post("/api/ingest", json={}, headers={"Authorization": "Bearer s3cret"}).status_code == 422
    # A URL is fetched (and this one refused, being private), not opened.
    r = client.post("/api/ingest", json={"url": "http://127.0.0.1/x"}, headers={"Authorization": "Bearer s3cret"})
    assert r.status_code == 200 and "--allow-private" in r.json()["failed"][0]["reason"]
    assert client.get("/api/events", params={"country": "NGA", "type": "ASSAULT"}).json()["total"] >= 1


def test_events_reported_by_several_outlets_and_why_they_are_one(client):
    (strike,) = client.get("/api/events", params={"min_sources": 2}).json()["events"]
    assert strike["event"][0] == "ASSAULT" and strike["articles"] == 2 and strike["article_ids"] == ["a", "b"]
    assert client.get("/api/events", params={"min_sources": 0}).status_code == 422
    why = client.get(f"/api/events/{strike['id']}/explain").json()
    assert [r["outlet"] for r in why["reports"]][:2] == ["na.example", "nb.example"]
    assert why["reports"][0]["merge"]["rule"] == "new" and why["reports"][-1]["merge"]["rule"] != "new"
    assert client.get("/api/events/nope/explain").status_code == 404


def test_the_monitor_s_endpoints_agree_with_the_events(client):
    every = client.get("/api/events", params={"limit": 1000}).json()
    assert [e["date"] for e in every["events"]] == sorted((e["date"] for e in every["events"]), reverse=True)
    located = [e for e in every["events"] if (e["event_loc"] or {}).get("lat") is not None]
    points = client.get("/api/points").json()
    assert {p[0] for p in points["points"]} == {e["id"] for e in located} and not points["capped"]
    assert len(client.get("/api/points", params={"features": 1}).json()["points"]) == 1
    plain = client.get("/api/summary").json()
    assert plain["events"] == every["total"] and "by_quad" not in plain
    detail = client.get("/api/summary", params={"detail": 1, "parties": 3}).json()
    assert sum(detail["by_quad"].values()) == every["total"] == sum(detail["by_country"].values()) + sum(
        1 for e in every["events"] if not (e["event_loc"] or {}).get("country_code"))
    assert len(detail["actors"]) <= 3
    timeline = client.get("/api/timeline", params={"bin": "auto"}).json()
    assert timeline["bin"] == "day" and sum(r["events"] for r in timeline["rows"]) == sum(
        1 for e in every["events"] if e["date"])
    overview = client.get("/api/overview").json()
    assert overview["as_of"] == max(e["date"] for e in every["events"] if e["date"])
    assert all(row["label"] and row["reasons"] and len(row["weekly"]) == 12 for row in overview["rows"])
    names = client.get("/api/suggest", params={"field": "country", "q": "ukr"}).json()["suggestions"]
    assert {"value": "UKR", "label": "Ukraine (UKR)"} in names
    assert client.get("/api/events", params={"country": "Ukraine"}).json()["total"] == client.get(
        "/api/events", params={"country": "ukr"}).json()["total"]
    assert client.get("/api/events", params={"country": "Ukrania"}).status_code == 422
    assert client.get("/api/events", params={"sort": "colour"}).status_code == 422
    assert client.get("/api/events", params={"type": "ASSAULT,NOPE"}).status_code == 422
