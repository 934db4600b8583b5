"""Fetching pages and feeds: private addresses refused, redirects bounded, bad pages named. No network."""

from __future__ import annotations

import queue
import socket
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

from flashpoint.errors import (
    ConfigError,
    EmptyInputError,
    EncodingError,
    FeedError,
    FetchError,
    NotArticleError,
    PrivateAddressError,
    TooLargeError,
)
from flashpoint.sources import web
from flashpoint.sources.feeds import fetch_feed, parse_feed
from flashpoint.sources.web import (
    FakeTransport,
    Fetcher,
    Response,
    UrlTransport,
    fetch_article,
    is_url,
    url_article_id,
)

PUBLIC_IP = "93.184.216.34"


def resolve_public(host: str) -> list[str]:
    return [PUBLIC_IP]


def page(body: str | bytes, content_type: str | None = "text/html; charset=utf-8", status: int = 200,
         headers: dict[str, str] | None = None) -> Response:
    raw = body.encode("utf-8") if isinstance(body, str) else body
    all_headers = {"Content-Type": content_type} if content_type else {}
    return Response(url="", status=status, headers={**all_headers, **(headers or {})}, body=raw)


def redirect(location: str, status: int = 302) -> Response:
    return page(b"", content_type=None, status=status, headers={"Location": location})


def fetcher_for(pages: dict[str, Response | Exception], **kw) -> tuple[Fetcher, FakeTransport]:
    transport = FakeTransport(pages)
    kw.setdefault("resolver", resolve_public)
    return Fetcher(transport, **kw), transport


ARTICLE_HTML = """<!DOCTYPE html>
<html lang="en"><head>
<title>Protesters clash with police in Nairobi | Daily Example</title>
<meta property="og:title" content="Protesters clash with police in Nairobi">
<meta property="article:published_time" content="2024-11-19T08:30:00+03:00">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article>
<h1>Protesters clash with police in Nairobi</h1>
<p>Security forces fired tear gas at thousands of protesters who gathered outside parliament in Nairobi
on Tuesday, demanding the withdrawal of a finance bill that would raise taxes on bread and fuel.</p>
<p>The interior minister said forty people had been arrested and that the police had acted to protect
public property. Opposition leaders called for a general strike on Thursday.</p>
<p>Human rights groups accused the police of using excessive force against peaceful demonstrators and
demanded an independent inquiry into the deaths of two protesters.</p>
</article>
<footer>Copyright Daily Example</footer>
</body></html>"""

FRENCH_HTML = """<!DOCTYPE html>
<html><head><title>Manifestation devant le parlement</title></head><body><article>
<h1>Manifestation devant le parlement</h1>
<p>Des milliers de manifestants se sont rassemblés mardi devant le parlement à Paris pour protester
contre la réforme des retraites voulue par le gouvernement.</p>
<p>La police a interpellé une quarantaine de personnes, selon le ministère de l'Intérieur, et les
syndicats appellent à une nouvelle journée de grève jeudi dans toute la France.</p>
</article></body></html>"""


# --- the SSRF guard ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "http://10.0.0.5/news",
    "http://192.168.1.1/",
    "http://172.16.0.1/",
    "http://127.0.0.1:8080/admin",
    "http://localhost/",
    "http://[::1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:127.0.0.1]/",
])
def test_private_address_is_refused_before_any_request(url):
    fetcher, transport = fetcher_for({url: page(ARTICLE_HTML)})
    with pytest.raises(PrivateAddressError) as info:
        fetcher.get(url)
    assert "pass --allow-private to fetch it" in str(info.value) and url in str(info.value)
    assert transport.requests == []


def test_localhost_is_refused_whatever_the_resolver_says():
    fetcher, _ = fetcher_for({"http://localhost/": page(ARTICLE_HTML)}, resolver=resolve_public)
    with pytest.raises(PrivateAddressError):
        fetcher.get("http://localhost/")


