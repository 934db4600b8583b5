"""The dashboard in a real headless Chromium: it loads offline (every file from the API's own
host), draws events on the map and in the table, filters, shows evidence, and brushes dates."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import threading
import time
import urllib.request
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from flashpoint.model import Article
from flashpoint.server import create_app
from flashpoint.store import Store

CHROMIUM = "/usr/bin/chromium"
ARTEFACTS = Path(__file__).resolve().parents[1] / "test-artefacts"
sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.slow

if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
    pytest.skip("no Chromium at /usr/bin/chromium", allow_module_level=True)
uvicorn = pytest.importorskip("uvicorn")
expect = sync_api.expect

# A lead sentence before each story, so the evidence sentence starts past offset 0.
LEAD = "It was a cold and windy day.\n\n"
STORIES = [
    ("borno", "2024-11-18", "Gunmen killed five people in Maiduguri on Monday, police said."),
    ("kharkiv", "2024-11-19", "Russian forces shelled Kharkiv on Tuesday, killing three civilians, officials said."),
    ("lagos", "2024-11-20", "Police in Lagos arrested 45 protesters on Wednesday, witnesses said."),
    ("kremlin", "2024-11-20", "The Kremlin accused Washington of escalating the war on Wednesday."),
    ("warsaw", "2024-11-21", "Ukraine and Poland signed an agreement on grain exports in Warsaw on Thursday."),
]
ROWS = "#events-table tbody tr"
MARKERS = "#map path.event-marker"


@pytest.fixture(scope="module")
def db(tmp_path_factory, pipeline):
    path = tmp_path_factory.mktemp("dashboard") / "s.db"
    articles = [Article(id=i, text=LEAD + t, title=f"Story {i}", date=date.fromisoformat(d),
                        url=f"https://{i}.example/news") for i, d, t in STORIES]
    with Store.open(path) as store:
        for art in pipeline.run_batch(articles):
            store.add(art)
    return path


@contextlib.contextmanager
def serving(db):
    """The API over `db` on a free loopback port, in a thread; yields its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the API server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def base_url(db):
    with serving(db) as url:
        yield url


def api(base_url, path):
    with urllib.request.urlopen(base_url + path, timeout=10) as r:
        return json.load(r)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        exe = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
        b = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    pg.errors, pg.outside = [], []
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))

    def only_local(route):
        url = urlsplit(route.request.url)
        if url.scheme in ("data", "blob") or url.hostname == "127.0.0.1":
            route.continue_()
        else:
            pg.outside.append(route.request.url)
            route.abort()

    pg.route("**/*", only_local)
    pg.goto(base_url + "/")
    pg.wait_for_selector("body[data-ready]")
    yield pg
    context.close()


def test_page_loads_offline_without_errors(page):
    expect(page.locator(ROWS)).to_have_count(6)
    page.wait_for_load_state("networkidle")
    assert page.errors == []
    assert page.outside == []
    # The artefact CI keeps: what the page looked like.
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTEFACTS / "dashboard.png", full_page=True)
    assert (ARTEFACTS / "dashboard.png").stat().st_size > 10_000


def test_article_text_is_escaped(browser, pipeline, tmp_path):
    hostile = ("Rebels attacked a convoy near Goma on Friday, killing four soldiers, officials said. "
               "<script>window.pwned = 1</script><img src=x onerror=\"window.pwned = 2\"> Residents fled.")
    db = tmp_path / "hostile.db"
    with Store.open(db) as store:
        for art in pipeline.run_batch([Article(id="h", text=hostile, title="<b onmouseover=alert(1)>Goma</b>",
                                               date=date(2024, 11, 22))]):
            store.add(art)
    with serving(db) as url:
        pg = browser.new_page()
        errors = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(url + "/")
        pg.wait_for_selector("body[data-ready]")
        pg.click(f"{ROWS} >> nth=0")
        expect(pg.locator("#evidence .article-text")).to_contain_text("<script>window.pwned = 1</script>")
        assert pg.evaluate("window.pwned") is None
        assert pg.locator("#evidence script, #evidence img, #evidence [onerror], #evidence [onmouseover]").count() == 0
        expect(pg.locator("#evidence")).to_contain_text("<b onmouseover=alert(1)>Goma</b>")  # the title, as text
        assert errors == []
        pg.close()


def test_map_shows_markers_and_shaded_countries_and_table_lists_events(page, base_url):
    located = len(api(base_url, "/api/geojson")["features"])
    assert located == 5
    expect(page.locator(MARKERS)).to_have_count(located)
    expect(page.locator("#map path.country").first).to_be_attached()
    assert page.locator("#map path.country").count() > 150  # the world's borders, drawn offline
    expect(page.locator("#map path.country-shaded")).to_have_count(2)  # NGA and UKR have escalation rows
    total = api(base_url, "/api/events")["total"]
    expect(page.locator(ROWS)).to_have_count(total)
    expect(page.locator("#events-table tbody")).to_contain_text("Kharkiv")
    expect(page.locator("#events-table tbody")).to_contain_text("ASSAULT")


def test_country_and_type_filters_narrow_table_and_map(page):
    expect(page.locator(ROWS)).to_have_count(6)
    page.fill("#f-country", "nga")
    page.press("#f-country", "Enter")
    expect(page.locator(ROWS)).to_have_count(2)
    expect(page.locator(MARKERS)).to_have_count(2)
    expect(page.locator("#events-table tbody")).not_to_contain_text("Kharkiv")
    page.fill("#f-country", "")
    page.select_option("#f-type", "ASSAULT")
    expect(page.locator(ROWS)).to_have_count(2)
    expect(page.locator(MARKERS)).to_have_count(2)
    expect(page.locator("#events-table tbody")).to_contain_text("Kharkiv")


def test_clicking_a_row_shows_the_article_with_the_evidence_highlighted(page, base_url):
    ev = next(e for e in api(base_url, "/api/events?type=ASSAULT&country=UKR")["events"])
    page.click(f'{ROWS}[data-id="{ev["id"]}"]')
    mark = page.locator("#evidence mark")
    expect(mark).to_have_count(1)
    expect(mark).to_have_text(ev["evidence"]["text"])
    expect(page.locator("#evidence .article-text")).to_contain_text(LEAD.strip())  # the whole article, not just the sentence


def test_brushing_the_timeline_sets_the_date_filters(page):
    expect(page.locator(ROWS)).to_have_count(6)
    expect(page.locator("#timeline rect.bar").first).to_be_attached()
    scale = page.evaluate("window.flashpoint.scale")
    days = page.evaluate("window.flashpoint.days.map(d => d.date)")
    assert days == ["2024-11-18", "2024-11-19", "2024-11-20", "2024-11-21"]
    box = page.locator("#timeline").bounding_box()
    y = box["y"] + box["height"] / 2
    factor = box["width"] / scale["W"]

    def x(i):
        return box["x"] + (scale["left"] + (i + 0.5) * scale["bw"]) * factor

    page.mouse.move(x(1), y)
    page.mouse.down()
    page.mouse.move(x(1.5), y, steps=3)
    page.mouse.move(x(2), y, steps=3)
    page.mouse.up()
    expect(page.locator("#f-since")).to_have_value("2024-11-19")
    expect(page.locator("#f-until")).to_have_value("2024-11-20")
    expect(page.locator(ROWS)).to_have_count(3)  # Kharkiv, Lagos, the Kremlin
    dates = page.locator(f"{ROWS} td:first-child").all_inner_texts()
    assert sorted(set(dates)) == ["2024-11-19", "2024-11-20"]
    expect(page.locator("#timeline rect.brush")).to_have_attribute("visibility", "visible")
