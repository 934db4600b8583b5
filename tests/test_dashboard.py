"""The monitor in a real headless Chromium, as an analyst uses it: it opens offline on the week's
escalation with its reasons, drills down to a unit, pages a large result to its newest and oldest
events, shows each article once with its sentences highlighted, keeps every filter in the URL (the
back button works), is operable by keyboard alone, passes axe-core's WCAG checks, and says clearly
when nothing matches or the server fails. Screenshots at 1440x900 and 390x844 go to test-artefacts/."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import shutil
import socket
import threading
import time
import urllib.request
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from flashpoint.ingest import ingest
from flashpoint.model import Location
from flashpoint.server import create_app
from flashpoint.sources import read_sources
from flashpoint.sources.web import Fetcher
from flashpoint.store import Store

from .handmade import article, event

CHROMIUM = "/usr/bin/chromium"
ARTEFACTS = Path(__file__).resolve().parents[1] / "test-artefacts"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.slow

if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
    pytest.skip("no Chromium at /usr/bin/chromium", allow_module_level=True)
uvicorn = pytest.importorskip("uvicorn")
expect = sync_api.expect

ROWS = "#events-table tbody tr[data-id]"
SELECTED = re.compile(r"\bselected\b")
PAGE = 50


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory, pipeline):
    """The store `flashpoint demo` builds: the bundled example articles."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    with resources.as_file(resources.files("flashpoint") / "demo" / "articles.jsonl") as src, \
            Store.open(path, coder=pipeline.coder_version) as store:
        report = ingest(read_sources([str(src)], fetcher=Fetcher(), store=store), store, pipeline)
    assert report.failed == [] and report.new_events > 0
    return path


KYIV = Location("Kyiv", resolved_place="Kyiv", lat=50.45, lon=30.52, province="Kyiv City", country_code="UKR",
                resolution=4, precision=1)
START = date(2022, 1, 1)
DAYS = 130
# Days apart enough that the store keeps the events apart (its rules join like events days apart).
STEP = 5


@pytest.fixture(scope="module")
def many_db(tmp_path_factory):
    """130 events five days apart (more than two pages), coded by hand; the last one reported by
    three outlets, by one of them in three sentences of one article."""
    path = tmp_path_factory.mktemp("many") / "many.db"
    with Store.open(path) as store:
        for i in range(DAYS):
            day = START + timedelta(days=STEP * i)
            sentence = f"Russian forces shelled district {i} of Kyiv."
            store.add(article(f"a{i}", sentence, event(f"a{i}", day=day, place=KYIV, recipients=("UKR",), sentence=sentence),
                              url=f"https://wire.example/{i}", day=day, outlet="wire.example"))
        last = START + timedelta(days=STEP * (DAYS - 1))
        told = ["Russian forces shelled the last district of Kyiv.", "The shelling went on for hours.",
                "Officials said the shelling was the heaviest this year."]
        text = " ".join(told)
        starts = [text.index(s) for s in told]
        store.add(article("long", text, *[event("long", day=last, place=KYIV, recipients=("UKR",), sentence=s, start=a)
                                          for s, a in zip(told, starts, strict=True)], url="https://daily.example/long", day=last,
                          outlet="daily.example"))
        store.add(article("other", "Kyiv was shelled by Russian forces, a second outlet said.",
                          event("other", day=last, place=KYIV, recipients=("UKR",),
                                sentence="Kyiv was shelled by Russian forces, a second outlet said."),
                          url="https://other.example/kyiv", day=last, outlet="other.example"))
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
def demo_url(demo_db):
    with serving(demo_db) as url:
        yield url


@pytest.fixture(scope="module")
def many_url(many_db):
    with serving(many_db) as url:
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
def open_page(browser):
    """Opens the monitor at a URL in a fresh context that lets nothing leave 127.0.0.1; each page
    keeps its console errors in `.errors` and the requests it tried elsewhere in `.outside`."""
    contexts = []

    def opener(url, width=1440, height=900, ready=True):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        pg = context.new_page()
        pg.set_default_timeout(10_000)
        pg.errors, pg.outside = [], []
        pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e: pg.errors.append(str(e)))

        def only_local(route):
            where = urlsplit(route.request.url)
            if where.scheme in ("data", "blob") or where.hostname == "127.0.0.1":
                route.continue_()
            else:
                pg.outside.append(route.request.url)
                route.abort()

        pg.route("**/*", only_local)
        pg.goto(url)
        if ready:
            pg.wait_for_selector("body[data-ready]")
        return pg

    yield opener
    for context in contexts:
        context.close()