def test_hostname_resolving_to_a_private_address_is_refused():
    fetcher, transport = fetcher_for({"http://intranet.example/": page(ARTICLE_HTML)},
                                     resolver=lambda host: ["10.1.2.3"])
    with pytest.raises(PrivateAddressError, match=r"intranet\.example \(10\.1\.2\.3\), a private address"):
        fetcher.get("http://intranet.example/")
    assert transport.requests == []


def test_hostname_with_any_private_address_among_public_ones_is_refused():
    fetcher, _ = fetcher_for({"http://mixed.example/": page(ARTICLE_HTML)},
                             resolver=lambda host: [PUBLIC_IP, "2606:4700::1111", "192.168.0.7"])
    with pytest.raises(PrivateAddressError):
        fetcher.get("http://mixed.example/")


def test_private_address_is_fetched_with_allow_private():
    fetcher, _ = fetcher_for({"http://127.0.0.1/": page(ARTICLE_HTML)}, allow_private=True)
    assert fetcher.get("http://127.0.0.1/").status == 200


def test_redirect_from_public_to_private_is_refused():
    fetcher, transport = fetcher_for({
        "https://news.example/story": redirect("http://127.0.0.1/admin"),
        "http://127.0.0.1/admin": page(ARTICLE_HTML),
    })
    with pytest.raises(PrivateAddressError, match=r"redirects to http://127\.0\.0\.1/admin"):
        fetcher.get("https://news.example/story")
    assert transport.requests == ["https://news.example/story"]


def test_unresolvable_host_is_a_fetch_error():
    def fail(host: str) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    fetcher, _ = fetcher_for({}, resolver=fail)
    with pytest.raises(FetchError, match="could not be resolved"):
        fetcher.get("https://nowhere.example/")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://news.example/story.html", "gopher://x/"])
def test_only_http_and_https_are_fetched(url):
    fetcher, transport = fetcher_for({})
    with pytest.raises(FetchError, match="is not an http:// or https:// URL") as info:
        fetcher.get(url)
    assert url in str(info.value) and transport.requests == []


def test_redirect_to_a_file_url_is_refused():
    fetcher, _ = fetcher_for({"https://news.example/a": redirect("file:///etc/passwd")})
    with pytest.raises(FetchError, match="redirects to file:///etc/passwd, which is not an http"):
        fetcher.get("https://news.example/a")


# --- redirects, statuses, failures, size ------------------------------------------------------


def test_relative_redirect_is_followed_and_the_final_url_kept():
    fetcher, _ = fetcher_for({
        "https://news.example/old": redirect("/new?id=1", status=301),
        "https://news.example/new?id=1": page(ARTICLE_HTML),
    })
    response = fetcher.get("https://news.example/old")
    assert response.status == 200 and response.url == "https://news.example/new?id=1"


def test_too_many_redirects_is_a_fetch_error():
    fetcher, transport = fetcher_for({
        "https://news.example/a": redirect("https://news.example/b"),
        "https://news.example/b": redirect("https://news.example/a"),
    }, max_redirects=3)
    with pytest.raises(FetchError, match="redirects more than 3 times"):
        fetcher.get("https://news.example/a")
    assert len(transport.requests) == 4


def test_not_found_is_a_fetch_error_with_the_status():
    fetcher, _ = fetcher_for({"https://news.example/gone": page("<html>nope</html>", status=404)})
    with pytest.raises(FetchError, match="HTTP 404 Not Found") as info:
        fetcher.get("https://news.example/gone")
    assert info.value.source == "https://news.example/gone"


def test_timeout_is_a_fetch_error():
    fetcher, _ = fetcher_for({"https://slow.example/": TimeoutError("timed out")}, timeout=2.5)
    with pytest.raises(FetchError, match=r"timed out after 2\.5 s"):
        fetcher.get("https://slow.example/")


