"""HTML pages to article text, title and publication date (trafilatura, htmldate)."""

from __future__ import annotations

import logging
from datetime import date as Date

from ..errors import EmptyInputError, PageTooComplexError
from ..settings import DEFAULTS

LOG = logging.getLogger(__name__)


# trafilatura's time grows faster than the page: one of 92,000 one-letter <div>s (184,000 tags)
# took it 37 s, and `extract` 91 s and 1.7 GB in all. News pages have a few thousand tags (230 KB
# with nav, article and 240 teasers: 7,700 tags, 1 s); at this limit the worst layouts measured,
# tiny <div>s or short <p>s, take 5 to 10 s.
MAX_TAGS = DEFAULTS.page_max_tags


def html_to_text(html: str, *, source: str) -> tuple[str, str | None]:
    # "<" counts tags (and the odd "<" in a script) at the cost of one pass over the string.
    tags = html.count("<")
    if tags > MAX_TAGS:
        raise PageTooComplexError(
            f"has {tags:,} HTML tags, over the {MAX_TAGS:,} a news page needs; save its article's own "
            "markup (or text) in a file and read that instead", source=source)
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=True)
    if not text or not text.strip():
        raise EmptyInputError("HTML has no main text that could be extracted", source=source)
    meta = trafilatura.extract_metadata(html)
    return text, (meta.title if meta is not None else None)


def html_publication_date(html: str, url: str | None = None) -> Date | None:
    """The page's publication date (htmldate), or None; a date is a nicety never worth losing the
    article over, so htmldate's failures are logged and give None."""
    from htmldate import find_date

    try:
        # Bytes, not str: htmldate downloads a str that looks like a URL, which would skip the
        # private-address guard of flashpoint.sources.web.
        found = find_date(html.encode("utf-8"), url=url, original_date=True, extensive_search=False,
                          outputformat="%Y-%m-%d")
        return Date.fromisoformat(found) if found else None
    except Exception as exc:  # third-party heuristics: see the docstring
        LOG.warning("%s: publication date not found, htmldate failed: %s", url or "page", exc)
        return None


def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:500].lower()
    return head.startswith(("<!doctype html", "<html")) or ("<body" in head and "</" in text)
