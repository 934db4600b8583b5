"""Fetch web pages as articles, refusing addresses on the local network.

Network access goes through a Transport, so tests (and users' tests) swap in FakeTransport and
never touch the network. The Fetcher on top of it owns the safety rules: http(s) only, no private
addresses at any redirect hop, bounded redirects, time and size.
"""

from __future__ import annotations

import codecs
import hashlib
import http.client
import ipaddress
import logging
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import SplitResult, parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from ..errors import (
    ConfigError,
    EncodingError,
    FetchError,
    NotArticleError,
    PrivateAddressError,
    TooLargeError,
)
from ..language import detect
from ..model import Article
from ..settings import DEFAULTS
from .files import DEFAULT_MAX_CHARS, check_text
from .html import html_publication_date, html_to_text, looks_like_html

LOG = logging.getLogger(__name__)

DEFAULT_USER_AGENT = "flashpoint/0.1 (+offline event coder)"

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_CHUNK = 64 * 1024


# --- transports -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    # Header names in lower case.
    headers: dict[str, str]
    body: bytes


class Transport(Protocol):
    def get(self, url: str, *, timeout: float, max_bytes: int) -> Response:
        """One GET, redirects not followed; the body is cut at max_bytes + 1 bytes so that the
        caller can tell "exactly the limit" from "over it". Network failures raise OSError or
        http.client.HTTPException; an HTTP error status is a Response, not an exception."""
        ...


class UrlTransport:
    """The real transport: the standard library's urllib, no extra dependencies."""

    def __init__(self, *, user_agent: str = DEFAULT_USER_AGENT) -> None:
        self.user_agent = user_agent
        # Only the handlers http(s) needs. urllib's defaults would also open file://, ftp:// and
        # data: URLs, and would follow redirects and raise on error statuses, where the Fetcher
        # must see every redirect to check where it points.
        self._opener = urllib.request.OpenerDirector()
        for handler in (urllib.request.ProxyHandler(), _WatchedHTTPHandler(), _WatchedHTTPSHandler(),
                        urllib.request.UnknownHandler()):
            self._opener.add_handler(handler)

    def get(self, url: str, *, timeout: float, max_bytes: int) -> Response:
        headers = {
            "User-Agent": self.user_agent,
            "Accept": "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,application/xml;q=0.9,*/*;q=0.8",
            # A compressed body would dodge the byte limit and need decoding we do not do.
            "Accept-Encoding": "identity",
        }
        watchdog = _Watchdog(timeout)
        try:
            with self._opener.open(_WatchedRequest(url, watchdog, headers=headers), timeout=timeout) as raw:
                body = _read_capped(raw, max_bytes)
                response = Response(url=url, status=raw.status, headers={name.lower(): value for name, value in raw.headers.items()},
                                    body=body)
        except (OSError, http.client.HTTPException):
            if not watchdog.expired:
                raise
        finally:
            watchdog.close()
        if watchdog.expired:
            # Whatever the cut connection raised, or the short body it left, is not the server's answer.
            raise TimeoutError(f"download took longer than {timeout:g} s")
        return response