def test_connection_refused_is_a_fetch_error():
    fetcher, _ = fetcher_for({"https://down.example/": ConnectionRefusedError(111, "Connection refused")})
    with pytest.raises(FetchError, match="Connection refused"):
        fetcher.get("https://down.example/")


def test_body_over_max_bytes_is_too_large():
    fetcher, _ = fetcher_for({"https://big.example/": page(b"x" * 5000)}, max_bytes=1000)
    with pytest.raises(TooLargeError, match="1,000 bytes"):
        fetcher.get("https://big.example/")


def test_body_of_exactly_max_bytes_is_accepted():
    fetcher, _ = fetcher_for({"https://big.example/": page(b"x" * 1000)}, max_bytes=1000)
    assert len(fetcher.get("https://big.example/").body) == 1000


def test_nonsense_limits_are_config_errors():
    with pytest.raises(ConfigError, match="timeout"):
        Fetcher(FakeTransport({}), timeout=0)


# --- articles ---------------------------------------------------------------------------------


def test_fetch_article_extracts_text_title_date_and_language():
    url = "https://news.example/2024/11/19/nairobi-protest"
    fetcher, _ = fetcher_for({url: page(ARTICLE_HTML)})
    article = fetch_article(fetcher, url)
    assert "fired tear gas" in article.text and "Copyright" not in article.text
    assert article.title == "Protesters clash with police in Nairobi"
    assert article.date == date(2024, 11, 19)
    assert article.lang == "en"
    assert article.url == url and article.source == url and article.id == url_article_id(url)


def test_fetch_article_after_redirect_keeps_final_url_and_given_source():
    fetcher, _ = fetcher_for({
        "https://short.example/x": redirect("https://news.example/story?utm_source=tw"),
        "https://news.example/story?utm_source=tw": page(ARTICLE_HTML),
    })
    article = fetch_article(fetcher, "https://short.example/x")
    assert article.url == "https://news.example/story?utm_source=tw"
    assert article.source == "https://short.example/x"
    assert article.id == url_article_id("https://news.example/story")


def test_fetch_article_marks_a_french_page_as_french():
    fetcher, _ = fetcher_for({"https://journal.example/a": page(FRENCH_HTML)})
    assert fetch_article(fetcher, "https://journal.example/a").lang == "fr"


def test_page_without_a_date_has_none():
    html = ARTICLE_HTML.replace('<meta property="article:published_time" content="2024-11-19T08:30:00+03:00">', "")
    fetcher, _ = fetcher_for({"https://news.example/undated": page(html)})
    assert fetch_article(fetcher, "https://news.example/undated").date is None


def test_pdf_is_not_an_article():
    url = "https://news.example/report.pdf"
    fetcher, _ = fetcher_for({url: page(b"%PDF-1.7\n...", content_type="application/pdf")})
    with pytest.raises(NotArticleError, match="application/pdf") as info:
        fetch_article(fetcher, url)
    assert url in str(info.value)


def test_image_without_content_type_is_sniffed_and_refused():
    fetcher, _ = fetcher_for({"https://news.example/pic": page(b"\x89PNG\r\n\x1a\n" + bytes(200), content_type=None)})
    with pytest.raises(NotArticleError, match="looks like image/png"):
        fetch_article(fetcher, "https://news.example/pic")


def test_json_is_not_an_article():
    fetcher, _ = fetcher_for({"https://api.example/x": page('{"text": "hi"}', content_type="application/json")})
    with pytest.raises(NotArticleError, match="application/json"):
        fetch_article(fetcher, "https://api.example/x")


def test_feed_given_as_a_page_says_to_ingest_it_as_a_feed():
    fetcher, _ = fetcher_for({"https://news.example/rss": page("<rss/>", content_type="application/rss+xml")})
    with pytest.raises(NotArticleError, match="ingest it as a feed"):
        fetch_article(fetcher, "https://news.example/rss")


def test_html_without_content_type_is_sniffed_and_accepted():
    fetcher, _ = fetcher_for({"https://news.example/a": page(ARTICLE_HTML, content_type=None)})
    assert "tear gas" in fetch_article(fetcher, "https://news.example/a").text


