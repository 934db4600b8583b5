"""Event dates: explicit and relative date expressions resolved against the publication date.

Convention: an event with no date expression in its sentence takes the date of the last dated
sentence before it in the same paragraph ("narrative time"), else, for a past event ("was
shot", not "have been massed"), the date the story's lede states (its first 400 characters),
else the publication date. Weekdays refer to
the latest such day on or before publication, or the next one for future-tense events.
"""

from __future__ import annotations

import re
from datetime import date as Date
from datetime import timedelta

from ...model import Article
from ..registry import Resources, stage
from .common import LEDE_CHARS, governing_verb

_PARAGRAPH = re.compile(r"\n[ \t\r]*\n")
WEEKDAYS = {d: i for i, d in enumerate(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])}
MONTHS = {m: i + 1 for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"])}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9
SMALL = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
         "eight": 8, "nine": 9, "ten": 10}

_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
PATTERNS = [
    ("iso", re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")),
    # "May 5, 2010" and, in tokenised corpora, "May 5 , 2010".
    ("mdy", re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:\s?,?\s+(\d{{4}}))?\b", re.I)),
    ("dmy", re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:\s?,?\s+(\d{{4}}))?\b", re.I)),
    ("before_yesterday", re.compile(r"\bthe day before yesterday\b", re.I)),
    ("yesterday", re.compile(r"\b(yesterday|last night)\b", re.I)),
    ("today", re.compile(r"\b(today|tonight|this (?:morning|afternoon|evening))\b", re.I)),
    ("tomorrow", re.compile(r"\btomorrow\b", re.I)),
    ("ago", re.compile(r"\b(a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d+)\s+(day|week)s?\s+ago\b", re.I)),
    ("earlier", re.compile(r"\b(a|an|one|two|three|four|five|six|seven|\d+)\s+(day|week)s?\s+(earlier|before|later|after)\b", re.I)),
    ("prev_day", re.compile(r"\bthe (previous|prior|preceding) day\b|\bthe day before\b", re.I)),
    ("next_day", re.compile(r"\bthe (next|following) day\b|\bthe day after\b", re.I)),
    ("weekday", re.compile(r"\b(last |this |next |on |early |late )?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?\b", re.I)),
]


EXPLICIT = frozenset({"iso", "mdy", "dmy"})


def resolve(text: str, pub: Date | None, anchor: Date | None, future: bool = False,
            near: int | None = None) -> Date | None:
    """A date expression in `text`, resolved; None when there is none or no reference. With `near`
    (the trigger's offset in `text`), the expression closest to it ("On Tuesday police named the
    suspect in the April 15 bombing": the bombing is April 15); else the first."""
    hits = []
    for kind, pat in PATTERNS:
        for m in pat.finditer(text):
            hits.append((m.start(), kind, m))
    if near is None:
        order = sorted(hits, key=lambda h: h[0])
    else:
        order = sorted(hits, key=lambda h: min(abs(h[2].start() - near), abs(h[2].end() - near)))
    for _, kind, m in order:
        if kind in EXPLICIT and _verb_not_month(m):
            continue
        try:
            d = _resolve_one(kind, m, pub, anchor, future)
        except OverflowError:
            d = None  # "3000000 days ago", or a publication date at the calendar's edge
        if d is not None:
            return d
    return None


def _verb_not_month(m: re.Match) -> bool:
    """ "farmers march 20 kilometres", "may 5 times": lower-case "march" and "may" are verbs."""
    word = m.group(0).lstrip("0123456789 ")
    return word[:3] in ("mar", "may") and word[:1].islower()


def _resolve_one(kind: str, m: re.Match, pub: Date | None, anchor: Date | None, future: bool) -> Date | None:
    try:
        if kind == "iso":
            return Date(int(m[1]), int(m[2]), int(m[3]))
        if kind in ("mdy", "dmy"):
            month_s, day_s = (m[1], m[2]) if kind == "mdy" else (m[2], m[1])
            month = MONTHS[month_s.lower().rstrip(".")[:4] if month_s.lower().startswith("sept") else month_s.lower().rstrip(".")[:3]]
            day = int(day_s)
            if m[3]:
                return Date(int(m[3]), month, day)
            if pub is None:
                return None
            d = Date(pub.year, month, day)
            # A date without a year is the nearest one, usually in the past of a news story.
            if d > pub + timedelta(days=60):
                d = Date(pub.year - 1, month, day)
            elif d < pub - timedelta(days=305):
                d = Date(pub.year + 1, month, day)
            return d
    except ValueError:
        return None
    if pub is None:
        return None
    base = anchor or pub
    if kind == "before_yesterday":
        return pub - timedelta(days=2)
    if kind == "yesterday":
        return pub - timedelta(days=1)
    if kind == "today":
        return pub
    if kind == "tomorrow":
        return pub + timedelta(days=1)
    if kind == "ago":
        n = int(m[1]) if m[1].isdigit() else SMALL[m[1].lower()]
        return pub - timedelta(days=n * (7 if m[2].lower() == "week" else 1))
    if kind == "earlier":
        n = int(m[1]) if m[1].isdigit() else SMALL[m[1].lower()]
        days = n * (7 if m[2].lower() == "week" else 1)
        word = m[3].lower()
        if word in ("earlier", "before"):
            return base - timedelta(days=days)
        # "a day after Ukraine used ATACMS" is a day after that use, whose date this sentence does not
        # give: never the day after publication. "Two days later" counts from the story's last date.
        return anchor + timedelta(days=days) if anchor is not None and word == "later" else None
    if kind == "prev_day":
        return base - timedelta(days=1)
    if kind == "next_day":
        return anchor + timedelta(days=1) if anchor is not None else None
    if kind == "weekday":
        qual = (m[1] or "").strip().lower()
        wd = WEEKDAYS[m[2].lower()]
        if future or qual == "next":
            delta = (wd - pub.weekday()) % 7 or (7 if qual == "next" else 0)
            return pub + timedelta(days=delta)
        delta = (pub.weekday() - wd) % 7
        if qual == "last" and delta == 0:
            delta = 7
        return pub - timedelta(days=delta)
    return None


@stage("dates", reads=("doc", "events", "date"), writes=("events.date", "events.scheduled"))
def dates(articles: list[Article], res: Resources) -> None:
    for article in articles:
        if not article.events:
            continue
        # An undated article is read as of the first full date its opening states ("May 5, 2010").
        pub = article.date or _opening_date(article.text)
        # Sentences that state a date, in order: "A man was shot Friday night. He died at the
        # scene." The second sentence's death happened on Friday too.
        stated = [(sent.start_char, sent.end_char, d) for sent in article.parsed.sents
                  if (d := resolve(sent.text, pub, None)) is not None]
        lede = next((d for start, _, d in stated if start < LEDE_CHARS), None)
        anchor: Date | None = None
        last_end = 0
        seen: dict[tuple, Date | None] = {}
        for ev in article.events:
            # Narrative time does not carry across paragraphs.
            if _PARAGRAPH.search(article.text, last_end, ev.evidence.start):
                anchor = None
            last_end = max(last_end, ev.evidence.end)
            tok = article.parsed[ev.trigger_i]
            # "will hold a general strike": a noun's tense is its verb's.
            future = _future(tok) or tok.pos_ != "VERB" and _future(governing_verb(tok))
            key = (ev.evidence.start, ev.trigger_start, anchor, future)
            if key not in seen:
                seen[key] = resolve(ev.evidence.text, pub, anchor, future,
                                    near=ev.trigger_start - ev.evidence.start)
            d = seen[key]
            if d is not None and pub is not None and d > pub and not future and not _states_a_day(ev.evidence.text):
                # A relative expression read forward for an event not told as to come: a past or
                # present event is not dated after its own report. A stated date ("on March 16") stands.
                d = None
            if d is not None:
                anchor = d
            told = _past(tok) and (_preceding(stated, article.text, ev.evidence.start) or lede)
            ev.date = d or anchor or told or pub
            ev.date_explicit = d is not None
            # After publication only as a scheduled event, and the row says so.
            ev.scheduled = bool(pub and ev.date and ev.date > pub)


def _states_a_day(text: str) -> bool:
    """Whether `text` names a calendar day ("on March 16", "2024-05-01"), not only a relative one."""
    return any(not _verb_not_month(m) for kind, pat in PATTERNS if kind in EXPLICIT for m in pat.finditer(text))


def _opening_date(text: str) -> Date | None:
    """The first date with its year in an article's opening."""
    return resolve(text[:LEDE_CHARS], None, None)


def _future(tok) -> bool:
    """ "will meet", "is to visit", "is due to sign", "plans to hold" """
    aux = [c for c in tok.children if c.dep_ == "aux"]
    if any(c.lower_ in ("will", "'ll", "shall", "wo") for c in aux):
        return True
    if tok.tag_ == "VBG" and any(c.lemma_ == "be" and c.tag_ in ("VBZ", "VBP") for c in aux):
        return True  # "is meeting his counterpart on Saturday"
    head = tok.head
    return (tok.dep_ == "xcomp" and head.lemma_ in ("be", "plan", "schedule", "due", "expect", "set")
            and any(c.lower_ == "to" for c in tok.children))



def _past(tok) -> bool:
    """A past event ("was shot", "has died", "the shooting"), not one in the present of
    publication ("police are searching", "troops are massing")."""
    if tok.pos_ != "VERB" or tok.tag_ in ("VBD", "VBN"):
        return True
    return any(c.dep_ in ("aux", "auxpass") and c.tag_ == "VBD" for c in tok.children)


def _preceding(stated: list[tuple[int, int, Date]], text: str, start: int) -> Date | None:
    """The date of the last sentence before `start` in the same paragraph that states one."""
    for _, s_end, d in reversed(stated):
        if s_end <= start:
            return None if _PARAGRAPH.search(text, s_end, start) else d
    return None
