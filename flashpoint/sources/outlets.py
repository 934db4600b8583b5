"""Who published an article: its outlet, the unit analysts count sources by (GDELT's NumSources,
ACLED's sources).

In order: the outlet the input names (an `outlet` or `source` field), the registered domain of
its URL (news.bbc.co.uk and www.bbc.co.uk are both bbc.co.uk; an archive.org or archive.today
copy is the outlet it copied), the registered domain of the feed it came from, and only then
the file it was read from ("file:reports.jsonl"): a file is not an outlet, but without one it
is all that tells two inputs' origins apart. The public-suffix list is the one the `tld` package
ships; nothing is fetched.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import PurePath
from urllib.parse import urlsplit

from tld import get_fld

# http://web.archive.org/web/20160617212336/http://fox59.com:80/2014/... and archive.today's
# archive.ph/2019.../https://...: the copied page's URL follows the snapshot's stamp.
_ARCHIVED = re.compile(r"^https?://(?:web\.)?archive\.(?:org/web|ph|today|is|li|md|vn)/[^/]*/+(?P<url>.+)$", re.I)
# A reader's label of where an input was: "path/file.jsonl:12", "path/file.csv row 3".
_LOCATION = re.compile(r"(?::\d+| row \d+| line \d+)$")


def registered_domain(url: str | None) -> str | None:
    """The domain an outlet registered (bbc.co.uk for https://news.bbc.co.uk/...), or the host
    itself where the public-suffix list has none (an address, a local name); None for no host."""
    if not url:
        return None
    archived = _ARCHIVED.match(url.strip())
    if archived:
        url = archived.group("url")
        if "://" not in url:
            url = "http://" + url
    try:
        host = (urlsplit(url.strip()).hostname or "").rstrip(".").lower()
    except ValueError:
        return None
    if not host:
        return None
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    return get_fld(host, fix_protocol=True, fail_silently=True) or host.removeprefix("www.")


def outlet_of(*, named: str | None = None, url: str | None = None, feed: str | None = None,
              file: str | None = None) -> str | None:
    """The article's outlet from what is known of it, the most telling first (module docstring)."""
    if named and named.strip():
        return " ".join(named.split())
    domain = registered_domain(url) or registered_domain(feed)
    if domain:
        return domain
    if file:
        return f"file:{PurePath(_LOCATION.sub('', file)).name}"
    return None
