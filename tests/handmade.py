"""Articles and events built by hand, to test the store without running the coder (spaCy)."""

from __future__ import annotations

from datetime import date

from flashpoint.model import Actor, Article, Event, Evidence, Location, Size
from flashpoint.places.gazetteer import Place
from flashpoint.places.geoparse import PlaceMention

DAY = date(2024, 11, 20)

KHARKIV = Location("Kharkiv", "Kharkiv", 706483, 49.9935, 36.2304, "Kharkiv Oblast", "UKR", 4)
# A village 15 km from the city centre, reported as a place of its own.
TSIRKUNY = Location("Tsirkuny", "Tsirkuny", 691520, 50.0830, 36.3650, "Kharkiv Oblast", "UKR", 4)
# In Kharkiv's province, 120 km from the city.
IZIUM = Location("Izium", "Izium", 707688, 49.2128, 37.2567, "Kharkiv Oblast", "UKR", 4)
ODESA = Location("Odesa", "Odesa", 698740, 46.4775, 30.7326, "Odesa Oblast", "UKR", 4)
KURSK_REGION = Location("Kursk region", "Kursk Oblast", 538555, 51.5, 36.0, "Kursk Oblast", "RUS", 2)
BRYANSK = Location("Bryansk", "Bryansk", 571476, 53.2521, 34.3717, "Bryansk Oblast", "RUS", 4)


def actor(code: str | None, sector: str | None = None, text: str | None = None) -> Actor:
    return Actor(text or code or "someone", code, sector)


def event(article_id: str, kind: str = "ASSAULT", *, day: date | None = DAY, place: Location | None = None,
          actors: tuple[str, ...] = ("RUS",), recipients: tuple[str, ...] = (), sentence: str = "Russian forces shelled it.",
          start: int = 0, trigger_start: int | None = None, dead: int | None = None, injured: int | None = None,
          explicit: bool = True, confidence: float = 0.8) -> Event:
    """One event record of an article, as the coder would make it."""
    return Event(article_id=article_id, event=[kind], evidence=Evidence(sentence, start, start + len(sentence)),
                 trigger="shelled", trigger_start=start if trigger_start is None else trigger_start,
                 actor=[actor(c, "MIL") for c in actors], recipient=[actor(c) for c in recipients], date=day,
                 event_loc=place, size=Size(dead=dead, injured=injured), confidence=confidence, date_explicit=explicit)


def toponym(text: str, where: Location, start: int = 0) -> PlaceMention:
    """A toponym of an article, resolved to the town of `where`."""
    return PlaceMention(text, start, start + len(text), Place(where.geonameid, where.resolved_place or text, where.lat,
                                                              where.lon, where.country_code, None, 0, "city", "PPL"), 1.0)


def article(id: str, text: str, *events: Event, url: str | None = None, day: date | None = DAY,
            places: tuple[PlaceMention, ...] = (), outlet: str | None = None) -> Article:
    """A coded article: its events are given; it has no parse, and only the toponyms given."""
    return Article(id=id, text=text, date=day, url=url, lang="en", events=list(events), places=list(places),
                   outlet=outlet)