def query_of(pg) -> dict[str, list[str]]:
    return parse_qs(urlsplit(pg.url).query)


def settled(pg) -> None:
    """Wait until no panel is loading."""
    pg.wait_for_function("!document.body.dataset.loading")


def test_opens_offline_on_the_weeks_escalation_with_its_reasons(open_page, demo_url):
    pg = open_page(demo_url + "/")
    overview = api(demo_url, "/api/overview")
    top = overview["rows"][0]
    # The demo tells a story on first load: Darfur's week of attacks, flagged, with why.
    assert top["unit"] == "SDN" and top["category"] == "large increase"
    first = pg.locator("#escalation > li").first
    expect(first).to_contain_text("Sudan")
    expect(first).to_contain_text("large increase")
    expect(first).to_contain_text("the 4-week mean")
    expect(first.locator("svg.spark")).to_have_count(1)
    expect(pg.locator("#as-of")).to_contain_text("Week of 15 Nov 2024 – 21 Nov 2024")
    expect(pg.locator("#alerts")).to_contain_text("first ASSAULT from RUS into UKR")
    # "Limited change" is not painted as a warning, and the legend says what the shading measures.
    expect(pg.locator("#legend")).to_contain_text("Countries: events matching the filters")
    # Newest first, over the whole store.
    total = api(demo_url, "/api/events")["total"]
    expect(pg.locator("#event-count")).to_contain_text(f"of {total}")
    dates = pg.locator(f"{ROWS} td:first-child").all_inner_texts()
    assert dates[0].startswith("2024-11-21") and [d[:10] for d in dates] == sorted((d[:10] for d in dates), reverse=True)
    pg.wait_for_load_state("networkidle")
    assert pg.errors == [] and pg.outside == []
    ARTEFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=ARTEFACTS / "monitor-1440.png")
    assert (ARTEFACTS / "monitor-1440.png").stat().st_size > 10_000


def test_phone_width_shows_everything_in_one_column_and_evidence_comes_into_view(open_page, demo_url):
    pg = open_page(demo_url + "/", width=390, height=844)
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    ARTEFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=ARTEFACTS / "monitor-390.png")
    pg.locator(ROWS).first.click()
    expect(pg.locator("#evidence mark").first).to_be_visible()
    expect(pg.locator("#evidence-h")).to_be_in_viewport()
    assert pg.errors == []


def test_api_docs_load_from_the_package_alone(open_page, demo_url):
    pg = open_page(demo_url + "/docs", ready=False)
    expect(pg.locator(".swagger-ui .info .title")).to_contain_text("flashpoint")
    pg.wait_for_load_state("networkidle")
    assert pg.outside == [] and pg.errors == []


def test_drilling_down_to_a_country_filters_everything_and_the_url_keeps_it(open_page, demo_url):
    pg = open_page(demo_url + "/")
    pg.locator('#escalation button[data-unit="SDN"]').click()
    expect(pg.locator("#focus-panel")).to_be_visible()
    expect(pg.locator("#focus-h")).to_have_text("Sudan")
    expect(pg.locator("#focus-body")).to_contain_text("Main actors")
    settled(pg)
    sudan = api(demo_url, "/api/events?country=SDN")["total"]
    expect(pg.locator("#event-count")).to_contain_text(f"of {sudan}")
    assert query_of(pg)["country"] == ["SDN"]
    places = pg.locator(f"{ROWS} td:nth-child(5)").all_inner_texts()
    assert places and not any("Kharkiv" in p or "Port-au-Prince" in p for p in places)
    # The map follows: only Sudan's located events.
    located = len(api(demo_url, "/api/geojson?country=SDN")["features"])
    assert pg.evaluate("window.flashpoint.state().country") == "SDN"
    assert pg.evaluate("document.querySelectorAll('.leaflet-marker-icon').length") >= 1
    assert located >= 1
    pg.go_back()
    settled(pg)
    expect(pg.locator("#focus-panel")).to_be_hidden()
    expect(pg.locator("#event-count")).to_contain_text(f"of {api(demo_url, '/api/events')['total']}")