def test_charset_from_the_content_type_header_is_used():
    body = FRENCH_HTML.encode("iso-8859-1")
    fetcher, _ = fetcher_for({"https://journal.example/a": page(body, content_type="text/html; charset=ISO-8859-1")})
    assert "rassemblés" in fetch_article(fetcher, "https://journal.example/a").text


def test_charset_from_a_meta_tag_is_used():
    html = FRENCH_HTML.replace("<head>", '<head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">')
    fetcher, _ = fetcher_for({"https://journal.example/a": page(html.encode("cp1252"), content_type="text/html")})
    assert "réforme" in fetch_article(fetcher, "https://journal.example/a").text


def test_a_few_bad_bytes_are_replaced():
    body = ARTICLE_HTML.encode("utf-8").replace(b"Tuesday", b"Tuesday\xff")
    fetcher, _ = fetcher_for({"https://news.example/a": page(body)})
    assert "Tuesday\ufffd" in fetch_article(fetcher, "https://news.example/a").text


def test_undeclared_non_utf8_page_is_an_encoding_error():
    body = FRENCH_HTML.replace("é", "é" * 20).encode("iso-8859-1")
    fetcher, _ = fetcher_for({"https://journal.example/a": page(body, content_type="text/html")})
    with pytest.raises(EncodingError, match="not valid UTF-8 and declares no charset"):
        fetch_article(fetcher, "https://journal.example/a")


def test_page_without_main_text_is_empty_input():
    fetcher, _ = fetcher_for({"https://news.example/blank": page("<html><head><title>Gallery</title></head><body><img src=a.jpg></body></html>")})
    with pytest.raises(EmptyInputError):
        fetch_article(fetcher, "https://news.example/blank")


def test_url_id_ignores_case_fragment_tracking_and_parameter_order():
    a = url_article_id("https://news.example/story?b=2&a=1")
    assert a.startswith("url:") and len(a) == 20
    assert url_article_id("HTTPS://News.Example:443/story?a=1&utm_medium=social&b=2#comments") == a
    assert url_article_id("https://news.example/story?a=1&b=3") != a


def test_is_url():
    assert is_url("https://news.example/a") and is_url("HTTP://news.example")
    assert not is_url("news.txt") and not is_url("ftp://x/") and not is_url("-")


# --- feeds ------------------------------------------------------------------------------------

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
<title>Example World News</title><link>https://news.example/</link><description>World</description>
<item>
  <title>Troops mass near the border</title>
  <link>https://news.example/2024/11/19/troops</link>
  <guid isPermaLink="false">story-1001</guid>
  <pubDate>Tue, 19 Nov 2024 22:30:00 -0500</pubDate>
  <description>&lt;p&gt;Thousands of &lt;b&gt;troops&lt;/b&gt; were seen.&lt;/p&gt;</description>
</item>
<item>
  <title>No link here</title>
  <description>An entry without a link is skipped.</description>
</item>
<item>
  <title>Talks resume in Doha</title>
  <link>/2024/11/18/talks</link>
  <pubDate>Mon, 18 Nov 2024 09:00:00 GMT</pubDate>
</item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Example Atom</title><id>urn:example:feed</id><updated>2024-11-20T10:00:00Z</updated>
  <entry>
    <title>Ceasefire announced</title>
    <link rel="alternate" href="https://news.example/ceasefire"/>
    <id>urn:example:1</id>
    <published>2024-11-20T07:15:00+02:00</published>
    <updated>2024-11-21T07:15:00+02:00</updated>
    <summary>Both sides agreed to a truce.</summary>
  </entry>
  <entry>
    <title>Election results contested</title>
    <link href="stories/election"/>
    <id>urn:example:2</id>
    <updated>2024-11-19T12:00:00Z</updated>
  </entry>