def _read_capped(stream: Any, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while total <= max_bytes:
        chunk = stream.read(min(_CHUNK, max_bytes + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


class _Watchdog:
    """Shuts a request's connection down when its time is up.

    A socket timeout bounds each read, not the request: a server sending its headers or body a
    byte at a time would hold a run for as long as it liked."""

    def __init__(self, seconds: float) -> None:
        self._deadline = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        # Once closed, a timer firing late must not count the request as cut.
        self._closed = False
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def connect(self, address: tuple[str, int], timeout: object = None,
                source_address: tuple[str, int] | None = None) -> socket.socket:
        """http.client's socket.create_connection, watched; no socket operation may wait past the deadline."""
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no time left to connect")
        sock = socket.create_connection(address, remaining, source_address)
        # A second descriptor of the same socket: shutting it down ends reads on the first, whoever
        # holds it by then (TLS takes it over), and being ours it is never closed and reused under us.
        watched = sock.dup()
        with self._lock:
            self._sockets.append(watched)
            if self.expired:
                _shut(watched)
        return sock

    def _expire(self) -> None:
        with self._lock:
            if self._closed:
                return
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def close(self) -> None:
        self._timer.cancel()
        with self._lock:
            self._closed = True
            for sock in self._sockets:
                sock.close()


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # the other end closed it already: nothing left to stop


class _WatchedRequest(urllib.request.Request):
    def __init__(self, url: str, watchdog: _Watchdog, **kw: Any) -> None:
        super().__init__(url, **kw)
        self.watchdog = watchdog


class _Watched:
    """Mixed into urllib's handlers: each connection they make is watched by its request's watchdog."""

    def do_open(self, http_class: Any, req: Any, **http_conn_args: Any) -> Any:
        def watched_connection(*args: Any, **kw: Any) -> http.client.HTTPConnection:
            connection = http_class(*args, **kw)
            connection._create_connection = req.watchdog.connect
            return connection

        return super().do_open(watched_connection, req, **http_conn_args)  # type: ignore[misc]


class _WatchedHTTPHandler(_Watched, urllib.request.HTTPHandler):
    pass


class _WatchedHTTPSHandler(_Watched, urllib.request.HTTPSHandler):
    pass


class FakeTransport:
    """Serves canned responses (or raises canned exceptions) by URL; for tests.

    A URL it does not know fails like an unreachable host. `requests` lists the URLs asked for."""

    def __init__(self, pages: dict[str, Response | Exception]) -> None:
        self.pages = dict(pages)
        self.requests: list[str] = []

    def get(self, url: str, *, timeout: float, max_bytes: int) -> Response:
        self.requests.append(url)
        page = self.pages.get(url)
        if page is None:
            raise ConnectionRefusedError(f"FakeTransport has no page for {url}")
        if isinstance(page, Exception):
            raise page
        # Honour the transport contract (lower-case names, capped body), as a real transport would.
        headers = {name.lower(): value for name, value in page.headers.items()}
        return Response(url=url, status=page.status, headers=headers, body=page.body[:max_bytes + 1])


# --- the fetcher ------------------------------------------------------------------------------


def _default_resolver(host: str) -> list[str]:
    # Every address, IPv4 and IPv6: the connection may use any of them.
    return [str(info[4][0]) for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)]


class Fetcher:
    """GETs http(s) URLs, following redirects, refusing private addresses unless allowed.

    `user_agent` applies to the default transport; a transport passed in sends its own."""

    def __init__(self, transport: Transport | None = None, *, allow_private: bool = False,
                 timeout: float = DEFAULTS.fetch_timeout_s, max_bytes: int = DEFAULTS.fetch_max_bytes,
                 max_redirects: int = DEFAULTS.fetch_max_redirects, resolver: Callable[[str], list[str]] | None = None,
                 user_agent: str = DEFAULT_USER_AGENT) -> None:
        if not timeout > 0:
            raise ConfigError(f"timeout must be more than 0 seconds, got {timeout}")
        if max_bytes < 1:
            raise ConfigError(f"max_bytes must be at least 1, got {max_bytes}")
        if max_redirects < 0:
            raise ConfigError(f"max_redirects must be 0 or more, got {max_redirects}")
        self.transport: Transport = transport if transport is not None else UrlTransport(user_agent=user_agent)
        self.allow_private = allow_private
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.resolver = resolver if resolver is not None else _default_resolver

    def get(self, url: str) -> Response:
        """The final response for `url`, after redirects; its `url` is where it was found.

        Raises FetchError (bad scheme, network failure, error status, too many redirects, the
        timeout passed), PrivateAddressError, or TooLargeError, each naming `url`. The timeout is
        for the whole fetch, redirects included: each hop gets only the time left."""
        deadline = time.monotonic() + self.timeout
        current = url
        for _ in range(self.max_redirects + 1):
            self._check_target(current, source=url)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._timed_out(current, source=url)
            response = self._request(current, source=url, timeout=remaining)
            location = response.headers.get("location")
            if response.status in _REDIRECTS and location:
                current = urljoin(current, location.strip())
                continue
            return self._checked_final(response, source=url)
        raise FetchError(f"redirects more than {self.max_redirects} times (last to {current}); it may loop", source=url)

    def _check_target(self, url: str, *, source: str) -> None:
        lead = "" if url == source else f"redirects to {url}, which "
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https"):
            raise FetchError(f"{lead}is not an http:// or https:// URL", source=source)
        host = _valid_host(parts)
        if host is None:
            raise FetchError(f"{lead}has no valid host name and port", source=source)
        if self.allow_private:
            return
        # The transport resolves the name again when it connects, so a DNS server that answers
        # differently the second time (rebinding) gets past this check; only egress rules at the
        # network level close that gap.
        for address in self._addresses(host, lead=lead, source=source):
            kind = _non_public_kind(address)
            if kind:
                shown = host if host == str(address) else f"{host} ({address})"
                raise PrivateAddressError(f"{lead}is at {shown}, a {kind} address; pass --allow-private to fetch it", source=source)

    def _addresses(self, host: str, *, lead: str, source: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            pass  # not a literal address: resolve it
        # RFC 6761: localhost names are this machine whatever a resolver says.
        if host == "localhost" or host.endswith(".localhost"):
            return [ipaddress.ip_address("127.0.0.1")]
        try:
            found = self.resolver(host)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise FetchError(f"{lead}has a host name, {host}, that could not be resolved ({reason})", source=source) from None
        if not found:
            raise FetchError(f"{lead}has a host name, {host}, that resolves to no address", source=source)
        # A scope (fe80::1%eth0) is not part of the address.
        return [ipaddress.ip_address(address.split("%", 1)[0]) for address in found]

    def _timed_out(self, url: str, *, source: str) -> FetchError:
        at = "" if url == source else f" (at {url})"
        return FetchError(f"timed out after {self.timeout:g} s{at}", source=source)

    def _request(self, url: str, *, source: str, timeout: float) -> Response:
        at = "" if url == source else f" (at {url})"
        try:
            return self.transport.get(url, timeout=timeout, max_bytes=self.max_bytes)
        except TimeoutError:
            raise self._timed_out(url, source=source) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise self._timed_out(url, source=source) from None
            raise FetchError(f"could not connect{at}: {exc.reason}", source=source) from None
        except OSError as exc:
            raise FetchError(f"network error{at}: {exc.strerror or exc}", source=source) from None
        except http.client.HTTPException as exc:
            raise FetchError(f"bad HTTP response{at}: {type(exc).__name__} {exc}".rstrip(), source=source) from None

    def _checked_final(self, response: Response, *, source: str) -> Response:
        at = "" if response.url == source else f" (at {response.url})"
        if not 200 <= response.status < 300:
            raise FetchError(f"returned HTTP {_status_text(response.status)}{at}", source=source)
        if len(response.body) > self.max_bytes:
            raise TooLargeError(f"is over the download limit of {self.max_bytes:,} bytes{at}", source=source)
        return response


def _valid_host(parts: SplitResult) -> str | None:
    """The URL's host name, lower case, or None when the host or port cannot be used."""
    try:
        port_ok = parts.port is None or parts.port > 0
        host = parts.hostname
        if host:
            host.encode("idna")  # what the transport will do; too-long labels fail here
    except ValueError:  # a bad port, or UnicodeError from the IDNA codec
        return None
    return host if host and port_ok else None


def _status_text(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _non_public_kind(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """What makes `address` unfit to fetch from ("loopback", "private", ...), or None if public."""
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv6 form that carries an IPv4 address reaches that IPv4 address: judge it instead.
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
        if embedded is not None:
            address = embedded
    for kind, flag in (("loopback", address.is_loopback), ("unspecified", address.is_unspecified),
                       ("link-local", address.is_link_local), ("multicast", address.is_multicast),
                       ("private", address.is_private), ("reserved", address.is_reserved)):
        if flag:
            return kind
    # Shared (carrier NAT) and other special-purpose ranges that none of the flags above cover.
    return None if address.is_global else "non-public"


def is_url(s: str) -> bool:
    """True for an http:// or https:// URL (what `ingest` fetches rather than opens as a file)."""
    return s[:8].lower().startswith(("http://", "https://"))


# --- articles ---------------------------------------------------------------------------------


def fetch_article(fetcher: Fetcher, url: str, *, max_chars: int = DEFAULT_MAX_CHARS) -> Article:
    """Fetch the web page at `url` and make an article of its main text.

    Raises FetchError and its kin for the download, NotArticleError for a non-HTML page,
    EncodingError for an undecodable one, EmptyInputError when no main text can be extracted."""
    return article_from_response(fetcher.get(url), url, max_chars=max_chars)


def article_from_response(response: Response, url: str, *, max_chars: int = DEFAULT_MAX_CHARS) -> Article:
    """An article of a page already fetched from `url` (`response.url` is where it was found)."""
    _require_html(response, source=url)
    html = _decode_html(response, source=url)
    text, title = html_to_text(html, source=url)
    check_text(text, source=url, max_chars=max_chars)
    lang, _ = detect(text)
    return Article(id=url_article_id(response.url), text=text, title=title, date=html_publication_date(html, response.url),
                   url=response.url, source=url, lang=lang)


URL_ID_PREFIX = "url:"


def url_article_id(url: str) -> str:
    """A stable article id for a URL: the same page under cosmetic URL variants gets the same id."""
    return URL_ID_PREFIX + hashlib.sha1(normalize_url(url).encode("utf-8")).hexdigest()[:16]


_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_url(url: str) -> str:
    """`url` without what does not change the page: case of scheme and host, default port,
    fragment, utm_* tracking parameters, order of the other parameters."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(scheme):
        host += f":{parts.port}"
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{host}" if userinfo else host
    params = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.lower().startswith("utm_"))
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(params), ""))


def _media_type(response: Response) -> str | None:
    value = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return value or None


# Magic numbers of what servers most often send without a Content-Type, for the error message.
_MAGIC = ((b"%PDF-", "application/pdf"), (b"\x89PNG", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
          (b"GIF8", "image/gif"), (b"PK\x03\x04", "application/zip"), (b"\x1f\x8b", "application/gzip"))


def sniff_type(body: bytes) -> str | None:
    for magic, media_type in _MAGIC:
        if body.startswith(magic):
            return media_type
    head = body[:1024].decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if looks_like_html(head):
        return "text/html"
    if head.startswith(("{", "[")):
        return "application/json"
    if head.startswith("<"):
        return "application/xml"
    return None


def _require_html(response: Response, *, source: str) -> None:
    declared = _media_type(response)
    media_type = declared or sniff_type(response.body)
    if media_type in _HTML_TYPES:
        return
    if declared:
        what = f"has Content-Type {declared}"
    elif media_type:
        what = f"has no Content-Type and looks like {media_type}"
    else:
        what = "has no Content-Type and does not look like HTML"
    hint = "; if it is a feed, ingest it as a feed" if media_type and "xml" in media_type else ""
    raise NotArticleError(f"{what}, not an HTML page{hint}", source=source)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))

# A few stray bytes (a multibyte character cut by a CMS, one mis-pasted quote) should not cost the
# article; more than this and the declared encoding is wrong and the text would be garbage.
_MAX_BAD_CHAR_SHARE = 0.01


def _declared_charset(response: Response) -> tuple[str, str]:
    """The page's encoding and where it was declared; the HTML rules' order: BOM, header, <meta>."""
    for bom, name in _BOMS:
        if response.body.startswith(bom):
            return name, "byte order mark"
    match = re.search(r"charset\s*=\s*[\"']?([^\"';\s]+)", response.headers.get("content-type", ""), re.IGNORECASE)
    if match:
        return match.group(1), "Content-Type header"
    meta = _META_CHARSET.search(response.body[:4096])
    if meta:
        return meta.group(1).decode("ascii"), "<meta> tag"
    return "utf-8", "default"


def _codec(charset: str, declared_by: str) -> str:
    try:
        codec = codecs.lookup(charset).name
    except LookupError:
        LOG.info("unknown charset %r in the %s; decoding as UTF-8", charset, declared_by)
        return "utf-8"
    # The HTML standard's reading of labels that pages get wrong: "latin-1" pages use the
    # Windows quotes and dashes at 0x80-0x9F, and a <meta> cannot be read in UTF-16 at all.
    if codec in ("iso8859-1", "ascii"):
        return "cp1252"
    if codec.startswith("utf-16") and declared_by == "<meta> tag":
        return "utf-8"
    return codec


def _decode_html(response: Response, *, source: str) -> str:
    charset, declared_by = _declared_charset(response)
    codec = _codec(charset, declared_by)
    try:
        return response.body.decode(codec).removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    text = response.body.decode(codec, "replace").removeprefix("\ufeff")
    bad = text.count("\ufffd")
    if bad > _MAX_BAD_CHAR_SHARE * len(text):
        encoding = "UTF-8 and declares no charset" if declared_by == "default" else f"{codec} as its {declared_by} says"
        raise EncodingError(f"is not valid {encoding}: {bad:,} undecodable bytes, the first at byte {first_bad}", source=source)
    LOG.info("%s: %d undecodable bytes in %s replaced", source, bad, codec)
    return text