def test_filters_round_trip_through_the_url(open_page, demo_url):
    pg = open_page(demo_url + "/")
    pg.fill("#f-country", "Sudan")  # a name, not only a code
    pg.press("#f-country", "Enter")
    settled(pg)
    pg.click("#f-types-box summary")
    pg.check('#f-type input[value="ASSAULT"]')
    pg.check('#f-type input[value="ACCUSE"]')
    settled(pg)
    pg.fill("#f-min_confidence", "0.5")
    pg.press("#f-min_confidence", "Enter")
    settled(pg)
    q = query_of(pg)
    assert q["country"] == ["Sudan"] and q["type"] == ["ACCUSE,ASSAULT"] and q["min_confidence"] == ["0.5"]
    want = api(demo_url, "/api/events?country=Sudan&type=ACCUSE,ASSAULT&min_confidence=0.5")
    expect(pg.locator(ROWS)).to_have_count(want["total"])
    shared = pg.url
    # The same URL opened afresh shows the same view, its form filled in.
    other = open_page(shared)
    expect(other.locator(ROWS)).to_have_count(want["total"])
    expect(other.locator("#f-country")).to_have_value("Sudan")
    assert other.is_checked('#f-type input[value="ACCUSE"]') and not other.is_checked('#f-type input[value="PROTEST"]')
    assert [r.get_attribute("data-id") for r in other.locator(ROWS).all()] == [e["id"] for e in want["events"]]
    # Export links carry the view.
    href = other.get_attribute("#export-csv", "href")
    assert "country=Sudan" in href and "type=ACCUSE%2CASSAULT" in href
    rows = list(csv.DictReader(io.StringIO(urllib.request.urlopen(demo_url + href, timeout=10).read().decode())))
    assert sorted(r["event_id_cnty"] for r in rows) == sorted(e["id"] for e in want["events"])
    # Back, a step for each change (country, two types, confidence), to the unfiltered view.
    for _ in range(3):
        pg.go_back()
    settled(pg)
    expect(pg.locator("#f-country")).to_have_value("Sudan")
    assert not pg.is_checked('#f-type input[value="ACCUSE"]') and pg.is_checked('#f-type input[value="ASSAULT"]') is False
    pg.go_back()
    settled(pg)
    expect(pg.locator("#f-country")).to_have_value("")
    expect(pg.locator("#event-count")).to_contain_text(f"of {api(demo_url, '/api/events')['total']}")


def test_an_unknown_country_is_said_plainly_and_nothing_matching_offers_to_clear(open_page, demo_url):
    pg = open_page(demo_url + "/?country=Sud")
    expect(pg.locator("#status")).to_contain_text("no country 'Sud'")
    expect(pg.locator("#status")).to_contain_text("Sudan (SDN)")
    expect(pg.locator("#events-table tbody")).to_contain_text("Could not load the events")
    pg.goto(demo_url + "/?q=no+such+words+anywhere")
    pg.wait_for_selector("body[data-ready]")
    expect(pg.locator("#events-table tbody")).to_contain_text("No events match these filters")
    expect(pg.locator("#event-count")).to_have_text("(none)")
    pg.locator("#events-table tbody button", has_text="Clear filters").click()
    settled(pg)
    expect(pg.locator(ROWS).first).to_be_visible()
    assert "q" not in query_of(pg)


def test_a_failing_server_is_reported_with_a_retry(open_page, demo_url):
    pg = open_page(demo_url + "/")
    failing = {"on": True}

    def events(route):
        if failing["on"]:
            route.fulfill(status=503, content_type="application/json", body='{"detail": "the store is busy"}')
        else:
            route.continue_()

    pg.route("**/api/events?*", events)
    pg.fill("#f-q", "Darfur")
    pg.press("#f-q", "Enter")
    expect(pg.locator("#events-table tbody")).to_contain_text("Could not load the events: the store is busy")
    failing["on"] = False
    pg.locator("#events-table tbody button", has_text="Retry").click()
    expect(pg.locator(ROWS).first).to_be_visible()