</feed>"""


def test_rss_entries_keep_order_links_titles_dates_and_guids():
    entries = parse_feed(RSS, "https://news.example/feeds/world.xml")
    assert [e.url for e in entries] == ["https://news.example/2024/11/19/troops", "https://news.example/2024/11/18/talks"]
    assert [e.title for e in entries] == ["Troops mass near the border", "Talks resume in Doha"]
    # The publisher's own day, not the UTC day the evening story falls on.
    assert [e.published for e in entries] == [date(2024, 11, 19), date(2024, 11, 18)]
    assert entries[0].guid == "story-1001"
    assert entries[0].summary == "Thousands of troops were seen."
    assert entries[1].summary is None


def test_atom_entries_resolve_relative_links_and_prefer_published_to_updated():
    entries = parse_feed(ATOM, "https://news.example/atom/index.xml")
    assert [e.url for e in entries] == ["https://news.example/ceasefire", "https://news.example/atom/stories/election"]
    assert [e.title for e in entries] == ["Ceasefire announced", "Election results contested"]
    assert [e.published for e in entries] == [date(2024, 11, 20), date(2024, 11, 19)]
    assert [e.guid for e in entries] == ["urn:example:1", "urn:example:2"]
    assert entries[0].summary == "Both sides agreed to a truce."


@pytest.mark.parametrize("body", [
    b"",
    b"<!DOCTYPE html><html><body><p>Welcome to our site</p></body></html>",
    bytes(range(256)) * 4,
    b'{"items": []}',
])
def test_garbage_is_not_a_feed(body):
    with pytest.raises(FeedError, match="is not an RSS or Atom feed") as info:
        parse_feed(body, "https://news.example/feed")
    assert "https://news.example/feed" in str(info.value)


def test_feed_body_naming_a_file_is_not_read_as_that_file(tmp_path):
    feed_file = tmp_path / "feed.xml"
    feed_file.write_bytes(RSS)
    with pytest.raises(FeedError):
        parse_feed(str(feed_file).encode(), "https://news.example/feed")


def test_fetch_feed_resolves_links_against_the_url_after_redirects():
    fetcher, _ = fetcher_for({
        "https://news.example/rss": redirect("https://cdn.example/feeds/world.xml"),
        "https://cdn.example/feeds/world.xml": page(RSS, content_type="application/rss+xml"),
    })
    entries = fetch_feed(fetcher, "https://news.example/rss")
    assert entries[1].url == "https://cdn.example/2024/11/18/talks"


def test_fetch_feed_names_the_given_url_when_it_is_not_a_feed():
    fetcher, _ = fetcher_for({
        "https://news.example/rss": redirect("https://news.example/home"),
        "https://news.example/home": page(ARTICLE_HTML),
    })
    with pytest.raises(FeedError, match="HTML page") as info:
        fetch_feed(fetcher, "https://news.example/rss")
    assert info.value.source == "https://news.example/rss"


# --- the real transport, against a server on this machine ---------------------------------------

BIG_BODY_BYTES = 20_000_000
# A dripping server sends a header line or a body byte every DRIP_PAUSE s, DRIP_STEPS times.
DRIP_PAUSE = 0.2
DRIP_STEPS = 25
# Each /hop/N waits this long, then redirects to /hop/N+1: every hop inside a per-hop timeout.
HOP_PAUSE = 0.6


class _Handler(BaseHTTPRequestHandler):
    # How many bytes of the big body each request got out before the client hung up.
    big_bytes_sent: queue.Queue[int] = queue.Queue()

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/small")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/small":
            body = b"<html><body><p>small</p></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path.startswith("/drip-"):
            self._drip(headers=self.path == "/drip-headers")
        elif self.path.startswith("/hop/"):
            time.sleep(HOP_PAUSE)
            try:
                self.send_response(302)
                self.send_header("Location", f"/hop/{int(self.path.rsplit('/', 1)[1]) + 1}")
                self.send_header("Content-Length", "0")
                self.end_headers()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up, which is what the test wants
        else:
            self._send_big()

    def _drip(self, *, headers: bool) -> None:
        # Each read gets something quickly; the whole takes DRIP_STEPS * DRIP_PAUSE seconds.
        try:
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
            if headers:
                for i in range(DRIP_STEPS):
                    self.wfile.write(f"X-Drip-{i}: 1\r\n".encode())
                    time.sleep(DRIP_PAUSE)
                self.wfile.write(b"Content-Length: 0\r\n\r\n")
                return
            self.wfile.write(f"Content-Length: {DRIP_STEPS}\r\n\r\n".encode())
            for _ in range(DRIP_STEPS):
                self.wfile.write(b"x")
                time.sleep(DRIP_PAUSE)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, which is what the test wants

    def _send_big(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(BIG_BODY_BYTES))
        self.end_headers()
        chunk = b"x" * 65536
        sent = 0
        try:
            while sent < BIG_BODY_BYTES:
                self.wfile.write(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading, which is what the test wants
        self.big_bytes_sent.put(sent)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output clean


@pytest.fixture()
def local_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_url_transport_stops_reading_at_max_bytes_and_returns_redirects(local_server):
    transport = UrlTransport()
    big = transport.get(f"{local_server}/big", timeout=10, max_bytes=1000)
    assert big.status == 200 and len(big.body) == 1001
    # The client hung up long before the end: only socket buffers' worth went out, not 20 MB.
    assert _Handler.big_bytes_sent.get(timeout=10) < BIG_BODY_BYTES

    moved = transport.get(f"{local_server}/redirect", timeout=10, max_bytes=1000)
    assert moved.status == 302 and moved.headers["location"] == "/small"

    fetcher = Fetcher(allow_private=True, max_bytes=1000, timeout=10)
    assert fetcher.get(f"{local_server}/redirect").url == f"{local_server}/small"
    with pytest.raises(TooLargeError):
        fetcher.get(f"{local_server}/big")
    with pytest.raises(PrivateAddressError):
        Fetcher(timeout=10).get(f"{local_server}/small")


@pytest.mark.parametrize(("path", "within"), [
    ("/drip-headers", 2), ("/drip-body", 2),
    # Six hops of 0.6 s each fit a 1 s timeout one by one; together they must not.
    ("/hop/0", 1.5),
])
def test_a_slow_server_or_redirect_chain_cannot_hold_a_fetch_past_its_timeout(local_server, path, within):
    fetcher = Fetcher(allow_private=True, timeout=1)
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out after 1 s"):
        fetcher.get(f"{local_server}{path}")
    assert time.monotonic() - started < within


def test_no_time_left_after_a_redirect_is_a_timeout_without_another_request(monkeypatch):
    clock = [100.0]

    class SlowTransport(FakeTransport):
        """Each hop takes 1.5 s of the clock; records the timeout each was given."""

        def __init__(self, pages: dict[str, Response | Exception]) -> None:
            super().__init__(pages)
            self.timeouts: list[float] = []

        def get(self, url: str, *, timeout: float, max_bytes: int) -> Response:
            self.timeouts.append(timeout)
            clock[0] += 1.5
            return super().get(url, timeout=timeout, max_bytes=max_bytes)

    transport = SlowTransport({
        "https://news.example/a": redirect("https://news.example/b"),
        "https://news.example/b": redirect("https://news.example/c"),
        "https://news.example/c": page(ARTICLE_HTML),
    })
    monkeypatch.setattr(web, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    fetcher = Fetcher(transport, resolver=resolve_public, timeout=2.5)
    with pytest.raises(FetchError, match=r"timed out after 2\.5 s \(at https://news\.example/c\)"):
        fetcher.get("https://news.example/a")
    # The second hop got only the second left; the third was never asked for.
    assert transport.requests == ["https://news.example/a", "https://news.example/b"]
    assert transport.timeouts == [2.5, 1.0]