def test_paging_reaches_the_newest_and_the_oldest_event_and_headers_sort(open_page, many_url):
    pg = open_page(many_url + "/")
    total = api(many_url, "/api/events")["total"]
    assert total == DAYS  # the last day's three reports are one event
    newest = (START + timedelta(days=STEP * (DAYS - 1))).isoformat()
    expect(pg.locator(ROWS)).to_have_count(PAGE)
    expect(pg.locator(f"{ROWS} >> nth=0 >> td >> nth=0")).to_have_text(newest)
    expect(pg.locator("#page-info")).to_have_text(f"Page 1 of {-(-total // PAGE)}")
    pg.click(".pager button[data-page=last]")
    settled(pg)
    expect(pg.locator(f"{ROWS} >> nth=-1 >> td >> nth=0")).to_contain_text(START.isoformat())
    assert query_of(pg)["page"] == [str(-(-total // PAGE))]
    pg.click(".pager button[data-page=first]")
    settled(pg)
    expect(pg.locator(f"{ROWS} >> nth=0 >> td >> nth=0")).to_have_text(newest)
    # A header sorts the whole result on the server: oldest first, then most sources first.
    pg.click("#events-table th[data-sort=date] button")
    settled(pg)
    expect(pg.locator(f"{ROWS} >> nth=0 >> td >> nth=0")).to_contain_text(START.isoformat())
    expect(pg.locator("#events-table th[data-sort=date]")).to_have_attribute("aria-sort", "ascending")
    pg.click("#events-table th[data-sort=sources] button")
    settled(pg)
    expect(pg.locator(f"{ROWS} >> nth=0 >> td >> nth=6")).to_have_text("3")
    assert query_of(pg)["sort"] == ["-sources"]


def test_evidence_shows_each_article_once_with_all_its_sentences_highlighted(open_page, many_url):
    pg = open_page(many_url + "/")
    (ev,) = api(many_url, "/api/events?min_sources=2")["events"]
    assert ev["mentions"] == 5 and ev["articles"] == 3
    pg.click(f'{ROWS}[data-id="{ev["id"]}"]')
    reports = pg.locator("#evidence article.report")
    expect(reports).to_have_count(3)  # three articles, not five sentences
    long = pg.locator('#evidence article[data-article="long"]')
    expect(long.locator("mark")).to_have_count(3)  # each of its three sentences
    expect(long).to_contain_text("daily.example")
    expect(long.locator("a")).to_have_attribute("href", "https://daily.example/long")
    expect(long.locator(".merge")).to_contain_text("Why here")
    expect(pg.locator('#evidence article[data-article="other"] mark')).to_be_visible()
    # The row and its marker are highlighted together.
    expect(pg.locator(f'{ROWS}[data-id="{ev["id"]}"]')).to_have_class(SELECTED)
    expect(pg.locator(f'.event-marker.selected[data-id="{ev["id"]}"]')).to_have_count(1)
    assert query_of(pg)["event"] == [ev["id"]]


def test_clicking_a_marker_opens_its_event(open_page, demo_url):
    pg = open_page(demo_url + "/?country=UKR")
    marker = pg.locator(".event-marker").first
    marker.click()
    expect(pg.locator("#evidence mark").first).to_be_visible()
    selected = pg.evaluate("window.flashpoint.state().event")
    expect(pg.locator(f'{ROWS}[data-id="{selected}"]')).to_have_class(SELECTED)


def test_keyboard_alone_reaches_an_events_evidence(open_page, demo_url):
    pg = open_page(demo_url + "/")
    pg.keyboard.press("Tab")
    expect(pg.locator(":focus")).to_have_text("Skip to the escalation overview")
    pg.keyboard.press("Tab")
    expect(pg.locator(":focus")).to_have_text("Skip to the events")
    pg.keyboard.press("Enter")
    for _ in range(15):  # past the export links and the sortable headers to the first row
        pg.keyboard.press("Tab")
        if pg.evaluate("document.activeElement.matches('#events-table tbody tr[data-id]')"):
            break
    else:
        pytest.fail("Tab never reached a table row from the skip link")
    pg.keyboard.press("Enter")
    expect(pg.locator("#evidence-h")).to_be_focused()
    expect(pg.locator("#evidence mark").first).to_be_visible()
    # Markers and clusters are reachable by Tab; the 170-odd country shapes are not.
    assert pg.locator(".leaflet-marker-icon[tabindex='0']").count() >= 1
    assert pg.locator("#map path.country[tabindex]").count() == 0


def test_no_serious_accessibility_violations(open_page, demo_url):
    for width, height in ((1440, 900), (390, 844)):
        pg = open_page(demo_url + "/", width=width, height=height)
        pg.locator(ROWS).first.click()
        expect(pg.locator("#evidence mark").first).to_be_visible()
        pg.add_script_tag(path=str(AXE))
        found = pg.evaluate("""async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}))
            .violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))""")
        serious = [v for v in found if v["impact"] in ("serious", "critical")]
        assert serious == [], (width, serious)


def test_brushing_the_timeline_sets_the_dates_and_the_timeline_follows_the_other_filters(open_page, demo_url):
    pg = open_page(demo_url + "/")
    days = pg.evaluate("window.flashpoint.timeline().bins.map(b => b.start)")
    assert days[0] == "2024-10-28" and days[-1] == "2024-11-21"  # day bins: a month of news
    box = pg.locator("#timeline").bounding_box()
    scale = pg.evaluate("window.flashpoint.timeline().scale")
    factor = box["width"] / scale["W"]

    def x(i):
        return box["x"] + (scale["left"] + (i + 0.5) * scale["bw"]) * factor

    y = box["y"] + box["height"] / 2
    a, b = days.index("2024-11-19"), days.index("2024-11-20")
    pg.mouse.move(x(a), y)
    pg.mouse.down()
    pg.mouse.move(x(a + 0.5), y, steps=3)
    pg.mouse.move(x(b), y, steps=3)
    pg.mouse.up()
    expect(pg.locator("#f-since")).to_have_value("2024-11-19")
    expect(pg.locator("#f-until")).to_have_value("2024-11-20")
    settled(pg)
    dates = {d[:10] for d in pg.locator(f"{ROWS} td:first-child").all_inner_texts()}
    assert dates == {"2024-11-19", "2024-11-20"}
    expect(pg.locator("#timeline rect.brush")).to_have_attribute("visibility", "visible")
    # Another filter narrows the timeline's bars too, not only the table.
    pg.evaluate("window.flashpoint.apply({country: 'HTI'})")
    settled(pg)
    counted = pg.evaluate("window.flashpoint.timeline().bins.reduce((n, b) => n + b[1] + b[2] + b[3] + b[4], 0)")
    assert counted == api(demo_url, "/api/events?country=HTI")["total"]


def test_article_text_is_shown_as_text(browser, pipeline, tmp_path, open_page):
    hostile = ("Rebels attacked a convoy near Goma on Friday, killing four soldiers, officials said. "
               "<script>window.pwned = 1</script><img src=x onerror=\"window.pwned = 2\"> Residents fled.")
    db = tmp_path / "hostile.db"
    from flashpoint.model import Article
    with Store.open(db) as store:
        for art in pipeline.run_batch([Article(id="h", text=hostile, title="<b onmouseover=alert(1)>Goma</b>",
                                               date=date(2024, 11, 22))]):
            store.add(art)
    with serving(db) as url:
        pg = open_page(url + "/")
        pg.locator(ROWS).first.click()
        expect(pg.locator("#evidence .article-text")).to_contain_text("<script>window.pwned = 1</script>")
        assert pg.evaluate("window.pwned") is None
        assert pg.locator("#evidence script, #evidence img, #evidence [onerror], #evidence [onmouseover]").count() == 0
        expect(pg.locator("#evidence")).to_contain_text("<b onmouseover=alert(1)>Goma</b>")
        assert pg.errors == []


def test_only_in_map_view_filters_to_what_the_map_shows(open_page, demo_url):
    pg = open_page(demo_url + "/")
    pg.check("#f-in-view")
    settled(pg)
    # Zoom to Haiti: the table, the timeline and the URL follow the map's extent.
    pg.evaluate("window.flashpoint.map().fitBounds([[17.9, -74.5], [20.1, -71.6]], {animate: false})")
    pg.wait_for_function("(window.flashpoint.state().bbox || '').startsWith('-7')")
    settled(pg)
    haiti = api(demo_url, "/api/events?country=HTI")["total"]
    expect(pg.locator("#event-count")).to_contain_text(f"of {haiti})")
    assert "bbox" in query_of(pg)
    pg.uncheck("#f-in-view")
    settled(pg)
    assert "bbox" not in query_of(pg)
    expect(pg.locator("#event-count")).to_contain_text(f"of {api(demo_url, '/api/events')['total']})")


def test_no_border_ring_crosses_the_whole_map(open_page, demo_url):
    pg = open_page(demo_url + "/")
    # A ring drawn from +180 to -180 is a band across the map; carried past 180 it is not.
    widest = pg.evaluate("""() => {
        let widest = 0;
        window.flashpoint.borders().eachLayer((layer) => {
            const rings = (function flat(x) { return Array.isArray(x[0]) ? x.flatMap(flat) : [x]; })(layer.getLatLngs());
            for (const ring of rings) {
                const lngs = ring.map((p) => p.lng);
                widest = Math.max(widest, Math.max(...lngs) - Math.min(...lngs));
            }
        });
        return widest;
    }""")
    assert 150 < widest < 200  # Russia's mainland, from the Baltic to the Bering Strait
